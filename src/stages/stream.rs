//! Stages 1 to 3 in one pass, for `luban run`: the raw reports are ingested, validated
//! and normalized batch by batch, so that the rows of the dataset are never all held at
//! once. Going stage by stage within one process, ingest would hand every row (~440 B
//! each: 4.4 GiB at 10M reports) to validate, and validate every valid row to
//! normalize; here a row lives from its batch's read until its round of reports is
//! built. (Run alone, the three read the rows a batch at a time too: ingest only counts
//! them, validate keeps only the rejected ones ([`check_staged`]), and normalize pushes
//! each round of reports as it reads it.)
//!
//! The pass does what the three stages do, with the same rules in the same order
//! ([`RowRules`] and [`InOrder`], [`Normalizer`]), and writes the same files to `build/`: a run that
//! streams and one that does not leave byte-identical artifacts and output. What
//! differs is when each stage's work happens, so the three stage times it reports are
//! the time spent in each stage's part of the pass (ingest's: parsing records and
//! building rows), and they overlap.
//!
//! It does not apply when the stage-by-stage path would stop early or needs every row
//! first: a file whose header or encoding ingest refuses (ingest then rejects the
//! dataset with its own report), or a schema with foreign keys (a reference can be
//! defined by a later row). [`run`] returns None for those, and `luban run` goes stage
//! by stage.

use std::time::{Duration, Instant};

use anyhow::Result;

use super::ingest::{batch_rows, for_each_batch, CsvSource, Ingested, StagedFile, StagedRows};
use super::normalize::{self, Aliases, Normalized, Normalizer};
use super::validate::{self, Checked, InOrder, RowChecks, RowRules, Validated};
use super::StageReport;
use crate::layout::Layout;
use crate::model::{IngestedRow, Shared};
use crate::names::countries::CountryResolver;
use crate::report::progress::Progress;
use crate::schema::TableSchema;
use crate::table::csvio;

/// What the pass gives: each stage's result, as the stage run alone would give it.
pub struct Streamed {
    /// ingest's result, without rows (they went on)
    pub ingested: Ingested,
    /// validate's result, without the valid rows (they went on)
    pub validated: Validated,
    /// None when validate rejected rows: `luban run` stops there, and normalize's files
    /// are not written
    pub normalized: Option<Normalized>,
    /// how many files had rows (what `luban validate` counts as files checked)
    pub files_with_rows: usize,
}

/// Where each file's rows start among the dataset's rows, to name an earlier row in a
/// duplicate's error ("row 7 of raw/reports/a.csv") once its row is gone.
#[derive(Default)]
struct FileStarts {
    starts: Vec<(u64, Shared)>,
}

impl FileStarts {
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

/// The cross-row rules over the dataset's batches in order ([`InOrder`]), with the
/// rows they rejected and where: the pass and validate run alone
/// ([`check_staged`]) both hand their batches here.
struct CrossRows {
    in_order: InOrder,
    starts: FileStarts,
    /// rows taken so far
    rows_in: u64,
    /// the rejected rows and their positions (valid rows are not kept here)
    checked: Checked,
}

impl CrossRows {
    fn new(schema: &TableSchema) -> CrossRows {
        CrossRows {
            in_order: InOrder::new(schema),
            starts: FileStarts::default(),
            rows_in: 0,
            checked: Checked::default(),
        }
    }

