//! Stage 1, ingest: reads every `raw/reports/*.csv` as bytes, checks the encoding (UTF-8;
//! a UTF-8 BOM is skipped; UTF-16 is refused) and the header against the reports schema,
//! and stages each record with its provenance (file, line, row, byte offset) in
//! `build/ingested.jsonl`. Cells are not judged here; a cell that is not UTF-8 is marked
//! for the validator. A file whose header does not match the schema is rejected whole,
//! and nothing is staged (exit 1).

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

use super::StageReport;
use crate::csvio;
use crate::layout::Layout;
use crate::model::{IngestedRow, Provenance};
use crate::rules::{check_header, ErrorRecord, Violation};
use crate::schema::TableSchema;

/// What reading one file gave: its rows, or the problems that rejected it whole.
pub struct FileRead {
    pub rows: Vec<IngestedRow>,
    pub file_errors: Vec<ErrorRecord>,
    /// The file's text (lossy), kept for diagnostics.
    pub text: String,
}

/// Reads one CSV file against `schema`. I/O problems are errors; data problems are
/// returned in `file_errors` (header) or marked on rows (encoding).
pub fn read_file(path: &Path, shown: &str, schema: &TableSchema) -> Result<FileRead> {
    let bytes = std::fs::read(path).with_context(|| format!("failed to read `{shown}`"))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let file_error = |code: &'static str, message: String| ErrorRecord {
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
        help: None,
        byte: None,
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let mut e = file_error(
            "encoding-error",
            "file is UTF-16 (it starts with a UTF-16 byte-order mark)".into(),
        );
        e.help = Some("re-save the file as UTF-8".into());
        return Ok(FileRead {
            rows: Vec::new(),
            file_errors: vec![e],
            text,
        });
    }
    let body: &[u8] = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&bytes);
    let bom = bytes.len() - body.len();
    let mut rdr = csvio::reader_builder().from_reader(body);
    let mut record = csv::ByteRecord::new();
    let mut rows = Vec::new();
    let mut header: Option<Vec<String>> = None;
    let mut file_errors: Vec<ErrorRecord> = Vec::new();
    let mut row_number = 0u64;
    while rdr
        .read_byte_record(&mut record)
        .with_context(|| format!("failed to read `{shown}`"))?
    {
        row_number += 1;
        let pos = record.position().expect("csv records carry positions");
        let mut cells = Vec::with_capacity(record.len());
        let mut bad_utf8 = Vec::new();
        for (i, raw) in record.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(s) => cells.push(s.to_string()),
                Err(_) => {
                    bad_utf8.push(i);
                    cells.push(String::from_utf8_lossy(raw).into_owned());
                }
            }
        }
        if header.is_none() {
            // A bad header rejects the file, but its rows are still read and counted, so
            // that every input row is accounted for.
            if !bad_utf8.is_empty() {
                file_errors.push(file_error(
                    "encoding-error",
                    "the header row is not valid UTF-8".into(),
                ));
            }
            for v in check_header(schema, &cells) {
                file_errors.push(place(shown, 1, 1, schema, &cells, &v));
            }
            header = Some(cells);
            continue;
        }
        rows.push(IngestedRow {
            at: Provenance {
                file: shown.to_string(),
                line: pos.line(),
                row: row_number,
                byte: pos.byte() + bom as u64,
            },
            cells,
            bad_utf8,
        });
    }
    if header.is_none() {
        file_errors.push(file_error(
            "missing-label",
            "file is empty: no header row".into(),
        ));
    }
    Ok(FileRead {
        rows,
        file_errors,
        text,
    })
}

/// Places a violation of one row in its file, for reports and the quarantine file.
pub fn place(
    file: &str,
    line: u64,
    row: u64,
    schema: &TableSchema,
    cells: &[String],
    v: &Violation,
) -> ErrorRecord {
    ErrorRecord {
        file: file.to_string(),
        line,
        row,
        field: v
            .field_index
            .and_then(|i| schema.fields.get(i))
            .map(|f| f.name.clone()),
        field_position: v.field_index.map(|i| i + 1),
        code: v.code.to_string(),
        constraint: v.constraint.map(str::to_string),
        cell: v.field_index.and_then(|i| cells.get(i)).cloned(),
        message: v.message.clone(),
        expected: v.expected.clone(),
        help: v.help.clone(),
        byte: None,
    }
}

/// Result of the ingest stage.
pub struct Ingested {
    pub report: StageReport,
    pub file_errors: Vec<ErrorRecord>,
    /// file → text, for diagnostics
    pub texts: Vec<(String, String)>,
}

/// Runs ingest over the dataset's raw reports.
pub fn run(layout: &Layout, schema: &TableSchema) -> Result<Ingested> {
    let start = Instant::now();
    let mut report = StageReport::new("ingest");
    let files = layout.report_files()?;
    if files.is_empty() {
        anyhow::bail!(
            "no report files: `{}` holds no *.csv",
            layout.display(&layout.raw_reports())
        );
    }
    let mut rows = Vec::new();
    let mut file_errors = Vec::new();
    let mut texts = Vec::new();
    for path in &files {
        let shown = layout.display(path).replace('\\', "/");
        let read = read_file(path, &shown, schema)?;
        report.rows_in += read.rows.len() as u64;
        if read.file_errors.is_empty() {
            report.rows_out += read.rows.len() as u64;
            rows.extend(read.rows);
        } else {
            report.rejected += read.rows.len() as u64;
            file_errors.extend(read.file_errors);
        }
        texts.push((shown, read.text));
    }
    let out = layout.build_file("ingested.jsonl");
    if file_errors.is_empty() {
        csvio::write_jsonl(&out, &rows)?;
    } else {
        report.data_errors = true;
        // a stale artifact must not be picked up by the next stage
        let _ = std::fs::remove_file(&out);
    }
    report.elapsed = start.elapsed();
    report.check_conservation()?;
    Ok(Ingested {
        report,
        file_errors,
        texts,
    })
}
