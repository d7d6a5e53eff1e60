//! A node's metrics: counters kept in memory since start, and their
//! rendering for Prometheus, with the `prometheus-client` crate.
//!
//! The counter families and the session-duration histogram live in a
//! `prometheus_client` registry; each is updated once per batch or per
//! session, never per record (one label-set look-up and an atomic add). The
//! gauges (records held, store size, pending records, silence and last
//! contact per peer) are not kept here: the caller reads them from the store
//! at each scrape and passes them in ([`Gauges`]), and a collector renders
//! them after the registry's families. Rendering is in the Prometheus text
//! format 0.0.4 or in OpenMetrics 1.0 ([`Format`]). Every metric is
//! documented in docs/monitoring.md.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::time::Duration;

/// Upper bounds (seconds) of the session duration histogram's buckets.
/// The finer ones below 50 ms resolve the p99 of one-shot sessions against
/// their 50 ms target (`liudong bench` scenario 9).
pub const DURATION_BUCKETS: [f64; 15] = [
    0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0, 600.0, 3600.0,
];

/// How a session ended, for `liudong_sync_sessions_total{outcome}`.
pub fn outcome<T>(result: &Result<T, crate::error::SyncError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(crate::error::SyncError::Cancelled) => "cancelled",
        Err(e) if e.refusal_reason().is_some() => "refused",
        Err(_) => "failed",
    }
}

/// The exposition format of a scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// The Prometheus text format 0.0.4 (what scrapers that do not ask for
    /// OpenMetrics, and `curl`, get).
    #[default]
    Prometheus,
    /// OpenMetrics 1.0 text (what Prometheus asks for first): counter
    /// families named without `_total` in HELP/TYPE, and a final `# EOF`.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerLabel {
    peer: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SessionLabels {
    role: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoleLabel {
    role: &'static str,
}

type DurationFamily = Family<RoleLabel, Histogram, fn() -> Histogram>;

/// The counters of one node since it started.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    applied: Family<PeerLabel, Counter>,
    sent: Family<PeerLabel, Counter>,
    refused: Family<ReasonLabel, Counter>,
    sessions: Family<SessionLabels, Counter>,
    durations: DurationFamily,
}

impl Default for Metrics {
    fn default() -> Self {
        let applied = Family::default();
        let sent = Family::default();
        let refused = Family::default();
        let sessions = Family::default();
        let durations: DurationFamily =
            Family::new_with_constructor(|| Histogram::new(DURATION_BUCKETS));
        // Counters are registered without `_total` (the encoder appends it),
        // help texts without their final period (the registry appends it).
        let mut registry = Registry::default();
        registry.register(
            "liudong_records_applied",
            "Records received from a peer that were new at this node",
            applied.clone(),
        );
        registry.register(
            "liudong_records_sent",
            "Records sent to a peer in sync batches",
            sent.clone(),
        );
        registry.register(
            "liudong_refused",
            "Peers, sessions or batches refused, by reason",
            refused.clone(),
        );
        registry.register(
            "liudong_sync_sessions",
            "Sync sessions ended, by role (served = a child dialled in, dialled = to the upstream) and outcome",
            sessions.clone(),
        );
        registry.register(
            "liudong_sync_session_duration_seconds",
            "Duration of ended sync sessions, by role",
            durations.clone(),
        );
        Metrics {
            registry,
            applied,
            sent,
            refused,
            sessions,
            durations,
        }
    }
}

