//! The nats-server configuration of the exchange cluster, rendered from a
//! [`ClusterPlan`]: per server its ports, routes to the others, JetStream
//! file store, TLS for clients (participants' certificates verified) and for
//! routes (the exchange's own CA only), and the one account whose users are
//! the exchange operator and every participant, each with the permissions
//! of [`crate::names::permissions`]. No one writes NATS permissions by hand:
//! `liudong exchange nats-config` builds the plan from the counties enrolled
//! and writes these files.

use crate::error::SetupError;
use crate::identity::check_public_key;
use crate::names;
use liudong_core::Code;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The name of the account holding the stream and every user.
pub const ACCOUNT: &str = "LIUDONG";

/// One server of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerPlan {
    /// Unique server name (`nats-1`, ...).
    pub name: String,
    /// Host name or address the others and the participants dial.
    pub host: String,
    /// Client port (participants).
    pub client_port: u16,
    /// Cluster (route) port.
    pub cluster_port: u16,
    /// Monitoring port (HTTP, bound to loopback), if any.
    pub monitor_port: Option<u16>,
    /// JetStream file store directory.
    pub store_dir: PathBuf,
    /// This server's certificate and key (issued by the exchange's CA).
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl ServerPlan {
    /// The URL participants dial.
    pub fn client_url(&self) -> String {
        format!("tls://{}:{}", self.host, self.client_port)
    }

    fn route_url(&self) -> String {
        format!("nats-route://{}:{}", self.host, self.cluster_port)
    }

    /// The address to listen on: the host if it is an IP address, else all
    /// interfaces.
    fn bind(&self) -> String {
        match self.host.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V6(a)) => format!("[{a}]"),
            Ok(a) => a.to_string(),
            Err(_) => "0.0.0.0".into(),
        }
    }
}

/// A participant of the exchange and its public user key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub code: Code,
    pub nkey: String,
}

/// Everything the servers' configuration is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterPlan {
    /// The exchange's code (its CA certified the servers).
    pub exchange: Code,
    /// Cluster name.
    pub cluster_name: String,
    /// The stream's name (permissions name it).
    pub stream: String,
    pub servers: Vec<ServerPlan>,
    /// CA certificates that client certificates must chain to (the
    /// exchange's and every participant's CA), one PEM file.
    pub client_ca_file: PathBuf,
    /// The exchange's CA certificate, for routes.
    pub route_ca_file: PathBuf,
    /// The exchange operator's public user key (administrative user).
    pub admin_nkey: String,
    pub participants: Vec<Participant>,
    /// JetStream file store limit per server, bytes.
    pub max_file_store: u64,
}

/// Fewest servers: three replicas need three servers.
pub const MIN_SERVERS: usize = 3;

impl ClusterPlan {
    /// Checks the plan: at least three servers with distinct names and
    /// addresses, valid keys, no participant twice, none outside the
    /// exchange's area or at a level that cannot exchange.
    pub fn check(&self) -> Result<(), SetupError> {
        let input = |s: String| Err(SetupError::Input(s));
        if self.servers.len() < MIN_SERVERS {
            return input(liudong_i18n::t!(
                "jetstream-plan-servers",
                count = self.servers.len(),
                min = MIN_SERVERS
            ));
        }
        let mut names_seen = BTreeSet::new();
        let mut addrs = BTreeSet::new();
        for s in &self.servers {
            if !names_seen.insert(&s.name) {
                return input(liudong_i18n::t!(
                    "jetstream-plan-server-twice",
                    server = s.name.as_str()
                ));
            }
            for port in [s.client_port, s.cluster_port] {
                if !addrs.insert((s.host.clone(), port)) {
                    return input(liudong_i18n::t!(
                        "jetstream-plan-address-twice",
                        address = format!("{}:{port}", s.host)
                    ));
                }
            }
        }
        check_public_key(&self.admin_nkey)?;
        if self.participants.is_empty() {
            return input(liudong_i18n::t!("jetstream-plan-no-participant"));
        }
        let mut codes = BTreeSet::new();
        let mut keys = BTreeSet::new();
        keys.insert(self.admin_nkey.clone());
        for p in &self.participants {
            check_public_key(&p.nkey).map_err(|e| {
                SetupError::Input(liudong_i18n::t!(
                    "jetstream-plan-participant-key",
                    code = p.code.to_string(),
                    error = e.to_string()
                ))
            })?;
            if !codes.insert(p.code.clone()) {
                return input(liudong_i18n::t!(
                    "jetstream-plan-participant-twice",
                    code = p.code.to_string()
                ));
            }
            if !keys.insert(p.nkey.clone()) {
                return input(liudong_i18n::t!(
                    "jetstream-plan-key-twice",
                    code = p.code.to_string()
                ));
            }
            let level = p.code.level();
            let exchanging = matches!(
                level,
                liudong_core::Level::County | liudong_core::Level::Province
            );
            if !exchanging || !p.code.is_under(&self.exchange) || p.code == self.exchange {
                return input(liudong_i18n::t!(
                    "jetstream-plan-participant-scope",
                    code = p.code.to_string(),
                    exchange = self.exchange.to_string()
                ));
            }
        }
        Ok(())
    }

