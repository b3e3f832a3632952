//! The one row-checking loop. Every check of rows goes through it: `luban validate` on
//! the dataset ([`super::run`]) or on any CSV ([`super::check_source`]), `luban run`'s
//! pass ([`crate::stages::stream`]), `luban check` ([`super::check_rows`]) and the side
//! tables ([`crate::stages::tables`]). It has two halves:
//!
//! 1. **Per-row rules**, [`RowRules`]: the row-shape and per-cell rules of one row
//!    ([`RowChecker::check_cells`]), and the keys the cross-row rules will need. They
//!    need no other row, so they run on any core, a batch (or the rows of a batch) at a
//!    time.
//! 2. **Cross-row rules**, [`CrossRules::take`]: the rows of each batch in dataset order,
//!    through [`CrossRowState::check`] (unique, primary key, duplicate row) and the
//!    foreign keys ([`ForeignKeyState`]), with the counts, the `max_errors` stop, and each
//!    violation placed in its file ([`ErrorRecord`]). Foreign keys defined by no row are
//!    reported at the end ([`CrossRules::end`]).
//!
//! A new rule is a file in `src/rules/`: a per-row rule is called from
//! [`RowChecker::check_cells`], a cross-row rule keeps its state in [`CrossRowState`] and is
//! called from [`CrossRowState::check`]. Nothing here changes for it.
//!
//! The rows come as batches of anything that is [`Rows`]: ingest's rows
//! (`[IngestedRow]`) or a CSV file's records as read ([`SourceRows`]). [`check_batches`]
//! runs the two halves over batches made on another thread, so that the per-row rules of
//! one batch overlap the cross-row rules of the one before.

use std::borrow::Cow;
use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::Result;
use rayon::prelude::*;

use super::Limits;
use crate::model::{IngestedRow, Shared};
use crate::names::countries::CountryResolver;
use crate::report::error_report::ErrorRecord;
use crate::rules::{hash_record, CrossRowState, ForeignKeyState, KeyFields, RowChecker, RowInfo, RowKeys, Violation};
use crate::schema::TableSchema;
use crate::stages::ingest::{decode, decode_valid, place, Batch, RecordPos};

/// One row as the per-row rules read it.
pub struct RowView<'r> {
    pub cells: &'r [&'r str],
    /// the cells' bytes in one buffer (scanned once for control characters)
    pub raw: &'r [u8],
    /// the cells that are not UTF-8
    pub bad_utf8: &'r [usize],
    /// the row's [`hash_record`]
    pub hash: u128,
}

/// A batch of rows to check, in dataset order.
pub trait Rows: Sync {
    /// How many rows.
    fn count(&self) -> usize;
    /// Calls `f` with row `k` as the per-row rules read it.
    fn view<T>(&self, k: usize, f: impl FnOnce(RowView<'_>) -> T) -> T;
    fn pos(&self, k: usize) -> RecordPos;
    /// The file of row `k`, as diagnostics show it.
    fn file(&self, k: usize) -> &str;
    /// Cell `i` of row `k` (empty past the end), for messages.
    fn cell(&self, k: usize, i: usize) -> String;
    /// Every cell of row `k`, for reports and the quarantine file.
    fn cells(&self, k: usize) -> Vec<String>;
}

impl Rows for [IngestedRow] {
    fn count(&self) -> usize {
        self.len()
    }
    fn view<T>(&self, k: usize, f: impl FnOnce(RowView<'_>) -> T) -> T {
        let row = &self[k];
        let cells: Vec<&str> = row.cells();
        let raw = row.text().as_bytes();
        let hash = hash_record(raw, cells.iter().map(|c| c.len()));
        f(RowView {
            cells: &cells,
            raw,
            bad_utf8: &row.bad_utf8,
            hash,
        })
    }
    fn pos(&self, k: usize) -> RecordPos {
        let at = &self[k].at;
        RecordPos {
            line: at.line,
            row: at.row,
            byte: at.byte,
        }
    }
    fn file(&self, k: usize) -> &str {
        &self[k].at.file
    }
    fn cell(&self, k: usize, i: usize) -> String {
        self[k].cell(i).unwrap_or_default().to_string()
    }
    fn cells(&self, k: usize) -> Vec<String> {
        self[k].cells().into_iter().map(str::to_string).collect()
    }
}

/// A batch of records of one CSV file, as [`crate::stages::ingest::CsvSource`] read it:
/// checked without building rows.
pub struct SourceRows<'a> {
    pub batch: &'a Batch,
    /// the file, as diagnostics show it
    pub file: &'a str,
}

impl Rows for SourceRows<'_> {
    fn count(&self) -> usize {
        self.batch.len
    }
    fn view<T>(&self, k: usize, f: impl FnOnce(RowView<'_>) -> T) -> T {
        let rec = &self.batch.records[k];
        let mut bad = Vec::new();
        let owned;
        let cells: smallvec::SmallVec<[&str; 16]> = match decode_valid(rec) {
            Some(cells) => cells,
            None => {
                owned = decode(rec, &mut bad);
                owned.iter().map(Cow::as_ref).collect()
            }
        };
        let hash = hash_record(rec.as_slice(), rec.iter().map(<[u8]>::len));
        f(RowView {
            cells: &cells,
            raw: rec.as_slice(),
            bad_utf8: &bad,
            hash,
        })
    }
    fn pos(&self, k: usize) -> RecordPos {
        self.batch.pos[k]
    }
    fn file(&self, _: usize) -> &str {
        self.file
    }
    fn cell(&self, k: usize, i: usize) -> String {
        String::from_utf8_lossy(self.batch.records[k].get(i).unwrap_or_default()).into_owned()
    }
    fn cells(&self, k: usize) -> Vec<String> {
        decode(&self.batch.records[k], &mut Vec::new())
            .into_iter()
            .map(Cow::into_owned)
            .collect()
    }
}

/// What the per-row rules found in one row, for [`CrossRules::take`].
pub struct RowResult {
    violations: Vec<Violation>,
    blank: bool,
    keys: RowKeys,
}

/// The first half of the loop: the per-row rules (see the module doc).
pub struct RowRules<'s> {
    schema: &'s TableSchema,
    checker: RowChecker<'s>,
    key_fields: KeyFields,
    /// the number of header labels: as in Frictionless, a row is compared with its header
    width: usize,
}

impl<'s> RowRules<'s> {
    pub fn new(schema: &'s TableSchema, countries: Option<&'s CountryResolver>, width: usize) -> RowRules<'s> {
        RowRules {
            schema,
            checker: RowChecker::new(schema, countries),
            key_fields: KeyFields::new(schema),
            width,
        }
    }

