# Sync sessions (liudong-sync): why a session failed or was refused, and
# bundles (offline transfer).

sync-version = protocol version { $theirs } is not supported (this node speaks { $ours }); upgrade the older node
sync-protocol = protocol error: { $error }
sync-not-child = node { $peer } is not a direct child of { $server }; a node may only sync with its own upstream
sync-identity-mismatch = session claims node { $claimed }, but the peer's certificate is for { $certified }; a node may only use its own certificate
sync-wrong-upstream = upstream answered as node { $found }, but this node's upstream is configured as { $expected }; check [upstream] in the config
sync-decode = record #{ $index } of the batch cannot be decoded: { $error }
sync-invalid = record { $id } is invalid: { $error }
sync-not-entitled = record { $id } is not entitled to { $peer }: { $rule }
sync-revoked = certificate { $fingerprint } of node { $peer } has been revoked; the node needs a new certificate from its CA
sync-limit = limit exceeded: { $reason }
sync-timeout = timed out: { $reason }
sync-remote = { $message }
sync-transport = connection failed: { $reason }
sync-cancelled = session cancelled (shutting down)
sync-seal-mismatch = node { $peer } { $theirs } sealed envelopes on this link, but this node { $ours }; set [exchange] sealed the same on the county, its exchanges and the exchanges above them
sync-sealed-carries = carries
sync-sealed-not-carries = does not carry

## Details of a failed session

sync-stream-closed = the stream to the upstream closed
sync-timeout-connecting = connecting to the upstream
sync-first-not-welcome = the first server message must be Welcome
sync-closed-before-welcome = the upstream closed the stream before answering
sync-timeout-welcome = no answer from the upstream
sync-the-upstream = the upstream
sync-upstream-ended-early = the upstream ended the session early
sync-timeout-close = the upstream did not close the session
sync-upstream-gone = the upstream went away
sync-silent-peer = no message from { $peer } for { $secs } s ([sync] idle_timeout_secs)
sync-silent-peer-awaiting-ack = no message from { $peer } for { $secs } s ([sync] idle_timeout_secs) while a batch awaited its acknowledgement
sync-limit-session-records = session would exceed [sync] max_session_records = { $max } (received { $received }, batch of { $batch }); start a new session to continue
sync-limit-batch = batch of { $records } records exceeds [sync] max_batch = { $max }; send smaller batches
sync-limit-record-bytes = record #{ $index } of the batch is { $bytes } bytes, more than [sync] max_record_bytes = { $max }{ $envelope ->
    [0] {""}
   *[other] { " " }plus { $envelope } bytes of envelope
}
sync-limit-verify = { $n } { $what } in one verify request exceed the limit of { $max }; ask in smaller pieces
sync-verify-months = months
sync-verify-buckets = buckets
sync-verify-members = members
sync-verify-record-ids = record ids
sync-verify-envelope-ids = envelope ids

## Bundles

bundle-truncated = the bundle file is truncated or not a Liudong bundle; copy it again from the exporting node
bundle-not-a-bundle = not a Liudong bundle (wrong magic bytes)
bundle-version = bundle format version { $version } is not supported (this node reads { $ours }); export it again with this version
bundle-trailing = the bundle file has { $bytes } unexpected trailing bytes; it was altered
bundle-untrusted = bundle signer { $signer } with key { $key } is not trusted; add it to [[bundle.trusted]] (see `liudong key show` on { $signer })
bundle-bad-key = public key "{ $key }" is not of the form ed25519:<hex>
bundle-bad-signature = bundle signature does not verify: the file was altered or not signed by this key
bundle-payload = bundle contents: { $error }
bundle-payload-decompress = they do not decompress ({ $error })
bundle-payload-too-large = they exceed { $max } bytes
bundle-payload-decode = they cannot be decoded ({ $error })
bundle-signer-mismatch = bundle says it is from { $from } but is signed by { $signer }
bundle-not-for-this-node = this bundle is for node { $to }, not { $node }
bundle-not-a-link = { $peer } is neither the upstream nor a child of { $node }; bundles travel over one link
bundle-bad-sender = bundle sender code: { $error }
bundle-key-generation = cannot generate a node signing key
bundle-refused = bundle refused: { $error }
bundle-not-a-key = { $path } is not an Ed25519 PKCS#8 key; delete it to generate a new one (and update the importers' [[bundle.trusted]])

## Entitlement (which records a peer may send)

sync-scope = { $kind } { $code }
sync-rule-child-push = a lower node may push only records whose origin or residence lies under it
sync-rule-child-author = a lower node may push only records authored by itself or by nodes under it
sync-rule-parent-send = an upper node may send only records whose origin or residence lies under the receiving node
sync-rule-sealed-source = a lower node may push only envelopes sealed by a county under it, to a county the exchange routes to
sync-rule-sealed-down = an upper exchange may send only envelopes addressed to a county under the receiving node
sync-rule-sealed-author = an envelope may carry only a record written under its source county, with the id its header names
sync-rule-own-envelopes = a county may publish on the exchange cluster only envelopes it sealed itself (the subject names the signing county)
sync-link-driver-not-running = the link's sync task is not running
sync-link-driver-stopped = the link's sync task stopped

## Records on the wire (liudong-proto)

proto-not-record = not a protobuf Record message: { $error }
proto-missing = field { $field } is missing
proto-invalid = field { $field }: { $reason }
proto-enum = field { $field }: unknown or unspecified enum value

## Sealed envelopes (liudong-exchange)

seal-malformed = envelope #{ $index } of the batch is malformed: { $reason }
seal-header = envelope of record { $id }: field { $field } of its header: { $reason }; the sending county must seal it again
seal-unknown-signer = envelope of record { $id } from county { $from } is signed with key { $key_id }, which this county has not received yet; it will be fetched from the exchange and the envelope accepted on the next attempt
seal-bad-signature = envelope of record { $id }: the signature of county { $from } does not verify; the envelope was altered on the way or not sealed by { $from }
seal-proof-malformed = the delivery proof of county { $from } cannot be read ({ $reason })
seal-proof-route = the delivery proof under county { $from }'s subject names another route ({ $route }); refused
seal-proof-unknown-signer = the delivery proof of county { $from } is signed with key { $key_id }, which this county has not received yet; verify again once the key directory has been read
seal-proof-bad-signature = the signature of county { $from }'s delivery proof does not verify: it was not signed with { $from }'s key (forged or altered); refused
seal-unknown-recipient-key = envelope of record { $id } is sealed to key { $key_id }, which county { $county } does not hold; restore the county's sealing key file (sealing-keys.json) from its backup
seal-cannot-open = envelope of record { $id } from county { $from } does not open with key { $key_id }: its payload was altered after signing or sealed to another key
seal-no-key = no sealing key of county { $county } is known yet; its announcement is fetched from the exchange (is county { $county } running and connected?)
seal-announcement = key announcement: { $error }
seal-key-file = sealing key file { $path }: { $reason }
seal-random = the system random number generator failed
