//! The operator's commands for node identity and the audit trail, run as
//! the built binary: `ca init | issue | revoke` (the CA's certificate
//! revocation list), a `[tls]` config, `audit`.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liudong"))
        .args(args)
        .current_dir(cwd)
        .env_remove("LIUDONG_LANG")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn ca_issue_revoke_and_audit_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(&run(&["ca", "init", "--code", "410602", "--dir", "ca"], d));
    assert!(out.contains("crl.pem"), "{out}");
    assert!(
        std::fs::read_to_string(d.join("ca/crl.pem"))
            .unwrap()
            .starts_with("-----BEGIN X509 CRL-----")
    );
    #[cfg(unix)]
    assert_eq!(mode(&d.join("ca/ca.key")), 0o600);
    // A second init over the same CA is refused rather than overwriting its key.
    assert!(
        !run(&["ca", "init", "--code", "410602", "--dir", "ca"], d)
            .status
            .success()
    );

    let out = ok(&run(
        &[
            "ca",
            "issue",
            "--dir",
            "ca",
            "--code",
            "410602100",
            "--out",
            "town",
        ],
        d,
    ));
    assert!(out.contains("指纹 sha256:"), "{out}");
    #[cfg(unix)]
    assert_eq!(mode(&d.join("town/node.key")), 0o600);
    // Outside the CA's jurisdiction: refused with the reason.
    let out = run(
        &[
            "ca",
            "issue",
            "--dir",
            "ca",
            "--code",
            "440306018",
            "--out",
            "other",
        ],
        d,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("超出该 CA 的管辖范围"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A township configured with [tls].
    let cfg = d.join("town.toml");
    let write_cfg = |extra: &str| {
        std::fs::write(
            &cfg,
            format!(
                "[node]\ncode = \"410602100\"\ndata_dir = \"data\"\nlisten = \"127.0.0.1:0\"\n{extra}\n[upstream]\ncode = \"410602\"\nurl = \"https://127.0.0.1:9\"\n\n[tls]\nca_certs = [\"town/ca.crt\"]\ncert = \"town/node.crt\"\nkey = \"town/node.key\"\ncrls = [\"ca/crl.pem\"]\n"
            ),
        )
        .unwrap();
    };
    write_cfg("");
    ok(&run(&["status", "--config", "town.toml"], d));
    // insecure together with [tls] is refused with the reason.
    write_cfg("insecure = true\n");
    let out = run(&["status", "--config", "town.toml"], d);
    assert!(!out.status.success());
    // The reason is Chinese by default and English with --lang en, from
    // the same catalogue message, the exit status the same.
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("同时设置了 [node] insecure = true 和 [tls]"),
        "{err}"
    );
    assert!(!err.contains("are both set"), "{err}");
    let en = run(&["status", "--config", "town.toml", "--lang", "en"], d);
    assert_eq!(en.status.code(), out.status.code());
    let err = String::from_utf8_lossy(&en.stderr);
    assert!(
        err.contains("insecure = true and a [tls] section are both set"),
        "{err}"
    );
    assert!(!err.contains("同时设置"), "{err}");
    // A config still naming the fingerprint list of earlier versions is
    // refused, saying what to write instead.
    write_cfg("");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("crls = [\"ca/crl.pem\"]", "revoked = \"ca/revoked.txt\""),
    )
    .unwrap();
    let out = run(&["status", "--config", "town.toml"], d);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[tls] revoked") && err.contains("crls = [") && err.contains("crl.pem"),
        "{err}"
    );
    write_cfg("");

    // An operator write (node stopped: straight into the store), then the trail.
    let record = r#"{"operator": "cadre-07", "subject": "410602199001011231", "origin": "410602100001",
        "body": {"outflow_registered": {"leave_date": "2026-10-01", "purpose": "work", "expected_months": 12}}}"#;
    let out = run(
        &["record", "add", "--config", "town.toml", "--json", record],
        d,
    );
    if out.status.success() {
        let trail = ok(&run(
            &[
                "audit",
                "--config",
                "town.toml",
                "--subject",
                "410602199001011231",
                "--json",
            ],
            d,
        ));
        assert!(
            trail.contains("record_written") && trail.contains("cadre-07"),
            "{trail}"
        );
        let text = ok(&run(&["audit", "--config", "town.toml"], d));
        assert!(text.contains("操作员 cadre-07 写入了"), "{text}");
        assert!(
            !text.contains("410602199001011231"),
            "the text form names no citizen ID: {text}"
        );
    } else {
        panic!(
            "record add failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let out = ok(&run(
        &[
            "ca",
            "revoke",
            "--dir",
            "ca",
            "--cert",
            "town/node.crt",
            "--reason",
            "keyCompromise: test",
        ],
        d,
    ));
    assert!(out.contains("的证书 sha256:"), "{out}");
    assert!(out.contains("原因 keyCompromise"), "{out}");
    assert!(out.contains("吊销列表编号 2，共吊销 1 个"), "{out}");
    assert!(
        out.contains("ca/crl.pem") && out.contains("一秒内重新读取"),
        "{out}"
    );
    let crl = std::fs::read(d.join("ca/crl.pem")).unwrap();
    let out = ok(&run(
        &["ca", "revoke", "--dir", "ca", "--cert", "town/node.crt"],
        d,
    ));
    assert!(out.contains("吊销过"), "{out}");
    assert_eq!(std::fs::read(d.join("ca/crl.pem")).unwrap(), crl);
    // The township, configured with that CRL, no longer starts with its
    // revoked certificate.
    let out = run(&["status", "--config", "town.toml"], d);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("已被吊销"), "{err}");

    // A certificate of another CA is refused, the CRL unchanged.
    ok(&run(
        &["ca", "init", "--code", "440306", "--dir", "ca-b"],
        d,
    ));
    ok(&run(
        &[
            "ca",
            "issue",
            "--dir",
            "ca-b",
            "--code",
            "440306018",
            "--out",
            "other",
        ],
        d,
    ));
    let out = run(
        &["ca", "revoke", "--dir", "ca", "--cert", "other/node.crt"],
        d,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("不是由 ca 中的 CA"), "{err}");
    assert_eq!(std::fs::read(d.join("ca/crl.pem")).unwrap(), crl);
}
