//! Stage 2, validate: checks rows against a Table Schema with the rules of
//! [`crate::rules`]. Valid rows go on; rejected rows go to a quarantine file with file,
//! line, row, field, code, constraint, message and the whole record, so they can be fixed
//! and re-ingested. Nothing is dropped: every row read is either valid or quarantined.
//!
//! Three entry points share the rules:
//! - [`run`]: the dataset stage, on ingest's rows (in memory, or read again from the files
//!   `build/ingested.json` lists), writing `build/valid.json` (those files and the rows
//!   rejected) and `build/quarantine.csv`. Run alone, with no limit on errors, it reads
//!   the files batch by batch ([`super::stream::check_staged`]) and keeps only the
//!   rejected rows;
//! - [`RowRules`] and [`InOrder`]: the same checks batch by batch, for `luban run`'s
//!   single pass over the rows ([`super::stream`], which writes the same two files);
//! - [`check_source`]: any CSV file, streamed in batches. Per-row rules run on both cores
//!   in ordered batches (a reader thread feeds them); the cross-row rules (unique, primary
//!   key, duplicate row) then run in row order, so the output is the same for any `jobs`.
//!   Memory does not grow with the file, except for the keys those cross-row rules keep.

use std::borrow::Cow;
use std::collections::HashSet;
use std::time::Instant;

use anyhow::Result;
use rayon::prelude::*;

use super::ingest::{self, decode, decode_valid, place, Batch, CsvSource, Keep, RecordPos};
use super::StageReport;
use crate::layout::Layout;
use crate::model::IngestedRow;
use crate::names::countries::CountryResolver;
use crate::report::progress::Progress;
use crate::rules::{
    hash_record, numbered, CrossRowState, ErrorRecord, ForeignKeyState, KeyFields, RowChecker, RowInfo, RowKeys,
    RowName, Violation,
};
use crate::schema::TableSchema;
use crate::table::csvio;

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
}

fn placed<S: AsRef<str>>(
    schema: &TableSchema,
    file: &str,
    pos: RecordPos,
    cells: &[S],
    violations: &[Violation],
) -> Vec<ErrorRecord> {
    violations
        .iter()
        .map(|v| {
            let mut e = place(file, pos.line, pos.row, schema, cells, v);
            e.byte = Some(pos.byte);
            e
        })
        .collect()
}

