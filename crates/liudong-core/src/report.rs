//! The monthly report (月报): DOMAIN.md's indicators per jurisdiction and month,
//! computed from person views, never typed in.
//!
//! Who counts where: indicators about the registered population (births,
//! marriages, married women of childbearing age, outflows, migrants out,
//! certificate rate) count people by **origin** (户籍地); indicators about
//! the resident migrants (inflows, migrants in, notice feedback, quarterly
//! checks, timeliness) count by **residence**. Every figure is a count (or a
//! sum of days), so the report of a unit is the sum of its children's reports
//! over the same records; rates are derived from the counts.
//!
//! Definitions, for unit P and month M (M's last day = E):
//! - births, boys, girls: births (mother's record) dated in M, mother's origin under P;
//!   sex ratio = boys × 100 ÷ girls;
//! - population: registered persons (a `person_registered` record) with origin under P
//!   born on or before E; birth rate ‰ = births ÷ population × 1000 (annualised × 12);
//! - marriages: marriages dated in M; married women: women, married, aged 15–49 on E;
//! - outflows: episodes whose outflow (leave date) is in M; inflows: inflow
//!   registrations whose arrival date is in M and residence is under P;
//! - migrants out: origin under P, the latest episode begun on or before E (left or
//!   arrived) not returned by E; migrants in: registered on E at a residence under P
//!   (a [stay](crate::view::Stay): from an inflow or a residence change there, until a
//!   return or move that names it), once per residence however many inflows were
//!   registered there (two only if a move was never recorded where the person left);
//! - certificate rate: married women of childbearing age out on E holding a certificate
//!   valid on E ÷ all such women;
//! - notice feedback rate: inflow notices registered (record clock date) in M
//!   acknowledged within A days ÷ those notices;
//! - check rate: migrants in (on E) with a check report for M's quarter from the
//!   residence they are registered at ÷ migrants in;
//! - timeliness: days from the registration of M's acknowledged notices to their
//!   acknowledgement (sum and count; the average is shown).

use crate::code::Code;
use crate::date::Date;
use crate::record::{MaritalStatus, Sex};
use crate::view::PersonView;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let m = Month {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
        };
        Date::new(m.year, m.month, 1).map(|_| m)
    }

    pub fn first_day(self) -> Date {
        Date::new(self.year, self.month, 1).expect("checked")
    }

    pub fn last_day(self) -> Date {
        let next = if self.month == 12 {
            Date::new(self.year + 1, 1, 1)
        } else {
            Date::new(self.year, self.month + 1, 1)
        };
        next.expect("valid").add_days(-1)
    }

    /// The month before.
    pub fn prev(self) -> Month {
        match self.month {
            1 => Month {
                year: self.year - 1,
                month: 12,
            },
            m => Month {
                year: self.year,
                month: m - 1,
            },
        }
    }

    pub fn contains(self, d: Date) -> bool {
        d.year == self.year && d.month == self.month
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The counts of one unit and month. All fields add up over child units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub births: u64,
    pub boys: u64,
    pub girls: u64,
    pub population: u64,
    pub marriages: u64,
    pub married_women: u64,
    pub outflows: u64,
    pub inflows: u64,
    pub migrants_out: u64,
    pub migrants_in: u64,
    /// Married out-migrant women of childbearing age (certificate rate denominator).
    pub cert_women: u64,
    /// ... of whom holding a valid certificate.
    pub cert_valid: u64,
    /// Inflow notices registered in the month.
    pub notices: u64,
    /// ... acknowledged within A days.
    pub notices_acked_in_time: u64,
    /// Migrants due to report a check for the month's quarter.
    pub checks_due: u64,
    /// ... with a check report for it.
    pub checks_reported: u64,
    /// Notices of the month acknowledged (at any time so far).
    pub acked: u64,
    /// Sum of days from registration to acknowledgement over `acked`.
    pub ack_days_total: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.births += o.births;
        self.boys += o.boys;
        self.girls += o.girls;
        self.population += o.population;
        self.marriages += o.marriages;
        self.married_women += o.married_women;
        self.outflows += o.outflows;
        self.inflows += o.inflows;
        self.migrants_out += o.migrants_out;
        self.migrants_in += o.migrants_in;
        self.cert_women += o.cert_women;
        self.cert_valid += o.cert_valid;
        self.notices += o.notices;
        self.notices_acked_in_time += o.notices_acked_in_time;
        self.checks_due += o.checks_due;
        self.checks_reported += o.checks_reported;
        self.acked += o.acked;
        self.ack_days_total += o.ack_days_total;
    }
}

