//! The console's forms, scoped accounts, unlock and download through its
//! router (no browser): what is written, what is refused and where the
//! refusal is shown, and what an account of a township may see.

use crate::operators::Role;
use crate::testing::{body, console, form, request, send, session_of};
use axum::http::{StatusCode, header};
use liudong_core::record::Sex;
use liudong_core::{Body, CitizenId, Date};
use liudong_store::audit::{AuditEvent, AuditFilter};

const COUNTY: &str = "530424";
/// 盘溪镇九甸村 and another township of the county, 华溪镇.
const VILLAGE: &str = "530424102205";
const OTHER_TOWN: &str = "530424103";

fn person() -> CitizenId {
    let mut rng = liudong_core::synth::SynthRng::new(11);
    liudong_core::synth::citizen_id(
        &mut rng,
        "410602",
        Date::new(1990, 5, 1).unwrap(),
        Sex::Female,
    )
}

/// Posts `pairs` to `/write` in the session `(cookie, csrf)`.
async fn post(
    c: &std::sync::Arc<crate::state::Console>,
    s: &(String, String),
    pairs: &[(&str, &str)],
) -> axum::response::Response {
    let mut all = vec![("csrf", s.1.as_str()), ("action", "save")];
    all.extend_from_slice(pairs);
    send(c, request("POST", "/write", &s.0, Some(form(&all)))).await
}

/// Owned form pairs as the borrowed pairs [`post`] takes.
fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, x)| (*k, x.as_str())).collect()
}

fn location(r: &axum::response::Response) -> String {
    r.headers()[header::LOCATION].to_str().unwrap().to_string()
}

