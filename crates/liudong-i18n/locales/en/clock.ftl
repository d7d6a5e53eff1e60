# Clocks, operator writes that can be retried, large answers, and the
# protocol's refusals (issue 14, items 5–9).

## This node's clock against its upstream's (the max-offset rule).

clock-offset-writes-refused = this node's clock reads { $local } (China time), but its upstream { $upstream } reads { $remote }: this node's clock is { $direction ->
        [ahead] { $diff } s ahead
       *[behind] { $diff } s behind
    }, more than the { $limit } s allowed ([sync] max_skew_secs). Local writes are refused until the clocks agree: set this node's system clock right (or the upstream's, if that one is wrong). Nothing is lost: records already written still sync, and writing works again as soon as the clocks agree.

## Certificates not valid yet: a clock problem, not an expired or untrusted certificate.

# Why this node refused a peer's TLS handshake (log and audit trail).
tls-peer-not-yet-valid = invalid peer certificate: not valid yet — it is valid from { $from }, but this node's clock reads { $now } (China time). This is a clock problem, not an expired or untrusted certificate: this node's clock, or that of the machine where the certificate was issued, is wrong; check both system clocks.
# Added to a dialling node's error when the upstream's certificate is not valid yet by its clock.
tls-upstream-not-yet-valid-hint = the upstream's certificate is valid only from { $from }, but this node's clock reads { $now } (China time): this is a clock problem, not an expired or untrusted certificate; check this node's system clock (and the clock of the machine where the upstream's certificate was issued)
# Added when the upstream refused this node's certificate as expired (TLS says the same for "not valid yet").
tls-alert-expired-hint = the upstream found this node's certificate expired or not valid yet by its own clock: if the certificate's dates (`openssl x509 -noout -dates -in` the [tls] cert file) include the present time, a clock is wrong (compare this node's clock with the upstream's); otherwise the node needs a new certificate from its CA

## The sync protocol's refusals (docs/protocol.md).

# A served session ended because the same lower node opened a newer one.
session-superseded = a newer session of node { $peer } began; this one ends (one session per lower node at a time: the newest wins)
# A batch whose cursor goes backwards.
cursor-backwards = { $what } cursor { $cursor } goes back before { $last }, where the { $what } batches of this session had already reached: a sender's outbox positions only increase; the sender must resend from the cursor it was given
# A batch with records that does not move the cursor.
cursor-stalled = { $what } batch of { $records } records has cursor { $cursor }, which does not move past { $last }: a batch with records covers outbox positions after the previous batch

## Operator writes that can be retried (request ids).

request-id-bad = request id "{ $id }" is not valid: use 1 to 64 characters of letters, digits and . _ : -
request-id-reused = request id { $id } was already used for a different write: nothing was written; use another request id (or send the same write again to learn what it stored)
# A write whose answer did not arrive.
write-outcome-unknown = the node did not answer the write ({ $code }: { $message }), so whether it was stored is not known; retrying is safe: the same write with request id { $id } is never stored twice
# `liudong record add` after such a failure.
record-add-retry = to retry, run the same command again with --request-id { $id }
# `liudong record add` retried: the first attempt had stored it.
record-add-replayed = already written by an earlier attempt with request id { $request }: { $id } (hlc { $hlc }); nothing was written now
# A streamed admin reply that does not decode.
reply-not-decoded = the running node's { $what } reply does not decode: the command and the node are different builds or the reply was cut; run the command again, and if it fails again restart the node with this build
clock-skew = timestamp { $remote_ms } ms is { $ahead_ms } ms ahead of this node's clock (limit { $max_skew_ms } ms); check the sending node's system clock