/// Values read from the store at scrape time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    /// Records held.
    pub records: u64,
    /// Bytes the store uses on disk.
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
            self.applied
                .get_or_create(&PeerLabel {
                    peer: peer.to_string(),
                })
                .inc_by(n);
        }
    }

    /// `n` records were sent to `peer`.
    pub fn sent(&self, peer: &str, n: u64) {
        if n > 0 {
            self.sent
                .get_or_create(&PeerLabel {
                    peer: peer.to_string(),
                })
                .inc_by(n);
        }
    }

    /// A peer or what it sent was refused for `reason`.
    pub fn refused(&self, reason: &'static str) {
        self.refused.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// A session in `role` (`served` or `dialled`) ended with `outcome`
    /// after `took`.
    pub fn session(&self, role: &'static str, outcome: &'static str, took: Duration) {
        self.sessions
            .get_or_create(&SessionLabels { role, outcome })
            .inc();
        self.durations
            .get_or_create(&RoleLabel { role })
            .observe(took.as_secs_f64());
    }

    /// Renders every metric in the Prometheus text format 0.0.4.
    pub fn render(&self, g: &Gauges) -> String {
        self.render_as(g, Format::Prometheus)
    }

    /// Renders every metric in `format`: the registry's counters and
    /// histogram, then the gauges of `g`.
    pub fn render_as(&self, g: &Gauges, format: Format) -> String {
        use prometheus_client::encoding::{prometheus_text, text};
        let mut scraped = Registry::default();
        scraped.register_collector(Box::new(ScrapeGauges(g.clone())));
        let mut out = String::new();
        // Writing to a String cannot fail; an encoder error would be a bug
        // in a metric's encoding, and the text rendered so far is returned.
        let result = match format {
            Format::Prometheus => prometheus_text::encode(&mut out, &self.registry)
                .and_then(|()| prometheus_text::encode(&mut out, &scraped)),
            Format::OpenMetrics => text::encode_registry(&mut out, &self.registry)
                .and_then(|()| text::encode_registry(&mut out, &scraped))
                .and_then(|()| text::encode_eof(&mut out)),
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "rendering the metrics failed");
        }
        out
    }
}

/// The gauges read at one scrape, rendered after the registry's families.
#[derive(Debug)]
struct ScrapeGauges(Gauges);

impl ScrapeGauges {
    /// One gauge family: its HELP and TYPE, then a sample per label set
    /// (nothing when there is no sample, like the registry's families).
    fn family<'a, const N: usize>(
        encoder: &mut DescriptorEncoder,
        name: &str,
        help: &str,
        samples: impl IntoIterator<Item = ([(&'static str, &'a str); N], u64)>,
    ) -> Result<(), std::fmt::Error> {
        let mut samples = samples.into_iter().peekable();
        if samples.peek().is_none() {
            return Ok(());
        }
        let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
        for (labels, value) in samples {
            metric.encode_family(&labels)?.encode_gauge(&value)?;
        }
        Ok(())
    }
}

