# The store (liudong-store): what can go wrong reading or writing the
# node's data directory.

store-io = store I/O error: { $error }; check that the data directory exists, is writable and has free space
store-engine-io = I/O error: { $error }
store-conflict = record { $id } is already held with different content (conflicting duplicate id); nothing of this batch was stored
store-invalid = record { $id }: { $error }
store-invalid-in-batch = draft #{ $index } of the batch (would be record { $id }): { $error }; nothing of this batch was written
store-corrupt = store is corrupt: { $detail }; restore the data directory from a backup or resync it from its upstream
store-wrong-node = data directory belongs to node { $found }, not { $expected }; point data_dir at this node's own directory