fn ratio(n: u64, d: u64, scale: f64) -> Option<f64> {
    (d > 0).then(|| (n as f64) * scale / (d as f64))
}

impl Counts {
    pub fn sex_ratio(&self) -> Option<f64> {
        ratio(self.boys, self.girls, 100.0)
    }
    pub fn birth_rate(&self) -> Option<f64> {
        ratio(self.births, self.population, 1000.0)
    }
    pub fn birth_rate_annual(&self) -> Option<f64> {
        self.birth_rate().map(|r| r * 12.0)
    }
    pub fn cert_rate(&self) -> Option<f64> {
        ratio(self.cert_valid, self.cert_women, 100.0)
    }
    pub fn feedback_rate(&self) -> Option<f64> {
        ratio(self.notices_acked_in_time, self.notices, 100.0)
    }
    pub fn check_rate(&self) -> Option<f64> {
        ratio(self.checks_reported, self.checks_due, 100.0)
    }
    pub fn ack_days_avg(&self) -> Option<f64> {
        ratio(self.ack_days_total, self.acked, 1.0)
    }
}

/// Adds one person's contribution to unit `unit`'s counts for `month`.
pub fn count_person(c: &mut Counts, v: &PersonView, unit: &Code, month: Month, ack_days: i64) {
    let end = month.last_day();
    let by_origin = v.origin.is_under(unit);
    if by_origin {
        for b in &v.births {
            if month.contains(b.birth_date) {
                c.births += 1;
                match b.sex {
                    Sex::Male => c.boys += 1,
                    Sex::Female => c.girls += 1,
                }
            }
        }
        if v.name.is_some() && v.birth_date <= end {
            c.population += 1;
        }
        if v.married_on.is_some_and(|d| month.contains(d)) {
            c.marriages += 1;
        }
        let married_woman = v.sex == Sex::Female
            && v.marital_status == MaritalStatus::Married
            && (15..=49).contains(&v.birth_date.age_on(end));
        if married_woman {
            c.married_women += 1;
        }
        c.outflows += v
            .episodes
            .iter()
            .filter(|e| e.left.is_some_and(|d| month.contains(d)))
            .count() as u64;
        // Out on E: the latest absence begun by E is not over by E (an
        // earlier one never closed by a return does not count twice).
        let out = v
            .episodes
            .iter()
            .rfind(|e| e.arrived.or(e.left).is_some_and(|s| s <= end))
            .is_some_and(|e| e.returned.is_none_or(|r| r > end));
        if out {
            c.migrants_out += 1;
            if married_woman {
                c.cert_women += 1;
                if v.certificate_valid_on(end) {
                    c.cert_valid += 1;
                }
            }
        }
    }
    // Residence side: the inflows registered under the unit.
    for i in &v.inflows {
        if !i.residence.as_ref().is_some_and(|r| r.is_under(unit)) {
            continue;
        }
        if month.contains(i.arrival_date) {
            c.inflows += 1;
        }
        let registered = Date::from_unix_ms(i.written_ms);
        if month.contains(registered) {
            c.notices += 1;
            if let Some(at) = i.acknowledged_ms {
                let days = (Date::from_unix_ms(at).to_days() - registered.to_days()).max(0);
                c.acked += 1;
                c.ack_days_total += days as u64;
                if days <= ack_days {
                    c.notices_acked_in_time += 1;
                }
            }
        }
    }
    // Migrants in on the last day: one per residence under the unit where
    // the person is registered (a stay) on E — once, however many inflows
    // were registered there — checked if a check report for the quarter
    // came from that residence. Counted per residence, not per person: a
    // stay is derived identically by every node holding that residence's
    // records, so the figure adds up over townships and villages even when
    // a move was never recorded where the person left (the person then has
    // two registrations, and each residence counts its own).
    let mut here: Vec<&Code> = v
        .stays_on(end)
        .map(|s| &s.residence)
        .filter(|r| r.is_under(unit))
        .collect();
    here.sort();
    here.dedup();
    let q = end.quarter();
    for r in here {
        c.migrants_in += 1;
        c.checks_due += 1;
        if v.checks
            .iter()
            .any(|k| k.quarter == q && k.residence.as_ref() == Some(r))
        {
            c.checks_reported += 1;
        }
    }
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub code: Code,
    pub name: String,
    pub counts: Counts,
}

/// The report of unit `code` for `month`: one row per child unit, then the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub code: Code,
    pub month: Month,
    pub ack_days: i64,
    pub rows: Vec<Row>,
    pub total: Row,
    /// Timeliness of arrival at the node that computed the report (filled in
    /// by the caller, which knows arrival times; not additive over units).
    #[serde(default)]
    pub arrival: Arrival,
}

