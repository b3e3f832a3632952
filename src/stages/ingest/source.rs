//! The streaming CSV source every command reads through ([`CsvSource`]): the file's
//! encoding and header checked on open, then batches of records, each placed by line,
//! row and byte ([`super::records`] finds where each record starts), and the cells
//! decoded as UTF-8 where valid.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};

use super::place;
use super::records::{Record, Records};
use crate::report::error_report::ErrorRecord;
use crate::rules::check_header;
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
    pub records: Vec<Record>,
    pub pos: Vec<RecordPos>,
    pub len: usize,
    /// the source's row estimate when this batch was read
    pub estimated_rows: Option<u64>,
}

impl Batch {
    pub fn with_capacity(n: usize) -> Batch {
        Batch {
            records: vec![Record::default(); n],
            pos: vec![RecordPos::default(); n],
            len: 0,
            estimated_rows: None,
        }
    }
}

/// An open CSV file, positioned after its header: the streaming reader every command uses.
/// It reads bytes (one reused [`Record`] per slot); UTF-8 is checked per cell later.
pub struct CsvSource {
    pub shown: String,
    pub labels: Vec<String>,
    /// Problems with the file as a whole (encoding, header). Rows are still read and
    /// checked by position, as Frictionless does.
    pub header_errors: Vec<ErrorRecord>,
    /// With a `fieldsMatch` other than `exact`: the schema with its fields in this
    /// header's order, which the rows are checked against.
    pub arranged: Option<TableSchema>,
    reader: Option<Records<BufReader<Hashing<File>>>>,
    rows: u64,
    /// file size in bytes, for estimates
    pub bytes: u64,
    /// the byte between cells (`,` but in a sniffed file)
    pub delimiter: u8,
}

/// An error about a whole file (row 1, no field).
pub fn file_error(shown: &str, code: &'static str, message: String, help: Option<&str>) -> ErrorRecord {
    ErrorRecord {
        row: 1,
        help: help.map(str::to_string),
        ..ErrorRecord::about(shown, 1, code, message)
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
        CsvSource::open_with(path, shown, schema, false, None)
    }

    /// [`CsvSource::open`] for a file that is not the dataset's: its delimiter is guessed
    /// as Frictionless guesses it ([`super::sniff`]).
    pub fn open_sniffed(path: &Path, shown: &str, schema: &TableSchema) -> Result<CsvSource> {
        CsvSource::open_with(path, shown, schema, false, Some(None))
    }

    /// [`CsvSource::open`] with the delimiter a data package's dialect gives.
    pub fn open_with_delimiter(path: &Path, shown: &str, schema: &TableSchema, delimiter: u8) -> Result<CsvSource> {
        CsvSource::open_with(path, shown, schema, false, Some(Some(delimiter)))
    }

    /// [`CsvSource::open`], hashing the file's bytes as they are read (see [`digest`]).
    ///
    /// [`digest`]: CsvSource::digest
    pub fn open_hashed(path: &Path, shown: &str, schema: &TableSchema) -> Result<CsvSource> {
        CsvSource::open_with(path, shown, schema, true, None)
    }

    /// `dialect`: None for the dataset's commas, Some(None) to guess the delimiter,
    /// Some(Some(d)) for a given one.
    fn open_with(
        path: &Path,
        shown: &str,
        schema: &TableSchema,
        hashed: bool,
        dialect: Option<Option<u8>>,
    ) -> Result<CsvSource> {
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
            arranged: None,
            reader: None,
            rows: 1,
            bytes,
            delimiter: b',',
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
        let mut bom = 0;
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            buf.consume(3);
            bom = 3;
        }
        let sniffed = match dialect {
            Some(None) => {
                let head = buf.fill_buf().with_context(|| format!("failed to read `{shown}`"))?;
                let lines = head
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .nth(super::sniff::SAMPLE_LINES - 1)
                    .map_or(head.len(), |(i, _)| i + 1);
                super::sniff::dialect(&String::from_utf8_lossy(&head[..lines]))
            }
            _ => None,
        };
        let delimiter = match (dialect, sniffed) {
            (Some(Some(d)), _) => d,
            (_, Some(s)) => s.delimiter,
            _ => b',',
        };
        src.delimiter = delimiter;
        for e in &mut src.header_errors {
            e.delimiter = delimiter;
        }
        let mut reader = Records::new(buf, bom, delimiter);
        reader.skip_initial_space(sniffed.is_some_and(|s| s.skip_initial_space));
        let mut header = Record::default();
        if reader
            .read(&mut header)
            .with_context(|| format!("failed to read `{shown}`"))?
            .is_none()
        {
            // Frictionless' code for a source with nothing in it
            src.header_errors.push(file_error(
                shown,
                "source-error",
                "file is empty: no header row".into(),
                Some("the first line must name the columns"),
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
            let mut e = place(shown, 1, 1, schema, &src.labels, &v);
            e.delimiter = src.delimiter;
            src.header_errors.push(e);
        }
        if schema.fields_match != crate::schema::FieldsMatch::Exact {
            src.arranged = Some(crate::rules::arrange(schema, &src.labels));
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
        self.reader.as_ref().map_or(0, Records::byte)
    }

    /// How many records the file holds in all, extrapolated from those read so far.
    pub fn estimated_rows(&self) -> Option<u64> {
        let reader = self.reader.as_ref()?;
        let done = reader.byte().max(1);
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
            let Some(start) = reader
                .read(rec)
                .with_context(|| format!("failed to read `{}`", self.shown))?
            else {
                break;
            };
            self.rows += 1;
            batch.pos[batch.len] = RecordPos {
                line: start.line,
                row: self.rows,
                byte: start.byte,
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
pub fn decode<'r>(rec: &'r Record, bad_utf8: &mut Vec<usize>) -> Vec<std::borrow::Cow<'r, str>> {
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
pub fn decode_valid(rec: &Record) -> Option<smallvec::SmallVec<[&str; 16]>> {
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
