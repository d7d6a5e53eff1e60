# Help texts of the liudong command line (liudong --help), English.
# Ids: help-<command path>, help-<command path>--<argument id>; see docs/i18n.md.

help-liudong = Liudong (流动): sync hub for migrant-population service records
help-flag-help = Print help
help-flag-help-long = Print help (see a summary with '-h')
help-flag-version = Print version
help-serve = Run a node until SIGINT/SIGTERM
help-serve--config = The node's config file (liudong.toml)
help-sync = Run one complete sync session with the upstream now
help-sync--config = The node's config file (liudong.toml)
help-sync--once = One session, then exit (the only mode; `serve` syncs continuously)
help-record = Write records
help-record-add = Validate and write one record authored by this node. The record is JSON: {"{"}"operator": "...", "subject": "<citizen ID>", "origin": "<12-digit code>", "residence": "<12-digit code, optional>", "body": {"{"}"<kind>": {"{"}...{"}"}{"}"}{"}"} with kind one of person_registered, marriage_registered, outflow_registered, certificate_issued, inflow_registered, inflow_acknowledged, check_reported, birth_registered, residence_changed, returned, correction
help-record-add--config = The node's config file (liudong.toml)
help-record-add--json = The record JSON; read from standard input if absent
help-record-add--file = Read the record JSON from this file
help-help = Print this message or the help of the given subcommand(s)
help-status = Show links, cursors, pending records, last success and failure
help-status--config = The node's config file (liudong.toml)
help-status--json = Print JSON instead of a table
help-verify = Audit the store and compare this node's scope with its upstream (fingerprints, top-down); exits non-zero if they differ at the end
help-verify--config = The node's config file (liudong.toml)
help-verify--repair = Transfer the missing records both ways
help-verify--json = Print JSON instead of a table
help-recover = Rebuild or complete this node's store from its upstream after a loss (a damaged store, a wiped data directory, a restored backup): a damaged store is moved aside, everything the node is entitled to is pulled — its own records included — and a verification proves it complete. The node must be stopped (docs/operations.md)
help-recover--config = The node's config file (liudong.toml)
help-recover--json = Print the result as JSON
help-key = This node's keys: the bundle signing key, and a county's sealing keys of the exchange tier
help-key-show = Print the node code and public key (for the importers' [[bundle.trusted]])
help-key-show--config = The node's config file (liudong.toml)
help-key-rotate = A county of the sealed exchange tier: make a new sealing key pair current. The older keys are kept to open records sealed to them; the running node announces the new key within seconds (docs/exchange.md)
help-key-rotate--config = The node's config file (liudong.toml)
help-bundle = Offline bundles: carry records where there is no network
help-bundle-export = Write the records node CODE (upstream or child) is entitled to and lacks as one signed, compressed file. The node must not be running
help-bundle-export--config = The node's config file (liudong.toml)
help-bundle-export--for-code = The receiving node's code
help-bundle-export--since = Start after this outbox position (the cursor of the receiver's last receipt); default: what the receiver last acknowledged
help-bundle-export--out = The bundle file to write
help-bundle-import = Verify a bundle's signature and entitlement and apply it (idempotent)
help-bundle-import--config = The node's config file (liudong.toml)
help-bundle-import--file = The bundle file to apply
help-init = Set up a node: `--code` for a county hub or an exchange (config, data directory, the operator's CA and the node's certificate), `--enrol FILE` for a township or village (unpacks the file its county hub issued). Prints numbered next steps (docs/operations.md)
help-init--code = The hub's division code: 6 digits (county), or CN, 2 or 4 digits (exchange)
help-init--enrol = An enrolment file from `liudong enrol` (township or village)
help-init--dir = Directory of the config (liudong.toml) and tls/ (and ca/ of a hub)
help-init--data-dir = Data directory of the store (default DIR/data)
help-init--upstream-url = The upstream's address, https://host:port (a county: its exchange)
help-init--upstream-code = The upstream's code (a county: the exchange it dials; default CN)
help-init--listen = Sync listen address (default 0.0.0.0:7000 exchange, :7200 county, :7300 township)
help-init--admin-listen = Admin listen address, loopback (default 127.0.0.1:7001/7201/7301/7401)
help-init--exchange-children = Exchange nodes: level of their children, county (default) or province
help-init--trust-ca = Another operator's CA certificate to trust (the exchange's for a county; each county's for an exchange); repeatable
help-init--ca-dir = The hub's CA directory (default DIR/ca)
help-init--force = Overwrite an existing config and reissue the node's certificate
help-enrol = On a county hub: issue a township's or village's key and certificate from the county CA and write its enrolment file (mode 0600)
help-enrol--config = The county hub's config
help-enrol--code = The township (9 digits) or village (12 digits) to enrol
help-enrol--url-for-child = The address the node dials: this hub's for a township (default: from [node] listen if it names a host), its township's for a village
help-enrol--ca-dir = The county CA directory (default: ca/ beside the config)
help-enrol--days = Certificate validity in days (default 825)
help-enrol--out = The enrolment file to write
help-enrol--force = Overwrite an existing file
help-ca = Certificate authority of a hub operator: create it, issue node certificates, revoke them (docs/security.md)
help-ca-init = Create a CA for a jurisdiction (ca.crt, ca.key with mode 0600) in DIR
help-ca-init--code = The operator's division code: the CA may certify only nodes under it
help-ca-init--dir = The directory to create the CA in
help-ca-issue = Issue a key and certificate for node CODE into OUT (node.crt, node.key, ca.crt)
help-ca-issue--dir = The CA directory
help-ca-issue--code = The node's division code (under the CA's jurisdiction)
help-ca-issue--out = Directory to write node.crt, node.key and ca.crt to
help-ca-issue--days = Validity in days (default 825)
help-ca-revoke = Revoke a node certificate this CA issued: add its serial number to the CA's certificate revocation list DIR/crl.pem and re-sign it
help-ca-revoke--dir = The CA directory
help-ca-revoke--cert = The certificate to revoke (PEM)
help-ca-revoke--reason = Why: an RFC 5280 reason recorded in the CRL (keyCompromise, superseded, cessationOfOperation, affiliationChanged, privilegeWithdrawn, cACompromise), optionally followed by `: text`; anything else is recorded as unspecified
help-audit = Read the audit trail: sessions (who received which persons' records), operator writes and views (person show, overdue, report), refusals
help-audit--config = The node's config file (liudong.toml)
help-audit--since = Only entries at or after this time: YYYY-MM-DD[THH:MM[:SS]] (China Standard Time) or unix milliseconds
help-audit--peer = Only entries concerning this peer node code
help-audit--subject = Only entries concerning this citizen ID ("who received this person's records")
help-audit--limit = At most this many entries (the newest)
help-audit--json = Print JSON instead of a table
help-bench = Run the benchmark suite (docs/performance.md): initial and incremental sync, fan-out, cross-county latency, footprint
help-bench--smoke = Tiny sizes, one run: checks that the suite works (used by the tests)
help-bench--records = Records on the large hub (default 1,000,000)
help-bench--runs = Runs per scenario; the median is reported (default 3)
help-bench--only = Only these scenarios (1-9), comma-separated
help-bench--peer-records = Records replicated by the PouchDB peer and by Liudong in scenario 8 (default 100,000)
help-bench--out = Write the results as JSON here
help-bench--compression = zstd level for every store in the run, as `store.compression` (0 = off; default 3)
help-person = A person's derived view: status, episodes, certificate, checks, births
help-person-show = Print the view of one person (table, or --json)
help-person-show--config = The node's config file (liudong.toml)
help-person-show--id = The person's citizen ID
help-person-show--json = Print JSON instead of a table
help-overdue = Overdue and attention lists of this node's jurisdiction (thresholds in [workflow])
help-overdue--config = The node's config file (liudong.toml)
help-overdue--kinds = Only these kinds: missing_checks, certificate, no_certificate, unacknowledged, held (repeat or comma-separate; default all)
help-overdue--json = Print JSON instead of a table
help-report = The monthly report (月报) of a jurisdiction this node holds
help-report--config = The node's config file (liudong.toml)
help-report--month = The month, YYYY-MM
help-report--code = The unit to report on (default: this node's code); rows are its children
help-report--format = Output: table (default), csv or json
help-import = Import a migrant ledger (流动人口台账, .xlsx or .csv) as records (docs/ledgers.md). A file with errors imports nothing unless --skip-invalid
help-import--file = The ledger file: .xlsx (first worksheet) or .csv (UTF-8)
help-import--config = The node's config file (liudong.toml)
help-import--map = TOML column map for other headers: [columns] "header" = "field"
help-import--skip-invalid = Import the valid rows; write the rejected ones with their reasons to a file
help-import--rejects = Where --skip-invalid writes rejected rows (default: FILE.rejects.csv beside FILE)
help-import--dry-run = Check every row, show the codes read from addresses; write nothing
help-export = Export persons, the overdue lists or the monthly report as .xlsx or .csv (UTF-8 with BOM), Chinese headers by default (docs/ledgers.md)
help-export--what = What to export: persons, overdue or report
help-export--config = The node's config file (liudong.toml)
help-export--out = Output file: .xlsx or .csv
help-export--month = The month of `export report`, YYYY-MM
help-export--code = The unit of `export report` (default: this node's code); rows are its children
help-seed = Write a deterministic synthetic population for this node's county (the node must be stopped). Never real people
help-seed--config = The node's config file (liudong.toml)
help-seed--seed = Seed number: the same seed writes the same records
help-seed--households = Households to generate
help-operator = Web console operators: add, list, remove (see docs/console.md)
help-operator-add = Add an operator, or set a new password for one (read from the terminal, or one line from standard input with --password-stdin)
help-operator-add--config = The node's config file (the operators file is in its data directory)
help-operator-add--name = Login name: letters, digits, '.', '_' or '-'
help-operator-add--code = The account's unit: the node's code (default for a new account) or a township or village under it, whose people alone the account sees and writes. An existing account keeps its unit unless this is given
help-operator-add--role = operator (default for a new account) or admin (may also unlock accounts locked by failed logins, in the console). An existing account keeps its role unless this is given
help-operator-add--password-stdin = Read the password as one line from standard input (for scripts)
help-operator-list = List the operators
help-operator-list--config = The node's config file (liudong.toml)
help-operator-remove = Remove an operator (their sessions end at their next request)
help-operator-remove--config = The node's config file (liudong.toml)
help-operator-remove--name = The operator's login name
help-demo = Start a local 9-node topology on loopback, send a migrant's records across two counties, and report where each arrived and how fast
help-demo--dir = Keep the nodes' store directories here (default: a temporary directory)
help-demo--exchange = The counties' exchange: grpc (the national exchange node, default) or nats (a three-server NATS JetStream cluster in its place; needs nats-server, which scripts/setup-test.sh installs)

## clap's own headings and placeholders

help-heading-usage = Usage:
help-heading-commands = Commands
help-heading-arguments = Arguments
help-heading-options = Options
help-value-command = COMMAND

## Command-line errors (clap's, in the operator's words)

cli-error-unknown-argument = unknown argument “{ $arg }”
cli-error-unknown-command = there is no command “{ $name }”
cli-error-missing-value = { $arg } needs a value: write it after the option
cli-error-invalid-value = “{ $value }” is not a valid value for { $arg }; see the option in --help
cli-error-invalid-value-choice = “{ $value }” is not a valid value for { $arg }; write one of: { $valid }
cli-error-missing-required = required arguments are missing: { $arg }
cli-error-missing-command = a command is needed
cli-error-conflict = { $arg } cannot be used together with { $other }
cli-error-no-equals = { $arg } needs its value after an equals sign, e.g. { $arg }=VALUE
cli-error-value-count = { $arg } got the wrong number of values
cli-error-utf8 = the command line contains characters that are not valid UTF-8
cli-error-other = the command line is not valid
cli-error-suggestion = ; did you mean: { $suggestion }?
cli-error-hint = For how to use it, run: { $command } --help

## Global options (every command)
help-global--lang = Language of messages, tables, headers and ledger values: zh (default) or en (also zh-CN, en-US; default from LIUDONG_LANG)
help-global--operator = The operator running the command, recorded in the audit trail with what they view or write (default: LIUDONG_OPERATOR)

## Records
help-record-add--request-id = The id of this write (1 to 64 of A-Z a-z 0-9 . _ : -): the same record sent again with the same id is not stored twice. Without it a new id is made, and printed if the node's answer is lost

## Bench
help-bench--exchange-records = Crossing records through each exchange transport in scenario 6 (default 20,000)

## Trust between operators
help-trust = Trust between operators (a county and its exchange): export this hub's CA certificate and revocation list as a trust file, or add another operator's, without editing [tls] by hand (docs/operations.md)
help-trust-export = Write this hub's trust file: its operator's CA certificate and certificate revocation list (public; no private key), and for an exchange the address counties dial
help-trust-export--config = The node's config file (liudong.toml)
help-trust-export--ca-dir = The hub's CA directory (default: ca/ beside the config)
help-trust-export--url = The address the other side dials, https://host:port (default for an exchange: its [node] listen, if that names a host)
help-trust-export--out = The trust file to write
help-trust-export--force = Overwrite an existing file
help-trust-add = Trust the operator of a trust file (a county: its exchange's; an exchange: a county's): copies its CA certificate and CRL to tls/, lists them in [tls], and gives a county waiting for its exchange the exchange's address
help-trust-add--config = The node's config file (liudong.toml)
help-trust-add--file = The trust file from `liudong trust export` on the other hub

## JetStream exchange tier
help-exchange = The JetStream exchange tier (docs/scale.md): a county's NATS key, and the exchange cluster's nats-server configuration
help-exchange-nats-key = On a county hub (or a province exchange): print its NATS public key (creating its key, tls/nats.nk mode 0600, on first use) as the `CODE KEY` line the exchange operator lists in --counties
help-exchange-nats-key--config = The node's config file (liudong.toml)
help-exchange-resend = On a county hub whose exchange is the JetStream cluster, stopped: publish its whole outbox for the exchange again at the next start (after the cluster lost all its servers and disks). Audited
help-exchange-resend--config = The node's config file (liudong.toml)
help-exchange-nats-stream = On the exchange, once the cluster runs: create the stream and every county's durable consumer (or update them), with the administrative key nats-config wrote into DIR
help-exchange-nats-stream--config = The exchange node's config (its TLS identity dials the servers)
help-exchange-nats-stream--dir = The directory nats-config wrote
help-exchange-nats-config = On the exchange: write the nats-server configuration of a JetStream cluster (one file per server, their certificates, the accounts and permissions of every county listed) into OUT
help-exchange-nats-config--config = The exchange node's config (its [tls] ca_certs: the counties' CAs)
help-exchange-nats-config--counties = The participants: one `CODE KEY` line per county, as `nats-key` prints
help-exchange-nats-config--servers = A server, HOST[:CLIENT[:CLUSTER[:MONITOR]]] (default ports 4222, 6222, 8222); at least three
help-exchange-nats-config--out = Output directory (new)
help-exchange-nats-config--ca-dir = The exchange's CA directory (default: ca/ beside the config)
help-exchange-nats-config--install-dir = Where OUT will be on the servers (absolute; default OUT)
help-exchange-nats-config--store-dir = JetStream store directory on the servers (default INSTALL_DIR/jetstream)
help-exchange-nats-config--days = Validity of the servers' certificates in days
help-exchange-nats-config--max-store-gb = JetStream file store limit per server, GiB

## What clap adds to an option's help

help-note-default = { "[" }default: { $value }]
help-note-possible-values = { "[" }possible values: { $values }]
