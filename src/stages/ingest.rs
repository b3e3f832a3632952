//! Stage 1, ingest: reads every `raw/reports/*.csv` as bytes, checks the encoding (UTF-8;
//! a UTF-8 BOM is skipped; UTF-16 is refused) and the header against the reports schema,
//! and turns each record into a row with its provenance (file, line, row, byte offset).
//! Cells are not judged here; a cell that is not UTF-8 is marked for the validator. A
//! file whose header does not match the schema is rejected whole, and nothing is staged
//! (exit 1).
//!
//! `build/ingested.json` stages the rows by reference, not by copy: it lists the files read,
//! with the size, row count and content hash (xxh3-128) of each ([`StagedRows`]). The rows
//! are a pure function of those bytes, so a stage run alone reads them again from `raw/`
//! ([`for_each_staged_batch`]) and refuses if a file's hash changed. Staging a copy of every row
//! was half of ingest's time (0.45-0.55 s of ~1 s at a million reports: serializing and
//! compressing 270 MB into 56 MB), and decoding that copy was slower than parsing the CSV
//! again.

mod records;
mod sniff;
mod source;

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::StageReport;
use crate::layout::Layout;
use crate::model::{IngestedRow, Provenance};
use crate::report::error_report::ErrorRecord;
use crate::report::progress::Progress;
use crate::rules::Violation;
use crate::schema::TableSchema;
use crate::table::csvio;

pub use records::Record;
pub use source::{decode, decode_valid, file_error, Batch, Cells, CsvSource, RecordPos};

/// What reading one whole file gave.
pub struct FileRead {
    /// the rows, when they were kept ([`Keep::Rows`])
    pub rows: Vec<IngestedRow>,
    /// rows read, kept or not
    pub count: u64,
    pub file_errors: Vec<ErrorRecord>,
    pub width: usize,
    /// The file's size, and its content hash (None when a file error stopped the read).
    pub bytes: u64,
    pub digest: Option<String>,
}

/// Records per batch read.
const BATCH: usize = 8 * 1024;

/// Reads `src` batch by batch and calls `each` with every batch, in file order. `progress`
/// counts the bytes read (ingest) or the rows (a stage reading its rows again). Stops at
/// the first error `each` returns. Returns the time spent parsing.
///
/// One thread: where there is work per batch (building rows, checking them), `each` does
/// it on every core. A reader thread filling the next batch meanwhile did not pay 10%
/// anywhere at a million generated reports; the wall time with it over the time with
/// this loop (farm-bench, medians of 5-6 pairs) was 1.00 for `luban run --force`, 0.95
/// for `luban normalize` alone, 1.05 for `luban validate` alone and 1.37 for `luban
/// ingest` alone.
pub fn for_each_batch(
    src: &mut CsvSource,
    progress: &Progress,
    mut each: impl FnMut(&Batch) -> Result<()>,
) -> Result<std::time::Duration> {
    let mut batch = Batch::with_capacity(BATCH);
    let (mut done, mut parsing) = (0, std::time::Duration::ZERO);
    loop {
        let t = Instant::now();
        let more = src.next_batch(&mut batch)?;
        parsing += t.elapsed();
        if !more {
            return Ok(parsing);
        }
        let now = src.bytes_read();
        match progress.unit() {
            crate::report::progress::Unit::Bytes => progress.inc(now - done),
            crate::report::progress::Unit::Rows => progress.inc(batch.len as u64),
        }
        done = now;
        batch.estimated_rows = src.estimated_rows();
        each(&batch)?;
    }
}

/// The rows of a batch of records of `file`, built on every core, in place of `rows`'
/// contents.
pub fn batch_rows(batch: &Batch, file: &crate::model::Shared, rows: &mut Vec<IngestedRow>) {
    batch.records[..batch.len]
        .par_iter()
        .zip(&batch.pos[..batch.len])
        .with_min_len(512)
        .map(|(rec, pos)| {
            let at = Provenance {
                file: file.clone(),
                line: pos.line,
                row: pos.row,
                byte: pos.byte,
            };
            match decode_valid(rec) {
                Some(cells) => IngestedRow::new(at, &cells, Vec::new()),
                None => {
                    let mut bad_utf8 = Vec::new();
                    let cells = decode(rec, &mut bad_utf8);
                    IngestedRow::new(at, &cells, bad_utf8)
                }
            }
        })
        .collect_into_vec(rows);
}