#[tokio::test]
async fn forms_write_through_the_node_and_refusals_are_shown_by_their_field() {
    let dir = tempfile::tempdir().unwrap();
    let c = console(
        dir.path(),
        COUNTY,
        &[
            ("wang.li", None, Role::Admin),
            ("zhao.town", Some(OTHER_TOWN), Role::Operator),
        ],
        false,
    );
    let s = session_of(&c, "wang.li");
    let x = person();
    let id = x.as_str();
    let today = Date::from_unix_ms(c.node.now_ms());
    let arrived = today.add_days(-10).to_string();
    let inflow = |arrival: &str, address: &str| {
        vec![
            ("kind", "inflow_registered".to_string()),
            ("subject", id.to_string()),
            ("name", "李某某".into()),
            ("phone", "13800000001".into()),
            ("marital_status", "married".into()),
            ("origin_2", "41".into()),
            ("origin_4", "4106".into()),
            ("origin_6", "410602".into()),
            ("origin", "410602100001".into()),
            ("residence", VILLAGE.into()),
            ("arrival_date", arrival.to_string()),
            ("address", address.to_string()),
            ("employer", "华宁陶瓷厂".into()),
            ("certificate_number", String::new()),
        ]
    };

    // The empty form, then the form's own checks: a future arrival.
    let r = send(
        &c,
        request("GET", "/write?kind=inflow_registered", &s.0, None),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = body(r).await;
    assert!(
        page.contains("id=\"record-form\"") && page.contains("盘溪镇"),
        "{page}"
    );
    let future = inflow(&today.add_days(3).to_string(), "幸福路3号");
    let r = post(&c, &s, &as_refs(&future)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body(r).await;
    assert!(
        page.contains("id=\"err-arrival_date\">日期不能晚于今天"),
        "{page}"
    );
    assert!(page.contains("value=\"李某某\""), "what was typed is kept");
    // The write path's own refusal, next to its field.
    let bell = inflow(&arrived, "幸福路\u{7}3号");
    let r = post(&c, &s, &as_refs(&bell)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(r)
            .await
            .contains("id=\"err-address\">含有不可见的控制字符")
    );
    // The same refusal in English after the language switch: from the
    // reason's type, not its wording.
    let mut pairs = vec![("csrf", s.1.as_str()), ("action", "save")];
    pairs.extend(as_refs(&bell));
    let r = send(
        &c,
        request("POST", "/write?lang=en", &s.0, Some(form(&pairs))),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body(r).await;
    assert!(
        page.contains("id=\"err-address\">Contains invisible control characters"),
        "{page}"
    );
    assert_eq!(c.node.store().record_count(), 0, "nothing written");

    // Saved: the person's registration and the inflow, by the operator.
    let ok = inflow(&arrived, "幸福路3号");
    let r = post(&c, &s, &as_refs(&ok)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", body(r).await);
    assert!(location(&r).starts_with(&format!("/person?id={id}&saved=")));
    let records = c.node.store().subject_records(id).unwrap();
    let kinds: Vec<&str> = records.iter().map(|r| r.body.kind()).collect();
    assert_eq!(kinds, ["person_registered", "inflow_registered"]);
    assert!(records.iter().all(|r| r.operator == "console:wang.li"));
    assert!(records.iter().all(|r| r.id.node.as_str() == COUNTY));
    let trail = c
        .node
        .store()
        .audit_query(&AuditFilter {
            subject: Some(id.to_string()),
            ..Default::default()
        })
        .unwrap();
    let written = trail
        .iter()
        .filter(|e| {
            matches!(&e.event, AuditEvent::RecordWritten { operator, .. } if operator == "console:wang.li")
        })
        .count();
    assert_eq!(written, 2, "audited like the CLI: {trail:?}");
    let r = send(&c, request("GET", &location(&r), &s.0, None)).await;
    let page = body(r).await;
    assert!(
        page.contains("id=\"saved\"") && page.contains("李某某") && page.contains("华宁陶瓷厂")
    );
    // On the work list of the county: no certificate presented.
    let r = send(
        &c,
        request("GET", "/overdue?kind=no_certificate", &s.0, None),
    )
    .await;
    let page = body(r).await;
    assert!(page.contains(id) && page.contains("13800000001"), "{page}");
    // The whole list as a file, with the work list's columns.
    let r = send(&c, request("GET", "/overdue.csv", &s.0, None)).await;
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let text = body(r).await;
    assert!(
        text.starts_with("\u{FEFF}事项,村（居）,应办日期,姓名"),
        "{text}"
    );
    assert!(text.contains(id));

    // A check report, one before its quarter (the form says so), a void.
    let quarter = today.quarter().to_string();
    let too_early = today.quarter().first_day().add_days(-1).to_string();
    let check = |day: &str| {
        vec![
            ("kind", "check_reported".to_string()),
            ("subject", id.to_string()),
            ("quarter", quarter.clone()),
            ("check_date", day.to_string()),
            ("result", "normal".into()),
        ]
    };
    let r = post(&c, &s, &as_refs(&check(&too_early))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(r).await.contains("id=\"err-check_date\""));
    let r = post(&c, &s, &as_refs(&check(&today.to_string()))).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let check_id = c.node.store().subject_records(id).unwrap()[2]
        .id
        .to_string();
    let void = |reason: &str| {
        vec![
            ("kind", "void".to_string()),
            ("subject", id.to_string()),
            ("target", check_id.clone()),
            ("reason", reason.to_string()),
        ]
    };
    let r = post(&c, &s, &as_refs(&void(""))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(r).await.contains("id=\"err-reason\">此项必填"));
    let r = post(&c, &s, &as_refs(&void("重复登记"))).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A correction of the inflow: chosen from the history, its fields
    // filled in from the record, places kept from it.
    let inflow_id = c.node.store().subject_records(id).unwrap()[1]
        .id
        .to_string();
    let r = send(
        &c,
        request(
            "GET",
            &format!("/write?kind=correction&id={id}&target={inflow_id}"),
            &s.0,
            None,
        ),
    )
    .await;
    let page = body(r).await;
    assert!(page.contains("value=\"幸福路3号\""), "{page}");
    let correct = [
        ("kind", "correction"),
        ("subject", id),
        ("target", inflow_id.as_str()),
        ("loaded", inflow_id.as_str()),
        ("reason", "地址有误"),
        ("arrival_date", arrived.as_str()),
        ("address", "新村5号"),
        ("employer", "华宁陶瓷厂"),
        ("certificate_number", "HN-2026-1"),
    ];
    let r = post(&c, &s, &correct).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let view = c.node.store().view(&x).unwrap().unwrap();
    assert_eq!(view.address.as_deref(), Some("新村5号"));
    assert_eq!(view.checks.len(), 0, "the check was voided");
    assert_eq!(
        view.inflows[0].certificate_number.as_deref(),
        Some("HN-2026-1")
    );
    let last = c.node.store().subject_records(id).unwrap().pop().unwrap();
    assert!(matches!(&last.body, Body::Correction(k) if k.amended.is_some()));
    assert_eq!(last.residence.as_ref().unwrap().as_str(), VILLAGE);

    // An account of another township: the person is not theirs.
    let t = session_of(&c, "zhao.town");
    let r = send(&c, request("GET", &format!("/person?id={id}"), &t.0, None)).await;
    let page = body(r).await;
    assert!(
        page.contains("华溪镇") && !page.contains("李某某"),
        "{page}"
    );
    let r = send(&c, request("GET", "/overdue", &t.0, None)).await;
    assert!(!body(r).await.contains(id));
    let r = send(&c, request("GET", "/report", &t.0, None)).await;
    assert!(
        body(r)
            .await
            .contains(&format!("data-code=\"{OTHER_TOWN}\""))
    );
    let r = send(&c, request("GET", "/report?code=530424102", &t.0, None)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Their residence picker offers only their township's villages.
    let mine = inflow(&arrived, "x");
    let r = post(&c, &t, &as_refs(&mine)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body(r).await;
    assert!(page.contains("id=\"err-residence\""), "{page}");
    assert!(!page.contains(VILLAGE), "{page}");

    // Unlocking: administrators only.
    let r = send(&c, request("GET", "/accounts", &t.0, None)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for _ in 0..5 {
        c.sessions.failed("zhao.town", c.node.now_ms());
    }
    assert!(
        c.sessions
            .check_allowed("zhao.town", c.node.now_ms())
            .is_err()
    );
    let r = send(&c, request("GET", "/accounts", &s.0, None)).await;
    let page = body(r).await;
    assert!(page.contains("data-name=\"zhao.town\">解锁"), "{page}");
    let unlock = form(&[("csrf", &s.1), ("action", "unlock"), ("name", "zhao.town")]);
    let r = send(&c, request("POST", "/accounts", &t.0, Some(unlock.clone()))).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "another session's token");
    let r = send(&c, request("POST", "/accounts", &s.0, Some(unlock))).await;
    assert_eq!(location(&r), "/accounts?unlocked=zhao%2Etown");
    assert!(
        c.sessions
            .check_allowed("zhao.town", c.node.now_ms())
            .is_ok()
    );
}

#[tokio::test]
async fn birth_move_and_return_are_written_from_their_forms() {
    let dir = tempfile::tempdir().unwrap();
    let c = console(dir.path(), COUNTY, &[("wang.li", None, Role::Admin)], false);
    let s = session_of(&c, "wang.li");
    let x = person();
    let id = x.as_str();
    let today = Date::from_unix_ms(c.node.now_ms());
    let day = |n: i64| today.add_days(n).to_string();
    let inflow = [
        ("kind", "inflow_registered".to_string()),
        ("subject", id.to_string()),
        ("name", "李某某".into()),
        ("marital_status", "married".into()),
        ("origin", "410602100001".into()),
        ("residence", VILLAGE.into()),
        ("arrival_date", day(-30)),
        ("address", "幸福路3号".into()),
    ];
    let r = post(&c, &s, &as_refs(&inflow)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", body(r).await);

    // Each form is offered from the person's page.
    let r = send(&c, request("GET", &format!("/person?id={id}"), &s.0, None)).await;
    let page = body(r).await;
    for kind in ["birth_registered", "residence_changed", "returned"] {
        assert!(
            page.contains(&format!("id=\"write-{kind}\"")),
            "{kind}: {page}"
        );
    }

    // A birth: a birth order that is not a number is refused by its field.
    let birth = |order: &str| {
        vec![
            ("kind", "birth_registered".to_string()),
            ("subject", id.to_string()),
            ("birth_date", day(-20)),
            ("sex", "male".into()),
            ("birth_order", order.to_string()),
            ("place", VILLAGE.into()),
        ]
    };
    let r = post(&c, &s, &as_refs(&birth("一"))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(r).await.contains("id=\"err-birth_order\""));
    let r = post(&c, &s, &as_refs(&birth("1"))).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", body(r).await);

    // A move to a village of another township, chosen by the picker.
    let moved = "530424103202";
    let change = [
        ("kind", "residence_changed".to_string()),
        ("subject", id.to_string()),
        ("change_date", day(-10)),
        ("residence", moved.into()),
        ("address", "新村8号".into()),
    ];
    let r = post(&c, &s, &as_refs(&change)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", body(r).await);

    // The return home: a day still ahead is refused by its field; today is saved.
    let back = |d: String| {
        vec![
            ("kind", "returned".to_string()),
            ("subject", id.to_string()),
            ("return_date", d),
        ]
    };
    let r = post(&c, &s, &as_refs(&back(day(2)))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(r).await.contains("id=\"err-return_date\""));
    let r = post(&c, &s, &as_refs(&back(day(0)))).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", body(r).await);

    let records = c.node.store().subject_records(id).unwrap();
    let kinds: Vec<&str> = records.iter().map(|r| r.body.kind()).collect();
    assert_eq!(
        kinds,
        [
            "person_registered",
            "inflow_registered",
            "birth_registered",
            "residence_changed",
            "returned"
        ]
    );
    assert!(records.iter().all(|r| r.operator == "console:wang.li"));
    let view = c.node.store().view(&x).unwrap().unwrap();
    assert_eq!(view.births.len(), 1);
    assert!(matches!(
        &records[3].body,
        Body::ResidenceChanged(m) if m.address == "新村8号"
    ));
    assert_eq!(records[3].residence.as_ref().unwrap().as_str(), moved);
}
