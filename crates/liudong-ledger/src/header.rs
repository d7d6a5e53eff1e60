//! Finding the header of a ledger as cadres lay it out: a title above it
//! (`2026年XX县流动人口台账`, a 填报单位 line, often merged across the
//! columns), and a header of one row or of two — a group row
//! (`户籍地`, merged over its columns) over sub-headers (`详细地址 | 代码`).
//!
//! The header is the first of the top [`TITLE_ROWS`]` + 1` rows that, alone
//! or with the row below it as sub-headers, names every required column
//! without naming a field twice. A row below is taken as sub-headers only
//! when it names more fields than the row alone (a data row names none).
//! Rows whose filled cells all say the same (a merged title) are never a
//! header. When no row qualifies, the error is that of the row that came
//! closest: it lists only what that row lacks.

use crate::columns::{Label, Mapping, Resolved, normalize};
use crate::error::{LedgerError, Result};
use crate::read::{Grid, Row};
use liudong_i18n::t;

/// Rows above the header that may hold a title or a blank line.
pub const TITLE_ROWS: usize = 5;

/// A sheet below its header.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// One label per column.
    pub labels: Vec<Label>,
    /// The data rows (after the header).
    pub rows: Vec<Row>,
    /// Said to the operator before importing.
    pub notes: Vec<String>,
}

/// A row of a merged title: no two different values in it.
fn is_title(row: &Row) -> bool {
    let mut values = row
        .cells
        .iter()
        .map(|c| normalize(c))
        .filter(|c| !c.is_empty());
    let Some(first) = values.next() else {
        return true;
    };
    values.all(|v| v == first)
}

/// The labels of a one-row header.
fn one_row(row: &Row) -> Vec<Label> {
    row.cells.iter().map(|c| Label::one(c)).collect()
}

/// The labels of a two-row header. A group cell left empty over a
/// sub-header continues the group to its left (a CSV of a merged header);
/// a sub-header equal to its group (a merged cell over both rows) is none.
fn two_rows(group: &Row, sub: &Row) -> Vec<Label> {
    let width = group.cells.len().max(sub.cells.len());
    let cell = |r: &Row, i: usize| r.cells.get(i).map_or("", |c| c.trim()).to_string();
    let mut labels: Vec<Label> = Vec::with_capacity(width);
    for i in 0..width {
        let mut g = cell(group, i);
        let mut s = cell(sub, i);
        if g.is_empty()
            && !s.is_empty()
            && let Some(prev) = labels.last().filter(|p| !p.sub.is_empty())
        {
            g = prev.group.clone();
        }
        if normalize(&s) == normalize(&g) {
            s.clear();
        }
        labels.push(Label { group: g, sub: s });
    }
    labels
}

/// `3` or `3–4`: the header's row numbers.
fn rows_text(first: usize, last: usize) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    }
}

/// One way to read the header: starting at row `at`, over `height` rows.
struct Candidate {
    at: usize,
    height: usize,
    labels: Vec<Label>,
    cols: Resolved,
}

impl Candidate {
    fn rows(&self, grid: &Grid) -> String {
        let first = grid.rows[self.at].number;
        rows_text(first, grid.rows[self.at + self.height - 1].number)
    }

    fn complete(&self) -> bool {
        self.cols.duplicate.is_none() && self.cols.missing().is_empty()
    }
}

