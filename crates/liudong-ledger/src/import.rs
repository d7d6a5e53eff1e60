//! `liudong import`: a ledger file (XLSX or CSV) into records.
//!
//! Every row is checked first (see [`super::rows`]); a file with errors
//! imports nothing unless `--skip-invalid`, which imports the good rows and
//! writes the rejected ones, with their reasons, to a CSV file. The records
//! are then written in batches through the running node's admin service
//! (`WriteRecords`) or, when the node is stopped, its store
//! ([`NodeAccess::write_batch`]): the same validation, audit trail (operator
//! writes) and sync as `liudong record add`.
//! Each batch is one store transaction that skips records identical to ones
//! already held about the same person, so importing a file again — whole or
//! after a crash half-way — adds nothing twice.

use crate::columns::{Field, Mapping, Resolved, column, letter};
use crate::error::{LedgerError, Result};
use crate::read::{self, Table};
use crate::rows::{RowContext, RowError, row_drafts};
use liudong_node::NodeAccess;
use liudong_node::config::Config;
use liudong_node::progress::Progress;
use liudong_store::Draft;
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
    /// Records written now.
    pub written: usize,
    /// Records already held (an earlier import of the same rows).
    pub existing: usize,
    pub rejects_file: Option<PathBuf>,
}

/// One rejected row.
struct Rejected {
    row: usize,
    cells: Vec<String>,
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

/// A row error as the operator reads it: row, column letter and header, reason.
fn describe(row: usize, e: &RowError, cols: &Resolved, headers: &[String]) -> String {
    match e.field {
        None => format!("row {row}: {}", e.reason),
        Some(f) => format!(
            "row {row}, {}: {}",
            column_label(f, cols, headers),
            e.reason
        ),
    }
}

fn column_label(f: Field, cols: &Resolved, headers: &[String]) -> String {
    match cols.index.get(&f) {
        Some(i) => format!("column {} ({})", letter(*i), headers[*i].trim()),
        None => format!("{} (no such column in the file)", column(f).header),
    }
}

/// The reason text of the rejects file: `header: reason; ...`.
fn reasons(e: &[RowError], cols: &Resolved, headers: &[String]) -> String {
    e.iter()
        .map(|e| match e.field {
            None => e.reason.clone(),
            Some(f) => {
                let h = cols
                    .index
                    .get(&f)
                    .map_or(column(f).header, |i| headers[*i].trim());
                format!("{h}: {}", e.reason)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Header of the two columns the rejects file adds.
pub const REJECT_ROW: &str = "原行号";
pub const REJECT_REASON: &str = "错误原因";

fn write_rejects(path: &Path, table: &Table, cols: &Resolved, rejected: &[Rejected]) -> Result<()> {
    let mut head = table.headers.clone();
    head.push(REJECT_ROW.into());
    head.push(REJECT_REASON.into());
    let mut rows = Vec::with_capacity(rejected.len());
    for r in rejected {
        let mut cells = r.cells.clone();
        cells.resize(table.headers.len().max(cells.len()), String::new());
        cells.push(r.row.to_string());
        cells.push(reasons(&r.errors, cols, &table.headers));
        rows.push(cells);
    }
    crate::write::csv_file(path, &head, rows.iter().map(|r| r.as_slice())).map_err(|e| {
        LedgerError::Rejects {
            path: path.to_path_buf(),
            source: Box::new(e),
        }
    })
}

/// Rows above the header that may hold a title (e.g. `XX村流动人口台账`,
/// often merged across the columns) or a blank line.
const TITLE_ROWS: usize = 5;

/// The header row: the first row, or the first of the next [`TITLE_ROWS`]
/// that names every required column (the rows above it are skipped, with a
/// note). The error is the first row's when none does.
fn locate_header(mut table: Table, mapping: &Mapping) -> Result<(Table, Resolved)> {
    let first = match mapping.resolve(&table.headers) {
        Ok(cols) => return Ok((table, cols)),
        Err(e) => e,
    };
    let found = table
        .rows
        .iter()
        .take(TITLE_ROWS)
        .enumerate()
        .find_map(|(i, (_, cells))| mapping.resolve(cells).ok().map(|c| (i, c)));
    let Some((i, cols)) = found else {
        return Err(first);
    };
    let mut rest = table.rows.split_off(i);
    let (row, headers) = rest.remove(0);
    table.notes.push(format!(
        "the header row is row {row}; the {} row(s) above it are not imported",
        row - 1
    ));
    table.headers = headers;
    table.rows = rest;
    Ok((table, cols))
}

fn default_rejects(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger".into());
    file.with_file_name(format!("{stem}.rejects.csv"))
}

/// `liudong import`.
pub async fn import(o: &ImportOptions) -> Result<ImportSummary> {
    let cfg = Config::load(&o.config)?;
    if o.rejects.is_some() && !o.skip_invalid {
        return Err(LedgerError::RejectsWithoutSkip);
    }
    let mapping = match &o.map {
        Some(p) => Mapping::load(p)?,
        None => Mapping::default(),
    };
    let table = read::read(&o.file)?;
    let (table, cols) = locate_header(table, &mapping).map_err(|e| LedgerError::HeaderRow {
        path: o.file.clone(),
        source: Box::new(e),
    })?;
    for n in &table.notes {
        eprintln!("note: {n}");
    }
    if !cols.unused.is_empty() {
        eprintln!(
            "note: columns not imported (no field): {}",
            cols.unused.join(", ")
        );
    }
    let ctx = RowContext {
        operator: o
            .operator
            .clone()
            .unwrap_or_else(liudong_node::access::operator),
        node: cfg.scope.code.clone(),
        limits: liudong_core::validate::Limits {
            now_ms: liudong_sync::system_clock()(),
            max_skew_ms: cfg.sync.max_skew_ms,
        },
    };
    let mut summary = ImportSummary::default();
    let mut good: Vec<(usize, Vec<Draft>)> = Vec::new();
    let mut rejected: Vec<Rejected> = Vec::new();
    for (row, cells) in &table.rows {
        if read::is_blank(cells) {
            continue;
        }
        summary.rows += 1;
        match row_drafts(cells, &cols, &ctx) {
            Ok(d) => good.push((*row, d)),
            Err(errors) => rejected.push(Rejected {
                row: *row,
                cells: cells.clone(),
                errors,
            }),
        }
    }
    summary.rejected = rejected.len();
    let lines: Vec<String> = rejected
        .iter()
        .flat_map(|r| {
            r.errors
                .iter()
                .map(|e| describe(r.row, e, &cols, &table.headers))
        })
        .collect();
    for l in lines.iter().take(ERRORS_SHOWN) {
        eprintln!("{l}");
    }
    if lines.len() > ERRORS_SHOWN {
        eprintln!(
            "... and {} more errors (--skip-invalid writes every rejected row with its reasons to a file)",
            lines.len() - ERRORS_SHOWN
        );
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
        write_rejects(&path, &table, &cols, &rejected)?;
        eprintln!(
            "{} rejected rows written to {} (original cells + {REJECT_ROW} + {REJECT_REASON})",
            rejected.len(),
            path.display()
        );
        summary.rejects_file = Some(path);
    }
    let records: usize = good.iter().map(|(_, d)| d.len()).sum();
    if o.dry_run {
        println!(
            "dry run: {} rows read, {} valid ({records} records), {} rejected; nothing was written",
            summary.rows,
            good.len(),
            summary.rejected
        );
        return Ok(summary);
    }
    let mut node = NodeAccess::open(&cfg).await?;
    let mut progress = Progress::new("导入 import", "rows", Some(good.len() as u64));
    for chunk in good.chunks(ROWS_PER_BATCH) {
        let first = chunk.first().map_or(0, |c| c.0);
        let last = chunk.last().map_or(0, |c| c.0);
        let drafts: Vec<Draft> = chunk.iter().flat_map(|(_, d)| d.iter().cloned()).collect();
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
    progress.finish(&format!(
        "{} records written, {} already held",
        summary.written, summary.existing
    ));
    println!(
        "imported {} of {} rows from {}: {} records written, {} already held (not written again), {} rows rejected",
        good.len(),
        summary.rows,
        o.file.display(),
        summary.written,
        summary.existing,
        summary.rejected
    );
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_example_ledger_is_valid_at_the_county() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/ledger-example.csv");
        let table = read::read(&path).unwrap();
        assert!(table.notes.is_empty(), "{:?}", table.notes);
        let cols = Mapping::default().resolve(&table.headers).unwrap();
        assert_eq!(cols.unused, vec!["序号"]);
        let ctx = RowContext {
            operator: "example".into(),
            node: liudong_core::Code::parse("410602").unwrap(),
            limits: liudong_core::validate::Limits {
                now_ms: 1_790_000_000_000,
                max_skew_ms: 300_000,
            },
        };
        let kinds: Vec<Vec<&str>> = table
            .rows
            .iter()
            .map(|(row, cells)| {
                row_drafts(cells, &cols, &ctx)
                    .unwrap_or_else(|e| panic!("row {row}: {e:?}"))
                    .iter()
                    .map(|d| d.body.kind())
                    .collect()
            })
            .collect();
        let counts: Vec<usize> = kinds.iter().map(Vec::len).collect();
        assert_eq!(counts, [3, 2, 2, 2, 1, 4], "{kinds:?}");
    }

    #[test]
    fn a_title_row_above_the_headers_is_skipped() {
        let t = read::read_csv(
            "2026年鹤壁集镇流动人口台账,,\n,,\n姓名,公民身份号码,户籍地代码\n甲,1,2\n".as_bytes(),
        )
        .unwrap();
        let (t, cols) = locate_header(t, &Mapping::default()).unwrap();
        assert_eq!(t.headers, vec!["姓名", "公民身份号码", "户籍地代码"]);
        assert_eq!(t.rows, vec![(4, vec!["甲".into(), "1".into(), "2".into()])]);
        assert_eq!(cols.index[&Field::Origin], 2);
        assert!(t.notes[0].contains("header row is row 3"), "{:?}", t.notes);
        // No header anywhere near the top: the first row's error.
        let t = read::read_csv("标题\n姓名,户籍地代码\n".as_bytes()).unwrap();
        let e = locate_header(t, &Mapping::default()).unwrap_err();
        assert!(format!("{e:#}").contains("公民身份号码 (subject)"), "{e:#}");
    }

    #[test]
    fn rejects_go_beside_the_ledger_by_default() {
        assert_eq!(
            default_rejects(Path::new("/d/台账.xlsx")),
            PathBuf::from("/d/台账.rejects.csv")
        );
    }
}
