//! Why a ledger cannot be read, imported or exported. Every message says
//! what is wrong with the file or the command and what to do, from the
//! message catalogue (`ledger.ftl`) in the process's language; the cause,
//! where there is one, follows as the error's source.

use liudong_i18n::t;
use liudong_node::{AccessError, ConfigError};
use std::path::{Path, PathBuf};

fn shown(path: &Path) -> String {
    path.display().to_string()
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    // --- the file ---
    #[error("{}", t!("ledger-err-old-excel", path = shown(path)))]
    OldExcel { path: PathBuf },
    #[error("{}", t!("ledger-err-file-kind", path = shown(path)))]
    FileKind { path: PathBuf },
    #[error("{}", t!("ledger-err-read", path = shown(path)))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// What is wrong inside the file at `path` (the reason follows).
    #[error("{}", shown(path))]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<LedgerError>,
    },
    #[error("{}", t!("ledger-err-encoding"))]
    Encoding,
    #[error("{}", t!("ledger-err-empty"))]
    Empty,
    #[error("{}", t!("ledger-err-csv-row", row = *row))]
    CsvRow {
        row: usize,
        #[source]
        source: csv::Error,
    },
    #[error("{}", t!("ledger-err-workbook"))]
    Workbook(#[source] calamine::Error),
    #[error("{}", t!("ledger-err-no-worksheet"))]
    NoWorksheet,
    #[error("{}", t!("ledger-err-worksheet"))]
    Worksheet(#[source] calamine::Error),
    #[error("{}", t!("ledger-err-empty-worksheet"))]
    EmptyWorksheet,
    #[error("{}", t!("ledger-err-no-header"))]
    NoHeaderRow,

    // --- the columns ---
    #[error("{}", t!("ledger-err-read-map", path = shown(path)))]
    ReadMap {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// What is wrong in the `--map` file at `path` (the reason follows).
    #[error("{}", t!("ledger-err-in-map", path = shown(path)))]
    InMap {
        path: PathBuf,
        #[source]
        source: Box<LedgerError>,
    },
    #[error("{}", t!("ledger-err-map-syntax"))]
    MapSyntax(#[source] toml::de::Error),
    #[error("{}", t!("ledger-err-unknown-field", header = header.as_str(), key = key.as_str(), fields = fields.as_str()))]
    UnknownField {
        header: String,
        key: String,
        /// Every field name with its header, comma-separated.
        fields: String,
    },
    /// Two columns give one field; each column is `letter（header）`.
    #[error("{}", t!("ledger-err-duplicate", first = first.as_str(), second = second.as_str(), field = field.as_str()))]
    DuplicateColumn {
        first: String,
        second: String,
        /// The field's default header.
        field: String,
    },
    /// Required columns the header row(s) `rows` lack, as headers.
    #[error("{}", t!("ledger-err-missing-columns", rows = rows.as_str(), missing = missing.as_str()))]
    MissingColumns { rows: String, missing: String },
    /// No row near the top of `path` is a ledger's header (the reason follows).
    #[error("{}", t!("ledger-err-header", path = shown(path)))]
    HeaderRow {
        path: PathBuf,
        #[source]
        source: Box<LedgerError>,
    },

    // --- import ---
    #[error("{}", t!("ledger-err-rejects-without-skip"))]
    RejectsWithoutSkip,
    #[error("{}", t!("ledger-err-not-author", code = code.as_str()))]
    NotAuthor { code: String },
    #[error("{}", t!("ledger-err-operator"))]
    Operator,
    #[error("{}", t!("ledger-err-rows-rejected", rejected = *rejected, rows = *rows))]
    RowsRejected { rejected: usize, rows: usize },
    #[error("{}", t!("ledger-err-rejects", path = shown(path)))]
    Rejects {
        path: PathBuf,
        #[source]
        source: Box<LedgerError>,
    },
    /// A batch of rows could not be written; `written` records landed before it.
    #[error("{}", t!("ledger-err-batch", first = *first, last = *last, written = *written))]
    Batch {
        first: usize,
        last: usize,
        written: usize,
        #[source]
        source: Box<AccessError>,
    },

    // --- export ---
    #[error("{}", t!("ledger-err-month-missing"))]
    MonthMissing,
    #[error("{}", t!("ledger-err-report-only"))]
    ReportOnly,
    #[error("{}", t!("ledger-err-page-stuck", next = next.as_str()))]
    PageStuck { next: String },
    #[error("{}", t!("ledger-err-too-many-rows", rows = *rows))]
    TooManyRows { rows: usize },
    #[error("{}", t!("ledger-err-create-file", dir = shown(dir)))]
    CreateFile {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", t!("ledger-err-persist", path = shown(path)))]
    Persist {
        path: PathBuf,
        #[source]
        source: tempfile::PersistError,
    },
    #[error("{}", t!("ledger-err-xlsx"))]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("{}", t!("ledger-err-csv"))]
    Csv(#[from] csv::Error),
    #[error("{}", t!("ledger-err-io"))]
    Io(#[from] std::io::Error),

    // --- the node ---
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The node could not be reached or refused what was asked.
    #[error(transparent)]
    Node(Box<AccessError>),
}

impl From<AccessError> for LedgerError {
    fn from(e: AccessError) -> LedgerError {
        LedgerError::Node(Box::new(e))
    }
}

impl LedgerError {
    /// The message and every cause, as the operator reads them: one line,
    /// the parts joined by the catalogue's separator (`：`).
    pub fn chain(&self) -> String {
        let mut parts = vec![self.to_string()];
        let mut source = std::error::Error::source(self);
        while let Some(e) = source {
            let s = e.to_string();
            if !s.is_empty() && parts.last() != Some(&s) {
                parts.push(s);
            }
            source = e.source();
        }
        parts.join(&t!("ledger-cause-separator"))
    }
}

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_reads_as_one_line_with_every_cause() {
        let e = LedgerError::HeaderRow {
            path: PathBuf::from("台账.xlsx"),
            source: Box::new(LedgerError::MissingColumns {
                rows: "3–4".into(),
                missing: "公民身份号码".into(),
            }),
        };
        let s = e.chain();
        assert!(s.starts_with("台账.xlsx"), "{s}");
        assert!(s.contains("第 3–4 行") && s.contains("公民身份号码"), "{s}");
        assert!(!s.contains('\n'), "{s}");
    }
}