    /// The client URLs of every server.
    pub fn client_urls(&self) -> Vec<String> {
        self.servers.iter().map(ServerPlan::client_url).collect()
    }

    /// The configuration file of server `index` (checked plan).
    pub fn render(&self, index: usize) -> Result<String, SetupError> {
        self.check()?;
        let me = &self.servers[index];
        let mut o = String::new();
        let q = |p: &std::path::Path| quote(&p.display().to_string());
        let _ = writeln!(
            o,
            "# Liudong exchange {} — JetStream server {} ({} of {}).\n# Written by `liudong exchange nats-config` from the counties enrolled;\n# regenerate it rather than editing it (permissions are derived, not written by hand).\n",
            self.exchange,
            me.name,
            index + 1,
            self.servers.len()
        );
        let _ = writeln!(o, "server_name: {}", quote(&me.name));
        let _ = writeln!(
            o,
            "listen: {}",
            quote(&format!("{}:{}", me.bind(), me.client_port))
        );
        if let Some(port) = me.monitor_port {
            let _ = writeln!(o, "# Monitoring (HTTP, no personal data): loopback only.");
            let _ = writeln!(o, "http: {}", quote(&format!("127.0.0.1:{port}")));
        }
        let _ = writeln!(o, "max_payload: {}", 2 << 20);
        let _ = writeln!(o, "\njetstream {{");
        let _ = writeln!(o, "  store_dir: {}", q(&me.store_dir));
        let _ = writeln!(o, "  max_file_store: {}", self.max_file_store);
        let _ = writeln!(o, "  max_memory_store: {}", 64u64 << 20);
        let _ = writeln!(
            o,
            "  # Every write on disk before it is acknowledged: a county's outbox moves on at\n  \
             # the acknowledgement, so it must survive all three servers losing power at once."
        );
        let _ = writeln!(o, "  sync_interval: always");
        let _ = writeln!(o, "}}");
        let _ = writeln!(
            o,
            "\n# Participants: mutual TLS 1.3, certificates from a trusted CA."
        );
        let _ = writeln!(o, "tls {{");
        let _ = writeln!(o, "  cert_file: {}", q(&me.cert));
        let _ = writeln!(o, "  key_file: {}", q(&me.key));
        let _ = writeln!(o, "  ca_file: {}", q(&self.client_ca_file));
        let _ = writeln!(o, "  verify: true");
        let _ = writeln!(o, "  min_version: \"1.3\"");
        let _ = writeln!(o, "  timeout: 5");
        let _ = writeln!(o, "}}");
        let _ = writeln!(o, "\ncluster {{");
        let _ = writeln!(o, "  name: {}", quote(&self.cluster_name));
        let _ = writeln!(
            o,
            "  listen: {}",
            quote(&format!("{}:{}", me.bind(), me.cluster_port))
        );
        let routes: Vec<String> = self
            .servers
            .iter()
            .filter(|s| s.name != me.name)
            .map(|s| quote(&s.route_url()))
            .collect();
        let _ = writeln!(o, "  routes: [{}]", routes.join(", "));
        let _ = writeln!(o, "  # Routes: mutual TLS with the exchange's own CA only.");
        let _ = writeln!(o, "  tls {{");
        let _ = writeln!(o, "    cert_file: {}", q(&me.cert));
        let _ = writeln!(o, "    key_file: {}", q(&me.key));
        let _ = writeln!(o, "    ca_file: {}", q(&self.route_ca_file));
        let _ = writeln!(o, "    verify: true");
        let _ = writeln!(o, "    timeout: 5");
        let _ = writeln!(o, "  }}");
        let _ = writeln!(o, "}}");
        let _ = writeln!(o, "\naccounts {{");
        let _ = writeln!(o, "  {ACCOUNT} {{");
        let _ = writeln!(o, "    jetstream: enabled");
        let _ = writeln!(o, "    users: [");
        let _ = writeln!(
            o,
            "      # The exchange operator: sets the stream and the consumers up."
        );
        let _ = writeln!(o, "      {{ nkey: {} }}", quote(&self.admin_nkey));
        for p in &self.participants {
            let perms = names::permissions(&p.code, &self.stream);
            let list = |v: &[String]| v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ");
            let _ = writeln!(o, "      # {} {}", p.code.level().name(), p.code);
            let _ = writeln!(
                o,
                "      {{ nkey: {}, permissions: {{ publish: {{ allow: [{}] }}, subscribe: {{ allow: [{}] }} }} }}",
                quote(&p.nkey),
                list(&perms.publish),
                list(&perms.subscribe)
            );
        }
        let _ = writeln!(o, "    ]");
        let _ = writeln!(o, "  }}");
        let _ = writeln!(o, "}}");
        Ok(o)
    }
}

