//! Issue 14, items 3 and 4, with real `liudong` processes: a township whose
//! store is damaged (flipped bytes, a truncated file), wiped, or restored
//! from an older backup. `serve` and `status` refuse a damaged store with a
//! message naming it and the way out (no panic); `liudong recover` rebuilds
//! or completes the store from the county, this node's own records
//! included, and proves it with a verification; new records get ids never
//! issued before and reach the county. The county is a `liudong serve`
//! process; the township is driven by the CLI (`seed`, `record add`, `sync
//! --once`, `verify`, `recover`) on its stopped store, as an operator would.

use liudong_core::RecordId;
use liudong_store::Source;
use liudong_tests::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

const EN: &[(&str, &str)] = &[("LIUDONG_LANG", "en")];
/// Records the county wrote about people of the township's villages.
const N_DOWN: u64 = 40;

struct Setup {
    dir: tempfile::TempDir,
    _county: NodeProcess,
    county_cfg: PathBuf,
    town_cfg: PathBuf,
}

impl Setup {
    fn d(&self) -> &Path {
        self.dir.path()
    }

    fn data(&self) -> PathBuf {
        self.d().join(format!("data-{TOWN_A}"))
    }

    fn town(&self) -> &str {
        self.town_cfg.to_str().unwrap()
    }

    /// The records in the township's own name that its store holds.
    fn own_ids(&self) -> BTreeSet<RecordId> {
        let s = open_store(self.d(), TOWN_A, COUNTY_A);
        s.record_ids()
            .unwrap()
            .into_iter()
            .filter(|id| id.node.as_str() == TOWN_A)
            .collect()
    }

    /// Writes one record at the stopped township; returns its id.
    fn write(&self, person: u64) -> RecordId {
        let subject = person_id(person);
        let json = format!(
            r#"{{"operator":"cadre","subject":"{subject}","origin":"{VILLAGE_A1}","body":{{"outflow_registered":{{"leave_date":"2026-10-01","purpose":"work","expected_months":12}}}}}}"#
        );
        let out = ok(run_liudong(
            &["record", "add", "--config", self.town(), "--json", &json],
            EN,
        ));
        let id = out
            .strip_prefix("written ")
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("no id in {out:?}"));
        RecordId::parse(id).unwrap()
    }

    fn sync(&self) -> String {
        ok(run_liudong(
            &["sync", "--once", "--config", self.town()],
            EN,
        ))
    }

    /// The county's `status --json` (through its admin service).
    fn county_status(&self) -> serde_json::Value {
        let out = ok(run_liudong(
            &[
                "status",
                "--json",
                "--config",
                self.county_cfg.to_str().unwrap(),
            ],
            &[],
        ));
        serde_json::from_str(&out).unwrap()
    }
}

fn person_id(n: u64) -> String {
    person(90_000 + n, VILLAGE_A1).as_str().to_string()
}