/// Days from an inflow's registration to its arrival at this node, over the
/// month's inflow notices about people whose origin is under the unit (at the
/// origin village node: its arrival at the origin).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arrival {
    /// Notices whose arrival time is known here.
    pub notices: u64,
    /// Sum of their delays, milliseconds.
    pub delay_ms_total: u64,
}

impl Arrival {
    /// Mean delay in days.
    pub fn mean_days(&self) -> Option<f64> {
        ratio(self.delay_ms_total, self.notices, 1.0).map(|ms| ms / 86_400_000.0)
    }
}

fn unit_name(code: &Code) -> String {
    crate::divisions::table()
        .name(code.as_str())
        .unwrap_or_default()
        .to_string()
}

/// Computes the report of `code` (children from the division table).
pub fn compute<'a>(
    views: impl IntoIterator<Item = &'a PersonView>,
    code: &Code,
    month: Month,
    ack_days: i64,
) -> Report {
    let children: Vec<Code> = crate::divisions::table()
        .children(code.as_str())
        .into_iter()
        .filter_map(|c| Code::parse(c).ok())
        .collect();
    let mut rows: Vec<Row> = children
        .iter()
        .map(|c| Row {
            code: c.clone(),
            name: unit_name(c),
            counts: Counts::default(),
        })
        .collect();
    let mut total = Row {
        code: code.clone(),
        name: unit_name(code),
        counts: Counts::default(),
    };
    for v in views {
        count_person(&mut total.counts, v, code, month, ack_days);
        for row in rows.iter_mut() {
            let touches = v.origin.is_under(&row.code)
                || v.inflows
                    .iter()
                    .any(|i| i.residence.as_ref().is_some_and(|r| r.is_under(&row.code)))
                || v.episodes
                    .iter()
                    .any(|e| e.residences.iter().any(|r| r.is_under(&row.code)));
            if touches {
                count_person(&mut row.counts, v, &row.code, month, ack_days);
            }
        }
    }
    Report {
        code: code.clone(),
        month,
        ack_days,
        rows,
        total,
        arrival: Arrival::default(),
    }
}

/// Column keys and the catalogue ids of their labels (`report.ftl`), in
/// display order.
pub const COLUMNS: [(&str, &str); 17] = [
    ("births", "report-col-births"),
    ("boys", "report-col-boys"),
    ("girls", "report-col-girls"),
    ("sex_ratio", "report-col-sex-ratio"),
    ("population", "report-col-population"),
    ("birth_rate", "report-col-birth-rate"),
    ("birth_rate_annual", "report-col-birth-rate-annual"),
    ("marriages", "report-col-marriages"),
    ("married_women", "report-col-married-women"),
    ("outflows", "report-col-outflows"),
    ("inflows", "report-col-inflows"),
    ("migrants_out", "report-col-migrants-out"),
    ("migrants_in", "report-col-migrants-in"),
    ("cert_rate", "report-col-cert-rate"),
    ("feedback_rate", "report-col-feedback-rate"),
    ("check_rate", "report-col-check-rate"),
    ("ack_days_avg", "report-col-ack-days-avg"),
];

/// The label of column `col` (of [`COLUMNS`]) in `lang`.
pub fn column_label(col: &(&str, &str), lang: liudong_i18n::Lang) -> String {
    liudong_i18n::tr_in(lang, col.1, &[])
}

/// The cell of column `key` (rates with one decimal, `-` when undefined).
pub fn cell(c: &Counts, key: &str) -> String {
    let r = |v: Option<f64>, dec: usize| v.map_or("-".to_string(), |x| format!("{x:.dec$}"));
    match key {
        "births" => c.births.to_string(),
        "boys" => c.boys.to_string(),
        "girls" => c.girls.to_string(),
        "sex_ratio" => r(c.sex_ratio(), 1),
        "population" => c.population.to_string(),
        "birth_rate" => r(c.birth_rate(), 2),
        "birth_rate_annual" => r(c.birth_rate_annual(), 2),
        "marriages" => c.marriages.to_string(),
        "married_women" => c.married_women.to_string(),
        "outflows" => c.outflows.to_string(),
        "inflows" => c.inflows.to_string(),
        "migrants_out" => c.migrants_out.to_string(),
        "migrants_in" => c.migrants_in.to_string(),
        "cert_rate" => r(c.cert_rate(), 1),
        "feedback_rate" => r(c.feedback_rate(), 1),
        "check_rate" => r(c.check_rate(), 1),
        "ack_days_avg" => r(c.ack_days_avg(), 1),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests;