/// A double-quoted string of the nats-server configuration format.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::new_user_key;

    fn code(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    fn plan() -> ClusterPlan {
        let servers = (1..=3)
            .map(|i| ServerPlan {
                name: format!("nats-{i}"),
                host: "127.0.0.1".into(),
                client_port: 4221 + i,
                cluster_port: 6221 + i,
                monitor_port: Some(8221 + i),
                store_dir: PathBuf::from(format!("/var/lib/nats/nats-{i}")),
                cert: PathBuf::from(format!("/etc/nats/tls/nats-{i}.crt")),
                key: PathBuf::from(format!("/etc/nats/tls/nats-{i}.key")),
            })
            .collect();
        ClusterPlan {
            exchange: code("CN"),
            cluster_name: "liudong-CN".into(),
            stream: names::DEFAULT_STREAM.into(),
            servers,
            client_ca_file: "/etc/nats/tls/clients-ca.pem".into(),
            route_ca_file: "/etc/nats/tls/exchange-ca.crt".into(),
            admin_nkey: new_user_key().unwrap().1,
            participants: ["410602", "440306", "330106"]
                .iter()
                .map(|c| Participant {
                    code: code(c),
                    nkey: new_user_key().unwrap().1,
                })
                .collect(),
            max_file_store: 10 << 30,
        }
    }

    #[test]
    fn each_server_routes_to_the_others_and_names_every_participant_with_its_permissions() {
        let p = plan();
        let text = p.render(1).unwrap();
        assert!(text.contains("server_name: \"nats-2\""), "{text}");
        assert!(text.contains("listen: \"127.0.0.1:4223\""));
        assert!(text.contains(
            "routes: [\"nats-route://127.0.0.1:6222\", \"nats-route://127.0.0.1:6224\"]"
        ));
        assert!(text.contains("store_dir: \"/var/lib/nats/nats-2\""));
        assert!(text.contains("sync_interval: always"), "{text}");
        assert!(text.contains("verify: true"));
        assert!(text.contains("ca_file: \"/etc/nats/tls/exchange-ca.crt\""));
        assert!(text.contains(&p.admin_nkey));
        for part in &p.participants {
            let line = text
                .lines()
                .find(|l| l.contains(&part.nkey))
                .expect("a user per participant");
            assert!(
                line.contains(&format!("\"liudong.x.*.{}\"", part.code)),
                "{line}"
            );
            assert!(
                line.contains(&format!("\"_INBOX_{}.>\"", part.code)),
                "{line}"
            );
            assert!(line.contains(&format!("to-{}", part.code)), "{line}");
        }
        // Braces balance: a file nats-server can parse.
        let opens = text.matches('{').count();
        assert_eq!(opens, text.matches('}').count());
    }

    #[test]
    fn bad_plans_are_refused_with_what_is_wrong() {
        let mut p = plan();
        p.servers.pop();
        assert!(matches!(p.check(), Err(SetupError::Input(_))));

        let mut p = plan();
        p.servers[2].client_port = p.servers[0].client_port;
        assert!(p.check().is_err());

        let mut p = plan();
        p.participants[1].code = p.participants[0].code.clone();
        assert!(p.check().is_err());

        let mut p = plan();
        p.participants[1].nkey = p.participants[0].nkey.clone();
        assert!(p.check().is_err());

        let mut p = plan();
        p.participants[0].nkey = "UNOTAKEY".into();
        assert!(p.check().is_err());

        for bad in ["410602100", "4106", "CN"] {
            let mut p = plan();
            p.participants[0].code = code(bad);
            assert!(p.check().is_err(), "{bad}");
        }
        // A province exchange's plan accepts only counties of its province.
        let mut p = plan();
        p.exchange = code("41");
        assert!(p.check().is_err(), "440306 lies outside province 41");
        p.participants.retain(|x| x.code.is_under(&code("41")));
        p.check().unwrap();
        plan().check().unwrap();
    }

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
