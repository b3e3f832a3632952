//! Stage 2, validate: checks every staged row against the reports schema with the rules
//! of [`crate::rules`]. Valid rows go on in `build/valid.jsonl`; rejected rows go to
//! `build/quarantine.csv` with file, line, row, field, code, constraint, message and the
//! whole record, so they can be fixed and re-ingested. Nothing is dropped: every row read
//! is either valid or quarantined.
//!
//! The same checks run on any CSV with any schema (`luban validate FILE --schema S`).

use std::time::Instant;

use anyhow::Result;

use super::StageReport;
use crate::csvio;
use crate::layout::Layout;
use crate::model::IngestedRow;
use crate::names::countries::CountryResolver;
use crate::rules::{ErrorRecord, RowChecker};
use crate::schema::TableSchema;
use crate::stages::ingest::place;

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
    /// True when `max_errors` stopped the check before the last row.
    pub stopped_early: bool,
    pub unchecked: u64,
}

impl Checked {
    pub fn errors(&self) -> Vec<ErrorRecord> {
        self.rejected
            .iter()
            .flat_map(|(_, e)| e.iter().cloned())
            .collect()
    }
}

/// Checks rows against `schema`; `countries` resolves `x-luban-resolve: country` fields.
pub fn check_rows(
    schema: &TableSchema,
    countries: Option<&CountryResolver>,
    rows: Vec<IngestedRow>,
    limits: Limits,
) -> Checked {
    let mut checker = RowChecker::new(schema, countries);
    let mut out = Checked::default();
    let mut n_errors = 0usize;
    let total = rows.len() as u64;
    for (done, row) in rows.into_iter().enumerate() {
        if limits.max_errors.is_some_and(|m| n_errors >= m) {
            out.stopped_early = true;
            out.unchecked = total - done as u64;
            break;
        }
        let violations = checker.check(&row);
        if violations.is_empty() {
            out.valid.push(row);
        } else {
            n_errors += violations.len();
            let errors = violations
                .iter()
                .map(|v| {
                    let mut e = place(&row.at.file, row.at.line, row.at.row, schema, &row.cells, v);
                    e.byte = Some(row.at.byte);
                    e
                })
                .collect();
            out.rejected.push((row, errors));
        }
    }
    out
}

/// Writes the quarantine file: one line per error, with the whole record as JSON.
pub fn write_quarantine(
    path: &std::path::Path,
    rejected: &[(IngestedRow, Vec<ErrorRecord>)],
) -> Result<()> {
    csvio::write_atomic(path, |w| {
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
        for (row, errors) in rejected {
            let record = serde_json::to_string(&row.cells)?;
            for e in errors {
                wtr.write_record([
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
        }
        wtr.flush()?;
        Ok(())
    })
}

/// The result of the validate stage on a dataset.
pub struct Validated {
    pub report: StageReport,
    pub checked: Checked,
}

/// Runs validate on `build/ingested.jsonl`.
pub fn run(
    layout: &Layout,
    schema: &TableSchema,
    countries: &CountryResolver,
    limits: Limits,
) -> Result<Validated> {
    let start = Instant::now();
    let rows: Vec<IngestedRow> = csvio::read_jsonl(&layout.build_file("ingested.jsonl"), "ingest")?;
    let mut report = StageReport::new("validate");
    report.rows_in = rows.len() as u64;
    let checked = check_rows(schema, Some(countries), rows, limits);
    report.rows_out = checked.valid.len() as u64;
    report.rejected = checked.rejected.len() as u64 + checked.unchecked;
    report.data_errors = !checked.rejected.is_empty();
    write_quarantine(&layout.build_file("quarantine.csv"), &checked.rejected)?;
    let valid_path = layout.build_file("valid.jsonl");
    if checked.stopped_early {
        let _ = std::fs::remove_file(&valid_path);
    } else {
        csvio::write_jsonl(&valid_path, &checked.valid)?;
    }
    report.elapsed = start.elapsed();
    report.check_conservation()?;
    Ok(Validated { report, checked })
}