/// Checks in-memory rows (all with `width` header labels) against `schema`.
///
/// The per-row checks run on every core, a round of rows at a time; the cross-row rules
/// then see the rows in order, so the outcome is the same as checking one row after
/// another. The in-order part of one round runs on its own thread while the next round
/// is checked, so that both cores stay busy.
///
/// The rows stay where they are: both threads read them in place, and the rejected ones
/// (few) are taken out at the end. Moving every valid row into a new vector took as much
/// fresh memory as the rows' own vector (1.1 GB at 10M rows, twice that while it grew).
pub fn check_rows(
    schema: &TableSchema,
    countries: Option<&CountryResolver>,
    width: usize,
    mut rows: Vec<IngestedRow>,
    limits: Limits,
    progress: &Progress,
) -> Checked {
    type PerRow = Vec<RowResult>;
    const ROUND: usize = 32 * 1024;
    let checker = RowChecker::new(schema, countries);
    let key_fields = KeyFields::new(schema);
    let total = rows.len() as u64;
    progress.set_total(total);
    // (index of the row, its errors) for the rejected rows, in row order
    let (rejected, done, pending) = std::thread::scope(|scope| {
        let all_rows = &rows;
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, PerRow)>(1);
        let finisher = scope.spawn(move || {
            let mut cross = CrossRowState::new(schema);
            let mut fk = ForeignKeyState::new(schema);
            let mut rejected: Vec<(usize, Vec<ErrorRecord>)> = Vec::new();
            let mut n_errors = 0usize;
            let mut done = 0usize;
            'rounds: for (start, per_row) in rx {
                for (i, r) in (start..).zip(per_row) {
                    let row = &all_rows[i];
                    let RowResult {
                        mut violations,
                        blank,
                        keys,
                    } = r;
                    if limits.max_errors.is_some_and(|m| n_errors >= m) {
                        break 'rounds;
                    }
                    done += 1;
                    let cell = |i: usize| row.cell(i).unwrap_or_default().to_string();
                    // Rows are numbered by their place in the dataset: row numbers
                    // restart in every file, so an earlier row is named with its file
                    // when it is in another one.
                    let name = |first: u32| match all_rows.get(first as usize) {
                        Some(r) if r.at.file == row.at.file => format!("row {}", r.at.row),
                        Some(r) => format!("row {} of {}", r.at.row, r.at.file),
                        None => format!("row {first}"),
                    };
                    cross.check(schema, i as u64, &keys, blank, &cell, &name, &mut violations);
                    if !fk.is_empty() && !blank {
                        let all = || row.cells().into_iter().map(str::to_string).collect();
                        fk.observe(
                            schema,
                            &RowInfo {
                                index: i,
                                row: row.at.row,
                                line: row.at.line,
                                byte: row.at.byte,
                                rejected: !violations.is_empty(),
                                cell: &cell,
                                cells: &all,
                            },
                        );
                    }
                    if !violations.is_empty() {
                        n_errors += violations.len();
                        let pos = RecordPos {
                            line: row.at.line,
                            row: row.at.row,
                            byte: row.at.byte,
                        };
                        rejected.push((i, placed(schema, &row.at.file, pos, &row.cells(), &violations)));
                    }
                }
                progress.set(done as u64);
            }
            let pending = if done == all_rows.len() {
                fk.finish()
            } else {
                Vec::new()
            };
            (rejected, done, pending)
        });
        for (round, start) in all_rows.chunks(ROUND).zip((0..).step_by(ROUND)) {
            let per_row: PerRow = check_round(&checker, &key_fields, schema, width, round);
            if tx.send((start, per_row)).is_err() {
                break; // the finisher stopped early (max_errors)
            }
        }
        drop(tx);
        finisher.join().expect("the in-order checks do not panic")
    });
    let mut out = Checked {
        stopped_early: done < rows.len(),
        unchecked: total - done as u64,
        ..Default::default()
    };
    rows.truncate(done);
    // the errors of each rejected row, by index: the in-order checks', then those of the
    // foreign keys checked at the end
    let mut errors_of: std::collections::BTreeMap<usize, Vec<ErrorRecord>> = rejected.into_iter().collect();
    for (p, v) in pending {
        // by index: row numbers restart in each file of the dataset
        let i = p.index;
        let Some(row) = rows.get(i) else {
            continue; // every row was checked (pending is empty otherwise)
        };
        let pos = RecordPos {
            line: p.line,
            row: p.row,
            byte: p.byte,
        };
        let errors = placed(schema, &row.at.file, pos, &p.cells, &[v]);
        errors_of.entry(i).or_default().extend(errors);
    }
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

/// The per-row rules of a round of rows, on every core.
fn check_round(
    checker: &RowChecker<'_>,
    key_fields: &KeyFields,
    schema: &TableSchema,
    width: usize,
    rows: &[IngestedRow],
) -> Vec<RowResult> {
    rows.par_iter()
        .with_min_len(1024)
        .map(|row| {
            let cells: Vec<&str> = row.cells();
            let hash = hash_record(row.text().as_bytes(), cells.iter().map(|c| c.len()));
            let raw = Raw {
                bytes: row.text().as_bytes(),
                bad_utf8: &row.bad_utf8,
                hash,
            };
            check_cells(checker, key_fields, schema, width, &cells, raw)
        })
        .collect()
}

/// The dataset's rules applied to rows that come batch by batch, in dataset order, for
/// `luban run`'s single pass over the raw reports ([`super::stream`]): [`RowRules`]
/// applies the per-row rules to a batch on every core, and [`InOrder`] then applies the
/// cross-row rules (unique, primary key, duplicate row) to the batches in order; the
/// two can work on different batches at once. The outcome is [`check_rows`]'.
///
/// Foreign keys are not checked this way: a reference can be defined by a later row,
/// so a row could be rejected after it has gone on to normalize. `luban run` does not
/// stream a schema that has them ([`RowRules::new`] returns None).
pub struct RowRules<'s> {
    schema: &'s TableSchema,
    checker: RowChecker<'s>,
    key_fields: KeyFields,
}

/// A batch's per-row results, for [`InOrder::check`].
pub struct RowChecks(Vec<RowResult>);

