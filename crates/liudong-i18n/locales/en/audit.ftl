# The text form of `liudong audit` (one line per entry).

audit-none = no audit entries match
audit-cert = { " " }cert { $fingerprint }
audit-live = { " " }live
audit-session = session { $role } { $peer }{ $live }{ $cert }: sent { $sent } records ({ $subjects_sent } persons), received { $received } ({ $subjects_received } persons): { $outcome }
audit-disclosed = sent to { $peer }{ $cert }: { $records } records of { $subjects } persons
audit-refused = REFUSED { $peer }{ $addr }{ $cert }: { $reason }
audit-unknown-peer = unknown peer
audit-from = { " " }from { $addr }
audit-written = operator { $operator } wrote { $record } ({ $kind })
audit-imported = imported { $records } records from { $source }
audit-resent = operator { $operator } had the outbox for { $peer } published again (cursor { $from } back to 0, { $records } envelopes)
audit-viewed = operator { $operator } viewed { $query } ({ $subjects } persons shown)
audit-role-served = served
audit-role-dialled = dialled
audit-outcome-ok = ok
audit-source-bundle = a bundle from { $from }
audit-source-repair-fetched = a verify repair (fetched from the upstream)
audit-source-repair-offered = a verify repair (offered by { $peer })
audit-source-recover = a recovery (fetched from the upstream)
audit-source-jetstream = the JetStream exchange cluster (envelopes addressed to this county)
