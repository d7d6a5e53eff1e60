# Topology and set-up: node status (liudong status), trust files (liudong
# trust), finding the config file, operators, global options.

topo-upstream-unaddressed = the upstream { $upstream } has no address yet ([upstream] has no url): records for it wait at this node. Once the exchange exists, import its trust file with `liudong trust add` (it sets the address), then restart this node

## liudong status

topo-kind-village = village
topo-kind-township = township
topo-kind-county = county
topo-kind-exchange = exchange
topo-status-head = node { $node } ({ $kind }), { $records } records, local seq { $seq }, conflicts refused { $conflicts }, peers refused { $refused } (see `liudong audit`)
topo-store-cannot-write = STORE CANNOT WRITE: records are refused until the node is restarted; check that the data directory is writable and has free space
topo-col-link = link
topo-col-peer = peer
topo-col-pending-out = pend.out
topo-col-pending-in = pend.in
topo-col-last-contact = last contact
topo-col-every = every
topo-col-state = state
topo-col-sessions = sessions
topo-col-last-success = last success
topo-col-last-error = last error
topo-col-unit = unit
topo-col-name = name
topo-col-reported = reported
topo-role-upstream = upstream
topo-role-child = child
topo-state-connected = connected
topo-state-refused = REFUSED
topo-state-waiting = WAITING
topo-state-silent = SILENT
topo-state-failing = FAILING
topo-state-no-node = no node
topo-state-unknown = unknown
topo-state-idle = -
topo-note-refused = REFUSED: the last session with { $peer } ({ $at }) was refused: { $error }; the link now retries only every [sync] backoff_max_secs: fix the cause, then run `liudong sync --once`
topo-note-failing = FAILING: the last session with { $peer } failed and none succeeded since: { $error }; the node retries by itself: check that the peer runs and that the network and certificates are in order
topo-note-waiting = WAITING: the upstream { $peer } has no address yet ([upstream] has no url); { $pending } records for it (records crossing the county) wait at this node. Once the exchange exists, import its trust file with `liudong trust add` and restart this node: they go out then
topo-note-silent = SILENT: a lower node not heard from for twice its expected interval (or never); check that it runs and can reach this node
topo-receipt-none = { $peer }: not verified yet (fingerprint { $fingerprint }); run `liudong verify`
topo-receipt-in-step = in step with { $peer } as of { $at }, cursor { $cursor }, fingerprint { $fingerprint }
topo-receipt-not-in-step = NOT in step with { $peer } as of { $at }, cursor { $cursor }, fingerprint { $fingerprint }; differing: { $differing }; run `liudong verify --repair`
topo-units-head-county = Townships and villages (villages as their township reported them, judged silent by this node's clock):
topo-units-head-township = Villages:
topo-units-not-reported = (the township has not reported the state of its { $count } villages)

## Config file and operator

topo-config-not-found = no config file: give --config FILE, set LIUDONG_CONFIG, or run the command in the directory of liudong.toml (there is none in the current directory { $dir }; e.g. cd /etc/liudong first)
topo-cwd-unreadable = cannot read the current directory ({ $error }): give --config FILE, or set LIUDONG_CONFIG
topo-operator-login = note: no operator named (--operator NAME, or LIUDONG_OPERATOR): this view is recorded in the audit trail under the login name "{ $name }"
topo-operator-missing = viewing personal data needs a named operator for the audit trail: add --operator NAME, or set LIUDONG_OPERATOR

## Next steps printed by liudong init

topo-init-step-trust = Exchange trust files with the operator of exchange { $exchange }: run `liudong trust export --config { $config } --out county.trust` here and give them the file (they run `liudong trust add county.trust`); add theirs with `liudong trust add --config { $config } exchange.trust`, then restart this node. Until then the link to the exchange fails for an untrusted certificate; townships and villages are not affected
topo-init-step-waiting = Exchange { $exchange } has no address yet: records crossing the county wait at this node (`liudong status` shows the upstream WAITING with their count); townships and villages sync as usual. Once the exchange exists, adding its trust file (step above) sets the address; after a restart the records go out
topo-init-step-trust-exchange = Exchange trust files with every county this exchange serves: `liudong trust export --config { $config } --out exchange.trust` for them (it carries this node's address); add each county's with `liudong trust add --config { $config } county.trust`, then restart this node

## liudong trust

topo-trust-not-a-file = not a Liudong trust file (no `liudong-trust v1 sha256:... <length>` line); give the file the other operator wrote with `liudong trust export`
topo-trust-newer = trust file format version { $version } is newer than this liudong understands; install the liudong version of the other operator
topo-trust-damaged = the trust file is damaged ({ $what }); ask the other operator to export it again
topo-trust-truncated = the trust file is truncated: { $got } of { $want } bytes after the header; copy it again
topo-trust-corrupted = the trust file is corrupted: its contents do not match the checksum in the header; copy it again, or ask for a new one
topo-trust-not-a-hub = { $code } is a { $kind } node: trust files are exchanged between county hubs and exchanges; townships and villages are trusted through the enrolment file their county issues (`liudong enrol`)
topo-trust-own = this is the trust file of this hub's own operator ({ $code }): add the other operator's file
topo-trust-unrelated = the trust file is of { $code }, which is neither this node's ({ $own }) upstream ({ $upstream }) nor a node it serves; check where the file comes from
topo-trust-inconsistent = the trust file says it is of { $code }, but its CA certificate is of { $ca }; it cannot be trusted: ask for a new export
topo-trust-crl-unsigned = the certificate revocation list in the trust file is not signed by the CA of { $code }; it cannot be trusted: ask for a new export
topo-trust-no-tls = { $config } has no [tls] section (an insecure test node): trust files are for nodes with mutual TLS
topo-trust-exported = trust file written: { $file }, the CA certificate and certificate revocation list of the operator of { $code } ({ $name }) (public; no private key); CA fingerprint { $fingerprint }: tell it to the other operator over another channel (e.g. by phone) to compare
topo-trust-exported-url = it carries this node's address { $url }, which counties dial
topo-trust-exported-next = next: give the file to the other operator (any channel that keeps it whole); they run `liudong trust add { $file }`
topo-trust-added = now trusting { $code } ({ $name }): CA certificate { $ca } (fingerprint { $fingerprint }: compare it with the one the other operator tells you), certificate revocation list { $crl } (listed in [tls] of the config)
topo-trust-unchanged = { $code } ({ $name }) is already trusted with this very file: nothing changed
topo-trust-crl-updated = updated the certificate revocation list of { $code } ({ $crl }): the running node reloads it within a second, no restart needed
topo-trust-url-set = the address of the upstream { $code } is now in the config: [upstream] url = { $url }
topo-trust-url-differs = the config's upstream address { $have } differs from the trust file's { $url }: left as it is; edit [upstream] url to use the new one
topo-trust-restart = restart this node for it to take effect: `sudo systemctl restart liudong`
