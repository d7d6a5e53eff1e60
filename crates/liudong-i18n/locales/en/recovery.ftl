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

# liudong recover: refusals.
recover-node-running = node { $node } is running: stop it first (systemctl stop liudong), then run `liudong recover`
recover-no-upstream = node { $node } has no upstream ([upstream]) to recover from: restore its data directory from a backup (docs/operations.md)
recover-set-aside-failed = cannot move the damaged store from { $from } to { $to }: check that the directory is writable, or move its conf, db, blobs and snap.* away by hand, then run `liudong recover` again
recover-upstream-failed = the recovery failed at the { $step ->
        [sync] sync
       *[verify] verify
    } step with upstream { $upstream } ({ $url }); the records already fetched are kept: run `liudong recover` again once the link works

# liudong recover: what it did.
recover-found-damaged = the store was damaged ({ $detail }): moved to { $to } ({ $moved }), a new store opened in its place; delete that directory once the recovery is confirmed
recover-found-opened = the store opens ({ $records } records): kept and completed
recover-synced = synced with upstream { $upstream }: pulled { $pulled } records, pushed { $pushed }
recover-repaired = verify repair: fetched { $fetched } more records (this node's own among them), { $offered } new at the upstream
recover-author-seq = highest sequence number of this node's own records: { $before } → { $after } (every new record is numbered above it); { $records } records held
recover-receipt-in-step = verify receipt: in step with { $upstream } as of { $at }, cursor { $cursor }, fingerprint { $fingerprint }
recover-receipt-not-in-step = verify receipt: NOT in step with { $upstream } (fingerprint here { $here }, upstream { $there }; differing: { $differing }); run `liudong verify --repair` to see the conflicting records
recover-not-in-step = node { $node } is still not in step with { $upstream } after the recovery (see above)

# liudong verify: records in this node's own name that only the upstream holds.
verify-own-records-missing = the upstream holds { $records } records in this node's own name that this node lacks (data directory wiped or restored from a backup?): a verify repair does not take them back; stop this node and run `liudong recover`
