//! `liudong import`: a ledger file (XLSX or CSV) into records.
//!
//! The file is read ([`crate::read`]), its header found ([`crate::header`]:
//! title rows, one- or two-row headers) and every row checked
//! ([`crate::rows`], addresses resolved to codes by [`crate::place`]); a
//! file with errors imports nothing unless `--skip-invalid`, which imports
//! the good rows and writes the rejected ones, with their reasons, to a CSV
//! file. `--dry-run` shows the codes read from addresses and writes nothing.
//! The records are then written in batches through the running node's
//! admin service (`WriteRecords`) or, when the node is stopped, its store
//! ([`NodeAccess::write_batch`]): the same validation, audit trail
//! (operator writes) and sync as `liudong record add`. Each batch is one
//! store transaction that skips records identical to ones already held
//! about the same person, so importing a file again — whole or after a
//! crash half-way — adds nothing twice.
//!
//! Everything printed is from the message catalogue (`ledger.ftl`), in the
//! process's language.

use crate::columns::{Field, Mapping, Resolved, RowError, column, column_name};
use crate::error::{LedgerError, Result};
use crate::header::{self, Table};
use crate::place::Resolution;
use crate::read;
use crate::rows::{RowContext, RowRecords, row_drafts};
use crate::table::text_table;
use liudong_core::Level;
use liudong_i18n::t;
use liudong_node::NodeAccess;
use liudong_node::config::Config;
use liudong_node::progress::Progress;
use liudong_store::Draft;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Rows written per batch (one store transaction; at most 4 records a row).
pub const ROWS_PER_BATCH: usize = 1000;
/// Errors printed on the terminal (all of them go to the rejects file).
const ERRORS_SHOWN: usize = 50;

/// What `liudong import` was asked to do (its command-line arguments).
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The ledger file: .xlsx (first worksheet) or .csv (UTF-8).
    pub file: PathBuf,
    pub config: PathBuf,
    /// TOML column map for other headers: [columns] "header" = "field".
    pub map: Option<PathBuf>,
    /// Import the valid rows; write the rejected ones with their reasons to a file.
    pub skip_invalid: bool,
    /// Where --skip-invalid writes rejected rows (default: FILE.rejects.csv beside FILE).
    pub rejects: Option<PathBuf>,
    /// Operator recorded on the records and in the audit trail
    /// (default: LIUDONG_OPERATOR, else the login name).
    pub operator: Option<String>,
    /// Check every row and report; write nothing.
    pub dry_run: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Data rows read (blank rows aside).
    pub rows: usize,
    pub rejected: usize,
    /// Records the valid rows produce.
    pub records: usize,
    /// Places read from addresses in the valid rows.
    pub resolved: usize,
    /// Records written now.
    pub written: usize,
    /// Records already held (an earlier import of the same rows).
    pub existing: usize,
    pub rejects_file: Option<PathBuf>,
}

/// One rejected row.
struct Rejected {
    row: read::Row,
    errors: Vec<RowError>,
}

/// Writes one batch skipping records already held; returns (written,
/// already held).
async fn write(
    node: &mut NodeAccess,
    drafts: Vec<Draft>,
) -> Result<(usize, usize), liudong_node::AccessError> {
    // The id follows from the records: the same import run again after an
    // interruption replays what landed instead of writing it again.
    let id = liudong_node::access::content_request_id("import", &drafts, true);
    let out = node.write_batch_request(drafts, true, Some(&id)).await?;
    let held = out.iter().filter(|w| w.existing).count();
    Ok((out.len() - held, held))
}

fn note(message: &str) {
    eprintln!("{}", t!("ledger-note", message = message));
}

/// A row error as the operator reads it: row, column letter and header, reason.
fn describe(row: usize, e: &RowError, cols: &Resolved, table: &Table) -> String {
    match e.field {
        None => t!("ledger-row-error", row = row, reason = e.reason.as_str()),
        Some(f) => t!(
            "ledger-row-column-error",
            row = row,
            column = column_label(f, cols, table),
            reason = e.reason.as_str()
        ),
    }
}