fn ok(out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A county process holding `N_DOWN` records for the township's people, and
/// a stopped township that seeded a synthetic population and synced it up.
fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    {
        let county = open_store(d, COUNTY_A, EXCHANGE);
        county
            .apply(
                &outflows(COUNTY_A, VILLAGE_A1, 1..=N_DOWN, 70_000),
                &Source::Local,
                None,
                true,
            )
            .unwrap();
        county.flush().unwrap();
    }
    let county_cfg = write_live_config(
        d,
        COUNTY_A,
        (EXCHANGE, "http://127.0.0.1:9"),
        Some(free_port()),
        "",
    );
    let mut county = NodeProcess::spawn(&county_cfg, &d.join("county.log"));
    let url = format!("http://{}", county.sync_addr());
    let town_cfg = write_config(d, TOWN_A, COUNTY_A, &url);
    let town = town_cfg.to_str().unwrap();
    ok(run_liudong(
        &["seed", "--config", town, "--households", "40"],
        &[],
    ));
    let synced = ok(run_liudong(&["sync", "--once", "--config", town], EN));
    assert!(
        synced.contains(&format!("pulled {N_DOWN} new records")),
        "{synced}"
    );
    Setup {
        dir,
        _county: county,
        county_cfg,
        town_cfg,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn replace_dir(dir: &Path, with: &Path) {
    std::fs::remove_dir_all(dir).unwrap();
    copy_dir(with, dir);
}

/// Flips `n` bytes of `file` at positions drawn from `seed`.
fn flip(file: &Path, seed: u64, n: usize) {
    let mut bytes = std::fs::read(file).unwrap();
    let mut x = seed | 1;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let at = (x % bytes.len() as u64) as usize;
        bytes[at] ^= 1 + (x >> 32) as u8 % 255;
    }
    std::fs::write(file, bytes).unwrap();
}

/// `serve` and `status` refuse the damaged store: a non-zero exit, the data
/// directory and `liudong recover` named, no panic.
fn assert_refused_as_damaged(s: &Setup) -> String {
    let data = s.data().display().to_string();
    let mut first = String::new();
    for cmd in ["status", "serve"] {
        let out = run_liudong(&[cmd, "--config", s.town()], &[]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !out.status.success(),
            "{cmd} accepted a damaged store:\n{err}"
        );
        assert!(
            err.contains(&data) && err.contains("liudong recover"),
            "{cmd}: {err}"
        );
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{cmd}: {err}"
        );
        first = err;
    }
    first
}

/// `liudong recover` rebuilds the township (reporting `found`), proves it in
/// step, restores every record it held and its authored number; a new
/// record then gets an id above all its earlier ones and reaches the county.
fn recover_and_check(s: &Setup, found: &str, own: &mut BTreeSet<RecordId>, person: u64) {
    let out = ok(run_liudong(&["recover", "--config", s.town()], EN));
    eprintln!("recover:\n{out}");
    assert!(out.contains(found), "{out}");
    assert!(
        out.contains(&format!("verify receipt: in step with {COUNTY_A} as of")),
        "{out}"
    );
    assert_eq!(&s.own_ids(), own, "every record in its own name is back");
    let highest = own.iter().map(|id| id.seq).max().unwrap();
    {
        let store = open_store(s.d(), TOWN_A, COUNTY_A);
        assert_eq!(store.author_seq(), highest, "its authored number is back");
        assert!(
            store.record_count() as u64 >= own.len() as u64 + N_DOWN,
            "the county's records for it are back"
        );
    }
    let before = s.county_status()["records"].as_u64().unwrap();
    let id = s.write(person);
    assert!(id.seq > highest, "{id} after {highest}");
    own.insert(id);
    let synced = s.sync();
    assert!(synced.contains("pushed 1 records"), "{synced}");
    assert_eq!(s.county_status()["records"].as_u64().unwrap(), before + 1);
    let verified = ok(run_liudong(&["verify", "--config", s.town()], EN));
    assert!(verified.contains("in step"), "{verified}");
}

#[test]
fn a_damaged_store_is_refused_and_recover_rebuilds_it_from_the_county() {
    let s = setup();
    let mut own = s.own_ids();
    assert!(own.len() > 100, "seeded {}", own.len());
    let pristine = s.d().join("pristine");
    copy_dir(&s.data(), &pristine);

    // A truncated data file: the engine would open it as an empty store.
    std::fs::OpenOptions::new()
        .write(true)
        .open(s.data().join("db"))
        .unwrap()
        .set_len(0)
        .unwrap();
    let refused = assert_refused_as_damaged(&s);
    eprintln!("truncated: {refused}");
    recover_and_check(&s, "the store was damaged", &mut own, 1);

    // Flipped bytes: the engine panicked reading such files before.
    let mut damaged = None;
    for seed in [3u64, 5, 7, 11, 13, 17, 19, 23] {
        replace_dir(&s.data(), &pristine);
        flip(&s.data().join("db"), seed, 64);
        let out = run_liudong(&["status", "--config", s.town()], &[]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!err.contains("panicked"), "seed {seed}: {err}");
        if !out.status.success() {
            damaged = Some(seed);
            break;
        }
    }
    let seed = damaged.expect("one of the flipped copies is refused as damaged");
    let refused = assert_refused_as_damaged(&s);
    eprintln!("flipped (seed {seed}): {refused}");
    recover_and_check(&s, "the store was damaged", &mut own, 2);
    assert_eq!(
        s.county_status()["conflicts"].as_u64(),
        Some(0),
        "no id was ever reused"
    );
}

