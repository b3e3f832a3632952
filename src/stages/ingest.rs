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
//! ([`load_staged`]) and refuses if a file's hash changed. Staging a copy of every row
//! was half of ingest's time (0.45-0.55 s of ~1 s at a million reports: serializing and
//! compressing 270 MB into 56 MB), and decoding that copy was slower than parsing the CSV
//! again.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::StageReport;
use crate::csvio;
use crate::layout::Layout;
use crate::model::{IngestedRow, Provenance};
use crate::progress::Progress;
use crate::rules::{check_header, ErrorRecord, Violation};
use crate::schema::TableSchema;

/// Where one record starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordPos {
    pub line: u64,
    pub row: u64,
    pub byte: u64,
}

/// A batch of records read from one file; the records' buffers are reused between batches.
#[derive(Default)]
pub struct Batch {
    pub records: Vec<csv::ByteRecord>,
    pub pos: Vec<RecordPos>,
    pub len: usize,
    /// the source's row estimate when this batch was read
    pub estimated_rows: Option<u64>,
}

impl Batch {
    pub fn with_capacity(n: usize) -> Batch {
        Batch {
            records: vec![csv::ByteRecord::new(); n],
            pos: vec![RecordPos::default(); n],
            len: 0,
            estimated_rows: None,
        }
    }
}

/// An open CSV file, positioned after its header: the streaming reader every command uses.
/// It reads bytes (one reused `ByteRecord` per slot); UTF-8 is checked per cell later.
pub struct CsvSource {
    pub shown: String,
    pub labels: Vec<String>,
    /// Problems with the file as a whole (encoding, header). Rows are still read and
    /// checked by position, as Frictionless does.
    pub header_errors: Vec<ErrorRecord>,
    reader: Option<csv::Reader<BufReader<Hashing<File>>>>,
    bom: u64,
    rows: u64,
    /// file size in bytes, for estimates
    pub bytes: u64,
}

fn file_error(shown: &str, code: &'static str, message: String, help: Option<&str>) -> ErrorRecord {
    ErrorRecord {
        file: shown.to_string(),
        line: 1,
        row: 1,
        field: None,
        field_position: None,
        code: code.to_string(),
        constraint: None,
        cell: None,
        message,
        expected: None,
        help: help.map(str::to_string),
        byte: None,
    }
}

/// A reader that hashes what goes through it, when asked to.
struct Hashing<R> {
    inner: R,
    hasher: Option<Box<xxhash_rust::xxh3::Xxh3>>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

impl CsvSource {
    /// Opens `path`, skips a UTF-8 BOM, refuses UTF-16, reads and checks the header.
    pub fn open(path: &Path, shown: &str, schema: &TableSchema) -> Result<CsvSource> {
        CsvSource::open_with(path, shown, schema, false)
    }

    /// [`CsvSource::open`], hashing the file's bytes as they are read (see [`digest`]).
    ///
    /// [`digest`]: CsvSource::digest
    pub fn open_hashed(path: &Path, shown: &str, schema: &TableSchema) -> Result<CsvSource> {
        CsvSource::open_with(path, shown, schema, true)
    }

