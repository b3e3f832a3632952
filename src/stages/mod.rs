//! The pipeline stages, in data-flow order. Each has one entry point, `run`, that takes
//! the resolved [`Layout`](crate::layout::Layout) and options and returns a
//! [`StageReport`]; the CLI maps that to a status line and an exit status.

pub mod aggregate;
pub mod dedupe;
pub mod ingest;
pub mod normalize;
pub mod package;
pub mod publish;
pub mod stream;
pub mod tables;
pub mod validate;

use std::fmt;

/// Drops `records` on another thread. Freeing a million records (each a dozen strings)
/// takes a second that nothing needs to wait for: the next step runs meanwhile, and a
/// stage run alone exits without waiting for it.
pub fn discard<T: Send + 'static>(records: T) {
    std::thread::spawn(move || drop(records));
}
use std::time::Duration;

/// Rows in and out of one stage. Every row that comes in goes out, is merged into another
/// record, or is rejected: `rows_in == rows_out + merged + rejected` always holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageReport {
    pub stage: &'static str,
    pub rows_in: u64,
    pub rows_out: u64,
    pub merged: u64,
    pub rejected: u64,
    pub elapsed: Duration,
    /// True when the stage found data problems (the command exits 1).
    pub data_errors: bool,
    /// What the user should know about the run that is not an error (printed as warnings).
    pub notes: Vec<String>,
}

impl StageReport {
    pub fn new(stage: &'static str) -> StageReport {
        StageReport {
            stage,
            ..Default::default()
        }
    }

    /// Checks row conservation; a failure is a bug in luban, reported as such.
    pub fn check_conservation(&self) -> anyhow::Result<()> {
        if self.rows_in != self.rows_out + self.merged + self.rejected {
            anyhow::bail!(
                "internal error: {} lost rows: {} in, but {} out + {} merged + {} rejected",
                self.stage,
                self.rows_in,
                self.rows_out,
                self.merged,
                self.rejected
            );
        }
        Ok(())
    }
}

impl fmt::Display for StageReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>9}: {:>6} in  {:>6} out", self.stage, self.rows_in, self.rows_out)?;
        if self.merged > 0 {
            write!(f, "  {:>6} merged", self.merged)?;
        }
        if self.rejected > 0 {
            write!(f, "  {:>6} rejected", self.rejected)?;
        }
        write!(f, "  ({:.2?})", self.elapsed)
    }
}