impl<'s> RowRules<'s> {
    pub fn new(schema: &'s TableSchema, countries: &'s CountryResolver) -> Option<RowRules<'s>> {
        ForeignKeyState::new(schema).is_empty().then(|| RowRules {
            schema,
            checker: RowChecker::new(schema, Some(countries)),
            key_fields: KeyFields::new(schema),
        })
    }

    /// The per-row rules of a batch of rows (every one as wide as the schema: ingest
    /// refuses other headers), on every core.
    pub fn check(&self, rows: &[IngestedRow]) -> RowChecks {
        let width = self.schema.fields.len();
        RowChecks(check_round(&self.checker, &self.key_fields, self.schema, width, rows))
    }
}

/// The cross-row rules, batch after batch in dataset order; see [`RowRules`].
pub struct InOrder {
    cross: CrossRowState,
    /// the dataset index of the next row
    next: u64,
}

impl InOrder {
    pub fn new(schema: &TableSchema) -> InOrder {
        InOrder {
            cross: CrossRowState::new(schema),
            next: 0,
        }
    }

    /// The next batch of the dataset, with its per-row results. Returns the rejected
    /// rows as (position among `rows`, errors), in order. `name` names an earlier row
    /// by its index in the dataset.
    pub fn check(
        &mut self,
        schema: &TableSchema,
        rows: &[IngestedRow],
        checks: RowChecks,
        name: RowName,
    ) -> Vec<(usize, Vec<ErrorRecord>)> {
        let mut rejected = Vec::new();
        for (k, (row, r)) in rows.iter().zip(checks.0).enumerate() {
            let RowResult {
                mut violations,
                blank,
                keys,
            } = r;
            let cell = |i: usize| row.cell(i).unwrap_or_default().to_string();
            self.cross
                .check(schema, self.next + k as u64, &keys, blank, &cell, name, &mut violations);
            if !violations.is_empty() {
                let pos = RecordPos {
                    line: row.at.line,
                    row: row.at.row,
                    byte: row.at.byte,
                };
                rejected.push((k, placed(schema, &row.at.file, pos, &row.cells(), &violations)));
            }
        }
        self.next += rows.len() as u64;
        rejected
    }
}

/// Counts of a streamed check. When `max_errors` stopped it, they cover the rows up to
/// the stop only (`stopped_early`).
#[derive(Debug, Default, Clone, Copy)]
pub struct StreamStats {
    pub rows: u64,
    pub valid: u64,
    pub rejected: u64,
    pub errors: usize,
    pub stopped_early: bool,
}

/// The per-row result computed in parallel.
struct RowResult {
    violations: Vec<Violation>,
    blank: bool,
    keys: RowKeys,
}

fn check_record(
    checker: &RowChecker<'_>,
    key_fields: &KeyFields,
    schema: &TableSchema,
    width: usize,
    rec: &ingest::Record,
) -> RowResult {
    let mut bad = Vec::new();
    let owned;
    let strs: smallvec::SmallVec<[&str; 16]> = match decode_valid(rec) {
        Some(strs) => strs,
        None => {
            owned = decode(rec, &mut bad);
            owned.iter().map(Cow::as_ref).collect()
        }
    };
    let hash = hash_record(rec.as_slice(), rec.iter().map(<[u8]>::len));
    let raw = Raw {
        bytes: rec.as_slice(),
        bad_utf8: &bad,
        hash,
    };
    check_cells(checker, key_fields, schema, width, &strs, raw)
}

/// One row as read: its cells' bytes in one buffer, the cells that are not UTF-8, and
/// the row's [`hash_record`].
struct Raw<'r> {
    bytes: &'r [u8],
    bad_utf8: &'r [usize],
    hash: u128,
}

/// The rules of one row that need no other row, and the keys the cross-row rules need.
/// Both entry points run this in parallel.
fn check_cells(
    checker: &RowChecker<'_>,
    key_fields: &KeyFields,
    schema: &TableSchema,
    width: usize,
    cells: &[&str],
    raw: Raw<'_>,
) -> RowResult {
    let mut violations = Vec::new();
    let blank = checker.check_cells(width, cells, raw.bytes, raw.bad_utf8, &mut violations);
    RowResult {
        violations,
        blank,
        keys: key_fields.keys(schema, cells, raw.hash),
    }
}

