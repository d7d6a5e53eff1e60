# Command outputs of the binary (liudong record/sync/verify/person/bundle/
# ca/seed/operator …) that are not help texts.

## liudong person show

person-head = { $subject }  { $name }
person-name-not-held = (name not held here)
person-basics = sex { $sex }, born { $born }, marital status { $marital }{ $married }
person-married-on = { " " }(married { $date })
person-status = status { $status }; origin { $origin }; residence { $residence }
person-certificate = certificate { $number } valid { $from } to { $until } ({ $valid ->
    [yes] valid
   *[no] NOT valid
} on { $today }) from record { $record }
person-certificate-none = certificate: none known
person-episode = episode { $n }: left { $left } ({ $outflow }), arrived { $arrived } ({ $inflow }), residences [{ $residences }], { $returned }
person-episode-open = open
person-returned-on = returned { $date }
person-inflow = inflow { $id } at { $residence } on { $date }: certificate { $certificate }, { $ack }
person-certificate-missing = missing (to be issued)
person-ack = acknowledged ({ $outcome }) by { $record }
person-not-acknowledged = not acknowledged
person-record = record { $id } { $kind } { $date }: written { $written } by { $operator }{ $corrects }
person-corrects = , corrects { $record }
person-checks = check reports: { $checks }
person-birth = birth { $date } { $sex }, order { $order } ({ $id })
person-counts = { $records } records, { $voided } voided
person-held = HELD { $id } ({ $kind }): { $issue }

## liudong record add / sync --once / verify

record-add-written = written { $id } (hlc { $hlc })
sync-complete = sync complete: pushed { $pushed } records, pulled { $pulled } new records
verify-head = verify { $scope } against { $upstream }
verify-local-audit = { "  " }local audit: { $missing } records missing, { $corrupt } corrupt (removed so that repair can restore them)
verify-differs = { "  " }differs: { $bucket }: here { $here }, upstream { $there }; missing here { $missing_here }, missing upstream { $missing_there }, conflicting { $conflicting }
verify-repaired = { "  " }repaired: fetched { $fetched } records, offered { $offered } ({ $new } new upstream)
verify-fingerprints = { "  " }{ $in_step ->
    [yes] in step
   *[no] NOT in step
}: fingerprint here { $local }, upstream { $remote }
verify-not-in-step = { $node } is not in step with { $upstream }; run `liudong verify --repair`
verify-not-in-step-after-repair = { $node } is not in step with { $upstream } even after repair (see the conflicting records above)
verify-source-equal = { "  " }from { $source }: complete — { $received } envelopes, as its delivery proof says
verify-source-ahead = { "  " }from { $source }: complete — { $received } envelopes here, its delivery proof counts { $sent } (the proof predates the newest)
verify-source-in-flight = { "  " }from { $source }: { $missing } of { $sent } envelopes not here yet, and messages are still in this county's queue: in flight, verify again shortly
verify-source-missing = { "  " }from { $source }: MISSING { $missing } of { $sent } envelopes (here { $received }); county { $source } re-sends with `liudong exchange resend`
verify-source-missing-ids = { "  " }from { $source }: MISSING { $missing } of { $sent } envelopes (here { $received }): { $ids }; county { $source } re-sends with `liudong exchange resend`
verify-source-no-proof = { "  " }from { $source }: { $received } envelopes here, but { $source } has announced no delivery proof (yet)
verify-source-refused = { "  " }from { $source }: delivery proof refused: { $reason }
verify-in-flight = { "  " }{ $count } messages addressed to this county are still in its queue on the exchange
verify-not-in-step-cluster = { $node } cannot show that it received everything the counties announced to it through { $upstream } (see above)
verify-cluster-stopped = { $node } verifies against the JetStream cluster through the running node (it reads the delivery proofs over its connection and checks them with the keys it holds): start it, then run `liudong verify` again

## liudong bundle export / import

bundle-written = bundle for { $to }: { $records } records (outbox { $since }..{ $upto }], { $bytes } bytes, written to { $path }
bundle-file-refused = bundle { $path } refused
bundle-nothing-new = bundle from { $from } already imported or older than what this node holds: nothing changed (cursor { $cursor })
bundle-imported = bundle from { $from }: { $records } records, { $new } new, { $duplicate } already held; cursor { $cursor }{ $advanced ->
    [yes] {""}
   *[no] { " " }(not advanced: the bundle starts after what this node has received; import the earlier bundle too)
}

## liudong ca init / issue / revoke, liudong seed

ca-created = CA for { $code } created in { $dir }: { $cert } (give to every node that must trust it), { $key } (mode 0600, keep offline), { $crl } (its certificate revocation list, empty; nodes name it in [tls] crls)
ca-issued = issued certificate for node { $code } by CA { $ca }: { $files }
    fingerprint { $fingerprint }
ca-revoked = revoked certificate { $fingerprint } of node { $code } (serial { $serial }, reason { $reason }): the certificate revocation list { $crl } is re-signed (CRL number { $number }, { $count } revoked)
    nodes whose [tls] crls names this file reload it within a second; copy it to the nodes that keep a copy (townships and villages: tls/{ $file }; docs/operations.md, section 8)
ca-already-revoked = { $fingerprint } (node { $code }) was already revoked in { $crl } (CRL number { $number }); nothing changed
seed-done = seeded { $records } records about { $people } people ({ $households } households, seed { $seed }) at node { $node }; they sync upstream when the node runs

## liudong operator, start-up

operator-password-stdin = reading the password from standard input failed
operator-password-prompt = { "password: " }
operator-password-again = { "password again: " }
operator-password-terminal = reading the password from the terminal failed (use --password-stdin in scripts)
operator-passwords-differ = the two passwords differ; nothing was changed
cli-runtime = cannot start the async runtime