    /// The next batch of the dataset with its per-row results: the rejected rows are
    /// kept, the others handed to `valid`, in order.
    fn take(
        &mut self,
        schema: &TableSchema,
        rows: Vec<IngestedRow>,
        checks: RowChecks,
        mut valid: impl FnMut(IngestedRow),
    ) {
        let Some(file) = rows.first().map(|r| r.at.file.clone()) else {
            return;
        };
        if self.starts.starts.last().is_none_or(|(_, f)| *f != file) {
            self.starts.starts.push((self.rows_in, file.clone()));
        }
        let n = rows.len() as u64;
        let starts = &self.starts;
        let name = |index: u32| starts.name(index, &file);
        let mut out = self.in_order.check(schema, &rows, checks, &name).into_iter().peekable();
        for (k, row) in rows.into_iter().enumerate() {
            match out.next_if(|(at, _)| *at == k) {
                Some((_, errors)) => {
                    self.checked.rejected_at.push(self.rows_in + k as u64);
                    self.checked.rejected.push((row, errors));
                }
                None => valid(row),
            }
        }
        self.rows_in += n;
    }
}

/// What the reading thread of the pass did.
struct ReadAll {
    staged: Vec<StagedFile>,
    /// time spent parsing records and building rows (ingest), and on the per-row rules
    /// (validate)
    reading: Duration,
    checking: Duration,
}

/// Runs ingest, validate and normalize in one pass (see the module doc); None when the
/// dataset has to go stage by stage.
///
/// A reading thread parses each batch of records (on its own reader thread), builds the
/// rows and applies the per-row rules to them, both on every core; this thread takes
/// the batches in order, applies the cross-row rules, and hands the valid rows to
/// normalize a round at a time. The two work on different batches at once, so that
/// both cores stay busy through the in-order steps.
pub fn run(
    layout: &Layout,
    schema: &TableSchema,
    countries: &CountryResolver,
    aliases: &Aliases,
    progress: &Progress,
) -> Result<Option<Streamed>> {
    let Some(rules) = RowRules::new(schema, countries) else {
        return Ok(None);
    };
    let files = layout.report_files()?;
    if files.is_empty() {
        return Ok(None); // ingest says why
    }
    let shown: Vec<String> = files.iter().map(|p| layout.display(p).replace('\\', "/")).collect();
    for (path, shown) in files.iter().zip(&shown) {
        if !CsvSource::open(path, shown, schema)?.header_errors.is_empty() {
            return Ok(None);
        }
    }
    progress.set_total(files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum());
    let mut cross = CrossRows::new(schema);
    let mut normalizer = Normalizer::new(schema, countries, aliases);
    let (mut ordering, mut normalizing) = (Duration::ZERO, Duration::ZERO);
    // valid rows waiting for a whole round of normalize
    let mut valid: Vec<IngestedRow> = Vec::with_capacity(normalize::ROUND + 8 * 1024);
    let read = std::thread::scope(|scope| -> Result<ReadAll> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<IngestedRow>, RowChecks)>(2);
        let (rules, files, shown) = (&rules, &files, &shown);
        let reading = scope.spawn(move || -> Result<ReadAll> {
            let mut all = ReadAll {
                staged: Vec::new(),
                reading: Duration::ZERO,
                checking: Duration::ZERO,
            };
            for (path, shown) in files.iter().zip(shown) {
                let file: Shared = shown.as_str().into();
                let mut src = CsvSource::open_hashed(path, shown, schema)?;
                if !src.header_errors.is_empty() {
                    anyhow::bail!("`{shown}` changed while it was read: rerun `luban run`");
                }
                let mut rows_here = 0u64;
                let parsing = for_each_batch(&mut src, progress, |batch| {
                    let t = Instant::now();
                    let mut rows = Vec::new();
                    batch_rows(batch, &file, &mut rows);
                    let t = (t.elapsed(), Instant::now());
                    let checks = rules.check(&rows);
                    all.reading += t.0;
                    all.checking += t.1.elapsed();
                    rows_here += rows.len() as u64;
                    tx.send((rows, checks))
                        .map_err(|_| anyhow::anyhow!("the pass over the rows stopped"))
                })?;
                all.reading += parsing;
                all.staged.push(StagedFile {
                    path: shown.clone(),
                    bytes: src.bytes,
                    rows: rows_here,
                    xxh3: src
                        .digest()
                        .ok_or_else(|| anyhow::anyhow!("internal error: a file read whole has no hash"))?,
                });
            }
            Ok(all)
        });
        let mut taking = || -> Result<()> {
            for (rows, checks) in &rx {
                let t = Instant::now();
                cross.take(schema, rows, checks, |row| valid.push(row));
                ordering += t.elapsed();
                if valid.len() >= normalize::ROUND {
                    let t = Instant::now();
                    normalizer.push(&valid[..normalize::ROUND])?;
                    valid.drain(..normalize::ROUND);
                    normalizing += t.elapsed();
                }
            }
            Ok(())
        };
        let taken = taking();
        drop(rx); // the reading thread stops at its next batch
        let read = reading.join().expect("the reading thread does not panic");
        taken?;
        read
    })?;
    let t = Instant::now();
    normalizer.push(&valid)?;
    drop(valid);
    normalizing += t.elapsed();
    let CrossRows {
        rows_in,
        checked: Checked {
            rejected, rejected_at, ..
        },
        ..
    } = cross;
    let valid_rows = rows_in - rejected.len() as u64;
    let staged = read.staged;
    if staged.iter().map(|f| f.rows).sum::<u64>() != rows_in {
        anyhow::bail!("internal error: the pass over the rows lost rows");
    }

    // ingest: every row of the accepted files (the pass runs only when all are)
    let mut report = StageReport::new("ingest");
    report.rows_in = rows_in;
    report.rows_out = rows_in;
    let files_with_rows = staged.iter().filter(|f| f.rows > 0).count();
    let hashes = staged
        .iter()
        .map(|f| (layout.root.join(&f.path), f.xxh3.clone()))
        .collect();
    let mut staged = StagedRows {
        files: staged,
        rejected: Vec::new(),
    };
    csvio::write_artifact(&layout.build_file("ingested.json"), std::slice::from_ref(&staged))?;
    report.elapsed = read.reading;
    report.check_conservation()?;
    let ingested = Ingested {
        report,
        rows: Vec::new(),
        file_errors: Vec::new(),
        files: files.len(),
        hashes,
    };

    // validate: the same files, less the rejected rows (see `ingest::StagedRows`)
    let t = Instant::now();
    let mut report = StageReport::new("validate");
    report.rows_in = rows_in;
    report.rows_out = valid_rows;
    report.rejected = rejected.len() as u64;
    report.data_errors = !rejected.is_empty();
    validate::write_quarantine(&layout.build_file("quarantine.csv"), &rejected)?;
    staged.rejected = rejected_at.clone();
    csvio::write_artifact(&layout.build_file("valid.json"), std::slice::from_ref(&staged))?;
    report.elapsed = read.checking + ordering + t.elapsed();
    report.check_conservation()?;
    let rejects = report.data_errors;
    let validated = Validated {
        report,
        checked: Checked {
            rejected,
            rejected_at,
            ..Default::default()
        },
        files: files_with_rows,
    };

    let normalized = if rejects {
        None
    } else {
        Some(normalize::finish_stage(
            normalizer,
            layout,
            valid_rows,
            normalizing,
            progress,
        )?)
    };
    Ok(Some(Streamed {
        ingested,
        validated,
        normalized,
        files_with_rows,
    }))
}