/// The rows of one report file, a batch at a time: `each` gets every batch's rows (built
/// on every core, see [`batch_rows`]) in a buffer it may drain, in file order. Returns
/// the number of rows and the time spent parsing records and building rows.
pub fn file_rows(
    src: &mut CsvSource,
    progress: &Progress,
    mut each: impl FnMut(&mut Vec<IngestedRow>) -> Result<()>,
) -> Result<(u64, std::time::Duration)> {
    let file: crate::model::Shared = src.shown.as_str().into();
    let (mut n, mut building) = (0u64, std::time::Duration::ZERO);
    let mut rows: Vec<IngestedRow> = Vec::new();
    let parsing = for_each_batch(src, progress, |batch| {
        let t = Instant::now();
        batch_rows(batch, &file, &mut rows);
        building += t.elapsed();
        n += rows.len() as u64;
        each(&mut rows)
    })?;
    Ok((n, parsing + building))
}

/// `src`, read to its end by [`file_rows`] (`rows` rows), as `build/ingested.json` lists it.
pub fn staged_file(src: &CsvSource, rows: u64) -> Result<StagedFile> {
    Ok(StagedFile {
        path: src.shown.clone(),
        bytes: src.bytes,
        rows,
        xxh3: src.digest().context("internal error: a file read whole has no hash")?,
    })
}

/// What reading a report file keeps of its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// every row, built (for the stage that runs next in the same process)
    Rows,
    /// their number only: `luban ingest` run alone stages the files' hashes and row
    /// counts, not the rows (see the module doc). Building them anyway held every row
    /// of the input at once: 4.1 GiB at 10M reports, and 11.4 s.
    Count,
}

/// Reads one CSV file against `schema` (into memory, with [`Keep::Rows`]). I/O problems
/// are errors; data problems are returned in `file_errors` (encoding, header) or marked
/// on rows.
///
/// Batches of records are parsed, then their rows built on every core; rows keep the
/// file's order.
pub fn read_file(path: &Path, shown: &str, schema: &TableSchema, progress: &Progress, keep: Keep) -> Result<FileRead> {
    let mut src = CsvSource::open_hashed(path, shown, schema)?;
    let mut rows: Vec<IngestedRow> = Vec::new();
    let mut count = 0u64;
    let mut part = Vec::with_capacity(BATCH);
    let file: crate::model::Shared = shown.into();
    for_each_batch(&mut src, progress, |batch| {
        count += batch.len as u64;
        if keep == Keep::Count {
            return Ok(());
        }
        if rows.is_empty() {
            // one allocation for the file's rows, from the reader's estimate
            rows.reserve(batch.estimated_rows.unwrap_or(0).min(1 << 26) as usize);
        }
        batch_rows(batch, &file, &mut part);
        rows.append(&mut part);
        Ok(())
    })?;
    Ok(FileRead {
        rows,
        count,
        width: src.labels.len(),
        bytes: src.bytes,
        digest: src.digest(),
        file_errors: src.header_errors,
    })
}

/// Places a violation of one row in its file, for reports and the quarantine file.
pub fn place<S: AsRef<str>>(
    file: &str,
    line: u64,
    row: u64,
    schema: &TableSchema,
    cells: &[S],
    v: &Violation,
) -> ErrorRecord {
    ErrorRecord {
        file: file.to_string(),
        line,
        row,
        field: v.field_index.and_then(|i| schema.fields.get(i)).map(|f| f.name.clone()),
        field_position: v.field_index.map(|i| i + 1),
        code: v.code.to_string(),
        constraint: v.constraint.map(str::to_string),
        cell: v.field_index.and_then(|i| cells.get(i)).map(|c| c.as_ref().to_string()),
        message: v.message.clone(),
        expected: v.expected.clone(),
        help: v.help.clone(),
        cell_line: None,
        column: None,
        byte: None,
        delimiter: b',',
    }
}