/// Finds the header of `grid`; returns the table below it and its columns.
pub fn locate(grid: Grid, mapping: &Mapping) -> Result<(Table, Resolved)> {
    let mut best: Option<Candidate> = None;
    let mut chosen = None;
    for at in 0..grid.rows.len().min(TITLE_ROWS + 1) {
        let row = &grid.rows[at];
        if is_title(row) {
            continue;
        }
        let labels = one_row(row);
        let single = Candidate {
            at,
            height: 1,
            cols: mapping.columns(&labels),
            labels,
        };
        let double = grid
            .rows
            .get(at + 1)
            .filter(|sub| !is_title(sub))
            .map(|sub| {
                let labels = two_rows(row, sub);
                Candidate {
                    at,
                    height: 2,
                    cols: mapping.columns(&labels),
                    labels,
                }
            })
            .filter(|d| d.cols.found() > single.cols.found());
        let pick = match double {
            Some(d) if d.complete() || !single.complete() => d,
            _ => single,
        };
        if pick.complete() {
            chosen = Some(pick);
            break;
        }
        if best
            .as_ref()
            .is_none_or(|b| pick.cols.found() > b.cols.found())
        {
            best = Some(pick);
        }
    }
    let Some(c) = chosen else {
        return Err(match best {
            Some(mut b) => {
                let rows = b.rows(&grid);
                b.cols
                    .check(&rows)
                    .err()
                    .unwrap_or(LedgerError::NoHeaderRow)
            }
            None => LedgerError::NoHeaderRow,
        });
    };
    let first = grid.rows[c.at].number;
    let header_rows = c.rows(&grid);
    let mut notes = grid.notes;
    if first > 1 || c.height > 1 {
        notes.push(t!(
            "ledger-note-header",
            rows = header_rows,
            above = first - 1
        ));
    }
    let rows = grid.rows.into_iter().skip(c.at + c.height).collect();
    Ok((
        Table {
            labels: c.labels,
            rows,
            notes,
        },
        c.cols,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::Field;

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| Row::new(i + 1, r.iter().map(|c| c.to_string()).collect()))
                .collect(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_title_row_above_a_one_row_header_is_skipped() {
        let g = grid(&[
            &["2026年鹤壁集镇流动人口台账", "", ""],
            &["", "", ""],
            &["姓名", "公民身份号码", "户籍地代码"],
            &["甲", "1", "2"],
        ]);
        let (t, cols) = locate(g, &Mapping::default()).unwrap();
        assert_eq!(t.labels[1], Label::one("公民身份号码"));
        assert_eq!(
            t.rows,
            vec![Row::new(4, vec!["甲".into(), "1".into(), "2".into()])]
        );
        assert_eq!(cols.index[&Field::Origin], 2);
        assert!(t.notes[0].contains("第 3 行"), "{:?}", t.notes);
    }

    #[test]
    fn a_two_row_grouped_header_merged_or_not() {
        // As read from an XLSX file: merged cells filled across and down.
        let merged = grid(&[
            &["镇康县流动人口台账"; 6],
            &[
                "序号",
                "姓名",
                "公民身份号码",
                "户籍地",
                "户籍地",
                "流入时间",
            ],
            &[
                "序号",
                "姓名",
                "公民身份号码",
                "详细地址",
                "代码",
                "流入时间",
            ],
            &["1", "甲", "x", "南伞镇新城社区", "", "2026年3月"],
        ]);
        // As saved to CSV: the group written once, the merged-down cells empty.
        let csv = grid(&[
            &["序号", "姓名", "公民身份号码", "户籍地", "", "流入时间"],
            &["", "", "", "详细地址", "代码", ""],
            &["1", "甲", "x", "南伞镇新城社区", "", "2026年3月"],
        ]);
        for (g, header) in [(merged, "第 2–3 行"), (csv, "第 1–2 行")] {
            let (t, cols) = locate(g, &Mapping::default()).unwrap();
            assert_eq!(cols.index[&Field::OriginAddress], 3);
            assert_eq!(cols.index[&Field::Origin], 4);
            assert_eq!(cols.index[&Field::ArrivalDate], 5);
            assert_eq!(t.labels[4].display(), "户籍地·代码");
            assert_eq!(t.labels[1].display(), "姓名");
            assert_eq!(t.rows.len(), 1);
            assert_eq!(t.rows[0].cells[3], "南伞镇新城社区");
            assert!(t.notes[0].contains(header), "{:?}", t.notes);
        }
    }

    #[test]
    fn a_data_row_is_never_taken_for_sub_headers() {
        let g = grid(&[
            &["姓名", "公民身份号码", "户籍地址", ""],
            &["甲", "530924199001010020", "南伞镇新城社区", "外出"],
        ]);
        let (t, cols) = locate(g, &Mapping::default()).unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(cols.found(), 3);
        assert!(t.notes.is_empty(), "{:?}", t.notes);
    }

    #[test]
    fn the_error_is_that_of_the_closest_row_and_lists_only_what_it_lacks() {
        let g = grid(&[
            &["台账"; 3],
            &["姓名", "户籍地址", "流出时间"],
            &["甲", "南伞镇新城社区", "2026-03-01"],
        ]);
        let e = locate(g, &Mapping::default()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("第 2 行") && msg.contains("公民身份号码"),
            "{msg}"
        );
        assert!(!msg.contains("户籍地代码"), "{msg}");
        let e = locate(grid(&[&["台账"]]), &Mapping::default()).unwrap_err();
        assert!(matches!(e, LedgerError::NoHeaderRow), "{e:?}");
    }
}
