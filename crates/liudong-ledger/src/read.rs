//! Reading a ledger file into rows of text cells: XLSX (first worksheet,
//! with `calamine`; merged ranges filled, numbers too long for Excel marked)
//! or CSV (UTF-8 with or without a BOM; GBK, as older Excel saves "CSV", is
//! recognised and read with a note). Which rows are the header is
//! [`crate::header`]'s question.

use crate::error::{LedgerError, Result};
use calamine::{Data, Dimensions, Reader, Xlsx};
use liudong_i18n::t;
use std::path::Path;

/// One row of a sheet as read: the row number a spreadsheet shows for it
/// (1-based), its cells as text, and the columns whose cell was a number
/// of 16 or more digits (Excel has lost its last digits).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
    pub long_numbers: Vec<usize>,
}

impl Row {
    pub fn new(number: usize, cells: Vec<String>) -> Row {
        Row {
            number,
            cells,
            long_numbers: Vec::new(),
        }
    }

    /// True if every cell is blank (such rows are skipped).
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// The rows of a sheet, the header rows among them (see [`crate::header`]).
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub rows: Vec<Row>,
    /// Said to the operator before importing (e.g. the file was GBK).
    pub notes: Vec<String>,
}

/// The kind of ledger file, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Csv,
    Xlsx,
}

pub fn kind_of(path: &Path) -> Result<Kind> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("csv") => Ok(Kind::Csv),
        Some("xlsx") | Some("xlsm") => Ok(Kind::Xlsx),
        Some("xls") => Err(LedgerError::OldExcel {
            path: path.to_path_buf(),
        }),
        _ => Err(LedgerError::FileKind {
            path: path.to_path_buf(),
        }),
    }
}

/// Reads a ledger file.
pub fn read(path: &Path) -> Result<Grid> {
    let in_file = |e| LedgerError::InFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    };
    match kind_of(path)? {
        Kind::Csv => {
            let bytes = std::fs::read(path).map_err(|source| LedgerError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            read_csv(&bytes).map_err(in_file)
        }
        Kind::Xlsx => read_xlsx(path).map_err(in_file),
    }
}

/// Decodes CSV bytes: UTF-8 (a BOM is dropped), else GBK with a note.
fn decode(bytes: &[u8]) -> Result<(String, Option<String>)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), None));
    }
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(LedgerError::Encoding);
    }
    Ok((text.into_owned(), Some(t!("ledger-note-gbk"))))
}

/// Reads CSV bytes.
pub fn read_csv(bytes: &[u8]) -> Result<Grid> {
    let (text, note) = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, r) in reader.records().enumerate() {
        let number = i + 1;
        let r = r.map_err(|source| LedgerError::CsvRow {
            row: number,
            source,
        })?;
        rows.push(Row::new(number, r.iter().map(str::to_string).collect()));
    }
    if rows.is_empty() {
        return Err(LedgerError::Empty);
    }
    Ok(Grid {
        rows,
        notes: note.into_iter().collect(),
    })
}

/// Numbers from 10^15 on have 16 or more digits: more than Excel keeps.
const LONG_NUMBER: f64 = 1e15;

/// A cell as text: whole numbers without a decimal point, dates as YYYY-MM-DD.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < LONG_NUMBER => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn is_long_number(d: &Data) -> bool {
    match d {
        Data::Float(f) => f.abs() >= LONG_NUMBER,
        Data::Int(i) => i.unsigned_abs() as f64 >= LONG_NUMBER,
        _ => false,
    }
}

/// Reads the first worksheet of an XLSX file. A merged cell's value is
/// given to every cell of the merged range (a group header over its
/// columns, a household's address over its members' rows).
pub fn read_xlsx(path: &Path) -> Result<Grid> {
    let mut book: Xlsx<_> = calamine::open_workbook(path)
        .map_err(|e| LedgerError::Workbook(calamine::Error::Xlsx(e)))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(LedgerError::NoWorksheet)?
        .map_err(|e| LedgerError::Worksheet(calamine::Error::Xlsx(e)))?;
    let merged = book
        .merge_cells_by_sheet_id(0)
        .map_err(|e| LedgerError::Worksheet(calamine::Error::Xlsx(e)))?;
    let Some((first_row, first_col)) = range.start() else {
        return Err(LedgerError::EmptyWorksheet);
    };
    let mut notes = Vec::new();
    let names = book.sheet_names();
    if names.len() > 1 {
        notes.push(t!("ledger-note-first-sheet", sheet = names[0].as_str()));
    }
    // Cells left of the used range are empty: keep column letters as shown.
    let pad = first_col as usize;
    let mut rows: Vec<Row> = range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            let mut cells = vec![String::new(); pad];
            cells.extend(r.iter().map(cell_text));
            let long_numbers = r
                .iter()
                .enumerate()
                .filter(|(_, d)| is_long_number(d))
                .map(|(j, _)| pad + j)
                .collect();
            Row {
                number: first_row as usize + i + 1,
                cells,
                long_numbers,
            }
        })
        .collect();
    for m in merged {
        fill_merged(&mut rows, first_row as usize, m);
    }
    Ok(Grid { rows, notes })
}