    /// Row `k` of `rows`.
    pub fn row<R: Rows + ?Sized>(&self, rows: &R, k: usize) -> RowResult {
        rows.view(k, |v| {
            let mut violations = Vec::new();
            let blank = self
                .checker
                .check_cells(self.width, v.cells, v.raw, v.bad_utf8, &mut violations);
            RowResult {
                violations,
                blank,
                keys: self.key_fields.keys(self.schema, v.cells, v.hash),
            }
        })
    }

    /// Every row of `rows`, on this thread, appended to `out` (a buffer the caller reuses).
    pub fn check_into<R: Rows + ?Sized>(&self, rows: &R, out: &mut Vec<RowResult>) {
        out.extend((0..rows.count()).map(|k| self.row(rows, k)));
    }

    /// Every row of `rows`, on every core.
    pub fn check<R: Rows + ?Sized>(&self, rows: &R) -> Vec<RowResult> {
        (0..rows.count())
            .into_par_iter()
            .with_min_len(1024)
            .map(|k| self.row(rows, k))
            .collect()
    }
}

/// Counts of a check. When `max_errors` stopped it, they cover the rows up to the stop
/// only (`stopped_early`).
#[derive(Debug, Default, Clone, Copy)]
pub struct StreamStats {
    pub rows: u64,
    pub valid: u64,
    pub rejected: u64,
    pub errors: usize,
    pub stopped_early: bool,
}

/// Where each file's rows start among the dataset's rows, to name an earlier row in a
/// duplicate's error ("row 7 of raw/reports/a.csv") once its row is gone.
#[derive(Default)]
struct FileStarts {
    starts: Vec<(u64, Shared)>,
}

impl FileStarts {
    /// Notes that row `index` of the dataset is in `file`.
    fn at(&mut self, index: u64, file: &str) {
        if self.starts.last().is_none_or(|(_, f)| f.as_str() != file) {
            self.starts.push((index, file.into()));
        }
    }

    /// The file of row `index` of the dataset.
    fn file_of(&self, index: u64) -> &str {
        let at = self.starts.partition_point(|(start, _)| *start <= index);
        at.checked_sub(1).map_or("", |i| &self.starts[i].1)
    }

    /// Row `index` of the dataset, as seen from a row of `file`. Rows are numbered from
    /// 2 in each file (the header is row 1), one per record.
    fn name(&self, index: u32, file: &str) -> String {
        let at = self.starts.partition_point(|(start, _)| *start <= u64::from(index));
        match at.checked_sub(1).map(|i| &self.starts[i]) {
            Some((start, f)) if &**f == file => format!("row {}", u64::from(index) - start + 2),
            Some((start, f)) => format!("row {} of {f}", u64::from(index) - start + 2),
            None => format!("row {index}"),
        }
    }
}

