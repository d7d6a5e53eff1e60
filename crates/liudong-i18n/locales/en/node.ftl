# The node (liudong-node): configuration checks, starting and stopping,
# talking to the running node.

## The config file

config-read = cannot read config file { $path }
config-syntax = config file { $path } is not valid
config-file = config file { $path }
config-unknown-code = { $field } = { $code }: { $reason }; a node must serve a unit that exists
config-exchange-children-not-exchange = [node] exchange_children is only for exchange nodes (codes CN, 2 or 4 digits)
config-exchange-children-value = [node] exchange_children = "{ $other }": expected "county" or "province"
config-bundle-trusted-key = [[bundle.trusted]] public_key "{ $public_key }" for { $code }: expected ed25519:<64 hex digits> as printed by `liudong key show`
config-upstream-url-scheme = [upstream] url "{ $url }" must start with http:// (or https://)
config-upstream-url-missing = [upstream] url is missing: a { $kind } node dials its upstream { $pcode } at https://host:port (its enrolment file gives it)
config-upstream-missing = [upstream] is missing: a { $kind } node must dial its upstream
config-admin-listen-loopback = [node] admin_listen = { $a }: the admin service must listen on a loopback address
config-listen-missing = [node] listen is missing: a { $kind } node serves its children and needs a listen address
config-sync-max-batch = [sync] max_batch = { $max_batch }: expected 1 to 10000
config-sync-window = [sync] window = { $window }: expected 1 to 64
config-sync-max-batch-bytes = [sync] max_batch_bytes = { $max_batch_bytes }: expected 4096 up to half of [net] max_message_mb
config-sync-max-record-bytes = [sync] max_record_bytes = { $max_record_bytes }: expected 1024 up to half of [net] max_message_mb
config-sync-max-session-records = [sync] max_session_records = { $max_session_records }: expected at least max_batch ({ $max_batch })
config-net-max-message-mb = [net] max_message_mb = { $max_message_mb }: expected 1 to 256
config-net-max-streams = [net] max_streams must be at least 1
config-sync-positive = [sync] interval_secs, idle_timeout_secs and backoff_min_ms must be positive
config-store-compression = [store] compression = { $compression }: expected a zstd level from 1 to 22, or 0 for none
config-exchange-keys-interval = [exchange] keys_interval_secs must be at least 1
config-units-not-here = { $field }: only a county or a township lists units below it that run no node of their own; remove it from this { $kind } node
config-units-not-under = { $field }: { $code } is not a unit under { $node }; list only its townships or villages
config-units-level = { $field }: { $code } is a { $level } code; list townships (9 digits) or villages (12 digits)
config-workflow-thresholds = [workflow] missed_quarters must be at least 1, certificate_days 0 or more and ack_days at least 1
config-console-listen-address = [console] listen = "{ $listen }" is not an address like 127.0.0.1:8443
config-console-listen-loopback = [console] listen = { $listen }: the console is served over HTTPS with the node's [tls] certificate; this node has no [tls] (insecure = true), so the console may only listen on a loopback address such as 127.0.0.1:8443
config-console-idle-timeout = [console] idle_timeout_secs = { $idle_timeout_secs }: expected 60 to 86400
config-console-max-session = [console] max_session_secs = { $max_session_secs }: expected at least idle_timeout_secs ({ $idle_timeout_secs }) and at most 604800 (a week)
config-console-max-failed-logins = [console] max_failed_logins = { $max_failed_logins }: expected 1 to 100
config-console-lockout = [console] lockout_secs = { $lockout_secs }: expected 1 to 86400
config-metrics-port = [metrics] listen = "{ $s }": give a fixed port for the scraper to reach
config-insecure-and-tls = [node] insecure = true and a [tls] section are both set; remove insecure to use mutual TLS, or remove [tls] for a loopback-only test node
config-tls-missing = [tls] is missing: every link uses mutual TLS; issue this node a certificate with `liudong ca issue --code { $code } --out DIR` and name it in [tls] (see docs/security.md), or set [node] insecure = true for a loopback-only test node
config-listen-plaintext = [node] listen = { $a }: plaintext (insecure = true) is refused on non-loopback addresses; configure [tls] or listen on 127.0.0.1
config-upstream-https-needs-tls = [upstream] url "{ $url }": https needs a [tls] section (and insecure removed)
config-upstream-plaintext = [upstream] url "{ $url }": plaintext (insecure = true) is refused to non-loopback addresses; configure [tls] and use https://
config-upstream-https-with-tls = [upstream] url "{ $url }": with [tls] the upstream is dialled as https://host:port

