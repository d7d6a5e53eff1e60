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
    assert!(o.stderr.contains("表头在第 2 行"), "{}", o.stderr);
    assert!(
        o.stdout.contains(&format!("写入 {xn} 条记录，0 条已有")),
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
        assert!(o.stdout.contains("写入 0 条记录"), "{}", o.stdout);
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
    // Row 5: a village code not in the division table, and a day that does not exist.
    rs[3][3] = "410602100999".into();
    rs[3][5] = "2026-10-32".into();
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
        e.contains("第 3 行 C 列（公民身份号码）：") && e.contains("校验位不符"),
        "{e}"
    );
    assert!(
        e.contains("第 5 行 D 列（户籍地代码）：410602100999 不在区划代码表"),
        "{e}"
    );
    assert!(
        e.contains("第 5 行 F 列（流出日期）：“2026-10-32”不是实际存在的日期"),
        "{e}"
    );
    assert!(
        e.contains("第 7 行 E 列（现居住地代码）：有流入日期就必须有现居住地"),
        "{e}"
    );
    assert!(
        e.contains("错误：8 行中有 3 行有错误") && e.contains("没有导入任何数据"),
        "{e}"
    );
    assert_eq!(records(&cfg), 0);
    // The same in English, on request.
    let o = import(&cfg, &file, &["--lang", "en"]);
    let e = &o.stderr;
    assert!(
        e.contains("row 3, column C (公民身份号码): ") && e.contains("check digit does not match"),
        "{e}"
    );
    assert!(
        e.contains("error: 3 of 8 rows have errors") && e.contains("nothing was imported"),
        "{e}"
    );

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
    assert!(lines[1].contains(",3,公民身份号码："), "{}", lines[1]);
    assert!(
        lines[2].contains(",5,户籍地代码：410602100999 不在区划代码表")
            && lines[2].contains("；流出日期："),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains(",7,现居住地代码：有流入日期就必须有现居住地"),
        "{}",
        lines[3]
    );

    // A failure only the record rules know (an operator name too long): its
    // 错误原因 is the catalogue's Chinese too, not an English text.
    let long = "张".repeat(201);
    let again = d.join("rejects-operator.csv");
    let o = liudong(&[
        "import",
        s(&file),
        "--operator",
        &long,
        "--skip-invalid",
        "--rejects",
        s(&again),
        "--config",
        s(&cfg),
    ]);
    assert!(o.ok, "{}", o.stderr);
    let text = std::fs::read_to_string(&again).unwrap();
    let first = text.lines().nth(1).expect("a rejected row");
    let reason = first.rsplit(',').next().unwrap();
    assert!(
        reason.contains("不符合记录规则：不能超过 200 个字"),
        "{first}"
    );
    assert!(!reason.chars().any(|c| c.is_ascii_alphabetic()), "{first}");
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
            "写入 {} 条记录，{} 条已有",
            n as u64 - first,
            first + row(20).1 as u64
        )),
        "{}",
        o.stdout
    );
    assert_eq!(records(&cfg), n as u64);
    let o = import(&cfg, &full, &[]);
    assert!(o.stdout.contains("写入 0 条记录"), "{}", o.stdout);
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
    other[1] = "名字";
    other[2] = "证件号";
    other[3] = "户籍村代码";
    other[12] = "单位";
    let file = d.join("other.csv");
    write_csv(&file, &other, &rs);
    let o = import(&cfg, &file, &["--dry-run"]);
    assert!(!o.ok);
    // Only what is missing is listed.
    assert!(
        o.stderr
            .contains("缺少以下必需的列：公民身份号码、姓名、户籍地代码或户籍地址")
            && o.stderr.contains("--map"),
        "{}",
        o.stderr
    );
    let map = d.join("map.toml");
    std::fs::write(
        &map,
        "[columns]\n\"名字\" = \"name\"\n\"证件号\" = \"公民身份号码\"\n\"户籍村代码\" = \"origin\"\n\"单位\" = \"ignore\"\n\"工作单位\" = \"ignore\"\n",
    )
    .unwrap();
    let o = import(&cfg, &file, &["--map", map.to_str().unwrap(), "--dry-run"]);
    // The employer column (单位) is left out as the map says, and the
    // import says so, and that the map's 工作单位 matched no column.
    assert!(o.ok, "{}", o.stderr);
    assert!(o.stdout.contains("没有写入任何数据"), "{}", o.stdout);
    assert!(
        o.stderr.contains("以下列按 --map 忽略：单位"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("--map 中的以下表头在文件中没有找到：工作单位"),
        "{}",
        o.stderr
    );
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
    assert!(o.stdout.contains("写入 0 条记录"), "{}", o.stdout);
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
            "写入 {} 条记录，{before} 条已有",
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

// --- A ledger as a county's cadres make it (issue 15) ---

/// 云南省 临沧市 镇康县: the county that imports it.
const ZHENKANG: &str = "530924";

/// The columns of the cadres' sheet: (group header, sub-header); an empty
/// sub-header is a header merged over both rows.
const CADRE_COLUMNS: [(&str, &str); 19] = [
    ("序号", ""),
    ("姓名", ""),
    ("性别", ""),
    ("民族", ""),
    ("公民身份号码", ""),
    ("户籍地", "详细地址"),
    ("户籍地", "代码"),
    ("现居住地", "详细地址"),
    ("现居住地", "代码"),
    ("流出情况", "流出时间"),
    ("流出情况", "外出原因"),
    ("婚育证明", "证明编号"),
    ("婚育证明", "发证日期"),
    ("婚育证明", "有效期至"),
    ("流入时间", ""),
    ("工作单位", ""),
    ("联系电话", ""),
    ("文化程度", ""),
    ("备注", ""),
];

/// Column indexes of [`CADRE_COLUMNS`].
mod col {
    pub const SEX: usize = 2;
    pub const ETHNIC: usize = 3;
    pub const ID: usize = 4;
    pub const ORIGIN_ADDRESS: usize = 5;
    pub const ORIGIN_CODE: usize = 6;
    pub const RESIDENCE_ADDRESS: usize = 7;
    pub const LEAVE: usize = 9;
    pub const PURPOSE: usize = 10;
    pub const CERT_NO: usize = 11;
    pub const CERT_FROM: usize = 12;
    pub const CERT_UNTIL: usize = 13;
    pub const ARRIVAL: usize = 14;
    pub const EMPLOYER: usize = 15;
    pub const PHONE: usize = 16;
    pub const NOTE: usize = 18;
}

/// How a cell is written to the sheet.
#[derive(Clone)]
enum XCell {
    Text(String),
    /// An Excel number (as a citizen ID typed into a General column).
    Number(f64),
    /// A real Excel date.
    Date(u16, u8, u8),
}

/// One row of the cadres' sheet.
struct CadreRow {
    cells: Vec<Option<XCell>>,
}

impl CadreRow {
    fn new(no: usize, name: &str, sex: &str, id: &str) -> CadreRow {
        let mut cells = vec![None; CADRE_COLUMNS.len()];
        cells[0] = Some(XCell::Number(no as f64));
        cells[1] = Some(XCell::Text(name.into()));
        cells[col::SEX] = Some(XCell::Text(sex.into()));
        cells[col::ETHNIC] = Some(XCell::Text("汉族".into()));
        cells[col::ID] = Some(XCell::Text(id.into()));
        CadreRow { cells }
    }

    fn set(mut self, c: usize, v: &str) -> Self {
        self.cells[c] = Some(XCell::Text(v.into()));
        self
    }

    fn cell(mut self, c: usize, v: XCell) -> Self {
        self.cells[c] = Some(v);
        self
    }
}

/// The sheet as a township cadre makes it: a title and a 填报单位 line
/// merged across the columns, a two-row grouped header with merged cells,
/// columns the import does not use, and one household's address merged
/// over its two members' rows (`merged_origin`: the first of the two data
/// rows, 0-based).
fn write_cadre_xlsx(path: &Path, rows: &[CadreRow], merged_origin: usize) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("流动人口台账").unwrap();
    let last = CADRE_COLUMNS.len() as u16 - 1;
    let plain = Format::new();
    let date_fmt = Format::new().set_num_format("yyyy年m月d日");
    ws.merge_range(0, 0, 0, last, "镇康县2026年流动人口信息台账", &plain)
        .unwrap();
    ws.merge_range(
        1,
        0,
        1,
        last,
        "填报单位：镇康县卫生健康局　　填报时间：2026年11月",
        &plain,
    )
    .unwrap();
    let mut c = 0;
    while c < CADRE_COLUMNS.len() {
        let (group, sub) = CADRE_COLUMNS[c];
        let c16 = c as u16;
        if sub.is_empty() {
            ws.merge_range(2, c16, 3, c16, group, &plain).unwrap();
            c += 1;
            continue;
        }
        let width = CADRE_COLUMNS[c..]
            .iter()
            .take_while(|(g, s)| *g == group && !s.is_empty())
            .count();
        ws.merge_range(2, c16, 2, c16 + width as u16 - 1, group, &plain)
            .unwrap();
        for (k, (_, sub)) in CADRE_COLUMNS[c..c + width].iter().enumerate() {
            ws.write_string(3, c16 + k as u16, *sub).unwrap();
        }
        c += width;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 4;
        for (c, v) in row.cells.iter().enumerate() {
            let c16 = c as u16;
            match v {
                _ if c == col::ORIGIN_ADDRESS && i == merged_origin + 1 => {}
                Some(XCell::Text(t)) if c == col::ORIGIN_ADDRESS && i == merged_origin => {
                    ws.merge_range(r, c16, r + 1, c16, t, &plain).unwrap();
                }
                None => {}
                Some(XCell::Text(t)) => {
                    ws.write_string(r, c16, t).unwrap();
                }
                Some(XCell::Number(n)) => {
                    ws.write_number(r, c16, *n).unwrap();
                }
                Some(XCell::Date(y, m, d)) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    ws.write_datetime_with_format(r, c16, &dt, &date_fmt)
                        .unwrap();
                }
            }
        }
    }
    book.save(path).unwrap();
}

