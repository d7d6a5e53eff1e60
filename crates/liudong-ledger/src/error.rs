//! Why a ledger cannot be read, imported or exported. Every message says
//! what is wrong with the file or the command and what to do; the cause,
//! where there is one, follows as the error's source.

use liudong_node::{AccessError, ConfigError};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    // --- the file ---
    #[error(
        "{}: old Excel 97-2003 .xls files are not read; open it in Excel or WPS and save it as .xlsx (Excel 工作簿) or CSV UTF-8",
        path.display()
    )]
    OldExcel { path: PathBuf },
    #[error("{}: expected a .xlsx or .csv file", path.display())]
    FileKind { path: PathBuf },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// What is wrong inside the file at `path` (the reason follows).
    #[error("{}", path.display())]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<LedgerError>,
    },
    #[error(
        "the file is neither UTF-8 nor GBK text; in Excel choose 另存为 (Save As) → \"CSV UTF-8 (逗号分隔)\", or save it as .xlsx"
    )]
    Encoding,
    #[error("the file is empty; the first row must be the column headers")]
    Empty,
    #[error("header row")]
    CsvHeader(#[source] csv::Error),
    #[error("row {row} is not valid CSV")]
    CsvRow {
        row: usize,
        #[source]
        source: csv::Error,
    },
    #[error("cannot open the workbook (is it an .xlsx file?)")]
    Workbook(#[source] calamine::Error),
    #[error("the workbook has no worksheet")]
    NoWorksheet,
    #[error("cannot read the first worksheet")]
    Worksheet(#[source] calamine::Error),
    #[error("the first worksheet is empty; its first row must be the column headers")]
    EmptyWorksheet,
    #[error("no header row")]
    NoHeaderRow,

    // --- the columns ---
    #[error("cannot read the column map {}", path.display())]
    ReadMap {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// What is wrong in the `--map` file at `path` (the reason follows).
    #[error("column map {}", path.display())]
    InMap {
        path: PathBuf,
        #[source]
        source: Box<LedgerError>,
    },
    #[error("expected a [columns] table of \"header\" = \"field\" lines (see docs/ledgers.md)")]
    MapSyntax(#[source] toml::de::Error),
    #[error("[columns] \"{header}\" = \"{key}\": unknown field; fields are {fields}")]
    UnknownField {
        header: String,
        key: String,
        /// Every field name, comma-separated.
        fields: String,
    },
    /// Two columns give one field; each column is `letter (header)`.
    #[error(
        "columns {first} and {second} both give {field}; remove one or map one of them with --map"
    )]
    DuplicateColumn {
        first: String,
        second: String,
        /// `header (key)` of the field.
        field: String,
    },
    /// Required fields without a column, as `header (key), ...`.
    #[error(
        "the header row has no column for {missing}; name the columns as in docs/ledgers.md or map your headers with --map MAP.toml"
    )]
    MissingColumns { missing: String },
    /// No row near the top of `path` names the required columns.
    #[error("{}: header row", path.display())]
    HeaderRow {
        path: PathBuf,
        #[source]
        source: Box<LedgerError>,
    },

    // --- import ---
    #[error(
        "--rejects is used with --skip-invalid (without it, a file with errors imports nothing)"
    )]
    RejectsWithoutSkip,
    #[error(
        "{rejected} of {rows} rows have errors (listed above); nothing was imported. Correct them and import the file again, or import the other rows with --skip-invalid (rejected rows go to a file)"
    )]
    RowsRejected { rejected: usize, rows: usize },
    #[error("cannot write the rejects file {}", path.display())]
    Rejects {
        path: PathBuf,
        #[source]
        source: Box<LedgerError>,
    },
    /// A batch of rows could not be written; `written` records landed before it.
    #[error(
        "writing rows {first}–{last}: {written} records were written before this batch (importing the file again skips them)"
    )]
    Batch {
        first: usize,
        last: usize,
        written: usize,
        #[source]
        source: Box<AccessError>,
    },

    // --- export ---
    #[error("export report needs --month YYYY-MM")]
    MonthMissing,
    #[error("--month and --code are for export report only")]
    ReportOnly,
    #[error("the node answered a page that does not advance ({next})")]
    PageStuck { next: String },
    #[error("{rows} rows do not fit in one Excel worksheet; export to .csv instead")]
    TooManyRows { rows: usize },
    #[error("cannot create a file in {}", dir.display())]
    CreateFile {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Persist {
        path: PathBuf,
        #[source]
        source: tempfile::PersistError,
    },
    #[error(transparent)]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error(transparent)]
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

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;