/// validate run alone, batch by batch: the rows `staged` lists (ingest's files, read
/// again and checked against its hashes: [`super::ingest::for_each_staged_batch`]) go
/// through the same rules as in the pass ([`RowRules`] and [`InOrder`]), and only the
/// rejected rows are kept. Returns the outcome without valid rows and the number of
/// rows read; None when the rules cannot run this way (foreign keys), or `staged`
/// already rejects rows.
///
/// Read whole first ([`super::ingest::rows_of`]), the rows of 10M reports took 4.6 GiB.
pub fn check_staged(
    layout: &Layout,
    schema: &TableSchema,
    countries: &CountryResolver,
    staged: &StagedRows,
    progress: &Progress,
) -> Result<Option<(Checked, u64)>> {
    let Some(rules) = RowRules::new(schema, countries) else {
        return Ok(None);
    };
    if !staged.rejected.is_empty() {
        return Ok(None);
    }
    let mut cross = CrossRows::new(schema);
    // As in the pass: a reading thread builds each batch's rows and applies the per-row
    // rules (both on every core), while this thread applies the cross-row rules to the
    // batch before, so that both cores stay busy through the in-order steps.
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<IngestedRow>, RowChecks)>(2);
        let rules = &rules;
        let reading = scope.spawn(move || {
            super::ingest::for_each_staged_batch(layout, staged, schema, progress, |rows| {
                let rows = std::mem::take(rows);
                let checks = rules.check(&rows);
                tx.send((rows, checks))
                    .map_err(|_| anyhow::anyhow!("the check of the rows stopped"))
            })
        });
        for (rows, checks) in &rx {
            cross.take(schema, rows, checks, drop);
        }
        reading.join().expect("the reading thread does not panic")?;
        Ok(())
    })?;
    let CrossRows { rows_in, checked, .. } = cross;
    Ok(Some((checked, rows_in)))
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