/// The in-order part of a streamed check: cross-row rules, foreign keys, counts, and
/// handing rejected rows to the caller.
struct Finisher<'s, F> {
    schema: &'s TableSchema,
    limits: Limits,
    shown: String,
    /// the file's delimiter, for the carets
    delimiter: u8,
    cross: CrossRowState,
    fk: ForeignKeyState,
    stats: StreamStats,
    on_rejected: F,
}

impl<F: FnMut(&[String], Vec<ErrorRecord>) -> Result<()>> Finisher<'_, F> {
    /// One checked batch; false once `max_errors` is reached.
    fn batch(&mut self, batch: &Batch, results: &mut [RowResult], estimate: Option<u64>) -> Result<bool> {
        let schema = self.schema;
        if self.stats.rows == 0 {
            if let Some(n) = estimate {
                // one allocation for the key sets, capped at 64M rows (~2 GiB)
                self.cross.reserve(n.min(64 << 20) as usize);
            }
        }
        for (i, r) in results.iter_mut().enumerate() {
            let rec = &batch.records[i];
            let pos = batch.pos[i];
            if self.limits.max_errors.is_some_and(|m| self.stats.errors >= m) {
                // rows after this one are not read on: the counts cover checked rows only,
                // which is the same for any number of jobs
                self.stats.stopped_early = true;
                return Ok(false);
            }
            self.stats.rows += 1;
            let cell = |i: usize| String::from_utf8_lossy(rec.get(i).unwrap_or_default()).into_owned();
            let cells = || {
                decode(rec, &mut Vec::new())
                    .into_iter()
                    .map(Cow::into_owned)
                    .collect::<Vec<String>>()
            };
            self.cross
                .check(schema, pos.row, &r.keys, r.blank, &cell, &numbered, &mut r.violations);
            if !self.fk.is_empty() && !r.blank {
                let info = RowInfo {
                    index: self.stats.rows as usize,
                    row: pos.row,
                    line: pos.line,
                    byte: pos.byte,
                    rejected: !r.violations.is_empty(),
                    cell: &cell,
                    cells: &cells,
                };
                self.fk.observe(schema, &info);
            }
            if r.violations.is_empty() {
                self.stats.valid += 1;
            } else {
                self.stats.rejected += 1;
                self.stats.errors += r.violations.len();
                let owned = cells();
                let mut errors = placed(schema, &self.shown, pos, &owned, &r.violations);
                errors.iter_mut().for_each(|e| e.delimiter = self.delimiter);
                (self.on_rejected)(&owned, errors)?;
            }
        }
        Ok(true)
    }

    /// After the last batch: references that no row defined.
    fn end(&mut self) -> Result<()> {
        if self.stats.stopped_early {
            return Ok(()); // later rows could have defined them
        }
        let mut counted = HashSet::new();
        for (p, v) in self.fk.finish() {
            self.stats.errors += 1;
            if !p.rejected && counted.insert(p.row) {
                self.stats.valid -= 1;
                self.stats.rejected += 1;
            }
            let pos = RecordPos {
                line: p.line,
                row: p.row,
                byte: p.byte,
            };
            let mut errors = placed(self.schema, &self.shown, pos, &p.cells, &[v]);
            errors.iter_mut().for_each(|e| e.delimiter = self.delimiter);
            (self.on_rejected)(&p.cells, errors)?;
        }
        Ok(())
    }
}

/// Streams one CSV source through the rules. `on_rejected` receives each rejected row's
/// cells and errors, in row order. `jobs` = 1 runs everything on this thread.
pub fn check_source(
    src: &mut CsvSource,
    schema: &TableSchema,
    countries: Option<&CountryResolver>,
    limits: Limits,
    jobs: usize,
    progress: &Progress,
    on_rejected: impl FnMut(&[String], Vec<ErrorRecord>) -> Result<()> + Send,
) -> Result<StreamStats> {
    check_source_with(src, schema, countries, limits, jobs, progress, None, on_rejected)
}

