//! A node's metrics: counters kept in memory since start, and their
//! rendering in the Prometheus text exposition format (version 0.0.4).
//!
//! No metrics crate: a handful of counter families keyed by label values
//! (each updated once per batch or per session, never per record) and one
//! histogram. The gauges (records held, store size, pending records per peer)
//! are read from the store when the metrics are scraped. Every metric is
//! documented in docs/monitoring.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the session duration histogram's buckets.
pub const DURATION_BUCKETS: [f64; 12] = [
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0, 600.0, 3600.0,
];

/// A family of counters, one per label value set.
#[derive(Debug)]
struct Family<K: Ord>(Mutex<BTreeMap<K, u64>>);

impl<K: Ord + Clone> Family<K> {
    fn new() -> Self {
        Family(Mutex::new(BTreeMap::new()))
    }

    fn add(&self, key: K, n: u64) {
        *self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_default() += n;
    }

    fn snapshot(&self) -> Vec<(K, u64)> {
        let m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// Cumulative bucket counts, sum and count of one histogram series.
#[derive(Debug, Clone, Default, PartialEq)]
struct Histogram {
    buckets: [u64; DURATION_BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (b, le) in self.buckets.iter_mut().zip(DURATION_BUCKETS) {
            if secs <= le {
                *b += 1;
            }
        }
        self.sum += secs;
        self.count += 1;
    }
}

/// How a session ended, for `liudong_sync_sessions_total{outcome}`.
pub fn outcome<T>(result: &Result<T, crate::error::SyncError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(crate::error::SyncError::Cancelled) => "cancelled",
        Err(e) if e.refusal_reason().is_some() => "refused",
        Err(_) => "failed",
    }
}

/// The counters of one node since it started.
#[derive(Debug)]
pub struct Metrics {
    applied: Family<String>,
    sent: Family<String>,
    refused: Family<&'static str>,
    sessions: Family<(&'static str, &'static str)>,
    durations: Mutex<BTreeMap<&'static str, Histogram>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            applied: Family::new(),
            sent: Family::new(),
            refused: Family::new(),
            sessions: Family::new(),
            durations: Mutex::new(BTreeMap::new()),
        }
    }
}

/// Values read from the store at scrape time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    /// Records held.
    pub records: u64,
    /// Bytes sled uses on disk.
    pub store_bytes: u64,
    /// Per peer: (peer, records pending out, records pending in if reported,
    /// silent).
    pub peers: Vec<PeerGauges>,
}

/// The gauges of one link.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeerGauges {
    pub peer: String,
    /// `upstream` or `child`.
    pub role: &'static str,
    pub pending_out: u64,
    pub pending_in: Option<u64>,
    pub silent: bool,
    pub last_contact_ms: Option<u64>,
}

impl Metrics {
    /// `n` records received from `peer` were new here.
    pub fn applied(&self, peer: &str, n: u64) {
        if n > 0 {
            self.applied.add(peer.to_string(), n);
        }
    }

    /// `n` records were sent to `peer`.
    pub fn sent(&self, peer: &str, n: u64) {
        if n > 0 {
            self.sent.add(peer.to_string(), n);
        }
    }

    /// A peer or what it sent was refused for `reason`.
    pub fn refused(&self, reason: &'static str) {
        self.refused.add(reason, 1);
    }

    /// A session in `role` (`served` or `dialled`) ended with `outcome`
    /// after `took`.
    pub fn session(&self, role: &'static str, outcome: &'static str, took: Duration) {
        self.sessions.add((role, outcome), 1);
        self.durations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(role)
            .or_default()
            .observe(took.as_secs_f64());
    }

