//! Ledgers in and out (docs/ledgers.md): `liudong import` of XLSX and CSV
//! ledgers into real nodes (through the running node's admin service and on
//! a stopped node's store), errors, `--skip-invalid`, re-import, `--map`, and
//! `liudong export` read back against the CLI's own views.
//!
//! Needs the `liudong` binary: `cargo build -p liudong` first.

use calamine::{Data, Reader};
use liudong_core::Date;
use liudong_core::report::{COLUMNS, Report, cell};
use liudong_core::synth::{SynthRng, name};
use liudong_tests::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const OPERATOR: &str = "county-op";

/// The ledger headers the tests write (a leading 序号 column, as in the field).
const HEADERS: [&str; 13] = [
    "序号",
    "姓名",
    "公民身份号码",
    "户籍地代码",
    "现居住地代码",
    "流出日期",
    "外出原因",
    "婚育证明编号",
    "发证日期",
    "有效期至",
    "婚姻状况",
    "流入日期",
    "工作单位",
];

/// Synthetic ledger row `i` and the number of records it must produce:
/// i % 3 == 0: out-migrant with a certificate (person, outflow, certificate);
/// i % 3 == 1: out-migrant without one (person, outflow);
/// i % 3 == 2: in-migrant from county B presenting a certificate (person, inflow).
fn row(i: u64) -> (Vec<String>, usize) {
    let mut rng = SynthRng::new(1000 + i);
    let day = |d: u64| format!("2026-10-{:02}", 1 + d % 28);
    let villages = [VILLAGE_A1, VILLAGE_A2];
    let (origin, residence) = if i % 3 == 2 {
        (VILLAGE_B1, villages[(i % 2) as usize])
    } else {
        (villages[(i % 2) as usize], VILLAGE_B1)
    };
    let subject = person(50_000 + i, origin);
    let mut r = vec![String::new(); HEADERS.len()];
    r[0] = (i + 1).to_string();
    r[1] = name(&mut rng);
    r[2] = subject.as_str().to_string();
    r[3] = origin.to_string();
    r[4] = residence.to_string();
    r[10] = "已婚".into();
    let records = match i % 3 {
        0 => {
            r[5] = day(i);
            r[6] = "务工".into();
            r[7] = format!("HB{i:06}");
            r[8] = "2026-09-20".into();
            r[9] = "2029-09-19".into();
            3
        }
        1 => {
            r[5] = day(i);
            r[6] = "经商".into();
            2
        }
        _ => {
            r[7] = format!("SZ{i:06}");
            r[11] = day(i);
            r[12] = "某电子厂".into();
            2
        }
    };
    (r, records)
}

fn rows(range: std::ops::Range<u64>) -> (Vec<Vec<String>>, usize) {
    let all: Vec<(Vec<String>, usize)> = range.map(row).collect();
    let n = all.iter().map(|r| r.1).sum();
    (all.into_iter().map(|r| r.0).collect(), n)
}

