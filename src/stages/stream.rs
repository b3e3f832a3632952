//! Stages 1 to 3 in one pass, for `luban run`: the raw reports are ingested, validated
//! and normalized batch by batch, so that the rows of the dataset are never all held at
//! once. Going stage by stage within one process, ingest would hand every row (~440 B
//! each: 4.4 GiB at 10M reports) to validate, and validate every valid row to
//! normalize; here a row lives from its batch's read until its round of reports is
//! built. (Run alone, the three read the rows a batch at a time too: ingest only counts
//! them, validate keeps only the rejected ones ([`validate::check_staged`]), and
//! normalize pushes each round of reports as it reads it.)
//!
//! The pass is the three stages' own functions put together: ingest's reading of a file
//! ([`ingest::file_rows`]), validate's row-checking loop ([`check_batches`], the one every
//! check of rows goes through), normalize's [`Normalizer`], and each stage's
//! `finish_stage`, which writes its files to `build/`. A run that streams and one that
//! does not leave byte-identical artifacts and output. What differs is when each stage's
//! work happens, so the three stage times it reports are the time spent in each stage's
//! part of the pass (ingest's: parsing records and building rows), and they overlap.
//!
//! It does not apply when the stage-by-stage path would stop early or needs every row
//! first: a file whose header or encoding ingest refuses (ingest then rejects the
//! dataset with its own report), or a schema with foreign keys (a reference can be
//! defined by a later row). [`run`] returns None for those, and `luban run` goes stage
//! by stage.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::ingest::{self, CsvSource, Ingested, ReportFiles, StagedFile};
use super::normalize::{self, Aliases, Normalized, Normalizer};
use super::validate::check::{check_batches, CrossRules, RowRules, Taken};
use super::validate::{self, Checked, Limits, Validated};
use crate::layout::Layout;
use crate::model::IngestedRow;
use crate::names::countries::CountryResolver;
use crate::report::progress::Progress;
use crate::schema::TableSchema;

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

/// What the reading side of the pass did: ingest's part.
struct ReadAll {
    staged: Vec<StagedFile>,
    /// time spent parsing records and building rows
    reading: Duration,
}

/// Ingest's part of the pass: reads every report file and hands each batch's rows over,
/// in order.
fn read_reports(
    files: &[(std::path::PathBuf, String)],
    schema: &TableSchema,
    progress: &Progress,
    hand_over: &mut dyn FnMut(Vec<IngestedRow>) -> Result<()>,
) -> Result<ReadAll> {
    let mut all = ReadAll {
        staged: Vec::new(),
        reading: Duration::ZERO,
    };
    for (path, shown) in files {
        let mut src = CsvSource::open_hashed(path, shown, schema)?;
        if !src.header_errors.is_empty() {
            anyhow::bail!("`{shown}` changed while it was read: rerun `luban run`");
        }
        let (rows, reading) = ingest::file_rows(&mut src, progress, |rows| hand_over(std::mem::take(rows)))?;
        all.reading += reading;
        all.staged.push(ingest::staged_file(&src, rows)?);
    }
    Ok(all)
}

/// Normalize's part of the pass: the valid rows, a round at a time.
struct Normalizing<'a> {
    normalizer: Normalizer<'a>,
    /// valid rows waiting for a whole round
    valid: Vec<IngestedRow>,
    spent: Duration,
}

impl Normalizing<'_> {
    fn push(&mut self, last: bool) -> Result<()> {
        let t = Instant::now();
        if last {
            self.normalizer.push(&self.valid)?;
            self.valid = Vec::new();
        } else if self.valid.len() >= normalize::ROUND {
            self.normalizer.push(&self.valid[..normalize::ROUND])?;
            self.valid.drain(..normalize::ROUND);
        }
        self.spent += t.elapsed();
        Ok(())
    }
}

/// Runs ingest, validate and normalize in one pass (see the module doc); None when the
/// dataset has to go stage by stage.
///
/// A reading thread parses each batch of records, builds the rows and applies the
/// per-row rules to them, both on every core; this thread takes the batches in order,
/// applies the cross-row rules, and hands the valid rows to normalize a round at a time
/// ([`check_batches`]).
pub fn run(
    layout: &Layout,
    schema: &TableSchema,
    countries: &CountryResolver,
    aliases: &Aliases,
    progress: &Progress,
) -> Result<Option<Streamed>> {
    let rules = RowRules::new(schema, Some(countries), schema.fields.len());
    let mut cross = CrossRules::new(schema, None, Limits::default());
    if cross.has_foreign_keys() {
        return Ok(None);
    }
    let files: Vec<(std::path::PathBuf, String)> = layout
        .report_files()?
        .into_iter()
        .map(|p| {
            let shown = layout.display(&p).replace('\\', "/");
            (p, shown)
        })
        .collect();
    if files.is_empty() {
        return Ok(None); // ingest says why
    }
    for (path, shown) in &files {
        if !CsvSource::open(path, shown, schema)?.header_errors.is_empty() {
            return Ok(None);
        }
    }
    progress.set_total(files.iter().filter_map(|f| f.0.metadata().ok()).map(|m| m.len()).sum());
    let mut norm = Normalizing {
        normalizer: Normalizer::new(schema, countries, aliases),
        valid: Vec::with_capacity(normalize::ROUND + 8 * 1024),
        spent: Duration::ZERO,
    };
    let mut checked = Checked::default();
    let each = |rows: Vec<IngestedRow>, taken: Taken| -> Result<()> {
        checked.keep_rejected(rows, taken, |row| norm.valid.push(row));
        norm.push(false)
    };
    let produce =
        |hand_over: &mut dyn FnMut(Vec<IngestedRow>) -> Result<()>| read_reports(&files, schema, progress, hand_over);
    let (read, spent) = check_batches::<_, [IngestedRow], _>(&rules, &mut cross, produce, each)?;
    let read = read.context("internal error: the pass over the rows stopped early")?;
    norm.push(true)?;
    let rows_in = cross.stats.rows;
    if read.staged.iter().map(|f| f.rows).sum::<u64>() != rows_in {
        anyhow::bail!("internal error: the pass over the rows lost rows");
    }
    let files_with_rows = read.staged.iter().filter(|f| f.rows > 0).count();
    // ingest: every row of the accepted files (the pass runs only when all are)
    let all = ReportFiles {
        files: files.len(),
        rows_in,
        rejected: 0,
        rows: Vec::new(),
        file_errors: Vec::new(),
        staged: read.staged.clone(),
    };
    let ingested = ingest::finish_stage(layout, all, read.reading)?;
    let validated = validate::finish_stage(
        layout,
        read.staged,
        rows_in,
        checked,
        files_with_rows,
        spent.per_row + spent.cross_row,
    )?;
    let normalized = if validated.report.data_errors {
        None
    } else {
        let valid_rows = validated.report.rows_out;
        Some(normalize::finish_stage(
            norm.normalizer,
            layout,
            valid_rows,
            norm.spent,
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