fn column_label(f: Field, cols: &Resolved, table: &Table) -> String {
    match cols.index.get(&f) {
        Some(&i) => column_name(i, &table.labels[i].display()),
        None => t!("ledger-no-column", header = column(f).header),
    }
}

/// The reason text of the rejects file: `header：reason；...`.
fn reasons(e: &[RowError], cols: &Resolved) -> String {
    e.iter()
        .map(|e| match e.field {
            None => e.reason.clone(),
            Some(f) => {
                let h = cols
                    .index
                    .get(&f)
                    .map_or(column(f).header, |&i| cols.headers[i].as_str());
                t!("ledger-reason", header = h, reason = e.reason.as_str())
            }
        })
        .collect::<Vec<_>>()
        .join(&t!("ledger-reason-separator"))
}

/// The rejects file: the ledger's columns under one header row (a grouped
/// header flattened so that the file imports again as it is), then the
/// original row number and the reasons.
fn write_rejects(path: &Path, cols: &Resolved, rejected: &[Rejected]) -> Result<()> {
    let mut head = cols.headers.clone();
    head.push(t!("ledger-rejects-row"));
    head.push(t!("ledger-rejects-reasons"));
    let rows: Vec<Vec<String>> = rejected
        .iter()
        .map(|r| {
            let mut cells = r.row.cells.clone();
            cells.resize(cols.headers.len().max(cells.len()), String::new());
            cells.push(r.row.number.to_string());
            cells.push(reasons(&r.errors, cols));
            cells
        })
        .collect();
    crate::write::csv_file(path, &head, rows.iter().map(|r| r.as_slice())).map_err(|e| {
        LedgerError::Rejects {
            path: path.to_path_buf(),
            source: Box::new(e),
        }
    })
}

fn default_rejects(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger".into());
    file.with_file_name(format!("{stem}.rejects.csv"))
}

/// The dry run's table of codes read from addresses, for the operator to
/// check before writing.
fn resolutions_table(good: &[(usize, RowRecords)], cols: &Resolved, table: &Table) -> String {
    let head = [
        t!("ledger-dry-row"),
        t!("ledger-dry-column"),
        t!("ledger-dry-address"),
        t!("ledger-dry-code"),
        t!("ledger-dry-division"),
        t!("ledger-dry-detail"),
    ];
    let rows: Vec<Vec<String>> = good
        .iter()
        .flat_map(|(row, r)| r.resolved.iter().map(move |x| (*row, x)))
        .map(|(row, x): (usize, &Resolution)| {
            let column = cols.index.get(&x.field).map_or(String::new(), |&i| {
                t!(
                    "ledger-dry-column-cell",
                    letter = crate::columns::letter(i),
                    header = table.labels[i].display()
                )
            });
            vec![
                row.to_string(),
                column,
                x.text.clone(),
                x.code.to_string(),
                x.full_name.clone(),
                x.detail.clone(),
            ]
        })
        .collect();
    text_table(&head, &rows)
}

/// `人员登记 10 条、流出登记 6 条`: the records the valid rows produce.
fn kinds_summary(good: &[(usize, RowRecords)]) -> String {
    let mut counts: BTreeMap<usize, (&str, usize)> = BTreeMap::new();
    const ORDER: [&str; 4] = [
        "person_registered",
        "outflow_registered",
        "certificate_issued",
        "inflow_registered",
    ];
    for d in good.iter().flat_map(|(_, r)| &r.drafts) {
        let k = d.body.kind();
        let at = ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
        counts.entry(at).or_insert((k, 0)).1 += 1;
    }
    counts
        .values()
        .map(|(k, n)| {
            t!(
                "ledger-kind-count",
                kind = crate::words::kind(k, liudong_i18n::lang()),
                count = *n
            )
        })
        .collect::<Vec<_>>()
        .join(&t!("ledger-list-separator"))
}