    fn open_with(path: &Path, shown: &str, schema: &TableSchema, hashed: bool) -> Result<CsvSource> {
        let file = File::open(path).with_context(|| format!("failed to read `{shown}`"))?;
        let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        let file = Hashing {
            inner: file,
            hasher: hashed.then(Box::default),
        };
        let mut buf = BufReader::with_capacity(1 << 16, file);
        let head = buf.fill_buf().with_context(|| format!("failed to read `{shown}`"))?;
        let mut src = CsvSource {
            shown: shown.to_string(),
            labels: Vec::new(),
            header_errors: Vec::new(),
            reader: None,
            bom: 0,
            rows: 1,
            bytes,
        };
        if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
            src.header_errors.push(file_error(
                shown,
                "encoding-error",
                "file is UTF-16 (it starts with a UTF-16 byte-order mark)".into(),
                Some("re-save the file as UTF-8"),
            ));
            return Ok(src);
        }
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            buf.consume(3);
            src.bom = 3;
        }
        let mut reader = csvio::reader_builder().from_reader(buf);
        let mut header = csv::ByteRecord::new();
        if !reader
            .read_byte_record(&mut header)
            .with_context(|| format!("failed to read `{shown}`"))?
        {
            src.header_errors.push(file_error(
                shown,
                "missing-label",
                "file is empty: no header row".into(),
                None,
            ));
            return Ok(src);
        }
        let mut bad = false;
        for raw in header.iter() {
            bad |= std::str::from_utf8(raw).is_err();
            src.labels.push(String::from_utf8_lossy(raw).into_owned());
        }
        if bad {
            src.header_errors.push(file_error(
                shown,
                "encoding-error",
                "the header row is not valid UTF-8".into(),
                Some("re-save the file as UTF-8"),
            ));
        }
        for v in check_header(schema, &src.labels) {
            src.header_errors.push(place(shown, 1, 1, schema, &src.labels, &v));
        }
        src.reader = Some(reader);
        Ok(src)
    }

    /// The xxh3-128 of every byte of the file, once the last record was read (None when
    /// the source was not opened hashed, or the file was refused before its rows).
    pub fn digest(&self) -> Option<String> {
        let h = self.reader.as_ref()?.get_ref().get_ref().hasher.as_ref()?;
        Some(crate::incremental::hex(h))
    }

    /// Bytes of the file read so far.
    pub fn bytes_read(&self) -> u64 {
        self.reader.as_ref().map_or(0, |r| r.position().byte() + self.bom)
    }

    /// How many records the file holds in all, extrapolated from those read so far.
    pub fn estimated_rows(&self) -> Option<u64> {
        let reader = self.reader.as_ref()?;
        let done = reader.position().byte().max(1);
        let read = self.rows.saturating_sub(1);
        (read > 0).then(|| (self.bytes as f64 / done as f64 * read as f64) as u64)
    }

    /// Fills `batch` with up to its capacity of records; false when the file is done.
    pub fn next_batch(&mut self, batch: &mut Batch) -> Result<bool> {
        batch.len = 0;
        let Some(reader) = self.reader.as_mut() else {
            return Ok(false);
        };
        while batch.len < batch.records.len() {
            let rec = &mut batch.records[batch.len];
            if !reader
                .read_byte_record(rec)
                .with_context(|| format!("failed to read `{}`", self.shown))?
            {
                break;
            }
            self.rows += 1;
            let p = rec.position().expect("csv records carry positions");
            batch.pos[batch.len] = RecordPos {
                line: p.line(),
                row: self.rows,
                byte: p.byte() + self.bom,
            };
            batch.len += 1;
        }
        Ok(batch.len > 0)
    }
}

/// The decoded cells of one record (on the stack for up to 16 cells).
pub type Cells<'r> = smallvec::SmallVec<[std::borrow::Cow<'r, str>; 16]>;

/// Decodes a record's cells: borrowed when valid UTF-8; the positions of invalid cells
/// are pushed to `bad_utf8` (their text is replaced lossily, for display only). The fast
/// path validates the whole record at once and checks that cell boundaries fall on
/// character boundaries.
pub fn decode<'r>(rec: &'r csv::ByteRecord, bad_utf8: &mut Vec<usize>) -> Vec<std::borrow::Cow<'r, str>> {
    use std::borrow::Cow;
    if let Some(cells) = decode_valid(rec) {
        return cells.into_iter().map(Cow::Borrowed).collect();
    }
    rec.iter()
        .enumerate()
        .map(|(i, raw)| match std::str::from_utf8(raw) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => {
                bad_utf8.push(i);
                Cow::Owned(String::from_utf8_lossy(raw).into_owned())
            }
        })
        .collect()
}

