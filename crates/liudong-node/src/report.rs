//! The monthly report's lines as every operator view shows them: the CLI
//! table and CSV, the spreadsheet export and the console page.

use liudong_core::report::{Counts, Report};
use liudong_i18n::{Lang, t_in};

/// The report's lines as shown and exported: (code, name, figures) of each
/// unit, then the total, named "<unit> 合计" (or "<unit> total").
pub fn report_rows(r: &Report, lang: Lang) -> Vec<(String, String, &Counts)> {
    r.rows
        .iter()
        .map(|x| (x.code.to_string(), x.name.clone(), &x.counts))
        .chain(std::iter::once((
            r.total.code.to_string(),
            t_in!(lang, "report-total", name = r.total.name.as_str()),
            &r.total.counts,
        )))
        .collect()
}
