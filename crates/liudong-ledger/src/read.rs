//! Reading a ledger file into a header row and data rows of text cells:
//! XLSX (first worksheet, with `calamine`) or CSV (UTF-8 with or without a
//! BOM; GBK, as older Excel saves "CSV", is recognised and read with a note).

use crate::error::{LedgerError, Result};
use calamine::{Data, Reader};
use std::path::Path;

/// A sheet: the header row and the data rows, each with the row number a
/// spreadsheet shows for it (1-based, header included).
#[derive(Debug, Clone)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
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
pub fn read(path: &Path) -> Result<Table> {
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
    Ok((
        text.into_owned(),
        Some(
            "the file is GBK-encoded (older Excel \"CSV (逗号分隔)\"); it was read as GBK. Save it as \"CSV UTF-8 (逗号分隔)\" or .xlsx to be sure every character is read as written".into(),
        ),
    ))
}

/// Reads CSV bytes.
pub fn read_csv(bytes: &[u8]) -> Result<Table> {
    let (text, note) = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        Some(r) => r
            .map_err(LedgerError::CsvHeader)?
            .iter()
            .map(|s| s.to_string())
            .collect(),
        None => return Err(LedgerError::Empty),
    };
    let mut rows = Vec::new();
    for (i, r) in records.enumerate() {
        let row = i + 2;
        let r = r.map_err(|source| LedgerError::CsvRow { row, source })?;
        rows.push((row, r.iter().map(|s| s.to_string()).collect()));
    }
    Ok(Table {
        headers,
        rows,
        notes: note.into_iter().collect(),
    })
}

/// A cell as text: whole numbers without a decimal point, dates as YYYY-MM-DD.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
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

/// Reads the first worksheet of an XLSX file.
pub fn read_xlsx(path: &Path) -> Result<Table> {
    let mut book = calamine::open_workbook_auto(path).map_err(LedgerError::Workbook)?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(LedgerError::NoWorksheet)?
        .map_err(LedgerError::Worksheet)?;
    let Some((first_row, first_col)) = range.start() else {
        return Err(LedgerError::EmptyWorksheet);
    };
    let mut notes = Vec::new();
    if book.sheet_names().len() > 1 {
        notes.push(format!(
            "only the first worksheet ({}) is read",
            book.sheet_names()[0]
        ));
    }
    // Cells left of the used range are empty: keep column letters as shown.
    let pad = first_col as usize;
    let mut rows_iter = range.rows();
    let header_cells = rows_iter.next().ok_or(LedgerError::NoHeaderRow)?;
    let mut headers = vec![String::new(); pad];
    headers.extend(header_cells.iter().map(cell_text));
    let mut rows = Vec::new();
    let mut lost_precision = None;
    for (i, r) in rows_iter.enumerate() {
        let row = first_row as usize + i + 2;
        let mut cells = vec![String::new(); pad];
        for (j, d) in r.iter().enumerate() {
            if let Data::Float(f) = d
                && f.abs() >= 1e15
                && lost_precision.is_none()
            {
                lost_precision = Some((row, pad + j));
            }
            cells.push(cell_text(d));
        }
        rows.push((row, cells));
    }
    if let Some((row, col)) = lost_precision {
        notes.push(format!(
            "cell {}{row} holds a number of 16 or more digits: Excel keeps only 15, so a citizen ID typed as a number has lost its last digits. Format the column as 文本 (text) and type the IDs again",
            crate::columns::letter(col)
        ));
    }
    Ok(Table {
        headers,
        rows,
        notes,
    })
}

/// True if every cell of a row is blank (such rows are skipped).
pub fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
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
        assert_eq!(plain.headers, vec!["姓名", "公民身份号码"]);
        assert_eq!(with_bom.headers, plain.headers);
        assert_eq!(with_bom.rows, plain.rows);
        assert_eq!(
            plain.rows[1],
            (3, vec!["乙,丙".to_string(), "2".to_string()])
        );
        assert!(plain.notes.is_empty());
    }

    #[test]
    fn gbk_csv_is_read_with_a_note_and_garbage_is_refused_with_the_fix() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,公民身份号码\n张三,1\n");
        let t = read_csv(&gbk).unwrap();
        assert_eq!(t.headers[0], "姓名");
        assert_eq!(t.rows[0].1[0], "张三");
        assert!(t.notes[0].contains("GBK") && t.notes[0].contains("CSV UTF-8"));
        let e = read_csv(&[0x80, 0xFF, 0xFF, b'\n']).unwrap_err();
        assert!(format!("{e:#}").contains("CSV UTF-8"), "{e:#}");
    }

    #[test]
    fn file_kinds_by_extension() {
        assert_eq!(kind_of(Path::new("a.CSV")).unwrap(), Kind::Csv);
        assert_eq!(kind_of(Path::new("a.xlsx")).unwrap(), Kind::Xlsx);
        let e = kind_of(Path::new("a.xls")).unwrap_err();
        assert!(format!("{e}").contains("save it as .xlsx"), "{e}");
        assert!(kind_of(Path::new("a.txt")).is_err());
    }

    #[test]
    fn xlsx_cells_dates_and_numbers_read_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "户籍地代码").unwrap();
        ws.write_string(0, 1, "流出日期").unwrap();
        ws.write_string(0, 2, "公民身份号码").unwrap();
        ws.write_number(1, 0, 410602100201.0).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 10, 1).unwrap();
        ws.write_datetime_with_format(1, 1, &date, &fmt).unwrap();
        ws.write_number(1, 2, 410602199503040021.0).unwrap();
        wb.save(&path).unwrap();
        let t = read_xlsx(&path).unwrap();
        assert_eq!(t.headers, vec!["户籍地代码", "流出日期", "公民身份号码"]);
        assert_eq!(t.rows[0].0, 2);
        assert_eq!(t.rows[0].1[0], "410602100201");
        assert_eq!(t.rows[0].1[1], "2026-10-01");
        assert!(
            t.notes.iter().any(|n| n.contains("cell C2")),
            "{:?}",
            t.notes
        );
    }
}
