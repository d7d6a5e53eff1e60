# Setting nodes up (liudong-ops): init, enrol, ca, trust files, seed.

ops-unknown-division = division code { $code } is not in the embedded division table (NBS, { $date }); check the code: a { $level } code has { $digits } digits and must exist
ops-exists = { $path } already exists; { $hint }
ops-exists-ca = a CA is created once (use another --dir for a new CA)
ops-exists-certificate = issue into an empty directory (revoke the old certificate first if it is being replaced)
ops-exists-force = refusing to overwrite it (use --force to replace it)
ops-exists-config = refusing to overwrite a node's config (use --force to replace it, or choose another --dir)
ops-exists-jetstream = write the configuration into a new directory (keep the old one until the cluster runs the new one)
ops-exists-trust-file = refusing to overwrite it (use --force, or another --out)
ops-io-read = cannot read { $path }
ops-io-write = cannot write { $path }
ops-io-create-dir = cannot create directory { $path }
ops-io-replace = cannot replace { $path }
ops-io-mode = cannot set the mode of { $path }
ops-io-other = cannot { $action } { $path }
ops-current-dir = cannot read the current directory
ops-random = the system's random number generator failed; nothing was issued
ops-not-issued-here = { $what } was not issued by the CA in { $dir } (the CA of { $ca }); revoke it with the CA that issued it
ops-crl = certificate revocation list { $path }: { $what }; it must be the CRL this CA signed (`liudong ca init` writes it, `liudong ca revoke` updates it): restore it from the CA's backup
ops-crl-not-pem = not a PEM CRL: { $error }
ops-crl-parse = cannot be parsed: { $error }
ops-crl-not-signed = it is not signed by this CA ({ $code })
ops-crl-no-number = it has no CRL number Liudong can continue
ops-certificate-of = certificate { $fingerprint } (node { $code })
ops-not-pem-certificate = not a PEM certificate
ops-generated = generated record { $id }: { $error }
ops-file-error = { $path }: { $e }
ops-context-ca = CA in { $dir }
ops-context-creating-ca = creating the CA in { $dir }
ops-context-issuing-hub = issuing the hub's certificate
ops-context-enrol-file = enrolment file { $file }
ops-context-enrol-file-field = enrolment file: { $field }
ops-context-trust-file-field = trust file: { $field }
ops-trust-file = trust file { $file }

## liudong init / enrol / ca / trust

ops-listen-address = { $flag } "{ $v }" is not an address like 0.0.0.0:7300: { $e }
ops-exchange-children-value = --exchange-children "{ $other }": expected county or province
ops-exchange-children-not-exchange = --exchange-children is only for exchange nodes (codes CN, 2 or 4 digits)
ops-admin-listen-loopback = --admin-listen { $v }: the admin service listens on a loopback address (127.0.0.1)
ops-needs-enrolment = { $code } ({ $name }) is a { $kind }: its key, certificate and settings come from its county hub. On the county hub run `liudong enrol --config liudong.toml --code { $code } --out { $code }.enrol`, carry the file here and run `liudong init --enrol { $code }.enrol`
ops-upstream-code-needs-url = --upstream-code needs --upstream-url (the address of that node)
ops-upstream-url-https = --upstream-url "{ $url }": every link is mutual TLS, so the address is https://host:port
ops-trust-ca-own = --trust-ca { $f }: that is a CA for { $code } itself; give the other operator's CA certificate
ops-ca-dir-other-code = the CA in { $ca_dir } is for { $code }, not { $code2 }; choose another --ca-dir
ops-enrol-not-county = { $code } is a { $kind } node; enrolment files are issued by county hubs, whose CA certifies their townships and villages. Counties run their own CA: exchange CA certificates with them instead (docs/operations.md)
ops-enrol-no-parent = --code { $code }: a township or village code has a parent
ops-enrol-code-level = --code { $code } is a { $level } code; a county hub enrols its townships (9 digits) and villages (12 digits)
ops-enrol-outside = --code { $code } lies outside this hub's area: county { $county } enrols only codes starting with { $county } (its CA cannot certify other nodes, and peers would refuse such a certificate)
ops-days = --days { $days }: expected 1 to 3650
ops-url-for-child-missing-township = --url-for-child is missing: this hub listens on { $listen }, which is not an address a township can dial; give the address it reaches this hub at, e.g. https://county-hub.example:{ $port }
ops-url-for-child-missing-village = --url-for-child is missing: village { $code } dials its township { $upstream }; give the township's address, e.g. https://township-{ $upstream }.example:7300
ops-url-for-child-https = --url-for-child "{ $url }": every link is mutual TLS, so the address is https://host:port
ops-ca-dir-other-county = the CA in { $ca_dir } is for { $code }, not this hub's county { $county }
ops-enrol-file-exists = { $out } already exists; refusing to overwrite an enrolment file (use --force, or another --out)
ops-enrol-file-not-lower = enrolment file { $file }: node { $code } is not a township or village
ops-trust-ca-other = the CA in { $ca_dir } is for { $code }, not this hub's { $code2 }
ops-trust-url-https = --url "{ $u }": every link is mutual TLS, so the address is https://host:port