/// `liudong import`.
pub async fn import(o: &ImportOptions) -> Result<ImportSummary> {
    let cfg = Config::load(&o.config)?;
    if o.rejects.is_some() && !o.skip_invalid {
        return Err(LedgerError::RejectsWithoutSkip);
    }
    let node_code = cfg.scope.code.clone();
    if !matches!(
        node_code.level(),
        Level::Village | Level::Township | Level::County
    ) {
        return Err(LedgerError::NotAuthor {
            code: node_code.to_string(),
        });
    }
    let operator = o
        .operator
        .clone()
        .unwrap_or_else(liudong_node::access::operator);
    if operator.trim().is_empty() || operator.chars().any(char::is_control) {
        return Err(LedgerError::Operator);
    }
    let mapping = match &o.map {
        Some(p) => Mapping::load(p)?,
        None => Mapping::default(),
    };
    let grid = read::read(&o.file)?;
    let (table, cols) = header::locate(grid, &mapping).map_err(|e| LedgerError::HeaderRow {
        path: o.file.clone(),
        source: Box::new(e),
    })?;
    for n in &table.notes {
        note(n);
    }
    let list = |v: &[String]| v.join(&t!("ledger-list-separator"));
    if !cols.unused.is_empty() {
        note(&t!("ledger-note-unused", columns = list(&cols.unused)));
    }
    if !cols.ignored.is_empty() {
        note(&t!("ledger-note-ignored", columns = list(&cols.ignored)));
    }
    if !cols.unmatched_map.is_empty() {
        note(&t!(
            "ledger-note-map-unmatched",
            headers = list(&cols.unmatched_map)
        ));
    }
    if [
        Field::Origin,
        Field::OriginAddress,
        Field::Residence,
        Field::Address,
    ]
    .iter()
    .any(|f| cols.index.contains_key(f))
    {
        // Built once (0.1–0.2 s), before the rows rather than inside the first.
        liudong_core::address::index();
    }
    let ctx = RowContext {
        operator,
        node: node_code,
        limits: liudong_core::validate::Limits {
            now_ms: liudong_sync::system_clock()(),
            max_skew_ms: cfg.sync.max_skew_ms,
        },
    };
    let mut summary = ImportSummary::default();
    let mut good: Vec<(usize, RowRecords)> = Vec::new();
    let mut rejected: Vec<Rejected> = Vec::new();
    for row in &table.rows {
        if row.is_blank() {
            continue;
        }
        summary.rows += 1;
        match row_drafts(row, &cols, &ctx) {
            Ok(r) => good.push((row.number, r)),
            Err(errors) => rejected.push(Rejected {
                row: row.clone(),
                errors,
            }),
        }
    }
    summary.rejected = rejected.len();
    summary.records = good.iter().map(|(_, r)| r.drafts.len()).sum();
    summary.resolved = good.iter().map(|(_, r)| r.resolved.len()).sum();
    let lines: Vec<String> = rejected
        .iter()
        .flat_map(|r| {
            r.errors
                .iter()
                .map(|e| describe(r.row.number, e, &cols, &table))
        })
        .collect();
    for l in lines.iter().take(ERRORS_SHOWN) {
        eprintln!("{l}");
    }
    if lines.len() > ERRORS_SHOWN {
        eprintln!(
            "{}",
            t!("ledger-more-errors", count = lines.len() - ERRORS_SHOWN)
        );
    }
    let unrecorded = good.iter().filter(|(_, r)| r.detail_unrecorded).count();
    if unrecorded > 0 {
        note(&t!("ledger-note-detail", rows = unrecorded));
    }
    // What the dry run shows is shown even when rows are rejected.
    if o.dry_run {
        if summary.resolved > 0 {
            println!("{}", t!("ledger-dry-resolved"));
            print!("{}", resolutions_table(&good, &cols, &table));
        }
        if !good.is_empty() {
            println!("{}", t!("ledger-dry-records", kinds = kinds_summary(&good)));
        }
    }
    if !rejected.is_empty() {
        if !o.skip_invalid {
            return Err(LedgerError::RowsRejected {
                rejected: rejected.len(),
                rows: summary.rows,
            });
        }
        let path = o
            .rejects
            .clone()
            .unwrap_or_else(|| default_rejects(&o.file));
        write_rejects(&path, &cols, &rejected)?;
        eprintln!(
            "{}",
            t!(
                "ledger-rejects-written",
                rows = rejected.len(),
                path = path.display().to_string()
            )
        );
        summary.rejects_file = Some(path);
    }
    if o.dry_run {
        println!(
            "{}",
            t!(
                "ledger-dry-summary",
                rows = summary.rows,
                valid = good.len(),
                records = summary.records,
                rejected = summary.rejected
            )
        );
        return Ok(summary);
    }
    let mut node = NodeAccess::open(&cfg).await?;
    let mut progress = Progress::new(
        t!("ledger-progress-import"),
        t!("ledger-progress-rows"),
        Some(good.len() as u64),
    );
    for chunk in good.chunks(ROWS_PER_BATCH) {
        let first = chunk.first().map_or(0, |c| c.0);
        let last = chunk.last().map_or(0, |c| c.0);
        let drafts: Vec<Draft> = chunk
            .iter()
            .flat_map(|(_, r)| r.drafts.iter().cloned())
            .collect();
        let (new, held) = write(&mut node, drafts)
            .await
            .map_err(|source| LedgerError::Batch {
                first,
                last,
                written: summary.written,
                source: Box::new(source),
            })?;
        summary.written += new;
        summary.existing += held;
        progress.inc(chunk.len() as u64);
    }
    node.flush().await?;
    progress.finish(&t!(
        "ledger-progress-done",
        written = summary.written,
        existing = summary.existing
    ));
    if summary.resolved > 0 {
        eprintln!("{}", t!("ledger-resolved-count", count = summary.resolved));
    }
    println!(
        "{}",
        t!(
            "ledger-imported",
            valid = good.len(),
            rows = summary.rows,
            file = o.file.display().to_string(),
            written = summary.written,
            existing = summary.existing,
            rejected = summary.rejected
        )
    );
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_core::Code;

    fn ctx(node: &str) -> RowContext {
        RowContext {
            operator: "example".into(),
            node: Code::parse(node).unwrap(),
            limits: liudong_core::validate::Limits {
                now_ms: 1_790_000_000_000, // 2026-09-21
                max_skew_ms: 300_000,
            },
        }
    }

    #[test]
    fn the_shipped_example_ledger_is_valid_at_the_county() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/ledger-example.csv");
        let grid = read::read(&path).unwrap();
        assert!(grid.notes.is_empty(), "{:?}", grid.notes);
        let (table, cols) = header::locate(grid, &Mapping::default()).unwrap();
        assert_eq!(cols.unused, vec!["序号"]);
        let ctx = ctx("410602");
        let rows: Vec<RowRecords> = table
            .rows
            .iter()
            .map(|row| {
                row_drafts(row, &cols, &ctx).unwrap_or_else(|e| panic!("row {}: {e:?}", row.number))
            })
            .collect();
        let counts: Vec<usize> = rows.iter().map(|r| r.drafts.len()).collect();
        assert_eq!(counts, [3, 2, 2, 2, 1, 4, 2, 2]);
        // Rows 8 and 9 give addresses instead of codes.
        let resolved: Vec<&str> = rows
            .iter()
            .flat_map(|r| &r.resolved)
            .map(|x| x.code.as_str())
            .collect();
        assert_eq!(resolved, ["410602100204", "440306017001", "410602201201"]);
    }

    #[test]
    fn rejects_go_beside_the_ledger_by_default() {
        assert_eq!(
            default_rejects(Path::new("/d/台账.xlsx")),
            PathBuf::from("/d/台账.rejects.csv")
        );
    }
}
