//! The operator's set-up path with the real `liudong` binary: `init` an
//! exchange and a county hub that trust each other's CA, `enrol` a township and a village, `init --enrol` each into
//! its own directory, start the three nodes from the generated configs and
//! see records written at the township and at the village reach the hub over
//! mutual TLS. Also the refusals: a corrupted or truncated enrolment file,
//! a code outside the hub's area, overwriting a node's config.

use liudong_net::tls::fingerprint;
use liudong_store::audit::{AuditEntry, AuditEvent};
use liudong_tests::*;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

fn liudong(args: &[&str]) -> Output {
    std::process::Command::new(liudong_bin())
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("liudong runs")
}

/// Runs `liudong args`, expecting success; returns its standard output.
fn ok(args: &[&str]) -> String {
    let out = liudong(args);
    assert!(
        out.status.success(),
        "liudong {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `liudong args`, expecting failure; returns its standard error.
fn fails(args: &[&str]) -> String {
    let out = liudong(args);
    assert!(
        !out.status.success(),
        "liudong {args:?} should have failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Sets up the national exchange in `dir` (its own operator and CA); its
/// sync address.
fn init_exchange(dir: &Path) -> String {
    let addr = format!("127.0.0.1:{}", free_port());
    let admin = format!("127.0.0.1:{}", free_port());
    ok(&[
        "init",
        "--code",
        "CN",
        "--dir",
        s(dir),
        "--listen",
        &addr,
        "--admin-listen",
        &admin,
    ]);
    addr
}

/// Adds `[exchange] sealed = false` to a node's config.
fn clear_exchange(config: &Path) {
    let mut text = std::fs::read_to_string(config).unwrap();
    text.push_str("\n[exchange]\nsealed = false\n");
    std::fs::write(config, text).unwrap();
}

fn cert_fingerprint(dir: &Path) -> String {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let der = CertificateDer::from_pem_file(dir.join("tls/node.crt")).unwrap();
    fingerprint(&der)
}

fn status(config: &Path) -> serde_json::Value {
    serde_json::from_str(&ok(&["status", "--config", s(config), "--json"])).unwrap()
}

fn audit(config: &Path, peer: &str) -> Vec<AuditEntry> {
    serde_json::from_str(&ok(&[
        "audit",
        "--config",
        s(config),
        "--peer",
        peer,
        "--json",
    ]))
    .unwrap()
}

/// Polls `probe` until it returns true (at most `limit`; a bound, not a
/// measurement: a slow machine only waits longer).
fn wait_for(what: &str, limit: Duration, mut probe: impl FnMut() -> bool) {
    let start = Instant::now();
    while !probe() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn enrolled_township_and_village_reach_the_hub_over_mutual_tls() {
    let t = tempfile::tempdir().unwrap();
    let (hub, town, vil) = (
        t.path().join("hub"),
        t.path().join("town"),
        t.path().join("vil"),
    );
    let hub_cfg = hub.join("liudong.toml");

    // The national exchange, run by another operator with its own CA.
    let ex = t.path().join("exchange");
    let ex_cfg = ex.join("liudong.toml");
    let ex_addr = init_exchange(&ex);

    // County hub: its own CA and certificate, trusting the exchange's CA.
    let hub_admin = format!("127.0.0.1:{}", free_port());
    let ex_url = format!("https://{ex_addr}");
    let out = ok(&[
        "init",
        "--code",
        COUNTY_A,
        "--dir",
        s(&hub),
        "--upstream-url",
        &ex_url,
        "--trust-ca",
        s(&ex.join("ca/ca.crt")),
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        &hub_admin,
    ]);
    assert!(
        out.contains("鹤山区") && out.contains("下一步：\n  1. "),
        "{out}"
    );
    let config_text = std::fs::read_to_string(&hub_cfg).unwrap();
    assert!(
        config_text.contains("[tls]") && !config_text.contains("insecure"),
        "{config_text}"
    );
    // The exchange operator adds the county's CA, as docs/operations.md says.
    std::fs::copy(hub.join("ca/ca.crt"), ex.join("tls/ca-410602.crt")).unwrap();
    let ex_text = std::fs::read_to_string(&ex_cfg).unwrap();
    let edited = ex_text.replace(
        "ca_certs = [\"tls/ca.crt\"]",
        "ca_certs = [\"tls/ca.crt\", \"tls/ca-410602.crt\"]",
    );
    assert_ne!(edited, ex_text, "{ex_text}");
    std::fs::write(&ex_cfg, edited).unwrap();
    let mut ex_node = NodeProcess::spawn(&ex_cfg, &t.path().join("exchange.log"));
    ex_node.start_line();
    let mut hub_node = NodeProcess::spawn(&hub_cfg, &t.path().join("hub.log"));
    let hub_addr = hub_node.sync_addr();

    // A second init into the same directory is refused and changes nothing.
    let err = fails(&[
        "init",
        "--code",
        COUNTY_A,
        "--dir",
        s(&hub),
        "--upstream-url",
        "https://127.0.0.1:9",
    ]);
    assert!(err.contains("已存在") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&hub_cfg).unwrap(), config_text);

    // Enrol the township at the hub and unpack it on "its machine".
    let town_file = t.path().join("town.enrol");
    let url = format!("https://{hub_addr}");
    let out = ok(&[
        "enrol",
        "--config",
        s(&hub_cfg),
        "--code",
        TOWN_A,
        "--url-for-child",
        &url,
        "--out",
        s(&town_file),
    ]);
    assert!(out.contains("人工携带"), "{out}");
    #[cfg(unix)]
    assert_eq!(mode(&town_file), 0o600);
    let town_admin = format!("127.0.0.1:{}", free_port());
    let out = ok(&[
        "init",
        "--enrol",
        s(&town_file),
        "--dir",
        s(&town),
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        &town_admin,
    ]);
    assert!(out.contains("删除入网文件"), "{out}");
    #[cfg(unix)]
    assert_eq!(mode(&town.join("tls/node.key")), 0o600);
    let town_cfg = town.join("liudong.toml");
    let mut town_node = NodeProcess::spawn(&town_cfg, &t.path().join("town.log"));
    let town_addr = town_node.sync_addr();

    // The village enrols with the county (its CA certifies the whole county)
    // and dials its township.
    let vil_file = t.path().join("vil.enrol");
    ok(&[
        "enrol",
        "--config",
        s(&hub_cfg),
        "--code",
        VILLAGE_A1,
        "--url-for-child",
        &format!("https://{town_addr}"),
        "--out",
        s(&vil_file),
    ]);
    let vil_admin = format!("127.0.0.1:{}", free_port());
    ok(&[
        "init",
        "--enrol",
        s(&vil_file),
        "--dir",
        s(&vil),
        "--admin-listen",
        &vil_admin,
    ]);
    let vil_cfg = vil.join("liudong.toml");
    let mut vil_node = NodeProcess::spawn(&vil_cfg, &t.path().join("vil.log"));
    vil_node.start_line();

    // A record written at the township and one at the village.
    let record = |seed: u64, origin: &str| {
        format!(
            r#"{{"operator":"cadre-1","subject":"{}","origin":"{origin}","body":{{"outflow_registered":{{"leave_date":"2026-10-01"}}}}}}"#,
            person(seed, origin).as_str()
        )
    };
    ok(&[
        "record",
        "add",
        "--config",
        s(&town_cfg),
        "--json",
        &record(71, VILLAGE_A2),
    ]);
    ok(&[
        "record",
        "add",
        "--config",
        s(&vil_cfg),
        "--json",
        &record(72, VILLAGE_A1),
    ]);

    wait_for("both records at the hub", Duration::from_secs(60), || {
        status(&hub_cfg)["records"] == 2
    });
    // The hub knew the township by its enrolled certificate, the township the village by its own.
    let town_fp = cert_fingerprint(&town);
    let served_with = |cfg: &Path, peer: &str, fp: &str| {
        audit(cfg, peer).iter().any(|e| {
            matches!(&e.event, AuditEvent::Session { role, fingerprint, received, .. }
                if role == "served" && fingerprint.as_deref() == Some(fp) && *received >= 1)
        })
    };
    wait_for(
        "the hub's audit of the township's session",
        Duration::from_secs(60),
        || served_with(&hub_cfg, TOWN_A, &town_fp),
    );
    let vil_fp = cert_fingerprint(&vil);
    wait_for(
        "the township's audit of the village's session",
        Duration::from_secs(60),
        || served_with(&town_cfg, VILLAGE_A1, &vil_fp),
    );

    // The county hub's link to the exchange works too (mutual trust of the two CAs).
    // (A live session records no success until it ends: ask for a one-shot one.)
    let out = ok(&["sync", "--once", "--config", s(&hub_cfg)]);
    assert!(out.contains("同步完成"), "{out}");
    let up = status(&hub_cfg)["links"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["peer"] == "CN")
        .cloned()
        .expect("an upstream link to CN");
    assert!(up["last_success_ms"].is_u64(), "{up}");

    // Unpacking again over the township is refused.
    let err = fails(&["init", "--enrol", s(&town_file), "--dir", s(&town)]);
    assert!(err.contains("已存在"), "{err}");

    // The county operator revokes the village's certificate (kept at the
    // CA when it was enrolled) and copies the CA's CRL to the township the
    // village dials (docs/operations.md, section 8): the running township
    // reloads it and refuses the village, whose operator is told why.
    let kept = std::fs::read_dir(hub.join("ca/issued"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(VILLAGE_A1)
        })
        .expect("the village's certificate is kept at the CA");
    let out = ok(&[
        "ca",
        "revoke",
        "--dir",
        s(&hub.join("ca")),
        "--cert",
        s(&kept),
        "--reason",
        "keyCompromise",
    ]);
    assert!(out.contains("一秒内重新读取"), "{out}");
    let copy = town.join("tls/crl.pem.new");
    std::fs::copy(hub.join("ca/crl.pem"), &copy).unwrap();
    std::fs::rename(&copy, town.join("tls/crl.pem")).unwrap();
    let mut last = String::new();
    wait_for(
        "the village refused by its township",
        Duration::from_secs(30),
        || {
            let out = liudong(&["sync", "--once", "--config", s(&vil_cfg)]);
            last = String::from_utf8_lossy(&out.stderr).into_owned();
            !out.status.success() && last.contains("证书已吊销")
        },
    );
    println!("revoked village, its operator sees: {last}");
    let trail = ok(&["audit", "--config", s(&town_cfg), "--json"]);
    // Refused at the handshake or, on a connection opened before, at the
    // session's start: either way a refusal naming the revocation.
    assert!(
        trail.contains("\"refused\"") && trail.contains("证书吊销列表"),
        "{trail}"
    );

    for n in [&mut vil_node, &mut town_node, &mut hub_node, &mut ex_node] {
        let (st, _) = n.terminate(Duration::from_secs(30));
        assert!(st.success(), "{st}");
    }
}

#[test]
fn damaged_files_and_foreign_codes_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let hub = t.path().join("hub");
    let hub_cfg = hub.join("liudong.toml");
    ok(&[
        "init",
        "--code",
        COUNTY_A,
        "--dir",
        s(&hub),
        "--upstream-url",
        "https://127.0.0.1:9",
        "--listen",
        "127.0.0.1:7200",
    ]);

    // Outside the county's area, or not a township/village: nothing is written.
    let out = t.path().join("x.enrol");
    for (code, want) in [
        (TOWN_B, "不在本中心的辖区内"),
        (VILLAGE_B1, "不在本中心的辖区内"),
        (COUNTY_A, "县级代码"),
        ("410602999", "不在内置的区划表中"),
    ] {
        let err = fails(&[
            "enrol",
            "--config",
            s(&hub_cfg),
            "--code",
            code,
            "--out",
            s(&out),
        ]);
        assert!(err.contains(want) && err.contains(code), "{code}: {err}");
        assert!(!out.exists());
    }
    // A township of another county cannot be set up with a plain init either.
    let err = fails(&["init", "--code", TOWN_A, "--dir", s(&t.path().join("t"))]);
    assert!(err.contains("liudong enrol"), "{err}");
    let err = fails(&["init", "--code", "410699", "--dir", s(&t.path().join("t"))]);
    assert!(err.contains("410699"), "{err}");

    // The hub's own listen address names a host: it is the township's default URL.
    let file = t.path().join("town.enrol");
    ok(&[
        "enrol",
        "--config",
        s(&hub_cfg),
        "--code",
        TOWN_A,
        "--out",
        s(&file),
    ]);
    let good = std::fs::read(&file).unwrap();
    let dest = t.path().join("town");
    let unpack = |bytes: &[u8], name: &str| {
        let f = t.path().join(name);
        std::fs::write(&f, bytes).unwrap();
        fails(&["init", "--enrol", s(&f), "--dir", s(&dest)])
    };
    // One byte of the body changed (inside the key): corrupted.
    let mut bad = good.clone();
    let at = bad.len() - 200;
    bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
    let err = unpack(&bad, "bad.enrol");
    assert!(err.contains("文件已损坏"), "{err}");
    // Cut short, as by an interrupted copy: truncated.
    let err = unpack(&good[..good.len() * 2 / 3], "short.enrol");
    assert!(err.contains("文件不完整"), "{err}");
    // Another file altogether.
    let err = unpack(b"[node]\ncode = \"410602100\"\n", "other.enrol");
    assert!(err.contains("不是流动人口系统的入网文件"), "{err}");
    assert!(
        !dest.join("liudong.toml").exists(),
        "nothing unpacked from a bad file"
    );
    assert!(!dest.join("tls/node.key").exists());

    // The intact file unpacks, and its config dials the hub's address.
    ok(&["init", "--enrol", s(&file), "--dir", s(&dest)]);
    let text = std::fs::read_to_string(dest.join("liudong.toml")).unwrap();
    assert!(text.contains("url = \"https://127.0.0.1:7200\""), "{text}");
}

/// Runs `liudong args` in `dir` with `env` set (and no operator or config
/// from the test's own environment).
fn liudong_in(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(liudong_bin());
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .env_remove("LIUDONG_CONFIG")
        .env_remove("LIUDONG_OPERATOR")
        .env_remove("LIUDONG_LANG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("liudong runs")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_county_started_before_its_exchange_joins_it_by_trust_files() {
    let t = tempfile::tempdir().unwrap();
    let (hub, ex) = (t.path().join("hub"), t.path().join("exchange"));
    let (hub_cfg, ex_cfg) = (hub.join("liudong.toml"), ex.join("liudong.toml"));
    let hub_admin = format!("127.0.0.1:{}", free_port());
    // The county is set up and started with no exchange to dial.
    let out = ok(&[
        "init",
        "--code",
        COUNTY_A,
        "--dir",
        s(&hub),
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        &hub_admin,
    ]);
    assert!(out.contains("trust add"), "{out}");
    // The exchange tier in clear: this test has no destination county, whose
    // announced key a sealed record would wait for (tests/exchange.rs covers
    // the sealed tier).
    clear_exchange(&hub_cfg);
    let mut hub_node = NodeProcess::spawn(&hub_cfg, &t.path().join("hub.log"));
    hub_node.start_line();

    // A record crossing the county (to 宝安区) written at the hub waits there.
    let subject = person(81, VILLAGE_A1);
    let record = format!(
        r#"{{"operator":"cadre-1","subject":"{}","origin":"{VILLAGE_A1}","residence":"{VILLAGE_B1}","body":{{"outflow_registered":{{"leave_date":"2026-10-01"}}}}}}"#,
        subject.as_str()
    );
    ok(&["record", "add", "--config", s(&hub_cfg), "--json", &record]);

    // `--config` from LIUDONG_CONFIG, then from the current directory.
    let cfg_env = [("LIUDONG_CONFIG", s(&hub_cfg))];
    let o = liudong_in(t.path(), &cfg_env, &["status", "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let st: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let up = &st["links"][0];
    assert_eq!(
        (up["role"].as_str(), up["state"].as_str()),
        (Some("upstream"), Some("waiting")),
        "{st:#}"
    );
    assert_eq!(up["pending_out"], 1, "{st:#}");
    let o = liudong_in(&hub, &[], &["status"]);
    let (zh, err) = text(&o);
    assert!(o.status.success(), "{err}");
    // Chinese by default; the waiting upstream explained.
    assert!(
        zh.starts_with(&format!("节点 {COUNTY_A}（县级中心）")),
        "{zh}"
    );
    assert!(
        zh.contains("等待地址") && zh.contains("liudong trust add"),
        "{zh}"
    );
    let o = liudong_in(&hub, &[], &["--lang", "en", "status"]);
    let (en, _) = text(&o);
    assert!(
        en.starts_with(&format!("node {COUNTY_A} (county)")) && en.contains("WAITING"),
        "{en}"
    );
    // Neither given nor here: refused, saying where it looked and what to do.
    let o = liudong_in(t.path(), &[], &["status"]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("LIUDONG_CONFIG") && err.contains("--config"),
        "{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("stack backtrace"),
        "{err}"
    );

    // `status --json | head -1`: a closed standard output ends quietly.
    let mut child = std::process::Command::new(liudong_bin())
        .args(["status", "--json", "--config", s(&hub_cfg)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert_eq!(first.trim(), "{");
    drop(stdout);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "",
        "no panic, no message"
    );

    // Views are audited under a named operator: refused without one,
    // warned about with the login name only.
    let view = ["person", "show", subject.as_str(), "--json"];
    let o = liudong_in(&hub, &[("USER", ""), ("LOGNAME", "")], &view);
    let (_, err) = text(&o);
    assert!(
        !o.status.success() && err.contains("LIUDONG_OPERATOR"),
        "{err}"
    );
    let o = liudong_in(&hub, &[("USER", "liudong")], &view);
    let (_, err) = text(&o);
    assert!(
        o.status.success() && err.contains("liudong") && err.contains("--operator"),
        "{err}"
    );
    let o = liudong_in(
        &hub,
        &[("USER", "liudong")],
        &["--operator", "张三", "person", "show", subject.as_str()],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let trail = ok(&["audit", "--config", s(&hub_cfg), "--json"]);
    assert!(trail.contains("张三"), "{trail}");

    // `report --code`: a township (its villages) and a village (its own figures).
    for (code, rows) in [
        (
            TOWN_A,
            liudong_core::divisions::table().children(TOWN_A).len(),
        ),
        (VILLAGE_A1, 0),
    ] {
        let o = liudong_in(
            &hub,
            &[("LIUDONG_OPERATOR", "张三")],
            &[
                "--lang", "en", "report", "--month", "2026-10", "--code", code, "--format", "csv",
            ],
        );
        let (csv, err) = text(&o);
        assert!(o.status.success(), "{err}");
        assert!(csv.starts_with("unit,name,births"), "{csv}");
        assert_eq!(csv.lines().count(), 1 + rows + 1, "{code}: {csv}");
        assert!(csv.lines().last().unwrap().starts_with(code), "{csv}");
    }

    // The exchange is set up; the two operators swap trust files.
    let ex_addr = init_exchange(&ex);
    clear_exchange(&ex_cfg);
    let (ex_trust, hub_trust) = (t.path().join("cn.trust"), t.path().join("county.trust"));
    let out = ok(&[
        "trust",
        "export",
        "--config",
        s(&ex_cfg),
        "--out",
        s(&ex_trust),
    ]);
    assert!(out.contains(&format!("https://{ex_addr}")), "{out}");
    ok(&[
        "trust",
        "export",
        "--config",
        s(&hub_cfg),
        "--out",
        s(&hub_trust),
    ]);
    let before = std::fs::read_to_string(&hub_cfg).unwrap();
    let out = ok(&["trust", "add", "--config", s(&hub_cfg), s(&ex_trust)]);
    assert!(out.contains("restart"), "{out}");
    let after = std::fs::read_to_string(&hub_cfg).unwrap();
    assert!(
        after.contains(&format!("url = \"https://{ex_addr}\"")),
        "{after}"
    );
    assert_ne!(before, after);
    ok(&["trust", "add", "--config", s(&ex_cfg), s(&hub_trust)]);

    // Restart the county and start the exchange: the waiting record flows.
    let (st, _) = hub_node.terminate(Duration::from_secs(30));
    assert!(st.success(), "{st}");
    let mut ex_node = NodeProcess::spawn(&ex_cfg, &t.path().join("exchange.log"));
    ex_node.start_line();
    let mut hub_node = NodeProcess::spawn(&hub_cfg, &t.path().join("hub.log"));
    hub_node.start_line();
    wait_for(
        "the crossing record at the exchange",
        Duration::from_secs(60),
        || status(&ex_cfg)["records"] == 1,
    );
    wait_for(
        "nothing left waiting at the county",
        Duration::from_secs(60),
        || {
            let st = status(&hub_cfg);
            let up = &st["links"][0];
            up["pending_out"] == 0 && up["state"] != "waiting"
        },
    );
    for n in [&mut hub_node, &mut ex_node] {
        let (st, _) = n.terminate(Duration::from_secs(30));
        assert!(st.success(), "{st}");
    }
}