/// Result of the ingest stage.
pub struct Ingested {
    pub report: StageReport,
    /// The staged rows (empty when a file was rejected, or with [`Keep::Count`]).
    pub rows: Vec<IngestedRow>,
    pub file_errors: Vec<ErrorRecord>,
    pub files: usize,
    /// Each accepted file and the xxh3-128 of the bytes read from it, for the incremental
    /// tracker: it records what was read, and need not read the files again.
    pub hashes: Vec<(std::path::PathBuf, String)>,
}

/// Every report file of the dataset read against `schema`, in ingest's order (sorted,
/// symlinks refused). A file with a file error (header, encoding) is rejected whole:
/// its rows are counted in `rejected`, not kept. `luban check` reads the reports the
/// same way.
pub struct ReportFiles {
    pub files: usize,
    /// rows read, in all files
    pub rows_in: u64,
    /// rows of the rejected files
    pub rejected: u64,
    /// the rows of the accepted files, in file then row order
    pub rows: Vec<IngestedRow>,
    pub file_errors: Vec<ErrorRecord>,
    /// the accepted files, as `build/ingested.json` lists them
    pub staged: Vec<StagedFile>,
}

/// What `build/ingested.json` and `build/valid.json` hold: the report files ingest read, and
/// the rows validate rejected (none in `ingested.json`). The rows are read again from the
/// files when a stage runs alone (see the module doc).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StagedRows {
    pub files: Vec<StagedFile>,
    /// Positions of the rejected rows among all the files' rows (file then row order),
    /// ascending.
    pub rejected: Vec<u64>,
}

/// One report file as ingest read it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StagedFile {
    /// relative to the dataset root, with `/` separators
    pub path: String,
    pub bytes: u64,
    pub rows: u64,
    /// xxh3-128 of the file's bytes, in hex
    pub xxh3: String,
}

/// Reads a staged-rows artifact (`ingested.json` or `valid.json`, written by `produced_by`).
pub fn read_staged(path: &Path, produced_by: &str) -> Result<StagedRows> {
    let mut items: Vec<StagedRows> = csvio::read_artifact(path, produced_by)?;
    match (items.pop(), items.is_empty()) {
        (Some(staged), true) => Ok(staged),
        _ => anyhow::bail!(
            "`{}` is damaged (it should hold one list of files): rerun `luban {produced_by}`",
            path.display()
        ),
    }
}

const RERUN: &str = "raw/reports changed since `luban ingest` read it: rerun `luban ingest` (or `luban run`)";

/// The path of a file a staged-rows artifact lists. Only what ingest could have read: a
/// plain file under the dataset root (the artifact is not trusted to name one).
pub fn staged_path(layout: &Layout, f: &StagedFile) -> Result<std::path::PathBuf> {
    let inside = Path::new(&f.path)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    let path = layout.root.join(&f.path);
    let meta = std::fs::symlink_metadata(&path);
    if !inside {
        anyhow::bail!("`{}` is not a file of the dataset: rerun `luban ingest`", f.path);
    }
    if !meta.is_ok_and(|m| m.is_file()) {
        anyhow::bail!("`{}` is gone: {RERUN}", f.path);
    }
    Ok(path)
}

/// Checks that a file read again is the one ingest staged as `f`: read without a file
/// error (`clean`), with the same hash and row count.
pub fn same_file(f: &StagedFile, clean: bool, digest: Option<&str>, rows: u64) -> Result<()> {
    if !(clean && digest == Some(f.xxh3.as_str()) && rows == f.rows) {
        anyhow::bail!("`{}` is not the file ingest read: {RERUN}", f.path);
    }
    Ok(())
}

/// The rows `staged` stands for: its files read again, checked against the hashes ingest
/// recorded, without the rejected rows. A file that changed, went missing or no longer
/// reads cleanly is an error that says to rerun ingest. `progress` counts the rows read
/// (or the bytes, if it is a bar of bytes), with a note saying so.
pub fn rows_of(
    layout: &Layout,
    staged: &StagedRows,
    schema: &TableSchema,
    progress: &Progress,
) -> Result<Vec<IngestedRow>> {
    // one allocation, sized from the artifact's counts (capped: a damaged count must not
    // reserve terabytes)
    let listed = staged.files.iter().fold(0u64, |n, f| n.saturating_add(f.rows));
    let expected = listed.saturating_sub(staged.rejected.len() as u64).min(1 << 26);
    let mut rows: Vec<IngestedRow> = Vec::with_capacity(expected as usize);
    for_each_staged_batch(layout, staged, schema, progress, |batch| {
        rows.append(batch);
        Ok(())
    })?;
    Ok(rows)
}