/// Copies the top-left cell of merged range `m` (sheet coordinates) to
/// the range's other cells; `first_row` is the sheet row of `rows[0]`.
fn fill_merged(rows: &mut [Row], first_row: usize, m: Dimensions) {
    let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
    let (r1, c1) = (m.end.0 as usize, m.end.1 as usize);
    let Some(top) = r0.checked_sub(first_row).and_then(|i| rows.get(i)) else {
        return;
    };
    let value = top.cells.get(c0).cloned().unwrap_or_default();
    let long = top.long_numbers.contains(&c0);
    let last = (r1 + 1 - first_row).min(rows.len());
    for row in &mut rows[r0 - first_row..last] {
        if row.cells.len() <= c1 {
            row.cells.resize(c1 + 1, String::new());
        }
        for c in c0..=c1 {
            row.cells[c] = value.clone();
            if long && !row.long_numbers.contains(&c) {
                row.long_numbers.push(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_and_without_bom_reads_the_same_with_spreadsheet_row_numbers() {
        let body = "姓名,公民身份号码\n甲,1\n\"乙,丙\",2\n";
        let plain = read_csv(body.as_bytes()).unwrap();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(body.as_bytes());
        let with_bom = read_csv(&bom).unwrap();
        assert_eq!(plain.rows[0].cells, vec!["姓名", "公民身份号码"]);
        assert_eq!(with_bom.rows, plain.rows);
        assert_eq!(
            plain.rows[2],
            Row::new(3, vec!["乙,丙".to_string(), "2".to_string()])
        );
        assert!(plain.notes.is_empty());
        assert!(matches!(read_csv(b""), Err(LedgerError::Empty)));
    }

    #[test]
    fn gbk_csv_is_read_with_a_note_and_garbage_is_refused_with_the_fix() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,公民身份号码\n张三,1\n");
        let t = read_csv(&gbk).unwrap();
        assert_eq!(t.rows[0].cells[0], "姓名");
        assert_eq!(t.rows[1].cells[0], "张三");
        assert!(
            t.notes[0].contains("GBK") && t.notes[0].contains("CSV UTF-8"),
            "{:?}",
            t.notes
        );
        let e = read_csv(&[0x80, 0xFF, 0xFF, b'\n']).unwrap_err();
        assert!(e.to_string().contains("CSV UTF-8"), "{e}");
    }

    #[test]
    fn file_kinds_by_extension() {
        assert_eq!(kind_of(Path::new("a.CSV")).unwrap(), Kind::Csv);
        assert_eq!(kind_of(Path::new("a.xlsx")).unwrap(), Kind::Xlsx);
        let e = kind_of(Path::new("a.xls")).unwrap_err();
        assert!(e.to_string().contains(".xlsx"), "{e}");
        assert!(kind_of(Path::new("a.txt")).is_err());
    }

    #[test]
    fn xlsx_cells_dates_long_numbers_and_merged_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let plain = rust_xlsxwriter::Format::new();
        ws.merge_range(0, 0, 0, 3, "2026年流动人口台账", &plain)
            .unwrap();
        ws.write_string(1, 0, "户籍地代码").unwrap();
        ws.write_string(1, 1, "流出日期").unwrap();
        ws.write_string(1, 2, "公民身份号码").unwrap();
        ws.write_string(1, 3, "户号").unwrap();
        ws.write_number(2, 0, 410602100201.0).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 10, 1).unwrap();
        ws.write_datetime_with_format(2, 1, &date, &fmt).unwrap();
        ws.write_number(2, 2, 410602199503040021.0).unwrap();
        // One household over two rows.
        ws.merge_range(2, 3, 3, 3, "0012", &plain).unwrap();
        ws.write_string(3, 2, "41060219950304002X").unwrap();
        wb.save(&path).unwrap();
        let g = read_xlsx(&path).unwrap();
        assert_eq!(g.rows.len(), 4);
        assert_eq!(g.rows[0].cells, vec!["2026年流动人口台账"; 4]);
        assert_eq!(
            g.rows[1].cells,
            vec!["户籍地代码", "流出日期", "公民身份号码", "户号"]
        );
        let r = &g.rows[2];
        assert_eq!(r.number, 3);
        assert_eq!(r.cells[0], "410602100201");
        assert_eq!(r.cells[1], "2026-10-01");
        assert_eq!(r.long_numbers, vec![2]);
        assert_eq!(r.cells[3], "0012");
        assert_eq!(g.rows[3].cells[3], "0012");
        assert!(g.rows[3].long_numbers.is_empty());
    }
}
