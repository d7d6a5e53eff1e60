//! Progress output for long operations (initial sync, import, export,
//! verify), on standard error so it never mixes with a command's output.
//!
//! On a terminal it redraws one line with a bar, a count and a rate; when
//! standard error is a file or a journal (systemd, CI) it prints a plain line
//! at most every few seconds and at every tenth of a known total, so logs
//! stay short but a stuck operation is still visible.

use liudong_i18n::t;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often a non-terminal progress line may be printed.
const PLAIN_EVERY: Duration = Duration::from_secs(5);
/// How often the terminal line is redrawn.
const DRAW_EVERY: Duration = Duration::from_millis(100);
const BAR_WIDTH: usize = 30;

/// One long operation's progress.
pub struct Progress {
    label: String,
    unit: String,
    total: Option<u64>,
    done: u64,
    started: Instant,
    last_draw: Option<Instant>,
    last_tenth: u64,
    terminal: bool,
    /// Prints nothing (the unit tests' reporters).
    quiet: bool,
}

impl Progress {
    /// Starts reporting `label` (e.g. "导入 import"), counting `unit`s
    /// ("rows", "records") towards `total` when it is known.
    pub fn new(label: impl Into<String>, unit: impl Into<String>, total: Option<u64>) -> Self {
        Progress {
            label: label.into(),
            unit: unit.into(),
            total,
            done: 0,
            started: Instant::now(),
            last_draw: None,
            last_tenth: 0,
            terminal: std::io::stderr().is_terminal(),
            quiet: false,
        }
    }

    /// Sets the total once it becomes known.
    pub fn set_total(&mut self, total: u64) {
        self.total = Some(total);
    }

    /// Adds `n` finished units.
    pub fn inc(&mut self, n: u64) {
        self.set(self.done + n);
    }

    /// Sets the number of finished units.
    pub fn set(&mut self, done: u64) {
        self.done = done;
        if self.quiet {
            return;
        }
        let now = Instant::now();
        if self.terminal {
            if self.last_draw.is_none_or(|t| now - t >= DRAW_EVERY) {
                self.last_draw = Some(now);
                self.draw_terminal();
            }
            return;
        }
        let tenth = self.tenth();
        let due = self.last_draw.is_none_or(|t| now - t >= PLAIN_EVERY);
        if due || tenth > self.last_tenth {
            self.last_draw = Some(now);
            self.last_tenth = tenth;
            eprintln!("{}", self.line());
        }
    }

    /// Ends the line with a closing summary.
    pub fn finish(self, summary: &str) {
        if self.quiet {
            return;
        }
        let secs = self.started.elapsed().as_secs_f64();
        if self.terminal {
            eprint!("\r\x1b[2K");
        }
        // The label, summary and unit are the caller's (from the catalogue).
        eprintln!(
            "{}",
            t!(
                "progress-finished",
                label = self.label.as_str(),
                summary = summary,
                done = self.done,
                unit = self.unit.as_str(),
                secs = format!("{secs:.1}")
            )
        );
    }

    fn tenth(&self) -> u64 {
        match self.total {
            Some(t) if t > 0 => (self.done.min(t) * 10) / t,
            _ => 0,
        }
    }

    fn rate(&self) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 {
            self.done as f64 / secs
        } else {
            0.0
        }
    }

    fn line(&self) -> String {
        match self.total {
            Some(t) if t > 0 => t!(
                "progress-line-total",
                label = self.label.as_str(),
                done = self.done,
                total = t,
                unit = self.unit.as_str(),
                percent = format!("{:.0}", self.done.min(t) as f64 * 100.0 / t as f64),
                rate = format!("{:.0}", self.rate())
            ),
            _ => t!(
                "progress-line",
                label = self.label.as_str(),
                done = self.done,
                unit = self.unit.as_str(),
                rate = format!("{:.0}", self.rate())
            ),
        }
    }

    fn draw_terminal(&self) {
        let bar = match self.total {
            Some(t) if t > 0 => {
                let filled = (self.done.min(t) as usize * BAR_WIDTH) / t as usize;
                format!(
                    "[{}{}] ",
                    "#".repeat(filled),
                    "-".repeat(BAR_WIDTH - filled)
                )
            }
            _ => String::new(),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{bar}{}", self.line());
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shows_count_of_total_and_percent() {
        let mut p = Progress::new("import", "rows", Some(200));
        p.quiet = true;
        p.set(50);
        let line = p.line();
        assert!(line.starts_with("import：50/200 rows（25%"), "{line}");
        assert!(line.contains("每秒"), "{line}");
    }

    #[test]
    fn line_without_total_shows_count_only() {
        let mut p = Progress::new("initial sync", "records", None);
        p.quiet = true;
        p.inc(7);
        p.inc(3);
        assert_eq!(p.done, 10);
        assert!(
            p.line().starts_with("initial sync：10 records（"),
            "{}",
            p.line()
        );
    }

    #[test]
    fn tenths_advance_with_the_total() {
        let mut p = Progress::new("x", "rows", Some(1000));
        p.quiet = true;
        p.set(99);
        assert_eq!(p.tenth(), 0);
        p.set(100);
        assert_eq!(p.tenth(), 1);
        p.set(5000);
        assert_eq!(p.tenth(), 10);
    }
}