    /// Renders every metric in the text exposition format 0.0.4.
    pub fn render(&self, g: &Gauges) -> String {
        let mut out = String::new();
        fn peer(p: &str) -> Vec<(&'static str, &str)> {
            vec![("peer", p)]
        }
        family(
            &mut out,
            "liudong_records_applied_total",
            "counter",
            "Records received from a peer that were new at this node.",
            self.applied.snapshot().iter().map(|(p, v)| (peer(p), *v)),
        );
        family(
            &mut out,
            "liudong_records_sent_total",
            "counter",
            "Records sent to a peer in sync batches.",
            self.sent.snapshot().iter().map(|(p, v)| (peer(p), *v)),
        );
        family(
            &mut out,
            "liudong_refused_total",
            "counter",
            "Peers, sessions or batches refused, by reason.",
            self.refused
                .snapshot()
                .into_iter()
                .map(|(r, v)| (vec![("reason", r)], v)),
        );
        family(
            &mut out,
            "liudong_sync_sessions_total",
            "counter",
            "Sync sessions ended, by role (served = a child dialled in, dialled = to the upstream) and outcome.",
            self.sessions
                .snapshot()
                .into_iter()
                .map(|((role, outcome), v)| (vec![("role", role), ("outcome", outcome)], v)),
        );
        let hist = self
            .durations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        header(
            &mut out,
            "liudong_sync_session_duration_seconds",
            "histogram",
            "Duration of ended sync sessions, by role.",
        );
        for (role, h) in &hist {
            for (le, n) in DURATION_BUCKETS.iter().zip(h.buckets) {
                sample(
                    &mut out,
                    "liudong_sync_session_duration_seconds_bucket",
                    &[("role", role), ("le", &le.to_string())],
                    n as f64,
                );
            }
            sample(
                &mut out,
                "liudong_sync_session_duration_seconds_bucket",
                &[("role", role), ("le", "+Inf")],
                h.count as f64,
            );
            sample(
                &mut out,
                "liudong_sync_session_duration_seconds_sum",
                &[("role", role)],
                h.sum,
            );
            sample(
                &mut out,
                "liudong_sync_session_duration_seconds_count",
                &[("role", role)],
                h.count as f64,
            );
        }
        let mut pending = Vec::new();
        for p in &g.peers {
            pending.push((
                vec![("peer", p.peer.as_str()), ("direction", "out")],
                p.pending_out,
            ));
            if let Some(n) = p.pending_in {
                pending.push((vec![("peer", p.peer.as_str()), ("direction", "in")], n));
            }
        }
        family(
            &mut out,
            "liudong_pending_records",
            "gauge",
            "Records waiting on a link: out = this node's outbox for the peer not yet acknowledged; in = the peer's outbox for this node, as the peer last reported it.",
            pending.into_iter(),
        );
        family(
            &mut out,
            "liudong_peer_silent",
            "gauge",
            "1 when a lower node has not been heard from for twice its expected sync interval.",
            g.peers
                .iter()
                .filter(|p| p.role == "child")
                .map(|p| (peer(&p.peer), u64::from(p.silent))),
        );
        family(
            &mut out,
            "liudong_peer_last_contact_timestamp_seconds",
            "gauge",
            "Unix time of the last session message from or to the peer.",
            g.peers
                .iter()
                .filter_map(|p| p.last_contact_ms.map(|ms| (peer(&p.peer), ms / 1000))),
        );
        family(
            &mut out,
            "liudong_store_records",
            "gauge",
            "Records held by this node.",
            std::iter::once((vec![], g.records)),
        );
        family(
            &mut out,
            "liudong_store_size_bytes",
            "gauge",
            "Bytes the store (sled) uses on disk.",
            std::iter::once((vec![], g.store_bytes)),
        );
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn family<'a>(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    samples: impl Iterator<Item = (Vec<(&'a str, &'a str)>, u64)>,
) {
    header(out, name, kind, help);
    for (labels, v) in samples {
        sample(out, name, &labels, v as f64);
    }
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{}\"", escape_label(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// Escapes a label value: backslash, double quote and line feed.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Escapes a HELP text: backslash and line feed.
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample lines of `text` as (name with labels, value).
    fn samples(text: &str) -> BTreeMap<String, f64> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let (k, v) = l.rsplit_once(' ').unwrap();
                (k.to_string(), v.parse::<f64>().unwrap())
            })
            .collect()
    }

    #[test]
    fn counters_render_in_the_text_exposition_format() {
        let m = Metrics::default();
        m.applied("410602100", 3);
        m.applied("410602100", 4);
        m.applied("410602001", 0);
        m.sent("410602100", 2);
        m.refused("limit");
        m.refused("limit");
        m.refused("not_entitled");
        let text = m.render(&Gauges {
            records: 7,
            store_bytes: 4096,
            peers: vec![PeerGauges {
                peer: "410602100".into(),
                role: "child",
                pending_out: 5,
                pending_in: Some(9),
                silent: true,
                last_contact_ms: Some(1_700_000_000_123),
            }],
        });
        let s = samples(&text);
        assert_eq!(s["liudong_records_applied_total{peer=\"410602100\"}"], 7.0);
        assert!(!s.contains_key("liudong_records_applied_total{peer=\"410602001\"}"));
        assert_eq!(s["liudong_records_sent_total{peer=\"410602100\"}"], 2.0);
        assert_eq!(s["liudong_refused_total{reason=\"limit\"}"], 2.0);
        assert_eq!(s["liudong_refused_total{reason=\"not_entitled\"}"], 1.0);
        assert_eq!(
            s["liudong_pending_records{peer=\"410602100\",direction=\"out\"}"],
            5.0
        );
        assert_eq!(
            s["liudong_pending_records{peer=\"410602100\",direction=\"in\"}"],
            9.0
        );
        assert_eq!(s["liudong_peer_silent{peer=\"410602100\"}"], 1.0);
        assert_eq!(
            s["liudong_peer_last_contact_timestamp_seconds{peer=\"410602100\"}"],
            1_700_000_000.0
        );
        assert_eq!(s["liudong_store_records"], 7.0);
        assert_eq!(s["liudong_store_size_bytes"], 4096.0);
        // Every family has exactly one HELP and one TYPE line, before its samples.
        for name in [
            "liudong_records_applied_total",
            "liudong_refused_total",
            "liudong_sync_session_duration_seconds",
            "liudong_store_records",
        ] {
            let help = text.find(&format!("# HELP {name} ")).unwrap();
            let ty = text.find(&format!("# TYPE {name} ")).unwrap();
            assert!(help < ty);
            assert_eq!(text.matches(&format!("# TYPE {name} ")).count(), 1);
        }
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn session_durations_form_a_cumulative_histogram() {
        let m = Metrics::default();
        m.session("served", "ok", Duration::from_millis(30));
        m.session("served", "refused", Duration::from_secs(2));
        m.session("served", "ok", Duration::from_secs(7200));
        m.session("dialled", "failed", Duration::from_millis(5));
        let s = samples(&m.render(&Gauges::default()));
        let b = |le: &str| {
            s[&format!(
                "liudong_sync_session_duration_seconds_bucket{{role=\"served\",le=\"{le}\"}}"
            )]
        };
        assert_eq!(b("0.01"), 0.0);
        assert_eq!(b("0.05"), 1.0);
        assert_eq!(b("2.5"), 2.0);
        assert_eq!(b("3600"), 2.0);
        assert_eq!(b("+Inf"), 3.0);
        assert_eq!(
            s["liudong_sync_session_duration_seconds_count{role=\"served\"}"],
            3.0
        );
        let sum = s["liudong_sync_session_duration_seconds_sum{role=\"served\"}"];
        assert!((sum - 7202.03).abs() < 1e-6, "{sum}");
        assert_eq!(
            s["liudong_sync_sessions_total{role=\"served\",outcome=\"ok\"}"],
            2.0
        );
        assert_eq!(
            s["liudong_sync_sessions_total{role=\"dialled\",outcome=\"failed\"}"],
            1.0
        );
        assert_eq!(
            s["liudong_sync_session_duration_seconds_bucket{role=\"dialled\",le=\"0.01\"}"],
            1.0
        );
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(escape_help("x\\y\nz"), "x\\\\y\\nz");
        let m = Metrics::default();
        m.applied("odd\"peer", 1);
        let text = m.render(&Gauges::default());
        assert!(text.contains("liudong_records_applied_total{peer=\"odd\\\"peer\"} 1\n"));
    }
}