/// The cells of a record that is valid UTF-8 throughout (the common case), decoded in one
/// pass over the record's bytes and without allocating; None when some cell is not.
pub fn decode_valid(rec: &csv::ByteRecord) -> Option<smallvec::SmallVec<[&str; 16]>> {
    let all = std::str::from_utf8(rec.as_slice()).ok()?;
    // the record's bytes can be valid while a cell boundary splits a character
    let mut start = 0;
    rec.iter()
        .map(|cell| {
            let end = start + cell.len();
            let s = all.get(start..end);
            start = end;
            s
        })
        .collect()
}

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

/// Reads `src` batch by batch on a reader thread and calls `each` with every batch, in
/// file order, on this thread; the reader fills the next batch meanwhile. `progress`
/// counts the bytes read (ingest) or the rows (a stage reading its rows again). Stops
/// at the first error `each` returns. Returns the time the reader spent parsing.
pub fn for_each_batch(
    src: &mut CsvSource,
    progress: &Progress,
    mut each: impl FnMut(&Batch) -> Result<()>,
) -> Result<std::time::Duration> {
    std::thread::scope(|scope| -> Result<std::time::Duration> {
        let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Batch>(2);
        let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Batch>();
        for _ in 0..3 {
            empty_tx.send(Batch::with_capacity(BATCH)).expect("receiver alive");
        }
        let reader = scope.spawn(move || -> Result<std::time::Duration> {
            let (mut done, mut parsing) = (0, std::time::Duration::ZERO);
            while let Ok(mut batch) = empty_rx.recv() {
                let t = Instant::now();
                let more = src.next_batch(&mut batch)?;
                parsing += t.elapsed();
                if !more {
                    break;
                }
                let now = src.bytes_read();
                match progress.unit() {
                    crate::progress::Unit::Bytes => progress.inc(now - done),
                    crate::progress::Unit::Rows => progress.inc(batch.len as u64),
                }
                done = now;
                batch.estimated_rows = src.estimated_rows();
                if full_tx.send(batch).is_err() {
                    break;
                }
            }
            Ok(parsing)
        });
        let mut result = Ok(());
        while let Ok(batch) = full_rx.recv() {
            result = each(&batch);
            if result.is_err() {
                break;
            }
            let _ = empty_tx.send(batch);
        }
        // the reader stops at its next send or receive
        drop((empty_tx, full_rx));
        let parsing = reader.join().expect("reader thread does not panic")?;
        result.map(|()| parsing)
    })
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
/// A reader thread parses batches of records while the rows of the previous batch are
/// built on every core; rows keep the file's order.
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
        byte: None,
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
        crate::progress::Unit::Bytes => staged.files.iter().map(|f| f.bytes).sum(),
        crate::progress::Unit::Rows => staged.files.iter().map(|f| f.rows).sum(),
    });
    progress.note("reading raw/reports");
    let mut rejected = staged.rejected.iter().copied().peekable();
    let (mut read, mut kept) = (0u64, 0u64);
    let mut rows: Vec<IngestedRow> = Vec::new();
    for f in &staged.files {
        let path = staged_path(layout, f)?;
        let file: crate::model::Shared = f.path.as_str().into();
        let mut src = CsvSource::open_hashed(&path, &f.path, schema)?;
        let clean = src.header_errors.is_empty();
        let mut here = 0u64;
        if clean {
            for_each_batch(&mut src, progress, |batch| {
                batch_rows(batch, &file, &mut rows);
                let first = read;
                read += rows.len() as u64;
                here += rows.len() as u64;
                if rejected.peek().is_some_and(|&r| r < read) {
                    let mut i = first;
                    rows.retain(|_| {
                        let keep = rejected.next_if(|&r| r == i).is_none();
                        i += 1;
                        keep
                    });
                }
                kept += rows.len() as u64;
                each(&mut rows)
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
    let mut report = StageReport::new("ingest");
    let ReportFiles {
        files,
        rows_in,
        rejected,
        mut rows,
        file_errors,
        staged,
    } = read_report_files(layout, schema, progress, keep)?;
    if files == 0 {
        anyhow::bail!(
            "no report files: `{}` holds no *.csv",
            layout.display(&layout.raw_reports())
        );
    }
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
    report.elapsed = start.elapsed();
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