## The node's scope (core)

scope-kind-mismatch = code { $code } is a { $level } code, but a { $kind } node needs a { $expected }-digit code
scope-exchange-children = exchange { $code } cannot have children at the { $child } level: children must be below the exchange and at most county level
scope-not-parent = { $parent } cannot be the upstream of { $child }: { $reason }
scope-rule-prefix = the child's code must start with the parent's code
scope-rule-village-township = a village dials its township, a township its county
scope-rule-county-exchange = a county or exchange dials an exchange node

## Starting and stopping a node

node-data-dir = cannot create data directory { $path }
node-open-store = cannot open the store in { $path } (is another liudong process using it?)
node-listen = cannot listen on { $addr } ({ $setting })
node-stopped-unflushed = node { $node } stopped without a final flush: its store could not write (check that the data directory is writable and has free space); everything acknowledged was flushed before its acknowledgement
node-flush = flushing the store at shutdown failed
node-sealing-keys = the sealing keys of node { $node } (the exchange tier is sealed: [exchange] sealed)
node-key-trust = [exchange] key_cas or the node's TLS key, for announcing and checking sealing keys

## Commands that ask the node (running or stopped)

access-record-json = record JSON is not valid (see `liudong record add --help` for the format)
access-field = field { $field }
access-record-index = record #{ $index }: { $error }
access-no-upstream-sync = this node has no [upstream] to sync with
access-no-upstream-verify = this node has no [upstream] to verify against
access-upstream-sync = sync with { $upstream } at { $url }
access-upstream-verify = verify against { $upstream } at { $url }
access-reply-invalid = the running node's { $what } reply is not valid
access-progress-sync = sync
access-progress-sync-with = sync with { $upstream }
wire-field = admin message field { $field }: { $reason }
query-overdue-page = an overdue page answers an overdue query
query-unit-outside = unit { $unit }: this node ({ $own }) answers only for units under its own code
query-subject = subject { $e }
query-person-not-held = no records about { $subject } are held at this node
query-person-not-held-unit = no records about { $subject } are held at this node for unit { $unit }
query-kind = kind "{ $k }": expected missing_checks, certificate, no_certificate, unacknowledged or held
query-limit = limit { $limit }: expected 1 to { $max }
query-month = month "{ $month }": expected YYYY-MM
query-code = code: { $e }
query-code-outside = code { $code }: this node ({ $own }) holds only jurisdictions under its own code
query-code-not-under-unit = code { $code }: the report is of unit { $unit } or a unit under it
query-wrong-answer = the node gave a { $got } answer to a { $expected } query

## Progress lines (on standard error)

progress-line-total = { $label }: { $done }/{ $total } { $unit } ({ $percent }%, { $rate }/s)
progress-line = { $label }: { $done } { $unit } ({ $rate }/s)
progress-finished = { $label }: { $summary } — { $done } { $unit }, { $secs } s
progress-unit-records = records
progress-unit-months = months
progress-interrupted = interrupted
progress-session-ended = session ended
progress-caught-up = caught up
progress-stopped = stopped
progress-done = done
progress-verify-audit = verify: checking the local store
progress-verify-compare = verify: comparing with the upstream
progress-verify-fetch = verify: fetching missing records
progress-verify-offer = verify: offering records the upstream lacks
progress-verify-step = verify: { $step }

## [exchange] nats (a JetStream exchange)

config-nats-key-without-nats = [exchange] nats_key and nats_stream are only used with [exchange] nats
config-nats-not-county = [exchange] nats is for county hubs; a { $kind } node reaches its exchange through its county
config-nats-and-url = [exchange] nats and [upstream] url both name the exchange: with a JetStream exchange, remove [upstream] url (keep its code)
config-nats-needs-code = [exchange] nats needs [upstream] code to name the exchange (e.g. "CN" or the province's 2 digits)
config-nats-url = [exchange] nats = "{ $url }": expected a server URL like "nats://host:4222" (the cluster.toml of the exchange operator lists them)
config-nats-needs-tls = [exchange] nats needs [tls]: the county connects to the cluster with its certificate and its NATS key
config-nats-needs-sealed = [exchange] nats carries only sealed envelopes: set [exchange] sealed = true (the default)
