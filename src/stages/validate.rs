//! Stage 2, validate: checks rows against a Table Schema with the rules of
//! [`crate::rules`]. Valid rows go on; rejected rows go to a quarantine file with file,
//! line, row, field, code, constraint, message and the whole record, so they can be fixed
//! and re-ingested. Nothing is dropped: every row read is either valid or quarantined.
//!
//! Every check runs through one loop, [`check`]: per-row rules on any core, then the
//! cross-row rules in dataset order (its module doc says where a new rule goes). What
//! differs is only where the rows come from:
//! - [`run`]: the dataset stage, on ingest's rows, writing `build/valid.json` (the files
//!   ingest read, less the rows rejected) and `build/quarantine.csv`. Run alone, with no
//!   limit on errors, it reads the files batch by batch ([`check_staged`]) and keeps only
//!   the rejected rows; given rows in memory (or a limit) it checks them in place
//!   ([`check_rows`], which `luban check` uses too);
//! - `luban run`'s pass ([`crate::stages::stream`]) hands its batches to the same loop
//!   and ends the stage with [`finish_stage`];
//! - [`check_source`]: any CSV file, streamed in batches of records (`validate/source.rs`).
//!
//! The output is the same for any number of jobs.

pub mod check;
mod quarantine;
mod source;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::ingest::{self, Keep, StagedFile, StagedRows};
use super::StageReport;
use crate::layout::Layout;
use crate::model::IngestedRow;
use crate::names::countries::CountryResolver;
use crate::report::error_report::ErrorRecord;
use crate::report::progress::Progress;
use crate::schema::TableSchema;
use crate::table::csvio;
use check::{check_batches, CrossRules, RowRules, Taken};

pub use check::StreamStats;
pub use quarantine::{write_quarantine, QuarantineWriter};
pub use source::{check_source, check_source_with};

/// Limits on how much to check.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// Stop after this many errors.
    pub max_errors: Option<usize>,
}

/// The outcome of checking a set of rows.
#[derive(Debug, Default)]
pub struct Checked {
    pub valid: Vec<IngestedRow>,
    pub rejected: Vec<(IngestedRow, Vec<ErrorRecord>)>,
    /// The positions of the rejected rows among the rows checked, ascending.
    pub rejected_at: Vec<u64>,
    /// True when `max_errors` stopped the check before the last row.
    pub stopped_early: bool,
    pub unchecked: u64,
}

impl Checked {
    pub fn errors(&self) -> Vec<ErrorRecord> {
        self.rejected.iter().flat_map(|(_, e)| e.iter().cloned()).collect()
    }

    /// Keeps the rejected rows of a batch the loop took ([`check_batches`]), with their
    /// positions; hands the others to `valid`, in order.
    pub fn keep_rejected(&mut self, rows: Vec<IngestedRow>, taken: Taken, mut valid: impl FnMut(IngestedRow)) {
        let mut out = taken.rejected.into_iter().peekable();
        for (k, row) in rows.into_iter().enumerate() {
            match out.next_if(|(at, _)| *at == k) {
                Some((_, errors)) => {
                    self.rejected_at.push(taken.first + k as u64);
                    self.rejected.push((row, errors));
                }
                None => valid(row),
            }
        }
    }
}

/// Checks in-memory rows (all with `width` header labels) against `schema`.
///
/// The rows stay where they are: the loop reads them in rounds, in place, and the
/// rejected ones (few) are taken out at the end. Moving every valid row into a new vector
/// took as much fresh memory as the rows' own vector (1.1 GB at 10M rows, twice that
/// while it grew).
pub fn check_rows(
    schema: &TableSchema,
    countries: Option<&CountryResolver>,
    width: usize,
    mut rows: Vec<IngestedRow>,
    limits: Limits,
    progress: &Progress,
) -> Checked {
    const ROUND: usize = 32 * 1024;
    let rules = RowRules::new(schema, countries, width);
    let mut cross = CrossRules::new(schema, None, limits);
    let total = rows.len() as u64;
    progress.set_total(total);
    // the errors of each rejected row, by index: the in-order checks', then those of the
    // foreign keys checked at the end
    let mut errors_of: BTreeMap<usize, Vec<ErrorRecord>> = BTreeMap::new();
    let all = &rows;
    check_batches::<&[IngestedRow], [IngestedRow], ()>(
        &rules,
        &mut cross,
        |hand_over| all.chunks(ROUND).try_for_each(hand_over),
        |round, taken| {
            let first = taken.first as usize;
            errors_of.extend(taken.rejected.into_iter().map(|(k, e)| (first + k, e)));
            progress.set((first + round.len()) as u64);
            Ok(())
        },
    )
    .expect("rows in memory are checked without I/O");
    cross
        .end(|index, _, errors| {
            errors_of.entry(index as usize).or_default().extend(errors);
            Ok(())
        })
        .expect("rows in memory are checked without I/O");
    let done = cross.stats.rows;
    let mut out = Checked {
        stopped_early: cross.stats.stopped_early,
        unchecked: total - done,
        ..Default::default()
    };
    rows.truncate(done as usize);
    if !errors_of.is_empty() {
        out.rejected_at = errors_of.keys().map(|&i| i as u64).collect();
        let mut i = 0usize;
        let taken: Vec<IngestedRow> = rows
            .extract_if(.., |_| {
                i += 1;
                errors_of.contains_key(&(i - 1))
            })
            .collect();
        // in row index order, which is (file, row) order: row numbers alone restart in
        // every file, and sorting by them interleaved the files' errors
        out.rejected = taken.into_iter().zip(errors_of.into_values()).collect();
    }
    out.valid = rows;
    out
}

