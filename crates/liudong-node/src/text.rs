//! Command outputs as text, one line each, in this process's language (from
//! the catalogue: no enum names): `liudong person show` (the person's view,
//! the record history and the held records) and `liudong verify`.

use crate::query::PersonAnswer;
use crate::worklist::{held_reason, marital_word, record_kind, sex_word};
use liudong_core::record::{AckOutcome, CheckResult};
use liudong_core::view::Status;
use liudong_core::{Code, Date};
use liudong_i18n::{lang, t};

fn date(d: Option<Date>, none: &str) -> String {
    d.map_or(none.to_string(), |d| d.to_string())
}

/// A person's status in the operators' words.
pub fn status_word(s: Status) -> String {
    match s {
        Status::Unknown => t!("word-status-unknown"),
        Status::AtHome => t!("word-status-at-home"),
        Status::OutMigrated => t!("word-status-out"),
        Status::AtResidence => t!("word-status-at-residence"),
    }
}

/// The lines of `liudong person show` for the answer `a`.
pub fn person_lines(a: &PersonAnswer) -> Vec<String> {
    let l = lang();
    let p = &a.view;
    let opt = |c: &Option<Code>| c.as_ref().map_or("-".to_string(), |c| c.to_string());
    let mut out = vec![
        t!(
            "person-head",
            subject = p.subject.as_str(),
            name = p.name.clone().unwrap_or_else(|| t!("person-name-not-held"))
        ),
        t!(
            "person-basics",
            sex = sex_word(p.sex, l),
            born = p.birth_date.to_string(),
            marital = marital_word(p.marital_status, l),
            married = p
                .married_on
                .map(|d| t!("person-married-on", date = d.to_string()))
                .unwrap_or_default()
        ),
        t!(
            "person-status",
            status = status_word(p.status),
            origin = p.origin.to_string(),
            residence = opt(&p.residence)
        ),
    ];
    out.push(match &p.certificate {
        Some(c) => t!(
            "person-certificate",
            number = c.number.as_str(),
            from = date(c.valid_from, "?"),
            until = date(c.valid_until, "?"),
            valid = if a.certificate_valid_today {
                "yes"
            } else {
                "no"
            },
            today = a.today.to_string(),
            record = c.source.to_string()
        ),
        None => t!("person-certificate-none"),
    });
    for (n, e) in p.episodes.iter().enumerate() {
        let residences: Vec<String> = e.residences.iter().map(|c| c.to_string()).collect();
        out.push(t!(
            "person-episode",
            n = n + 1,
            left = date(e.left, "-"),
            outflow = e.outflow.as_ref().map_or("-".into(), |i| i.to_string()),
            arrived = date(e.arrived, "-"),
            inflow = e.inflow.as_ref().map_or("-".into(), |i| i.to_string()),
            residences = residences.join(" → "),
            returned = e.returned.map_or_else(
                || t!("person-episode-open"),
                |d| t!("person-returned-on", date = d.to_string())
            )
        ));
    }
    for i in &p.inflows {
        let ack = match &i.acknowledged {
            Some((id, AckOutcome::Confirmed)) => {
                t!(
                    "person-ack",
                    outcome = t!("word-ack-confirmed"),
                    record = id.to_string()
                )
            }
            Some((id, AckOutcome::Mismatch)) => {
                t!(
                    "person-ack",
                    outcome = t!("word-ack-mismatch"),
                    record = id.to_string()
                )
            }
            None => t!("person-not-acknowledged"),
        };
        out.push(t!(
            "person-inflow",
            id = i.id.to_string(),
            residence = opt(&i.residence),
            date = i.arrival_date.to_string(),
            certificate = i
                .certificate_number
                .clone()
                .unwrap_or_else(|| t!("person-certificate-missing")),
            ack = ack
        ));
    }
    for h in &a.history {
        out.push(t!(
            "person-record",
            id = h.id.as_str(),
            kind = record_kind(&h.kind, l),
            date = date(h.event_date, "-"),
            written = h.written.to_string(),
            operator = h.operator.as_str(),
            corrects = h
                .corrects
                .as_ref()
                .map(|c| t!("person-corrects", record = c.as_str()))
                .unwrap_or_default()
        ));
    }
    if !p.checks.is_empty() {
        let checks: Vec<String> = p
            .checks
            .iter()
            .map(|c| {
                let result = match c.result {
                    CheckResult::Normal => t!("word-check-normal"),
                    CheckResult::FollowUp => t!("word-check-follow-up"),
                };
                format!("{} {} {result}", c.quarter, c.check_date)
            })
            .collect();
        out.push(t!("person-checks", checks = checks.join("; ")));
    }
    for b in &p.births {
        out.push(t!(
            "person-birth",
            date = b.birth_date.to_string(),
            sex = sex_word(b.sex, l),
            order = b.birth_order,
            id = b.id.to_string()
        ));
    }
    out.push(t!("person-counts", records = p.records, voided = p.voided));
    for h in &a.held {
        out.push(t!(
            "person-held",
            id = h.id.to_string(),
            kind = record_kind(&h.kind, l),
            issue = held_reason(&h.issue.field, l)
        ));
    }
    out
}

