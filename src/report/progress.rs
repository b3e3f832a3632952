//! Progress bars for long stages (issue 8): rows, and MB/s where the stage reads files,
//! drawn on stderr. A bar appears only when stderr is a terminal, `--quiet` is off, and
//! the stage has run for about a second: short runs and piped or machine output
//! (`--format json` goes to stdout) never see one.
//!
//! `LUBAN_PROGRESS_DELAY_MS` changes the one-second delay (tests set 0).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::console::Console;

/// What a bar counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Rows; the rate is rows per second.
    Rows,
    /// Bytes of input files; the rate is MB/s, and the message says how many rows.
    Bytes,
}

/// One stage's progress bar (hidden until it is worth showing).
pub struct Progress {
    bar: ProgressBar,
    unit: Unit,
    enabled: bool,
    shown: AtomicBool,
    start: Instant,
    delay: Duration,
}

impl Progress {
    /// A bar for `stage`, counting `unit`; [`Progress::set_total`] adds the bar's end.
    pub fn new(console: &Console, stage: &str, unit: Unit) -> Progress {
        let enabled = !console.quiet && std::io::stderr().is_terminal();
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_prefix(stage.to_string());
        let delay = std::env::var("LUBAN_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(Duration::from_secs(1), Duration::from_millis);
        let p = Progress {
            bar,
            unit,
            enabled,
            shown: AtomicBool::new(false),
            start: Instant::now(),
            delay,
        };
        p.style(false);
        p
    }

    fn style(&self, with_total: bool) {
        let template = match (self.unit, with_total) {
            (Unit::Bytes, true) => "{prefix:>9}: [{bar:28}] {bytes}/{total_bytes} {binary_bytes_per_sec} {msg}",
            (Unit::Bytes, false) => "{prefix:>9}: {spinner} {bytes} {binary_bytes_per_sec} {msg}",
            (Unit::Rows, true) => "{prefix:>9}: [{bar:28}] {human_pos}/{human_len} rows {rows_per_sec} {msg}",
            (Unit::Rows, false) => "{prefix:>9}: {spinner} {human_pos} rows {rows_per_sec} {msg}",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            let style = style.progress_chars("=> ").with_key(
                "rows_per_sec",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} rows/s", s.per_sec());
                },
            );
            self.bar.set_style(style);
        }
    }

    /// How many rows or bytes the stage will count in all.
    pub fn set_total(&self, total: u64) {
        self.style(true);
        self.bar.set_length(total);
    }

    /// A bar that never draws (library callers and tests).
    pub fn hidden() -> Progress {
        Progress::new(&Console { quiet: true }, "", Unit::Rows)
    }

    fn maybe_show(&self) {
        if self.enabled && !self.shown.load(Ordering::Relaxed) && self.start.elapsed() >= self.delay {
            self.shown.store(true, Ordering::Relaxed);
            self.bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
        }
    }

    /// What the bar counts.
    pub fn unit(&self) -> Unit {
        self.unit
    }

    /// Where the bar is (what it has counted).
    pub fn position(&self) -> u64 {
        self.bar.position()
    }

    /// Counts `n` more rows or bytes.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
        self.maybe_show();
    }

    /// Sets the position (rows or bytes done so far).
    pub fn set(&self, pos: u64) {
        self.bar.set_position(pos);
        self.maybe_show();
    }

    /// What the stage is doing now ("sorting", "12,000 rows").
    pub fn note(&self, msg: impl Into<std::borrow::Cow<'static, str>>) {
        self.bar.set_message(msg);
        self.maybe_show();
    }
}

impl Drop for Progress {
    /// The bar is cleared: the stage's status line replaces it.
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