/// The rows `staged` stands for ([`rows_of`]), a batch at a time: `each` gets every
/// batch's rows that `staged` does not reject (possibly none), in order, in a buffer it
/// may drain. Memory is a batch's rows, not the dataset's. Returns the number of rows
/// handed over.
pub fn for_each_staged_batch(
    layout: &Layout,
    staged: &StagedRows,
    schema: &TableSchema,
    progress: &Progress,
    mut each: impl FnMut(&mut Vec<IngestedRow>) -> Result<()>,
) -> Result<u64> {
    progress.set_total(match progress.unit() {
        crate::report::progress::Unit::Bytes => staged.files.iter().map(|f| f.bytes).sum(),
        crate::report::progress::Unit::Rows => staged.files.iter().map(|f| f.rows).sum(),
    });
    progress.note("reading raw/reports");
    let mut rejected = staged.rejected.iter().copied().peekable();
    let (mut read, mut kept) = (0u64, 0u64);
    for f in &staged.files {
        let path = staged_path(layout, f)?;
        let mut src = CsvSource::open_hashed(&path, &f.path, schema)?;
        let clean = src.header_errors.is_empty();
        let mut here = 0u64;
        if clean {
            (here, _) = file_rows(&mut src, progress, |rows| {
                let first = read;
                read += rows.len() as u64;
                if rejected.peek().is_some_and(|&r| r < read) {
                    let mut i = first;
                    rows.retain(|_| {
                        let keep = rejected.next_if(|&r| r == i).is_none();
                        i += 1;
                        keep
                    });
                }
                kept += rows.len() as u64;
                each(rows)
            })?;
        }
        same_file(f, clean, src.digest().as_deref(), here)?;
    }
    if rejected.next().is_some() {
        anyhow::bail!("`build/valid.json` rejects rows its files do not have: rerun `luban validate`");
    }
    progress.note("");
    Ok(kept)
}

pub fn read_report_files(
    layout: &Layout,
    schema: &TableSchema,
    progress: &Progress,
    keep: Keep,
) -> Result<ReportFiles> {
    let files = layout.report_files()?;
    let mut out = ReportFiles {
        files: files.len(),
        rows_in: 0,
        rejected: 0,
        rows: Vec::new(),
        file_errors: Vec::new(),
        staged: Vec::new(),
    };
    progress.set_total(files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum());
    for path in &files {
        let shown = layout.display(path).replace('\\', "/");
        let read = read_file(path, &shown, schema, progress, keep)?;
        out.rows_in += read.count;
        if read.file_errors.is_empty() {
            out.staged.push(StagedFile {
                path: shown,
                bytes: read.bytes,
                rows: read.count,
                xxh3: read.digest.context("internal error: a file read whole has no hash")?,
            });
            if out.rows.is_empty() {
                out.rows = read.rows; // no copy for the first (often the only) file
            } else {
                out.rows.extend(read.rows);
            }
        } else {
            out.rejected += read.count;
            out.file_errors.extend(read.file_errors);
        }
    }
    Ok(out)
}

/// Runs ingest over the dataset's raw reports.
pub fn run(layout: &Layout, schema: &TableSchema, progress: &Progress, keep: Keep) -> Result<Ingested> {
    let start = Instant::now();
    let read = read_report_files(layout, schema, progress, keep)?;
    if read.files == 0 {
        anyhow::bail!(
            "no report files: `{}` holds no *.csv",
            layout.display(&layout.raw_reports())
        );
    }
    finish_stage(layout, read, start.elapsed())
}