/// [`check_source`] for a resource of a data package, with the values its foreign keys
/// to the package's other resources refer to.
#[allow(clippy::too_many_arguments)]
pub fn check_source_with(
    src: &mut CsvSource,
    schema: &TableSchema,
    countries: Option<&CountryResolver>,
    limits: Limits,
    jobs: usize,
    progress: &Progress,
    refs: Option<&super::package::References>,
    on_rejected: impl FnMut(&[String], Vec<ErrorRecord>) -> Result<()> + Send,
) -> Result<StreamStats> {
    const BATCH: usize = 2048;
    progress.set_total(src.bytes);
    let arranged = src.arranged.take();
    let schema = arranged.as_ref().unwrap_or(schema);
    let checker = RowChecker::new(schema, countries);
    let key_fields = KeyFields::new(schema);
    let width = src.labels.len();
    let mut fin = Finisher {
        schema,
        limits,
        shown: src.shown.clone(),
        delimiter: src.delimiter,
        cross: CrossRowState::new(schema),
        fk: ForeignKeyState::with_references(schema, refs),
        stats: StreamStats::default(),
        on_rejected,
    };
    // One results buffer, reused: allocating and freeing it per batch made the allocator
    // return and re-fault its pages (a quarter of the time, see BENCHMARKS.md).
    let mut results: Vec<RowResult> = Vec::with_capacity(BATCH);
    if jobs <= 1 {
        let mut batch = Batch::with_capacity(BATCH);
        while src.next_batch(&mut batch)? {
            progress.set(src.bytes_read());
            results.extend(
                batch.records[..batch.len]
                    .iter()
                    .map(|rec| check_record(&checker, &key_fields, schema, width, rec)),
            );
            let estimate = src.estimated_rows();
            let go_on = fin.batch(&batch, &mut results, estimate)?;
            results.clear();
            if !go_on {
                break;
            }
        }
        fin.end()?;
        return Ok(fin.stats);
    }
    // Three kinds of threads overlap: a reader fills batches, `jobs` workers check whole
    // batches, and this thread runs the in-order rules on them in read order, then hands
    // the buffers back. Plain threads blocking on channels, not a work-stealing pool: on 2
    // cores with a reader and a finisher beside them, idle pool threads spinning for work
    // took CPU time from the others (sched_yield was a fifth of the system time).
    use crossbeam_channel::{bounded, unbounded};
    let stop = std::sync::atomic::AtomicBool::new(false);
    let in_flight = 2 * jobs + 2;
    std::thread::scope(|scope| -> Result<StreamStats> {
        let (work_tx, work_rx) = bounded::<(u64, Batch)>(in_flight);
        let (done_tx, done_rx) = bounded::<(u64, Batch, Vec<RowResult>)>(in_flight);
        let (empty_tx, empty_rx) = unbounded::<Batch>();
        let (spare_tx, spare_rx) = unbounded::<Vec<RowResult>>();
        for _ in 0..in_flight {
            empty_tx.send(Batch::with_capacity(BATCH)).expect("receiver alive");
            spare_tx.send(Vec::with_capacity(BATCH)).expect("receiver alive");
        }
        let stop = &stop;
        let reader = scope.spawn(move || -> Result<()> {
            let mut seq = 0u64;
            while let Ok(mut batch) = empty_rx.recv() {
                if stop.load(std::sync::atomic::Ordering::Relaxed) || !src.next_batch(&mut batch)? {
                    break;
                }
                progress.set(src.bytes_read());
                batch.estimated_rows = src.estimated_rows();
                if work_tx.send((seq, batch)).is_err() {
                    break; // the finisher failed
                }
                seq += 1;
            }
            Ok(())
        });
        for _ in 0..jobs {
            let (work_rx, done_tx, spare_rx) = (work_rx.clone(), done_tx.clone(), spare_rx.clone());
            let (checker, key_fields) = (&checker, &key_fields);
            scope.spawn(move || {
                while let Ok((seq, batch)) = work_rx.recv() {
                    let mut results = spare_rx.try_recv().unwrap_or_default();
                    if !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        results.extend(
                            batch.records[..batch.len]
                                .iter()
                                .map(|rec| check_record(checker, key_fields, schema, width, rec)),
                        );
                    }
                    if done_tx.send((seq, batch, results)).is_err() {
                        break;
                    }
                }
            });
        }
        drop((work_rx, done_tx, spare_rx));
        // Batches finish out of order; run them through the finisher in read order.
        let finished = (|| -> Result<StreamStats> {
            let mut pending = std::collections::BTreeMap::new();
            let mut next = 0u64;
            let mut ok = true;
            while let Ok((seq, batch, results)) = done_rx.recv() {
                pending.insert(seq, (batch, results));
                while let Some((batch, mut results)) = pending.remove(&next) {
                    next += 1;
                    if ok {
                        ok = fin.batch(&batch, &mut results, batch.estimated_rows)?;
                        if !ok {
                            stop.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                    results.clear();
                    // Once the reader is done nobody takes batches back; keep draining anyway.
                    let _ = empty_tx.send(batch);
                    let _ = spare_tx.send(results);
                }
            }
            fin.end()?;
            Ok(fin.stats)
        })();
        // On an error the channels close as `finished`'s borrows end: the others stop.
        drop((done_rx, empty_tx, spare_tx));
        let stats = finished?;
        reader.join().expect("reader thread does not panic")?;
        Ok(stats)
    })
}

/// Writes the quarantine file: one line per error, with the whole record as JSON.
pub fn write_quarantine(path: &std::path::Path, rejected: &[(IngestedRow, Vec<ErrorRecord>)]) -> Result<()> {
    csvio::write_staged(path, |w| {
        let mut q = QuarantineWriter::new(w)?;
        for (row, errors) in rejected {
            q.write(&row.cells(), errors)?;
        }
        q.flush()
    })
}

/// The quarantine CSV: file, line, row, field, field_position, code, constraint, cell,
/// message, and the whole record as a JSON array of its cells.
pub struct QuarantineWriter<W: std::io::Write> {
    wtr: csv::Writer<W>,
}

impl<W: std::io::Write> QuarantineWriter<W> {
    pub fn new(w: W) -> Result<QuarantineWriter<W>> {
        let mut wtr = csvio::writer(w);
        wtr.write_record([
            "file",
            "line",
            "row",
            "field",
            "field_position",
            "code",
            "constraint",
            "cell",
            "message",
            "record",
        ])?;
        Ok(QuarantineWriter { wtr })
    }

    pub fn write<S: AsRef<str> + serde::Serialize>(&mut self, cells: &[S], errors: &[ErrorRecord]) -> Result<()> {
        let record = serde_json::to_string(cells)?;
        for e in errors {
            self.wtr.write_record([
                e.file.as_str(),
                &e.line.to_string(),
                &e.row.to_string(),
                e.field.as_deref().unwrap_or(""),
                &e.field_position.map_or(String::new(), |p| p.to_string()),
                &e.code,
                e.constraint.as_deref().unwrap_or(""),
                e.cell.as_deref().unwrap_or(""),
                &e.message,
                &record,
            ])?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        self.wtr.flush()?;
        Ok(())
    }
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
        (None, Keep::Count, None) => super::stream::check_staged(layout, schema, countries, &staged, progress)?,
        _ => None,
    };
    let mut report = StageReport::new("validate");
    // with the number of files whose rows were checked
    let (checked, files) = match streamed {
        Some((checked, rows_in)) => {
            report.rows_in = rows_in;
            report.rows_out = rows_in - checked.rejected.len() as u64;
            (checked, staged.files.iter().filter(|f| f.rows > 0).count())
        }
        None => {
            let rows = match input {
                Some(rows) => rows,
                None => ingest::rows_of(layout, &staged, schema, progress)?,
            };
            report.rows_in = rows.len() as u64;
            // ingest rejects files whose header is not the schema's, so every row has
            // its width
            let checked = check_rows(schema, Some(countries), schema.fields.len(), rows, limits, progress);
            report.rows_out = checked.valid.len() as u64;
            // from the rows checked: `max_errors` can stop before the last files
            let files = files_of(&checked);
            (checked, files)
        }
    };
    report.rejected = checked.rejected.len() as u64 + checked.unchecked;
    report.data_errors = !checked.rejected.is_empty();
    write_quarantine(&layout.build_file("quarantine.csv"), &checked.rejected)?;
    let valid_path = layout.build_file("valid.json");
    if checked.stopped_early {
        let _ = std::fs::remove_file(&valid_path);
    } else {
        // the files ingest read, less the rejected rows (see `ingest::StagedRows`)
        let valid = ingest::StagedRows {
            files: staged.files,
            rejected: checked.rejected_at.clone(),
        };
        csvio::write_artifact(&valid_path, std::slice::from_ref(&valid))?;
    }
    report.elapsed = start.elapsed();
    report.check_conservation()?;
    Ok(Validated { report, checked, files })
}

#[cfg(test)]
mod tests;