/// The lines of `liudong verify` for the report `r`.
pub fn verify_lines(r: &liudong_sync::verify::VerifyReport) -> Vec<String> {
    let mut out = vec![t!(
        "verify-head",
        scope = r.scope.as_str(),
        upstream = r.upstream.as_str()
    )];
    if !r.audit.is_clean() {
        out.push(t!(
            "verify-local-audit",
            missing = r.audit.missing.len(),
            corrupt = r.audit.corrupt.len()
        ));
    }
    for d in &r.buckets {
        out.push(t!(
            "verify-differs",
            bucket = d.bucket.as_str(),
            here = d.here,
            there = d.there,
            missing_here = d.missing_here.len(),
            missing_there = d.missing_there.len(),
            conflicting = d.conflicting.len()
        ));
    }
    let own = format!("{}-", r.node);
    let lost = r
        .buckets
        .iter()
        .flat_map(|d| &d.missing_here)
        .filter(|id| id.starts_with(&own))
        .count();
    if lost > 0 {
        let text = t!("verify-own-records-missing", records = lost.to_string());
        out.push(format!("  {text}"));
    }
    for c in &r.sources {
        let (source, sent, received, missing) = (c.source.as_str(), c.sent, c.received, c.missing);
        out.push(match c.state.as_str() {
            "equal" => t!("verify-source-equal", source = source, received = received),
            "ahead" => t!(
                "verify-source-ahead",
                source = source,
                received = received,
                sent = sent
            ),
            "in_flight" => t!(
                "verify-source-in-flight",
                source = source,
                missing = missing,
                sent = sent
            ),
            "no_proof" => t!(
                "verify-source-no-proof",
                source = source,
                received = received
            ),
            "refused" => t!(
                "verify-source-refused",
                source = source,
                reason = c.reason.as_str()
            ),
            _ if c.missing_ids.is_empty() => t!(
                "verify-source-missing",
                source = source,
                missing = missing,
                sent = sent,
                received = received
            ),
            _ => t!(
                "verify-source-missing-ids",
                source = source,
                missing = missing,
                sent = sent,
                received = received,
                ids = c.missing_ids.join(", ")
            ),
        });
    }
    if r.in_flight > 0 {
        out.push(t!("verify-in-flight", count = r.in_flight));
    }
    if r.fetched + r.offered > 0 {
        out.push(t!(
            "verify-repaired",
            fetched = r.fetched,
            offered = r.offered,
            new = r.offered_new
        ));
    }
    out.push(t!(
        "verify-fingerprints",
        in_step = if r.in_step { "yes" } else { "no" },
        local = r.local.as_str(),
        remote = r.remote.as_str()
    ));
    out
}

/// The error of `liudong verify` when the node is not in step at the end.
pub fn verify_not_in_step(r: &liudong_sync::verify::VerifyReport, repaired: bool) -> String {
    if !r.sources.is_empty() {
        t!(
            "verify-not-in-step-cluster",
            node = r.node.as_str(),
            upstream = r.upstream.as_str()
        )
    } else if repaired {
        t!(
            "verify-not-in-step-after-repair",
            node = r.node.as_str(),
            upstream = r.upstream.as_str()
        )
    } else {
        t!(
            "verify-not-in-step",
            node = r.node.as_str(),
            upstream = r.upstream.as_str()
        )
    }
}

/// The role of a session in the audit trail (`served`, `dialled`), in the
/// operator's words; anything else as it is.
pub fn audit_role(role: &str) -> String {
    match role {
        "served" => t!("audit-role-served"),
        "dialled" => t!("audit-role-dialled"),
        other => other.to_string(),
    }
}

/// A session's outcome in the audit trail: `ok`, or the error that ended it
/// (already a sentence, in the language of the node that wrote it).
pub fn audit_outcome(outcome: &str) -> String {
    match outcome {
        "ok" => t!("audit-outcome-ok"),
        other => other.to_string(),
    }
}

/// Where imported records came from, as the audit trail keeps it (`bundle
/// from X`, `verify repair: …`, `recover: …`), in the operator's words.
pub fn audit_source(source: &str) -> String {
    if let Some(from) = source.strip_prefix("bundle from ") {
        return t!("audit-source-bundle", from = from);
    }
    if let Some(peer) = source.strip_prefix("verify repair: offered by ") {
        return t!("audit-source-repair-offered", peer = peer);
    }
    match source {
        "verify repair: fetched from the upstream" => t!("audit-source-repair-fetched"),
        "recover: fetched from the upstream" => t!("audit-source-recover"),
        "JetStream exchange" => t!("audit-source-jetstream"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words the store keeps are shown in the operator's language.
    #[test]
    fn audit_words_are_rendered_through_the_catalogue() {
        assert_eq!(audit_role("served"), t!("audit-role-served"));
        assert_ne!(audit_role("served"), "served");
        assert_eq!(audit_outcome("ok"), t!("audit-outcome-ok"));
        assert_eq!(audit_outcome("超时：x"), "超时：x");
        assert!(audit_source("bundle from 410602").contains("410602"));
        assert_ne!(audit_source("JetStream exchange"), "JetStream exchange");
        assert_ne!(
            audit_source("recover: fetched from the upstream"),
            "recover: fetched from the upstream"
        );
    }
}