/// The second half of the loop: the cross-row rules, over the batches of a dataset (or
/// one file) in order (see the module doc).
pub struct CrossRules<'s> {
    schema: &'s TableSchema,
    cross: CrossRowState,
    fk: ForeignKeyState,
    limits: Limits,
    /// the file's delimiter, carried by each error to find its cell (`,` for the dataset)
    pub delimiter: u8,
    starts: FileStarts,
    pub stats: StreamStats,
}

impl<'s> CrossRules<'s> {
    /// `refs`: the values a data package's other resources define, for foreign keys to
    /// them.
    pub fn new(schema: &'s TableSchema, refs: Option<&crate::rules::References>, limits: Limits) -> CrossRules<'s> {
        CrossRules {
            schema,
            cross: CrossRowState::new(schema),
            fk: ForeignKeyState::with_references(schema, refs),
            limits,
            delimiter: b',',
            starts: FileStarts::default(),
            stats: StreamStats::default(),
        }
    }

    /// Whether the schema has foreign keys: a row can then be rejected by a later row
    /// (or at the end), so it cannot go on to the next stage before the last row.
    pub fn has_foreign_keys(&self) -> bool {
        !self.fk.is_empty()
    }

    /// Makes room for about `rows` rows in the key sets.
    pub fn reserve(&mut self, rows: usize) {
        self.cross.reserve(rows);
    }

    fn placed(&self, file: &str, pos: RecordPos, cells: &[String], violations: &[Violation]) -> Vec<ErrorRecord> {
        violations
            .iter()
            .map(|v| {
                let mut e = place(file, pos.line, pos.row, self.schema, cells, v);
                e.byte = Some(pos.byte);
                e.delimiter = self.delimiter;
                e
            })
            .collect()
    }

    /// The next batch of the dataset with its per-row results: each rejected row goes to
    /// `rejected` (its position in `rows` and its errors), in order. Returns false once
    /// `max_errors` stopped the check: the rows from there on are not checked, and the
    /// counts cover the rows before (the same for any number of jobs).
    pub fn take<R: Rows + ?Sized>(
        &mut self,
        rows: &R,
        results: &mut [RowResult],
        mut rejected: impl FnMut(usize, Vec<ErrorRecord>) -> Result<()>,
    ) -> Result<bool> {
        let schema = self.schema;
        for (k, r) in results.iter_mut().enumerate() {
            if self.limits.max_errors.is_some_and(|m| self.stats.errors >= m) {
                self.stats.stopped_early = true;
                return Ok(false);
            }
            // rows are numbered by their place in the dataset: row numbers restart in
            // every file, so an earlier row is named with its file when it is in another
            let index = self.stats.rows;
            self.stats.rows += 1;
            let file = rows.file(k);
            self.starts.at(index, file);
            let starts = &self.starts;
            let name = |first: u32| starts.name(first, file);
            let cell = |i: usize| rows.cell(k, i);
            let violations = &mut r.violations;
            self.cross
                .check(schema, index, &r.keys, r.blank, &cell, &name, violations);
            let pos = rows.pos(k);
            if !self.fk.is_empty() && !r.blank {
                let info = RowInfo {
                    index: index as usize,
                    row: pos.row,
                    line: pos.line,
                    byte: pos.byte,
                    rejected: !violations.is_empty(),
                    cell: &cell,
                    cells: &|| rows.cells(k),
                };
                self.fk.observe(schema, &info);
            }
            if violations.is_empty() {
                self.stats.valid += 1;
            } else {
                self.stats.rejected += 1;
                self.stats.errors += violations.len();
                let errors = self.placed(file, pos, &rows.cells(k), violations);
                rejected(k, errors)?;
            }
        }
        Ok(true)
    }

    /// After the last batch: the references no row defined. Each goes to `rejected` with
    /// the dataset index of its row, the row's cells and the error (a row already
    /// rejected gets it too, and is counted once). Nothing when `max_errors` stopped the
    /// check: later rows could have defined them.
    pub fn end(&mut self, mut rejected: impl FnMut(u64, &[String], Vec<ErrorRecord>) -> Result<()>) -> Result<()> {
        if self.stats.stopped_early {
            return Ok(());
        }
        let mut counted = HashSet::new();
        for (p, v) in self.fk.finish() {
            self.stats.errors += 1;
            if !p.rejected && counted.insert(p.index) {
                self.stats.valid -= 1;
                self.stats.rejected += 1;
            }
            let pos = RecordPos {
                line: p.line,
                row: p.row,
                byte: p.byte,
            };
            let index = p.index as u64;
            let errors = self.placed(self.starts.file_of(index), pos, &p.cells, &[v]);
            rejected(index, &p.cells, errors)?;
        }
        Ok(())
    }
}

/// What the cross-row rules made of one batch, for [`check_batches`]' caller.
pub struct Taken {
    /// the dataset index of the batch's first row
    pub first: u64,
    /// the rejected rows: (position in the batch, errors), in order
    pub rejected: Vec<(usize, Vec<ErrorRecord>)>,
    /// false when `max_errors` stopped the check in this batch (see [`CrossRules::take`])
    pub go_on: bool,
}

/// The time each half of the loop took in [`check_batches`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Spent {
    pub per_row: Duration,
    pub cross_row: Duration,
}

