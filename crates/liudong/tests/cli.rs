//! Smoke tests of the built binary.

use std::process::Command;

/// A plaintext village node's config (its upstream unreachable) in a
/// fresh temporary directory, which lives as long as the returned guard.
fn village_config() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("v.toml");
    std::fs::write(
        &cfg,
        "[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\ninsecure = true\n[upstream]\ncode = \"410602100\"\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    (dir, cfg)
}

/// `record add --json` of an outflow registration of a synthetic person
/// (valid check digit) leaving on `leave_date`.
fn outflow_json(leave_date: &str) -> String {
    let first17 = "41060219900101124";
    let c = liudong_core::citizen::check_char(first17.as_bytes());
    format!(
        r#"{{"operator":"c","subject":"{first17}{c}","origin":"410602100001","residence":"440306018001","body":{{"outflow_registered":{{"leave_date":"{leave_date}","purpose":"work","expected_months":6}}}}}}"#
    )
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_liudong"))
}

/// The demo's report: Chinese by default, English with `--lang en`.
#[test]
fn demo_runs_and_reports_deliveries() {
    let demo = |lang: Option<&str>| {
        let mut c = bin();
        if let Some(l) = lang {
            c.args(["--lang", l]);
        }
        let out = c.arg("demo").env_remove("LIUDONG_LANG").output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "demo failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    let en = demo(Some("en"));
    assert!(en.contains("inflow acknowledged"), "{en}");
    assert!(
        en.contains("Every record reached exactly the nodes entitled to it"),
        "{en}"
    );
    let zh = demo(None);
    assert!(zh.contains("流入反馈"), "{zh}");
    assert!(zh.contains("每条记录都恰好到达了有权接收它的节点"), "{zh}");
    assert!(!zh.contains("Every record"), "{zh}");
}

#[test]
fn bad_config_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[node]\ncode = \"4106021\"\ndata_dir = \"d\"\n").unwrap();
    let out = bin()
        .args(["status", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("有 7 位"), "{err}");
}

#[test]
fn record_add_rejects_bad_json_and_accepts_good_json() {
    let (_dir, cfg) = village_config();
    let out = bin()
        .args(["record", "add", "--config"])
        .arg(&cfg)
        .args(["--json", r#"{"operator":"c","subject":"410602199001011234","origin":"410602100001","body":{"returned":{"return_date":"2026-01-01"}}}"#])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("subject") && err.contains("校验位不对"),
        "{err}"
    );

    let out = bin()
        .args(["record", "add", "--config"])
        .arg(&cfg)
        .args([
            "--json",
            r#"{"operator":"c","subject":"x","origin":"410602100001","body":{"teleported":{}}}"#,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown variant `teleported`"), "{err}");

    let json = outflow_json("2026-10-01");
    let out = bin()
        .args(["record", "add", "--config"])
        .arg(&cfg)
        .args(["--json", &json])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Ids follow the clock (never reissued after a wipe or restore).
    let stdout = String::from_utf8_lossy(&out.stdout);
    // (In Chinese, the default: "已写入 <id>（hlc …）".)
    let id = stdout
        .strip_prefix("已写入 ")
        .and_then(|r| r.split('（').next())
        .and_then(liudong_core::RecordId::parse)
        .unwrap_or_else(|| panic!("no record id in {stdout:?}"));
    assert_eq!(id.node.as_str(), "410602100001");
    assert!(id.seq > liudong_core::record::SEQ_COUNTER_MAX, "{id}");
    let out = bin()
        .args(["status", "--json", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["records"], 1);
    assert_eq!(
        status["links"][0]["pending_out"], 1,
        "waiting to be pushed up"
    );
}

#[test]
fn bench_smoke_runs_every_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let out = bin()
        .args(["bench", "--smoke", "--out"])
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 9, "{stdout}");
    for r in results {
        assert!(r["scenario"].is_string());
    }
    assert!(results[0]["records_per_s"].as_f64().unwrap() > 0.0);
    assert!(
        stdout.contains("records read / records sent by hubs: 1.000"),
        "{stdout}"
    );
}

/// A record the node refuses names the field and the reason: in Chinese
/// by default, in English with `--lang en`.
#[test]
fn record_add_refusal_reads_in_the_operators_language() {
    let (_dir, cfg) = village_config();
    let json = outflow_json("2099-10-01");
    let add = |lang: Option<&str>| {
        let mut c = bin();
        if let Some(l) = lang {
            c.args(["--lang", l]);
        }
        let out = c
            .args(["record", "add", "--config"])
            .arg(&cfg)
            .args(["--json", &json])
            .env_remove("LIUDONG_LANG")
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let zh = add(None);
    assert!(
        zh.contains("outflow_registered.leave_date") && zh.contains("日期 2099-10-01 晚于今天"),
        "{zh}"
    );
    assert!(!zh.contains("is in the future"), "{zh}");
    let en = add(Some("en"));
    assert!(
        en.contains("outflow_registered.leave_date: 2099-10-01 is in the future"),
        "{en}"
    );
    assert!(!en.contains("晚于今天"), "{en}");
}