/// A synthetic citizen ID of `county`, born on `birth`.
fn synthetic_id(seed: u64, county: &str, birth: Date, female: bool) -> String {
    let sex = if female {
        liudong_core::record::Sex::Female
    } else {
        liudong_core::record::Sex::Male
    };
    liudong_core::synth::citizen_id(&mut SynthRng::new(seed), county, birth, sex)
        .as_str()
        .to_string()
}

/// An ID as Excel keeps it once typed as a number: 15 significant digits.
fn as_excel_number(id: &str) -> (f64, String) {
    let kept = format!("{}000", &id[..15]);
    (kept.parse().unwrap(), kept)
}

/// A 镇康县 citizen ID whose first 15 digits followed by 000 — what Excel
/// keeps of it as a number — happens to pass the check digit.
fn id_that_survives_as_a_number() -> String {
    (0u64..)
        .map(|n| {
            synthetic_id(
                900 + n,
                ZHENKANG,
                Date::new(1991, 1, 1).unwrap().add_days(n as i64),
                true,
            )
        })
        .find(|id| liudong_core::CitizenId::parse(&as_excel_number(id).1).is_ok())
        .unwrap()
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                char::from_u32(c as u32 + 0xFEE0).unwrap()
            } else {
                c
            }
        })
        .collect()
}