#[test]
fn a_wiped_or_restored_township_reuses_no_id_and_everything_flows() {
    let s = setup();
    let backup = s.d().join("backup");
    copy_dir(&s.data(), &backup);
    // Written and synced after the backup: lost with the restore below.
    let after_backup: Vec<RecordId> = (1..=3).map(|p| s.write(p)).collect();
    let synced = s.sync();
    assert!(synced.contains("pushed 3 records"), "{synced}");
    let mut own = s.own_ids();
    let highest = own.iter().map(|id| id.seq).max().unwrap();

    // Restore the old backup, write before any contact with the county.
    replace_dir(&s.data(), &backup);
    let id = s.write(10);
    assert!(id.seq > highest && !own.contains(&id), "{id} reissued");
    own.insert(id.clone());
    let county_before = s.county_status()["records"].as_u64().unwrap();
    let synced = s.sync();
    assert!(synced.contains("pushed"), "{synced}");
    assert_eq!(
        s.county_status()["records"].as_u64().unwrap(),
        county_before + 1,
        "the new record reached the county"
    );
    // A plain verification names what only `recover` brings back.
    let out = run_liudong(&["verify", "--repair", "--config", s.town()], EN);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "the upstream holds {} records in this node's own name",
            after_backup.len()
        )) && text.contains("liudong recover"),
        "{text}"
    );
    recover_and_check(&s, "the store opens", &mut own, 11);

    // Wipe the data directory entirely; write, sync, recover.
    std::fs::remove_dir_all(s.data()).unwrap();
    let highest = own.iter().map(|id| id.seq).max().unwrap();
    let id = s.write(20);
    assert!(id.seq > highest, "{id} after {highest}");
    own.insert(id);
    let county_before = s.county_status()["records"].as_u64().unwrap();
    s.sync();
    assert_eq!(
        s.county_status()["records"].as_u64().unwrap(),
        county_before + 1
    );
    recover_and_check(&s, "the store opens", &mut own, 21);
    assert_eq!(
        s.county_status()["conflicts"].as_u64(),
        Some(0),
        "no id was ever reused"
    );
}

/// What `recover` leaves in a wiped township's store: its own records, kept
/// as written here (reclaimed, not received), a log numbered from the
/// clock's floor on (beyond any child's old cursor), and the import in the
/// audit trail.
#[test]
fn recovered_records_in_the_townships_own_name_count_as_written_here() {
    let s = setup();
    let own = s.own_ids();
    std::fs::remove_dir_all(s.data()).unwrap();
    let out = ok(run_liudong(&["recover", "--config", s.town()], EN));
    assert!(out.contains("in step with"), "{out}");
    assert_eq!(s.own_ids(), own);
    let store = open_store(s.d(), TOWN_A, COUNTY_A);
    let any = own.iter().next().unwrap();
    assert_eq!(store.source_of(any).unwrap(), None, "kept as written here");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(store.last_seq() > RecordId::seq_floor(now_ms - 3_600_000));
    let audit = store.audit_query(&Default::default()).unwrap();
    assert!(
        audit.iter().any(|e| matches!(
            &e.event,
            liudong_store::audit::AuditEvent::Imported { source, .. } if source.starts_with("recover")
        )),
        "{audit:?}"
    );
}