/// validate run alone, batch by batch: the rows `staged` lists (ingest's files, read
/// again and checked against its hashes: [`ingest::for_each_staged_batch`]) go through
/// the loop, and only the rejected rows are kept. Returns the outcome without valid rows
/// and the number of rows read; None when the rows cannot be checked this way (foreign
/// keys: a later row can reject an earlier one), or `staged` already rejects rows.
///
/// Read whole first ([`ingest::rows_of`]), the rows of 10M reports took 4.6 GiB.
pub fn check_staged(
    layout: &Layout,
    schema: &TableSchema,
    countries: &CountryResolver,
    staged: &StagedRows,
    progress: &Progress,
) -> Result<Option<(Checked, u64)>> {
    let rules = RowRules::new(schema, Some(countries), schema.fields.len());
    let mut cross = CrossRules::new(schema, None, Limits::default());
    if cross.has_foreign_keys() || !staged.rejected.is_empty() {
        return Ok(None);
    }
    let mut checked = Checked::default();
    let produce = |hand_over: &mut dyn FnMut(Vec<IngestedRow>) -> Result<()>| {
        ingest::for_each_staged_batch(layout, staged, schema, progress, |rows| hand_over(std::mem::take(rows)))
    };
    let each = |rows: Vec<IngestedRow>, taken: Taken| -> Result<()> {
        checked.keep_rejected(rows, taken, drop);
        Ok(())
    };
    check_batches::<_, [IngestedRow], _>(&rules, &mut cross, produce, each)?;
    Ok(Some((checked, cross.stats.rows)))
}

/// The result of the validate stage on a dataset.
pub struct Validated {
    pub report: StageReport,
    pub checked: Checked,
    /// how many files had rows (what `luban validate` counts as files checked)
    pub files: usize,
}

/// How many files the rows of `c` come from.
fn files_of(c: &Checked) -> usize {
    let mut files: Vec<&str> = c
        .valid
        .iter()
        .map(|r| &*r.at.file)
        .chain(c.rejected.iter().map(|(r, _)| &*r.at.file))
        .collect();
    files.sort_unstable();
    files.dedup();
    files.len()
}

/// Runs validate on ingest's rows: `input` within `luban run`, else the rows
/// `build/ingested.json` stands for.
pub fn run(
    layout: &Layout,
    schema: &TableSchema,
    countries: &CountryResolver,
    limits: Limits,
    input: Option<Vec<IngestedRow>>,
    keep: Keep,
    progress: &Progress,
) -> Result<Validated> {
    let start = Instant::now();
    let staged = ingest::read_staged(&layout.build_file("ingested.json"), "ingest")?;
    // with no stage after it to take the valid rows, and no limit to stop at, the rows
    // are checked batch by batch and only the rejected ones kept
    let streamed = match (&input, keep, limits.max_errors) {
        (None, Keep::Count, None) => check_staged(layout, schema, countries, &staged, progress)?,
        _ => None,
    };
    // with the number of rows and of files whose rows were checked
    let (checked, rows_in, files) = match streamed {
        Some((checked, rows_in)) => (checked, rows_in, staged.files.iter().filter(|f| f.rows > 0).count()),
        None => {
            let rows = match input {
                Some(rows) => rows,
                None => ingest::rows_of(layout, &staged, schema, progress)?,
            };
            let rows_in = rows.len() as u64;
            // ingest rejects files whose header is not the schema's, so every row has
            // its width
            let checked = check_rows(schema, Some(countries), schema.fields.len(), rows, limits, progress);
            // from the rows checked: `max_errors` can stop before the last files
            let files = files_of(&checked);
            (checked, rows_in, files)
        }
    };
    finish_stage(layout, staged.files, rows_in, checked, files, start.elapsed())
}

/// The end of the stage, once the loop checked `rows_in` rows of the `staged` files
/// (`spent` is the time that took): the stage's report, `build/quarantine.csv`, and
/// `build/valid.json` (the files, less the rejected rows; none when `max_errors` stopped
/// the check). `files` is how many files had rows checked.
pub fn finish_stage(
    layout: &Layout,
    staged: Vec<StagedFile>,
    rows_in: u64,
    checked: Checked,
    files: usize,
    spent: Duration,
) -> Result<Validated> {
    let start = Instant::now();
    let mut report = StageReport::new("validate");
    report.rows_in = rows_in;
    report.rejected = checked.rejected.len() as u64 + checked.unchecked;
    report.rows_out = rows_in - report.rejected;
    report.data_errors = !checked.rejected.is_empty();
    write_quarantine(&layout.build_file("quarantine.csv"), &checked.rejected)?;
    let valid_path = layout.build_file("valid.json");
    if checked.stopped_early {
        let _ = std::fs::remove_file(&valid_path);
    } else {
        // the files ingest read, less the rejected rows (see `ingest::StagedRows`)
        let valid = StagedRows {
            files: staged,
            rejected: checked.rejected_at.clone(),
        };
        csvio::write_artifact(&valid_path, std::slice::from_ref(&valid))?;
    }
    report.elapsed = spent + start.elapsed();
    report.check_conservation()?;
    Ok(Validated { report, checked, files })
}

#[cfg(test)]
use {
    crate::rules::{KeyFields, RowChecker},
    ingest::CsvSource,
};

#[cfg(test)]
mod tests;