/// The records held about `id`, by kind.
fn held(store: &liudong_store::Store, id: &str) -> Vec<liudong_core::Record> {
    let mut r = store.subject_records(id).unwrap();
    r.sort_by_key(|r| r.id.seq);
    r
}

/// A ledger with addresses and no codes, a title and a two-row grouped
/// header with merged cells, unused columns, numeric ID cells, full-width
/// digits and month-only dates, imported into a real county node: the dry
/// run shows the codes read from the addresses, the valid rows are stored
/// with the right places, the bad rows are rejected with their reasons and
/// candidates, and the corrected rejects file imports as it is.
#[test]
fn a_cadres_ledger_with_addresses_grouped_headers_and_numeric_ids() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = write_config(d, ZHENKANG, EXCHANGE, "http://127.0.0.1:9");
    let born = |y, m, day| Date::new(y, m, day).unwrap();
    // Valid rows (spreadsheet rows 5–12).
    let out_to_guangdong = synthetic_id(1, ZHENKANG, born(1994, 2, 3), true);
    let from_henan = synthetic_id(2, "410602", born(1990, 7, 8), true);
    let with_county = synthetic_id(3, ZHENKANG, born(1988, 1, 9), false);
    let with_province = synthetic_id(4, ZHENKANG, born(1996, 5, 6), true);
    let wide = synthetic_id(5, ZHENKANG, born(1993, 11, 12), true);
    let text_in_code = synthetic_id(6, ZHENKANG, born(1999, 3, 4), false);
    let household = [
        synthetic_id(7, ZHENKANG, born(1985, 8, 1), false),
        synthetic_id(8, ZHENKANG, born(1987, 9, 2), true),
    ];
    // Rejected rows (13–16).
    let lost = synthetic_id(9, ZHENKANG, born(1992, 4, 5), true);
    let (lost_number, lost_text) = as_excel_number(&lost);
    assert!(
        liudong_core::CitizenId::parse(&lost_text).is_err(),
        "this one fails its check digit"
    );
    let survives = id_that_survives_as_a_number();
    let (survives_number, survives_text) = as_excel_number(&survives);
    let ambiguous = synthetic_id(11, ZHENKANG, born(1995, 6, 7), true);
    let unknown = synthetic_id(12, ZHENKANG, born(1997, 8, 9), false);

    let mut rng = SynthRng::new(77);
    let mut person = |no: usize, id: &str, female: bool| {
        CadreRow::new(no, &name(&mut rng), if female { "女" } else { "男" }, id)
    };
    let rows = vec![
        // 5: no province or county; the residence elsewhere by its full path.
        person(1, &out_to_guangdong, true)
            .set(col::ORIGIN_ADDRESS, "凤尾镇仁和村5组")
            .set(col::RESIDENCE_ADDRESS, "广东省深圳市宝安区新安街道宝民社区")
            .set(col::LEAVE, "2026年3月")
            .set(col::PURPOSE, "务工")
            .set(col::CERT_NO, "ZK2026-001")
            .cell(col::CERT_FROM, XCell::Date(2026, 2, 20))
            .cell(col::CERT_UNTIL, XCell::Date(2029, 2, 19)),
        // 6: an in-migrant from Henan, her residence a short address.
        person(2, &from_henan, true)
            .set(col::ORIGIN_ADDRESS, "河南省鹤壁市鹤山区鹤壁集镇北杨邑村3组")
            .set(col::RESIDENCE_ADDRESS, "南伞镇新城社区团结路12号")
            .set(col::CERT_NO, "HB2025-0001")
            .set(col::ARRIVAL, "2026年5月")
            .set(col::EMPLOYER, "某茶厂"),
        // 7: with the county; a real Excel date.
        person(3, &with_county, false)
            .set(col::ORIGIN_ADDRESS, "镇康县勐捧镇岩子头村3组")
            .cell(col::LEAVE, XCell::Date(2026, 4, 10))
            .set(col::PURPOSE, "经商"),
        // 8: with the province.
        person(4, &with_province, true)
            .set(col::ORIGIN_ADDRESS, "云南省临沧市镇康县南伞镇白岩村")
            .set(col::LEAVE, "2026.6"),
        // 9: full-width digits in the ID, the code, the date and the phone.
        person(5, &full_width(&wide), true)
            .set(col::ORIGIN_CODE, &full_width("530924101201"))
            .set(col::LEAVE, "２０２６年３月")
            .set(col::PHONE, &full_width("13900000000")),
        // 10: an address typed into the code column.
        person(6, &text_in_code, false).set(col::ORIGIN_CODE, "南伞镇田坝村"),
        // 11–12: one household, its address merged over both rows.
        person(7, &household[0], false)
            .set(col::ORIGIN_ADDRESS, "勐捧镇核桃箐村")
            .set(col::LEAVE, "2026年1月"),
        person(8, &household[1], true).set(col::NOTE, "户主之妻"),
        // 13: an ID typed as a number; its check digit fails.
        person(9, "", true)
            .cell(col::ID, XCell::Number(lost_number))
            .set(col::ORIGIN_ADDRESS, "南伞镇白岩村"),
        // 14: an ID typed as a number whose check digit happens to pass.
        person(10, "", true)
            .cell(col::ID, XCell::Number(survives_number))
            .set(col::ORIGIN_ADDRESS, "南伞镇白岩村"),
        // 15: 忙丙村 is a village of 勐捧镇 and one of 忙丙乡.
        person(11, &ambiguous, true).set(col::ORIGIN_ADDRESS, "忙丙村"),
        // 16: 南散镇 for 南伞镇.
        person(12, &unknown, false).set(col::ORIGIN_ADDRESS, "南散镇新城社区"),
    ];
    let file = d.join("镇康县流动人口台账.xlsx");
    write_cadre_xlsx(&file, &rows, 6);
    let rejects = d.join("拒收.csv");

    // The dry run: the codes read from the addresses, for checking.
    let o = import(
        &cfg,
        &file,
        &["--dry-run", "--skip-invalid", "--rejects", s(&rejects)],
    );
    assert!(o.ok, "{}\n{}", o.stdout, o.stderr);
    let notes = &o.stderr;
    assert!(
        notes.contains("提示：表头在第 3–4 行；其上 2 行（标题等）不导入"),
        "{notes}"
    );
    assert!(
        notes.contains("提示：以下列不导入（没有对应的字段）：序号、民族、文化程度、备注"),
        "{notes}"
    );
    let table: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(
        table[0], "以下地址已识别为区划代码，请核对：",
        "{}",
        o.stdout
    );
    assert!(table[1].starts_with("行号  列"), "{}", table[1]);
    // Row, address, code, the division's full name, the detail left over.
    let shown = |row: usize, text: &str, code: &str, name: &str, detail: &str| {
        let line = table
            .iter()
            .find(|l| l.starts_with(&format!("{row} ")) && l.contains(text))
            .unwrap_or_else(|| panic!("row {row} {text} not in\n{}", o.stdout));
        let cells: Vec<&str> = line
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(
            cells[2..],
            [text, code, name, detail][..4 - usize::from(detail.is_empty())],
            "{line}"
        );
    };
    const YN: &str = "云南省 临沧市 镇康县";
    shown(
        5,
        "凤尾镇仁和村5组",
        "530924101202",
        &format!("{YN} 凤尾镇 仁和村民委员会"),
        "5组",
    );
    shown(
        5,
        "广东省深圳市宝安区新安街道宝民社区",
        "440306017001",
        "广东省 深圳市 宝安区 新安街道 宝民社区居委会",
        "",
    );
    shown(
        6,
        "河南省鹤壁市鹤山区鹤壁集镇北杨邑村3组",
        "410602100204",
        "河南省 鹤壁市 鹤山区 鹤壁集镇 北杨邑村民委员会",
        "3组",
    );
    shown(
        6,
        "南伞镇新城社区团结路12号",
        "530924103001",
        &format!("{YN} 南伞镇 新城社区居民委员会"),
        "团结路12号",
    );
    shown(
        7,
        "镇康县勐捧镇岩子头村3组",
        "530924102202",
        &format!("{YN} 勐捧镇 岩子头村民委员会"),
        "3组",
    );
    shown(
        8,
        "云南省临沧市镇康县南伞镇白岩村",
        "530924103203",
        &format!("{YN} 南伞镇 白岩村民委员会"),
        "",
    );
    shown(
        10,
        "南伞镇田坝村",
        "530924103202",
        &format!("{YN} 南伞镇 田坝村民委员会"),
        "",
    );
    for row in [11, 12] {
        shown(
            row,
            "勐捧镇核桃箐村",
            "530924102203",
            &format!("{YN} 勐捧镇 核桃箐村民委员会"),
            "",
        );
    }
    assert!(
        o.stdout
            .contains("试运行：读取 12 行，有效 8 行（15 条记录），拒收 4 行；没有写入任何数据"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("将生成：人员登记 8 条、流出登记 5 条、婚育证明 1 条、流入登记 1 条"),
        "{}",
        o.stdout
    );
    assert_eq!(records(&cfg), 0, "a dry run writes nothing");

    // The import: the valid rows, with the places the addresses name.
    let o = import(&cfg, &file, &["--skip-invalid", "--rejects", s(&rejects)]);
    assert!(o.ok, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("导入 8/12 行：写入 15 条记录，0 条已有"),
        "{}",
        o.stdout
    );
    assert_eq!(records(&cfg), 15);
    let store = open_store(d, ZHENKANG, EXCHANGE);
    let places = |id: &str| -> Vec<(String, Option<String>, &'static str)> {
        held(&store, id)
            .iter()
            .map(|r| {
                (
                    r.origin.to_string(),
                    r.residence.as_ref().map(|c| c.to_string()),
                    r.body.kind(),
                )
            })
            .collect()
    };
    let p = places(&out_to_guangdong);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(
        p.iter()
            .all(|(o, r, _)| o == "530924101202" && r.as_deref() == Some("440306017001")),
        "{p:?}"
    );
    let records_of = held(&store, &out_to_guangdong);
    let liudong_core::Body::OutflowRegistered(out) = &records_of[1].body else {
        panic!("{records_of:?}")
    };
    assert_eq!(out.leave_date, Date::new(2026, 3, 1).unwrap(), "2026年3月");
    let henan = held(&store, &from_henan);
    assert_eq!(henan[0].origin.as_str(), "410602100204");
    let liudong_core::Body::InflowRegistered(inflow) = &henan[1].body else {
        panic!("{henan:?}")
    };
    assert_eq!(
        henan[1].residence.as_ref().unwrap().as_str(),
        "530924103001"
    );
    assert_eq!(inflow.address, "团结路12号", "the detail stays the address");
    assert_eq!(inflow.arrival_date, Date::new(2026, 5, 1).unwrap());
    assert_eq!(inflow.certificate_number.as_deref(), Some("HB2025-0001"));
    assert_eq!(places(&with_county)[0].0, "530924102202");
    assert_eq!(places(&with_province)[0].0, "530924103203");
    let w = held(&store, &wide);
    assert_eq!(w.len(), 2, "the full-width ID is read as {wide}");
    assert_eq!(w[0].origin.as_str(), "530924101201");
    let liudong_core::Body::PersonRegistered(pw) = &w[0].body else {
        panic!()
    };
    assert_eq!(pw.phone, "13900000000");
    assert_eq!(places(&text_in_code)[0].0, "530924103202");
    for id in &household {
        assert_eq!(places(id)[0].0, "530924102203", "merged over both rows");
    }
    for id in [&lost, &survives, &ambiguous, &unknown] {
        assert!(held(&store, id).is_empty());
    }
    drop(store);

    // The rejects file: one header row (the grouped header flattened), the
    // original cells, the row number and the reasons with the candidates.
    let bytes = std::fs::read(&rejects).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM");
    let mut reader = liudong_ledger::read::read_csv(&bytes)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.cells);
    let head: Vec<String> = reader.next().unwrap();
    assert_eq!(
        head.join(","),
        "序号,姓名,性别,民族,公民身份号码,户籍地详细地址,户籍地代码,现居住地详细地址,\
         现居住地代码,流出时间,外出原因,证明编号,发证日期,有效期至,流入时间,工作单位,\
         联系电话,文化程度,备注,原行号,错误原因"
    );
    let rejected: Vec<Vec<String>> = reader.collect();
    let row_no: Vec<&str> = rejected.iter().map(|r| r[19].as_str()).collect();
    assert_eq!(row_no, ["13", "14", "15", "16"]);
    let reason = |i: usize| rejected[i][20].as_str();
    for i in [0, 1] {
        assert!(
            reason(i).starts_with("公民身份号码：该单元格存的是数字")
                && reason(i).contains("15 位有效数字")
                && reason(i).contains("“文本”"),
            "{}",
            reason(i)
        );
        // No "corrected" check digit, whether or not the digits pass.
        assert!(!reason(i).contains("校验位不符"), "{}", reason(i));
    }
    assert_eq!(rejected[0][col::ID], lost_text);
    assert_eq!(rejected[1][col::ID], survives_text);
    assert!(
        reason(2).starts_with("户籍地详细地址：地址“忙丙村”可指多处：")
            && reason(2).contains("云南省 临沧市 镇康县 勐捧镇 忙丙村民委员会（530924102216）")
            && reason(2).contains("云南省 临沧市 镇康县 忙丙乡 忙丙村民委员会（530924201201）"),
        "{}",
        reason(2)
    );
    assert!(
        reason(3).starts_with("户籍地详细地址：无法识别地址“南散镇新城社区”，相近的有：")
            && reason(3).contains("南伞镇 新城社区居民委员会（530924103001）"),
        "{}",
        reason(3)
    );

    // Corrected in the rejects file, which imports as it is.
    let mut fixed = rejected.clone();
    fixed[0][col::ID] = lost.clone();
    fixed[1][col::ID] = survives.clone();
    fixed[2][col::ORIGIN_ADDRESS] = "忙丙乡忙丙村".into();
    fixed[3][col::ORIGIN_ADDRESS] = "南伞镇新城社区".into();
    let again = d.join("改正后.csv");
    let head_refs: Vec<&str> = head.iter().map(String::as_str).collect();
    write_csv(&again, &head_refs, &fixed);
    let o = import(&cfg, &again, &[]);
    assert!(o.ok, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains(
            "以下列不导入（没有对应的字段）：序号、民族、文化程度、备注、原行号、错误原因"
        ),
        "{}",
        o.stderr
    );
    assert_eq!(records(&cfg), 15 + 4);
    let store = open_store(d, ZHENKANG, EXCHANGE);
    assert_eq!(held(&store, &ambiguous)[0].origin.as_str(), "530924201201");
    assert_eq!(held(&store, &unknown)[0].origin.as_str(), "530924103001");
    assert_eq!(held(&store, &survives).len(), 1);
    drop(store);

    // The same dry run in English.
    let o = import(&cfg, &file, &["--dry-run", "--lang", "en"]);
    assert!(!o.ok, "rows are rejected without --skip-invalid");
    assert!(
        o.stdout
            .starts_with("Addresses read as division codes; please check them:\nrow  column"),
        "{}",
        o.stdout
    );
    assert!(
        o.stderr.contains("note: the header is on row(s) 3–4")
            && o.stderr.contains(
                "row 15, column F (户籍地·详细地址): the address \"忙丙村\" fits several places"
            )
            && o.stderr.contains("Excel keeps only 15 significant digits")
            && o.stderr.contains("error: 4 of 12 rows have errors"),
        "{}",
        o.stderr
    );
}