## Enrolment files

enrol-not-enrolment = not a Liudong enrolment file (no `{ $header }` line); give the file written by `liudong enrol`
enrol-newer = format version { $version } is newer than this liudong understands (version { $ours }); install the liudong version of the county hub
enrol-older = format version { $version } was written by an older liudong (this one reads version { $ours }); ask the county operator to enrol the node again (`liudong enrol ... --force`) with the current version
enrol-header = header line is damaged ({ $error }); ask the county operator for a new file
enrol-truncated = file is truncated: { $got } of { $want } bytes after the header; copy it again (or ask the county operator for a new file)
enrol-checksum = file is corrupted: its contents do not match the checksum in the header; copy it again (or ask the county operator for a new file)
enrol-json = file contents cannot be read ({ $error }); ask the county operator for a new file

## liudong init / enrol: the summary and next steps
ops-next-steps = Next steps:
ops-setup-hub =
    Set up { $kind } { $code } ({ $name }) in { $dir }:
    { "  " }config       { $config }
    { "  " }data         { $data }
    { "  " }certificate  { $cert } ({ $fingerprint })
    { "  " }private key  { $key } (mode 0600)
    { "  " }CA           { $ca } (ca.key mode 0600; certificate revocation list { $crl })
ops-setup-enrolled =
    Set up { $kind } { $code } ({ $name }) in { $dir } from the enrolment of county { $county } ({ $issued_on }):
    { "  " }config       { $config }
    { "  " }data         { $data }
    { "  " }certificate  { $cert } ({ $fingerprint })
    { "  " }private key  { $key } (mode 0600)
    { "  " }upstream     { $upstream } at { $url }
ops-step-review = Review { $config }: every option is commented (docs/operations.md explains them).
ops-step-keep-ca-key = Keep { $key } safe: it is the CA key that certifies every node of { $code }. Back it up offline (docs/operations.md, Backups).
ops-step-copy-crl = After each `liudong ca revoke --dir { $ca }`, copy { $crl } to { $to } (this hub reloads it within a second), and to the nodes that keep a copy (docs/operations.md, section 8).
ops-step-start = Start the node: `liudong serve --config { $config }`, or as a service with config/liudong.service (docs/operations.md).
ops-step-enrol-children = Enrol each township: `liudong enrol --config { $config } --code <9-digit code> --url-for-child https://<this host>:{ $port } --out <code>.enrol`, and each village with --url-for-child https://<its township's host>:7300. Carry each file by hand to its machine.
ops-step-check = Check the node: `liudong status --config { $config }`.
ops-step-delete-enrol = Delete the enrolment file { $file } and every copy of it: it holds this node's private key, now in { $key }.
ops-step-check-upstream = Check that it reaches { $upstream } at { $url }: `liudong status --config { $config }` (link row { $upstream }, last success).
ops-step-keep-crl = Keep { $crl } current: { $hint }
ops-step-villages = Villages of { $code } dial this node on { $listen }; the county operator enrols them (`liudong enrol --code { $code }NNN --url-for-child https://<this host>:<port>`).
ops-listen-unknown = its listen address
ops-enrol-revocation-hint = it is a copy of the county CA's certificate revocation list ({ $crl } on the county hub); replace it with the current file whenever the county operator revokes a certificate (the node reloads it within a second). This certificate is kept at the hub as { $kept }; to revoke it: liudong ca revoke --dir { $ca } --cert { $kept }
ops-enrol-written =
    Enrolment file for { $kind } { $code } ({ $name }) written: { $out } (mode 0600)
    { "  " }certificate { $fingerprint } issued by CA { $county }, valid { $days } days; a copy is kept in { $kept }
    { "  " }it dials { $upstream } at { $url }
ops-enrol-step-carry = The file holds the node's private key: carry it by hand (USB stick), never by e-mail or chat; delete every copy once it is unpacked.
ops-enrol-step-init = On the { $kind } machine: `liudong init --enrol { $file } --dir /etc/liudong --data-dir /var/lib/liudong`, then start it.
ops-enrol-step-nothing = Nothing changes on this hub: it trusts every certificate its CA issues under { $county }. Check the link with `liudong status --config { $config }` once the node runs.
ops-context-ca-elsewhere = CA in { $dir } (give --ca-dir if the CA is kept elsewhere)
ops-trust-added-config-bad = the config with the trust added does not load; nothing was changed