/// The end of the stage, once the report files were read (in `spent`): its report, and
/// `build/ingested.json` (removed instead when a file was rejected: then no rows go on).
pub fn finish_stage(layout: &Layout, read: ReportFiles, spent: std::time::Duration) -> Result<Ingested> {
    let start = Instant::now();
    let ReportFiles {
        files,
        rows_in,
        rejected,
        mut rows,
        file_errors,
        staged,
    } = read;
    let mut report = StageReport::new("ingest");
    report.rows_in = rows_in;
    report.rows_out = rows_in - rejected;
    report.rejected = rejected;
    let out = layout.build_file("ingested.json");
    let hashes = staged
        .iter()
        .map(|f| (layout.root.join(&f.path), f.xxh3.clone()))
        .collect();
    if file_errors.is_empty() {
        let staged = StagedRows {
            files: staged,
            rejected: Vec::new(),
        };
        csvio::write_artifact(&out, std::slice::from_ref(&staged))?;
    } else {
        report.data_errors = true;
        rows.clear();
        // a stale artifact must not be picked up by the next stage
        let _ = std::fs::remove_file(&out);
    }
    report.elapsed = spent + start.elapsed();
    report.check_conservation()?;
    Ok(Ingested {
        report,
        rows,
        file_errors,
        files,
        hashes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The staged rows, whole and batch by batch: every file's rows in order, without
    /// the rejected ones (at batch and file edges too); a rejection past the last row is
    /// an error either way.
    #[test]
    fn staged_rows_in_batches_are_the_rows_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("d");
        std::fs::create_dir_all(root.join("raw/reports")).unwrap();
        let n = 3 * BATCH + 7;
        let many: String = (0..n).map(|i| format!("{i},n\n")).collect();
        std::fs::write(root.join("raw/reports/a.csv"), format!("id,name\n{many}")).unwrap();
        std::fs::write(root.join("raw/reports/b.csv"), "id,name\nb0,x\nb1,y\n").unwrap();
        std::fs::write(root.join("raw/reports/c.csv"), "id,name\n").unwrap();
        std::fs::write(root.join("raw/reports/d.csv"), "id,name\nd0,x\nd1,y\nd2,z\n").unwrap();
        let layout = Layout::open(&root).unwrap();
        let schema =
            TableSchema::parse(Path::new("s"), "s", r#"{"fields": [{"name": "id"}, {"name": "name"}]}"#).unwrap();
        let files = read_report_files(&layout, &schema, &Progress::hidden(), Keep::Count).unwrap();
        let total = n as u64 + 5;
        let b = BATCH as u64;
        for rejected in [
            vec![],
            vec![0, b - 1, b, 2 * b + 3, n as u64 - 1, n as u64, total - 1],
            (0..total).collect(),
        ] {
            let staged = StagedRows {
                files: files.staged.clone(),
                rejected: rejected.clone(),
            };
            let whole: Vec<String> = rows_of(&layout, &staged, &schema, &Progress::hidden())
                .unwrap()
                .iter()
                .map(|r| r.cell(0).unwrap().to_string())
                .collect();
            let want: Vec<String> = (0..n)
                .map(|i| i.to_string())
                .chain(["b0", "b1", "d0", "d1", "d2"].map(String::from))
                .enumerate()
                .filter(|(i, _)| !rejected.contains(&(*i as u64)))
                .map(|(_, id)| id)
                .collect();
            assert_eq!(whole, want, "{rejected:?}");
            let mut batched = Vec::new();
            let count = for_each_staged_batch(&layout, &staged, &schema, &Progress::hidden(), |rows| {
                batched.extend(rows.drain(..).map(|r| r.cell(0).unwrap().to_string()));
                Ok(())
            })
            .unwrap();
            assert_eq!(batched, whole, "{rejected:?}");
            assert_eq!(count, total - rejected.len() as u64);
            assert_eq!(whole.len() as u64, count);
        }
        let past = StagedRows {
            files: files.staged.clone(),
            rejected: vec![total],
        };
        assert!(for_each_staged_batch(&layout, &past, &schema, &Progress::hidden(), |_| Ok(())).is_err());
        assert!(rows_of(&layout, &past, &schema, &Progress::hidden()).is_err());
    }

    /// Counting the rows stages the same files, hashes and counts as keeping them,
    /// rejected files included; only the rows themselves are not built.
    #[test]
    fn counting_rows_stages_what_keeping_them_does() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("d");
        std::fs::create_dir_all(root.join("raw/reports")).unwrap();
        let many: String = (0..3 * BATCH + 7).map(|i| format!("{i},n{i}\n")).collect();
        std::fs::write(root.join("raw/reports/a.csv"), format!("id,name\n{many}")).unwrap();
        std::fs::write(root.join("raw/reports/b.csv"), "id,name\n1,a\n2,b\n").unwrap();
        // a header that does not match: the file is rejected whole
        std::fs::write(root.join("raw/reports/c.csv"), "id,other\n1,a\n2,b\n3,c\n").unwrap();
        let layout = Layout::open(&root).unwrap();
        let schema =
            TableSchema::parse(Path::new("s"), "s", r#"{"fields": [{"name": "id"}, {"name": "name"}]}"#).unwrap();
        let kept = read_report_files(&layout, &schema, &Progress::hidden(), Keep::Rows).unwrap();
        let counted = read_report_files(&layout, &schema, &Progress::hidden(), Keep::Count).unwrap();
        assert_eq!(kept.rows.len(), 3 * BATCH + 7 + 2);
        assert!(counted.rows.is_empty());
        assert_eq!(counted.staged, kept.staged);
        assert_eq!(
            counted.staged.iter().map(|f| f.rows).collect::<Vec<_>>(),
            [3 * BATCH as u64 + 7, 2]
        );
        assert_eq!((counted.rows_in, counted.rejected), (kept.rows_in, kept.rejected));
        assert_eq!((counted.rows_in, counted.rejected), (3 * BATCH as u64 + 7 + 2 + 3, 3));
        assert_eq!(counted.file_errors.len(), kept.file_errors.len());
        assert!(!counted.file_errors.is_empty());
    }

    /// The rows a staged-rows artifact stands for: read again, less the rejected ones;
    /// never a file outside the dataset, whatever the artifact says.
    #[test]
    fn staged_rows_are_read_again_and_never_from_outside_the_dataset() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("d");
        std::fs::create_dir_all(root.join("raw/reports")).unwrap();
        std::fs::write(root.join("raw/reports/a.csv"), "id,name\n1,a\n2,b\n3,c\n").unwrap();
        std::fs::write(dir.path().join("outside.csv"), "id,name\n9,z\n").unwrap();
        let layout = Layout::open(&root).unwrap();
        let schema =
            TableSchema::parse(Path::new("s"), "s", r#"{"fields": [{"name": "id"}, {"name": "name"}]}"#).unwrap();
        let files = read_report_files(&layout, &schema, &Progress::hidden(), Keep::Rows).unwrap();
        assert_eq!(files.staged.len(), 1);
        let staged = StagedRows {
            files: files.staged.clone(),
            rejected: vec![1],
        };
        let progress = Progress::hidden();
        let rows = rows_of(&layout, &staged, &schema, &progress).unwrap();
        let ids: Vec<&str> = rows.iter().map(|r| r.cell(0).unwrap()).collect();
        assert_eq!(ids, ["1", "3"]);
        // the bar (of rows) counted every row read, rejected ones included
        assert_eq!(progress.position(), 3);
        // a rejected row past the end: the artifact does not belong to these files
        let past = StagedRows {
            rejected: vec![3],
            ..staged.clone()
        };
        assert!(rows_of(&layout, &past, &schema, &Progress::hidden()).is_err());
        // a path out of the dataset, even with the right hash, is refused
        let mut outside = files.staged[0].clone();
        outside.path = "../outside.csv".into();
        let read = read_file(
            &dir.path().join("outside.csv"),
            "o",
            &schema,
            &Progress::hidden(),
            Keep::Rows,
        )
        .unwrap();
        outside.xxh3 = read.digest.unwrap();
        outside.rows = 1;
        let err = rows_of(
            &layout,
            &StagedRows {
                files: vec![outside],
                rejected: vec![],
            },
            &schema,
            &Progress::hidden(),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("is not a file of the dataset"), "{err:#}");
    }
}
