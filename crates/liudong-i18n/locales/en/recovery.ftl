# Record ids, forged authorship, damaged stores and recovery (issue 14, items 1, 3, 4).

# A received record whose sequence number is beyond what any node's clock allows.
record-seq-beyond-limit = sequence number { $seq } is beyond the limit of { $limit } that the clock allows now (sequence numbers follow the writing node's clock, within [sync] max_skew_secs); the record is forged or its node's clock is wrong, so it is refused

# The store's files are damaged; $detail says what the engine found.
store-damaged = the store in { $path } is damaged ({ $detail }); nothing was changed. Stop this node and run `liudong recover --config <this node's config file>`: it moves the damaged store aside, rebuilds this node's records from its upstream and proves them complete with verify; or restore a backup (docs/operations.md)

# Details of a damaged store (inside store-damaged).
store-damaged-empty = the directory held the store of node { $node } (its log reached { $log } when last flushed), and nothing of it can be read now
store-damaged-shorter = its log reached { $flushed } when last flushed, and only { $found } can be read now
store-engine-failed = the storage engine failed while reading its files: { $what }

# A peer sent a record in this node's own name that this node does not hold.
refused-forged-author = record { $id } from { $peer } is in this node's own name, but this node does not hold it: only this node writes its records, so it is refused and audited. If this node lost records (its data directory was wiped or restored from a backup), run `liudong recover`, which takes this node's records back from its upstream
