//! Writing sheets: CSV as UTF-8 with a BOM (so Excel opens Chinese text
//! correctly) and XLSX with `rust_xlsxwriter` (numbers as numbers).

use crate::error::{LedgerError, Result};
use std::io::Write;
use std::path::Path;

/// A cell of an exported sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

impl Cell {
    /// A number where the text is one (report figures), else text (`-`).
    pub fn figure(s: String) -> Cell {
        match s.parse::<f64>() {
            Ok(n) if n.is_finite() => Cell::Number(n),
            _ => Cell::Text(s),
        }
    }

    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

/// A sheet to export.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes a CSV file, UTF-8 with a BOM.
pub fn csv_file<'a>(
    path: &Path,
    headers: &[String],
    rows: impl Iterator<Item = &'a [String]>,
) -> Result<()> {
    let mut out = Vec::new();
    out.extend_from_slice(BOM);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(headers)?;
        for r in rows {
            w.write_record(r)?;
        }
        w.flush()?;
    }
    write_atomic(path, &out)
}

/// Writes `bytes` to `path` through a temporary file beside it, so a reader
/// never sees half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(|source| LedgerError::CreateFile {
            dir: dir.to_path_buf(),
            source,
        })?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|source| LedgerError::Persist {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(())
}

/// Writes a sheet as CSV or XLSX, by the file's extension.
pub fn sheet_file(path: &Path, sheet: &Sheet) -> Result<()> {
    match crate::read::kind_of(path)? {
        crate::read::Kind::Csv => {
            let rows: Vec<Vec<String>> = sheet
                .rows
                .iter()
                .map(|r| r.iter().map(Cell::text).collect())
                .collect();
            csv_file(path, &sheet.headers, rows.iter().map(|r| r.as_slice()))
        }
        crate::read::Kind::Xlsx => xlsx_file(path, sheet),
    }
}

fn xlsx_file(path: &Path, sheet: &Sheet) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    if sheet.rows.len() >= 1_048_575 {
        return Err(LedgerError::TooManyRows {
            rows: sheet.rows.len(),
        });
    }
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(&sheet.name)?;
    let bold = Format::new().set_bold();
    for (c, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
        let width = h
            .chars()
            .map(|ch| if ch.is_ascii() { 1 } else { 2 })
            .sum::<usize>();
        ws.set_column_width(c as u16, width.max(12) as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    ws.write_string(r, c as u16, s)?;
                }
                Cell::Number(n) => {
                    ws.write_number(r, c as u16, *n)?;
                }
            }
        }
    }
    let bytes = book.save_to_buffer()?;
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_starts_with_a_bom_and_quotes_as_excel_expects() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        let sheet = Sheet {
            name: "x".into(),
            headers: vec!["单位".into(), "名称".into()],
            rows: vec![vec![Cell::figure("12".into()), "甲,乙".into()]],
        };
        sheet_file(&p, &sheet).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert!(bytes.starts_with(BOM));
        assert_eq!(
            std::str::from_utf8(&bytes[3..]).unwrap(),
            "单位,名称\n12,\"甲,乙\"\n"
        );
    }

    #[test]
    fn xlsx_reads_back_with_numbers_as_numbers() {
        use calamine::{Data, Reader};
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.xlsx");
        let sheet = Sheet {
            name: "月报".into(),
            headers: vec!["单位".into(), "出生率‰".into()],
            rows: vec![vec!["410602".into(), Cell::figure("1.25".into())]],
        };
        sheet_file(&p, &sheet).unwrap();
        let mut book = calamine::open_workbook_auto(&p).unwrap();
        assert_eq!(book.sheet_names(), vec!["月报".to_string()]);
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.get((0, 1)), Some(&Data::String("出生率‰".into())));
        assert_eq!(range.get((1, 0)), Some(&Data::String("410602".into())));
        assert_eq!(range.get((1, 1)), Some(&Data::Float(1.25)));
    }
}
