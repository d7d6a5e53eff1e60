//! The monthly report's lines as every operator view shows them: the CLI
//! table and CSV, the spreadsheet export and the console page.

use liudong_core::report::{Counts, Report};

/// The report's lines as shown and exported: (code, name, figures) of each
/// unit, then the total, named "<unit> 合计" (or "total").
pub fn report_rows(r: &Report, english: bool) -> Vec<(String, String, &Counts)> {
    let total_label = if english { "total" } else { "合计" };
    r.rows
        .iter()
        .map(|x| (x.code.to_string(), x.name.clone(), &x.counts))
        .chain(std::iter::once((
            r.total.code.to_string(),
            format!("{} {total_label}", r.total.name),
            &r.total.counts,
        )))
        .collect()
}