fn csv_line(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A CSV ledger, UTF-8 with a BOM as Excel's "CSV UTF-8" saves it.
fn write_csv(path: &Path, headers: &[&str], rows: &[Vec<String>]) {
    let mut text = String::from("\u{FEFF}");
    let head: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    text.push_str(&csv_line(&head));
    text.push_str("\r\n");
    for r in rows {
        text.push_str(&csv_line(r));
        text.push_str("\r\n");
    }
    std::fs::write(path, text).unwrap();
}

/// An XLSX ledger as operators keep it: a title merged across the columns
/// in row 1, headers in row 2, IDs as text, dates as real Excel dates.
fn write_xlsx(path: &Path, rows: &[Vec<String>]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("流动人口台账").unwrap();
    let date_fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy/m/d");
    let title = rust_xlsxwriter::Format::new().set_bold();
    ws.merge_range(
        0,
        0,
        0,
        HEADERS.len() as u16 - 1,
        "2026年鹤山区流动人口台账",
        &title,
    )
    .unwrap();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, cells) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, v) in cells.iter().enumerate() {
            let c16 = c as u16;
            if v.is_empty() {
                continue;
            }
            if HEADERS[c].contains("日期") || HEADERS[c] == "有效期至" {
                let d = Date::parse(v).unwrap();
                let dt = rust_xlsxwriter::ExcelDateTime::from_ymd(
                    d.year as u16,
                    d.month as u8,
                    d.day as u8,
                )
                .unwrap();
                ws.write_datetime_with_format(r, c16, &dt, &date_fmt)
                    .unwrap();
            } else if c == 0 {
                ws.write_number(r, c16, v.parse::<f64>().unwrap()).unwrap();
            } else {
                ws.write_string(r, c16, v).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn liudong(args: &[&str]) -> Out {
    let o = Command::new(liudong_bin())
        .args(args)
        .env("NO_COLOR", "1")
        .env("LIUDONG_OPERATOR", OPERATOR)
        .output()
        .unwrap();
    Out {
        ok: o.status.success(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// `liudong import FILE --operator OPERATOR EXTRA... --config CFG`.
fn import(cfg: &Path, file: &Path, extra: &[&str]) -> Out {
    let mut args = vec!["import", s(file), "--operator", OPERATOR];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--config", s(cfg)]);
    liudong(&args)
}

fn records(cfg: &Path) -> u64 {
    let o = liudong(&["status", "--json", "--config", s(cfg)]);
    assert!(o.ok, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    v["records"].as_u64().unwrap()
}

fn audit(cfg: &Path) -> Vec<serde_json::Value> {
    let o = liudong(&["audit", "--json", "--config", s(cfg)]);
    assert!(o.ok, "{}", o.stderr);
    serde_json::from_str(&o.stdout).unwrap()
}

/// Waits (at most `limit`) until `cfg`'s node holds `n` records.
fn wait_records(cfg: &Path, n: u64, limit: Duration) {
    let start = Instant::now();
    loop {
        let have = records(cfg);
        if have == n {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "{} holds {have} records, expected {n}",
            cfg.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A county node to run as a process, with an admin port (its upstream,
/// the exchange, is not running).
fn live_county(d: &Path) -> PathBuf {
    write_live_config(
        d,
        COUNTY_A,
        (EXCHANGE, "http://127.0.0.1:9"),
        Some(free_port()),
        "",
    )
}

/// A stopped county node (its CLI commands open the store).
fn offline_county(d: &Path) -> PathBuf {
    write_config(d, COUNTY_A, EXCHANGE, "http://127.0.0.1:9")
}

/// XLSX and CSV ledgers imported at a running county node reach its store
/// through the admin service (audited as the operator's writes) and its
/// township by sync; importing them again writes nothing.
#[test]
fn xlsx_and_csv_ledgers_import_through_the_running_node_and_sync_down() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let county_cfg = live_county(d);
    let mut county = NodeProcess::spawn(&county_cfg, &d.join("county.log"));
    let town_cfg = write_live_config(
        d,
        TOWN_A,
        (COUNTY_A, &format!("http://{}", county.sync_addr())),
        Some(free_port()),
        "",
    );
    let _town = NodeProcess::spawn(&town_cfg, &d.join("town.log"));

    let (xrows, xn) = rows(0..60);
    let xlsx = d.join("台账.xlsx");
    write_xlsx(&xlsx, &xrows);
    let o = import(&county_cfg, &xlsx, &[]);
    assert!(o.ok, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("the header row is row 2"), "{}", o.stderr);
    assert!(
        o.stdout
            .contains(&format!("{xn} records written, 0 already held")),
        "{}",
        o.stdout
    );
    assert_eq!(records(&county_cfg), xn as u64);

    let (crows, cn) = rows(60..90);
    let csv = d.join("台账.csv");
    write_csv(&csv, &HEADERS, &crows);
    let o = import(&county_cfg, &csv, &[]);
    assert!(o.ok, "{}\n{}", o.stdout, o.stderr);
    let total = (xn + cn) as u64;
    assert_eq!(records(&county_cfg), total);

    // The person's view shows what the row said (date cells included).
    let (r0, _) = row(0);
    let o = liudong(&[
        "person",
        "show",
        &r0[2],
        "--json",
        "--config",
        s(&county_cfg),
    ]);
    assert!(o.ok, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["view"]["name"], r0[1]);
    assert_eq!(v["view"]["certificate"]["number"], r0[7]);
    assert_eq!(v["view"]["certificate"]["valid_until"], r0[9]);
    assert_eq!(v["view"]["episodes"][0]["left"], r0[5]);

    // Every record is an audited operator write.
    let written = audit(&county_cfg)
        .into_iter()
        .filter(|e| e["event"] == "record_written" && e["operator"] == OPERATOR)
        .count();
    assert_eq!(written as u64, total);

    // Again, both files: nothing new.
    for f in [&xlsx, &csv] {
        let o = import(&county_cfg, f, &[]);
        assert!(o.ok, "{}", o.stderr);
        assert!(o.stdout.contains("0 records written"), "{}", o.stdout);
    }
    assert_eq!(records(&county_cfg), total);

    // Sync applies: every row concerns a village of the township.
    wait_records(&town_cfg, total, Duration::from_secs(60));
}

/// A file with errors imports nothing and names row, column and reason;
/// `--skip-invalid` imports the good rows and writes the rejected ones.
#[test]
fn errors_import_nothing_and_skip_invalid_writes_the_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = offline_county(d);
    let (mut rs, _) = rows(0..8);
    // Row 3 (second data row): a wrong check digit.
    let id = rs[1][2].clone();
    let last = if id.ends_with('0') { "1" } else { "0" };
    rs[1][2] = format!("{}{last}", &id[..17]);
    // Row 5: a village code not in the division table, and no date but a month.
    rs[3][3] = "410602100999".into();
    rs[3][5] = "2026-10".into();
    // Row 7: an inflow without a residence.
    rs[5][4] = String::new();
    let bad_rows = [1usize, 3, 5];
    let good: usize = (0..8u64)
        .filter(|i| !bad_rows.contains(&(*i as usize)))
        .map(|i| row(i).1)
        .sum();
    let file = d.join("errors.csv");
    write_csv(&file, &HEADERS, &rs);

    let o = import(&cfg, &file, &[]);
    assert!(!o.ok, "{}", o.stdout);
    let e = &o.stderr;
    assert!(
        e.contains("row 3, column C (公民身份号码): ") && e.contains("check digit should be"),
        "{e}"
    );
    assert!(
        e.contains("row 5, column D (户籍地代码): 410602100999 is not in the division table"),
        "{e}"
    );
    assert!(
        e.contains("row 5, column F (流出日期): \"2026-10\" is not a date"),
        "{e}"
    );
    assert!(
        e.contains("row 7, column E (现居住地代码): required with 流入日期"),
        "{e}"
    );
    assert!(e.contains("3 of 8 rows have errors"), "{e}");
    assert!(e.contains("nothing was imported"), "{e}");
    assert_eq!(records(&cfg), 0);

    let rejects = d.join("rejects.csv");
    let o = import(
        &cfg,
        &file,
        &["--skip-invalid", "--rejects", rejects.to_str().unwrap()],
    );
    assert!(o.ok, "{}", o.stderr);
    assert_eq!(records(&cfg), good as u64);
    let text = std::fs::read_to_string(&rejects).unwrap();
    let text = text
        .strip_prefix('\u{FEFF}')
        .expect("rejects file has a BOM");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + bad_rows.len(), "{text}");
    assert_eq!(lines[0], format!("{},原行号,错误原因", HEADERS.join(",")));
    // Original cells, then the row number and the reasons.
    assert!(lines[1].starts_with(&csv_line(&rs[1])), "{}", lines[1]);
    assert!(lines[1].contains(",3,公民身份号码: "), "{}", lines[1]);
    assert!(
        lines[2].contains(",5,\"户籍地代码: 410602100999 is not in the division table")
            && lines[2].contains("; 流出日期: "),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains(",7,现居住地代码: required with 流入日期"),
        "{}",
        lines[3]
    );
}

/// Importing again, whole or after stopping half-way, adds nothing twice.
#[test]
fn a_reimport_after_an_import_stopped_half_way_adds_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = offline_county(d);
    let (all, n) = rows(0..40);
    // What a crash half-way leaves: the first rows' records, written.
    let half = d.join("half.csv");
    write_csv(&half, &HEADERS, &all[..17]);
    assert!(import(&cfg, &half, &[]).ok);
    let first = records(&cfg);
    assert!(first > 0 && first < n as u64);
    // A row repeated inside one file is written once too.
    let mut with_repeat = all.clone();
    with_repeat.push(all[20].clone());
    let full = d.join("full.csv");
    write_csv(&full, &HEADERS, &with_repeat);
    let o = import(&cfg, &full, &[]);
    assert!(o.ok, "{}", o.stderr);
    assert!(
        o.stdout.contains(&format!(
            "{} records written, {} already held",
            n as u64 - first,
            first + row(20).1 as u64
        )),
        "{}",
        o.stdout
    );
    assert_eq!(records(&cfg), n as u64);
    let o = import(&cfg, &full, &[]);
    assert!(o.stdout.contains("0 records written"), "{}", o.stdout);
    let store = open_store(d, COUNTY_A, EXCHANGE);
    assert_eq!(store.record_count(), n);
    assert_no_duplicates(&store, "after re-imports");
}

/// `--map` reads a ledger whose headers differ from the defaults.
#[test]
fn a_map_file_reads_a_ledger_with_other_headers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = offline_county(d);
    let (rs, n) = rows(0..9);
    let mut other = HEADERS;
    other[1] = "人员姓名";
    other[2] = "证件号";
    other[3] = "户籍村代码";
    let file = d.join("other.csv");
    write_csv(&file, &other, &rs);
    let o = import(&cfg, &file, &["--dry-run"]);
    assert!(!o.ok);
    assert!(
        o.stderr.contains("公民身份号码 (subject)") && o.stderr.contains("--map"),
        "{}",
        o.stderr
    );
    let map = d.join("map.toml");
    std::fs::write(
        &map,
        "[columns]\n\"人员姓名\" = \"name\"\n\"证件号\" = \"subject\"\n\"户籍村代码\" = \"origin\"\n",
    )
    .unwrap();
    let o = import(&cfg, &file, &["--map", map.to_str().unwrap(), "--dry-run"]);
    assert!(o.ok, "{}", o.stderr);
    assert!(o.stdout.contains("nothing was written"), "{}", o.stdout);
    assert_eq!(records(&cfg), 0);
    let o = import(&cfg, &file, &["--map", map.to_str().unwrap()]);
    assert!(o.ok, "{}", o.stderr);
    assert_eq!(records(&cfg), n as u64);
}

fn xlsx_rows(path: &Path) -> Vec<Vec<Data>> {
    let mut book = calamine::open_workbook_auto(path).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

/// Exports: CSV with a BOM and Chinese headers, English on request, the
/// report's XLSX equal to `report --format json`, every export audited.
#[test]
fn exports_match_the_cli_views_and_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = offline_county(d);
    let (rs, _) = rows(0..45);
    let file = d.join("l.csv");
    write_csv(&file, &HEADERS, &rs);
    assert!(import(&cfg, &file, &[]).ok);

    // Persons, CSV: BOM, Chinese headers, one row per person.
    let persons = d.join("persons.csv");
    let o = liudong(&[
        "export",
        "persons",
        "--config",
        s(&cfg),
        "--out",
        s(&persons),
    ]);
    assert!(o.ok, "{}", o.stderr);
    let bytes = std::fs::read(&persons).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    let head = lines.next().unwrap();
    assert!(
        head.starts_with("公民身份号码,姓名,性别,出生日期"),
        "{head}"
    );
    let body: Vec<&str> = lines.collect();
    assert_eq!(body.len(), rs.len());
    let (r0, _) = row(0);
    let line = body.iter().find(|l| l.starts_with(&r0[2])).unwrap();
    assert!(line.contains(&r0[1]) && line.contains(&r0[7]), "{line}");
    let viewed = audit(&cfg)
        .into_iter()
        .filter(|e| e["event"] == "viewed" && e["query"] == "persons (export)")
        .flat_map(|e| e["subjects"].as_array().cloned().unwrap_or_default())
        .count();
    assert_eq!(viewed, rs.len(), "every exported person is audited");

    // Persons, XLSX in English.
    let en = d.join("persons.xlsx");
    let o = liudong(&[
        "export",
        "persons",
        "--lang",
        "en",
        "--config",
        s(&cfg),
        "--out",
        s(&en),
    ]);
    assert!(o.ok, "{}", o.stderr);
    let x = xlsx_rows(&en);
    assert_eq!(x[0][0], Data::String("citizen ID".into()));
    assert_eq!(x.len(), rs.len() + 1);

    // Overdue, CSV: the in-migrants' inflows are not acknowledged yet... or
    // not due; whatever `overdue --json` lists, the export lists.
    let overdue = d.join("overdue.csv");
    let o = liudong(&[
        "export",
        "overdue",
        "--config",
        s(&cfg),
        "--out",
        s(&overdue),
    ]);
    assert!(o.ok, "{}", o.stderr);
    let o = liudong(&["overdue", "--json", "--config", s(&cfg)]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let items = v["items"].as_array().unwrap().len() + v["held"].as_array().unwrap().len();
    let text = std::fs::read_to_string(&overdue).unwrap();
    assert!(
        text.starts_with("\u{FEFF}事项,村（居）,应办日期,姓名,性别,年龄,公民身份号码"),
        "the work list's columns: {text}"
    );
    assert_eq!(text.lines().count(), 1 + items);

    // Report, XLSX: the same figures as `report --format json`.
    let report = d.join("report.xlsx");
    let o = liudong(&[
        "export",
        "report",
        "--month",
        "2026-10",
        "--config",
        s(&cfg),
        "--out",
        s(&report),
    ]);
    assert!(o.ok, "{}", o.stderr);
    let o = liudong(&[
        "report",
        "--month",
        "2026-10",
        "--format",
        "json",
        "--config",
        s(&cfg),
    ]);
    assert!(o.ok, "{}", o.stderr);
    let json: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let r: Report = serde_json::from_value(json.clone()).unwrap();
    assert!(r.total.counts.outflows > 0 && r.total.counts.inflows > 0);
    // --code: the township's report, one row per village (CSV).
    let town = d.join("town.csv");
    let o = liudong(&[
        "export",
        "report",
        "--month",
        "2026-10",
        "--code",
        TOWN_A,
        "--config",
        s(&cfg),
        "--out",
        s(&town),
    ]);
    assert!(o.ok, "{}", o.stderr);
    let villages = liudong_core::divisions::table().children(TOWN_A).len();
    let text = std::fs::read_to_string(&town).unwrap();
    assert_eq!(text.lines().count(), 1 + villages + 1);
    assert!(
        text.lines().nth(1).unwrap().starts_with(VILLAGE_A1),
        "{text}"
    );
    let x = xlsx_rows(&report);
    assert_eq!(x[0][0], Data::String("单位".into()));
    assert_eq!(x[0][2], Data::String("出生数".into()));
    assert_eq!(x.len(), 1 + r.rows.len() + 1);
    let json_rows: Vec<&serde_json::Value> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .chain(std::iter::once(&json["total"]))
        .collect();
    let typed: Vec<&liudong_core::report::Row> =
        r.rows.iter().chain(std::iter::once(&r.total)).collect();
    for (i, (jr, tr)) in json_rows.iter().zip(typed).enumerate() {
        let xr = &x[i + 1];
        assert_eq!(xr[0], Data::String(jr["code"].as_str().unwrap().into()));
        for (k, col) in COLUMNS.iter().enumerate() {
            let got = &xr[k + 2];
            match jr["counts"].get(col.0).and_then(|n| n.as_u64()) {
                // Counts: the JSON number itself.
                Some(n) => assert_eq!(*got, Data::Float(n as f64), "{} {}", jr["code"], col.0),
                // Rates: the figure `report` prints from the JSON's counts.
                None => match cell(&tr.counts, col.0).parse::<f64>() {
                    Ok(f) => assert_eq!(*got, Data::Float(f), "{} {}", jr["code"], col.0),
                    Err(_) => assert_eq!(*got, Data::String("-".into()), "{}", col.0),
                },
            }
        }
    }
}

/// Import speed: 10,000 rows checked only (`--dry-run`), through a running
/// node's admin service, again (all held), and 10,000 more on the stopped
/// node's store (release build; docs/ledgers.md). Prints the times; checks
/// the counts.
#[test]
#[ignore = "measurement: cargo test --release -p liudong-tests --test ledger -- --ignored --nocapture"]
fn import_10000_rows_speed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = live_county(d);
    let mut county = NodeProcess::spawn(&cfg, &d.join("county.log"));
    county.start_line();
    let (rs, n) = rows(0..10_000);
    let file = d.join("10000.xlsx");
    write_xlsx(&file, &rs);
    let timed = |extra: &[&str]| {
        let t = Instant::now();
        let o = import(&cfg, &file, extra);
        assert!(o.ok, "{}", o.stderr);
        (o, t.elapsed().as_secs_f64())
    };
    let (_, dry) = timed(&["--dry-run"]);
    assert_eq!(records(&cfg), 0);
    let (_, first) = timed(&[]);
    assert_eq!(records(&cfg), n as u64);
    let (o, again) = timed(&[]);
    assert!(o.stdout.contains("0 records written"), "{}", o.stdout);
    let (s, _) = county.terminate(Duration::from_secs(25));
    assert!(s.success());
    let (rs2, n2) = rows(10_000..20_000);
    let file2 = d.join("10000-more.csv");
    write_csv(&file2, &HEADERS, &rs2);
    let t = Instant::now();
    let o = import(&cfg, &file2, &[]);
    let offline = t.elapsed().as_secs_f64();
    assert!(o.ok, "{}", o.stderr);
    assert_eq!(records(&cfg), (n + n2) as u64);
    eprintln!(
        "10,000 rows ({n} records), XLSX: check only (--dry-run) {dry:.2} s; \
         import via the running node's admin service {first:.2} s; again (all held) {again:.2} s; \
         10,000 more rows ({n2} records), CSV, on the stopped node's store {offline:.2} s"
    );
}

/// An import killed with SIGKILL wherever it is (before, during or after
/// its batches) is completed by importing the file again: every record
/// once, none twice.
#[test]
fn a_killed_import_is_completed_by_importing_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = offline_county(d);
    let (rs, n) = rows(0..3000);
    let file = d.join("big.csv");
    write_csv(&file, &HEADERS, &rs);
    let mut child = Command::new(liudong_bin())
        .args(["import", s(&file), "--config", s(&cfg)])
        .env("LIUDONG_OPERATOR", OPERATOR)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let _ = child.kill();
    child.wait().unwrap();
    let before = records(&cfg);
    let o = import(&cfg, &file, &[]);
    assert!(o.ok, "{}", o.stderr);
    assert!(
        o.stdout.contains(&format!(
            "{} records written, {before} already held",
            n as u64 - before
        )),
        "{}",
        o.stdout
    );
    eprintln!("killed after {before} of {n} records; the second import wrote the rest");
    let store = open_store(d, COUNTY_A, EXCHANGE);
    assert_eq!(store.record_count(), n);
    assert_no_duplicates(&store, "after a killed import and a re-import");
}