/// The error a producer of [`check_batches`] gets when the check stopped early.
#[derive(Debug)]
struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the check of the rows stopped")
    }
}

impl std::error::Error for Stopped {}

/// Runs the loop over the batches `produce` makes, in order, on a thread of its own. Each
/// batch `produce` hands over goes through the per-row rules on every core (on that
/// thread), then through the cross-row rules on this one, while the next batch is made
/// and checked: both cores stay busy through the in-order steps. `each` then gets the
/// batch and what the cross-row rules made of it, in order. Against the same loop on one
/// thread, at a million generated reports (farm-bench, medians of 4-5 pairs): `luban
/// validate` alone 0.65x the wall time, `luban run --force` 0.93x (0.87x on reports that
/// disagree).
///
/// When `each` fails or `max_errors` stops the check, the next hand-over fails, and
/// `produce` should return that error. Returns what `produce` returned, or None when
/// `max_errors` stopped the check first.
pub fn check_batches<B, R, T>(
    rules: &RowRules<'_>,
    cross: &mut CrossRules<'_>,
    produce: impl FnOnce(&mut dyn FnMut(B) -> Result<()>) -> Result<T> + Send,
    mut each: impl FnMut(B, Taken) -> Result<()>,
) -> Result<(Option<T>, Spent)>
where
    B: AsRef<R> + Send,
    R: Rows + ?Sized,
    T: Send,
{
    let mut spent = Spent::default();
    let (made, taken) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(B, Vec<RowResult>)>(2);
        let producer = scope.spawn(move || {
            let mut per_row = Duration::ZERO;
            let made = produce(&mut |batch: B| -> Result<()> {
                let t = Instant::now();
                let results = rules.check(batch.as_ref());
                per_row += t.elapsed();
                tx.send((batch, results)).map_err(|_| anyhow::Error::new(Stopped))
            });
            made.map(|m| (m, per_row))
        });
        let mut taking = || -> Result<()> {
            for (batch, mut results) in &rx {
                let t = Instant::now();
                let first = cross.stats.rows;
                let mut rejected = Vec::new();
                let go_on = cross.take(batch.as_ref(), &mut results, |k, errors| {
                    rejected.push((k, errors));
                    Ok(())
                })?;
                spent.cross_row += t.elapsed();
                each(batch, Taken { first, rejected, go_on })?;
                if !go_on {
                    break;
                }
            }
            Ok(())
        };
        let taken = taking();
        drop(rx); // the producer stops at its next hand-over
        let made = producer.join().expect("the producer of batches does not panic");
        (made, taken)
    });
    taken?;
    match made {
        Ok((made, per_row)) => {
            spent.per_row = per_row;
            Ok((Some(made), spent))
        }
        Err(e) if e.is::<Stopped>() => Ok((None, spent)),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An earlier row is named by its number in its own file, with the file's name when
    /// it is not the file of the row that repeats it.
    #[test]
    fn earlier_rows_are_named_by_file_and_row() {
        let starts = FileStarts {
            starts: vec![
                (0, "a.csv".into()),
                (3, "b.csv".into()),
                (3, "c.csv".into()),
                (5, "d.csv".into()),
            ],
        };
        assert_eq!(starts.name(0, "a.csv"), "row 2");
        assert_eq!(starts.name(2, "a.csv"), "row 4");
        assert_eq!(starts.name(2, "d.csv"), "row 4 of a.csv");
        // b.csv has no rows: index 3 is c.csv's first row
        assert_eq!(starts.name(3, "c.csv"), "row 2");
        assert_eq!(starts.name(4, "d.csv"), "row 3 of c.csv");
        assert_eq!(starts.name(9, "d.csv"), "row 6");
    }
}