impl Collector for ScrapeGauges {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let g = &self.0;
        Self::family(
            &mut encoder,
            "liudong_pending_records",
            "Records waiting on a link: out = this node's outbox for the peer not yet acknowledged; in = the peer's outbox for this node, as the peer last reported it.",
            g.peers.iter().flat_map(|p| {
                let peer = p.peer.as_str();
                std::iter::once(([("peer", peer), ("direction", "out")], p.pending_out)).chain(
                    p.pending_in
                        .map(|n| ([("peer", peer), ("direction", "in")], n)),
                )
            }),
        )?;
        Self::family(
            &mut encoder,
            "liudong_peer_silent",
            "1 when a lower node has not been heard from for twice its expected sync interval.",
            g.peers
                .iter()
                .filter(|p| p.role == "child")
                .map(|p| ([("peer", p.peer.as_str())], u64::from(p.silent))),
        )?;
        Self::family(
            &mut encoder,
            "liudong_peer_last_contact_timestamp_seconds",
            "Unix time of the last session message from or to the peer.",
            g.peers.iter().filter_map(|p| {
                p.last_contact_ms
                    .map(|ms| ([("peer", p.peer.as_str())], ms / 1000))
            }),
        )?;
        Self::family(
            &mut encoder,
            "liudong_store_records",
            "Records held by this node.",
            [([], g.records)],
        )?;
        Self::family(
            &mut encoder,
            "liudong_store_size_bytes",
            "Bytes the store uses on disk.",
            [([], g.store_bytes)],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

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

    fn gauges() -> Gauges {
        Gauges {
            records: 7,
            store_bytes: 4096,
            peers: vec![
                PeerGauges {
                    peer: "410602100".into(),
                    role: "child",
                    pending_out: 5,
                    pending_in: Some(9),
                    silent: true,
                    last_contact_ms: Some(1_700_000_000_123),
                },
                PeerGauges {
                    peer: "410600".into(),
                    role: "upstream",
                    pending_out: 0,
                    pending_in: None,
                    silent: false,
                    last_contact_ms: None,
                },
            ],
        }
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
        m.session("served", "ok", Duration::from_millis(30));
        let text = m.render(&gauges());
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
        assert_eq!(
            s["liudong_pending_records{peer=\"410600\",direction=\"out\"}"],
            0.0
        );
        assert!(!s.contains_key("liudong_pending_records{peer=\"410600\",direction=\"in\"}"));
        assert_eq!(s["liudong_peer_silent{peer=\"410602100\"}"], 1.0);
        assert!(
            !s.contains_key("liudong_peer_silent{peer=\"410600\"}"),
            "the upstream is never silent"
        );
        assert_eq!(
            s["liudong_peer_last_contact_timestamp_seconds{peer=\"410602100\"}"],
            1_700_000_000.0
        );
        assert_eq!(s["liudong_store_records"], 7.0);
        assert_eq!(s["liudong_store_size_bytes"], 4096.0);
        // Counters are integers (scripts parse them as such).
        assert!(text.contains("\nliudong_refused_total{reason=\"limit\"} 2\n"));
        // Every family has exactly one HELP and one TYPE line, before its
        // samples, named as its samples are (0.0.4: counters with `_total`).
        for (name, kind) in [
            ("liudong_records_applied_total", "counter"),
            ("liudong_refused_total", "counter"),
            ("liudong_sync_sessions_total", "counter"),
            ("liudong_sync_session_duration_seconds", "histogram"),
            ("liudong_pending_records", "gauge"),
            ("liudong_store_records", "gauge"),
        ] {
            let help = text.find(&format!("# HELP {name} ")).unwrap();
            let ty = text.find(&format!("# TYPE {name} {kind}\n")).unwrap();
            let first = text.find(&format!("\n{name}")).unwrap();
            assert!(help < ty && ty < first, "{name}");
            assert_eq!(text.matches(&format!("# TYPE {name} ")).count(), 1);
        }
        assert!(text.contains(
            "# HELP liudong_records_applied_total Records received from a peer that were new at this node.\n"
        ));
        assert!(!text.contains("# EOF"));
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn openmetrics_names_counter_families_without_total_and_ends_with_eof() {
        let m = Metrics::default();
        m.applied("410602100", 3);
        let text = m.render_as(&gauges(), Format::OpenMetrics);
        assert!(text.contains("# TYPE liudong_records_applied counter\n"));
        assert!(text.contains("\nliudong_records_applied_total{peer=\"410602100\"} 3\n"));
        assert!(text.contains("\nliudong_store_records 7\n"));
        assert!(text.ends_with("\n# EOF\n"), "{text}");
        assert_eq!(text.matches("# EOF").count(), 1);
        assert_eq!(
            Format::OpenMetrics.content_type(),
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
        assert_eq!(
            Format::Prometheus.content_type(),
            "text/plain; version=0.0.4; charset=utf-8"
        );
    }

    #[test]
    fn session_durations_form_a_cumulative_histogram() {
        let m = Metrics::default();
        m.session("served", "ok", Duration::from_millis(30));
        m.session("served", "refused", Duration::from_secs(2));
        m.session("served", "ok", Duration::from_secs(7200));
        m.session("dialled", "failed", Duration::from_millis(5));
        let text = m.render(&Gauges::default());
        let s = samples(&text);
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
        for le in DURATION_BUCKETS {
            assert!(s.contains_key(&format!(
                "liudong_sync_session_duration_seconds_bucket{{role=\"served\",le=\"{le}\"}}"
            )));
        }
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
    fn label_values_are_escaped() {
        let m = Metrics::default();
        m.applied("odd\"peer\\\n", 1);
        let text = m.render(&Gauges::default());
        assert!(
            text.contains("liudong_records_applied_total{peer=\"odd\\\"peer\\\\\\n\"} 1\n"),
            "{text}"
        );
    }
}
