//! Renders validation findings in the three output formats: human diagnostics on stderr
//! (rustc-like, pointing at the cell, with a summary by code and by file), a JSON report
//! on stdout, and GitHub Actions workflow commands on stdout.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::diagnostic::{self, Pointer};

/// A violation placed in its file: what reports and the quarantine file carry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ErrorRecord {
    pub file: String,
    pub line: u64,
    pub row: u64,
    pub field: Option<String>,
    pub field_position: Option<usize>,
    pub code: String,
    pub constraint: Option<String>,
    pub cell: Option<String>,
    pub message: String,
    pub expected: Option<String>,
    pub help: Option<String>,
    /// The line the cell is on (`line` is the record's first; they differ after a quoted
    /// cell that spans lines) and its column in characters from 1: set for `--format
    /// json` when the file text is at hand ([`locate`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Byte offset of the record, to draw the caret (not part of reports).
    #[serde(skip)]
    pub byte: Option<u64>,
    /// The file's delimiter, to find the cell in the record (not part of reports).
    #[serde(skip)]
    pub delimiter: u8,
}

impl ErrorRecord {
    /// A finding about line `line` of `file` as a whole: no cell, no row number (0), no
    /// byte (the diagnostic finds the line).
    pub fn about(
        file: impl Into<String>,
        line: u64,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> ErrorRecord {
        ErrorRecord {
            file: file.into(),
            line,
            row: 0,
            field: None,
            field_position: None,
            code: code.into(),
            constraint: None,
            cell: None,
            message: message.into(),
            expected: None,
            help: None,
            cell_line: None,
            column: None,
            byte: None,
            delimiter: b',',
        }
    }
}

/// Output format of `validate` and `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
    /// the shape of `frictionless validate --json` (see `frictionless_report`)
    Frictionless,
}

/// Counts for the summary and the JSON report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub files: usize,
    pub rows: u64,
    pub valid_rows: u64,
    pub rejected_rows: u64,
    /// `--max-errors`/`--fail-fast` stopped the check: counts cover the rows up to there.
    pub stopped_early: bool,
    pub errors: usize,
    pub by_code: BTreeMap<String, usize>,
    pub by_file: BTreeMap<String, usize>,
}

impl Stats {
    pub fn count(&mut self, errors: &[ErrorRecord]) {
        self.errors = errors.len();
        for e in errors {
            *self.by_code.entry(e.code.clone()).or_default() += 1;
            *self.by_file.entry(e.file.clone()).or_default() += 1;
        }
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    valid: bool,
    stats: &'a Stats,
    errors: &'a [ErrorRecord],
}

/// The JSON report (one document).
pub fn json(stats: &Stats, errors: &[ErrorRecord]) -> String {
    serde_json::to_string_pretty(&JsonReport {
        valid: errors.is_empty(),
        stats,
        errors,
    })
    .expect("plain data serializes")
}

/// Finds the text of a file by its shown name.
pub type TextOf<'a> = dyn Fn(&str) -> Option<&'a str> + 'a;

/// The texts of the files `errors` point into (paths relative to `root`), to place their
/// carets and columns; a file that cannot be read is left out, and its errors get none.
pub fn file_texts<'e>(
    root: &std::path::Path,
    errors: impl IntoIterator<Item = &'e ErrorRecord>,
) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for e in errors {
        if !out.contains_key(&e.file) {
            if let Ok(bytes) = std::fs::read(root.join(&e.file)) {
                out.insert(e.file.clone(), diagnostic::text_for_pointers(&bytes));
            }
        }
    }
    out
}

/// Where an error points: the cell's span in its file, found from the record's byte
/// offset, on the cell's own line (a record whose quoted cells span lines has its later
/// cells on later lines); `None` when the file text is not at hand.
fn pointer(e: &ErrorRecord, byte: Option<u64>, text_of: &TextOf<'_>) -> Option<Pointer> {
    let text = text_of(&e.file)?;
    // without a record's byte (a header, a file, a report placed after the rows were
    // read), the start of the finding's line, past a BOM
    let start = match byte {
        Some(b) => b as usize,
        None => match diagnostic::line_start(text.as_bytes(), e.line).unwrap_or(0) {
            0 => text.find(|c| c != '\u{feff}').unwrap_or(0),
            s => s,
        },
    }
    .min(text.len());
    let (_, line_end) = diagnostic::line_bounds(text, start);
    let span = match e.field_position {
        Some(p) => diagnostic::csv_field_span(text.as_bytes(), start, p - 1, e.delimiter),
        None => start..line_end,
    };
    // A cell the record lacks, past the record's first line (a record whose quote never
    // closed swallowed the lines after it): point at the quote that opened the cell which
    // swallowed them, where the fix goes.
    let span = match e.field_position {
        Some(p) if span.is_empty() && span.start > line_end => (0..p - 1)
            .map(|i| diagnostic::csv_field_span(text.as_bytes(), start, i, e.delimiter))
            .find(|s| text.as_bytes()[s.clone()].iter().any(|b| matches!(b, b'\n' | b'\r')))
            .map_or(line_end..line_end, |s| s.start..s.start + 1),
        _ => span,
    };
    let line = e.line as usize
        + crate::report::diagnostic::line_breaks(&text.as_bytes()[start..span.start.max(start)]) as usize;
    Some(diagnostic::pointer_on_line(&e.file, text, span, line))
}

/// One human diagnostic.
pub fn human(e: &ErrorRecord, byte: Option<u64>, text_of: &TextOf<'_>, color: bool) -> String {
    let p = pointer(e, byte, text_of);
    let label = match (&e.field, &e.constraint) {
        (Some(f), Some(c)) => format!("{f}: {c}"),
        (Some(f), None) => f.clone(),
        // a finding about a report rather than a row (dedupe's): its row is not known
        _ if e.row == 0 => "this report".into(),
        _ => format!("row {}", e.row),
    };
    let mut notes = Vec::new();
    if let Some(x) = &e.expected {
        notes.push(format!("expected {x}"));
    }
    if p.is_none() {
        notes.push(match e.row {
            0 => format!("at {}:{}", e.file, e.line),
            row => format!("at {}:{} (row {row})", e.file, e.line),
        });
    }
    diagnostic::render(
        &e.code,
        &e.message,
        p.as_ref(),
        &label,
        &notes,
        e.help.as_deref(),
        color,
    )
}

/// The line and column (in characters, from 1) of the cell an error points at: the
/// cell's own line (a cell after a multi-line cell is on a later line than its record's
/// first); the record's line and column 1 when the file text is not at hand.
pub fn location(e: &ErrorRecord, byte: Option<u64>, text_of: &TextOf<'_>) -> (usize, usize) {
    pointer(e, byte, text_of).map_or((e.line as usize, 1), |p| {
        (
            p.line,
            p.source_line[..p.span.start.min(p.source_line.len())].chars().count() + 1,
        )
    })
}

/// Sets each error's `cell_line` and `column` from the file texts (for `--format json`).
pub fn locate(errors: &mut [ErrorRecord], text_of: &TextOf<'_>) {
    for e in errors.iter_mut().filter(|e| text_of(&e.file).is_some()) {
        let (line, column) = location(e, e.byte, text_of);
        (e.cell_line, e.column) = (Some(line), Some(column));
    }
}

/// One GitHub Actions annotation: the message, and the help on its own line (what a
/// contributor reads on the pull request is the fix too).
pub fn github(e: &ErrorRecord, byte: Option<u64>, text_of: &TextOf<'_>) -> String {
    let (line, col) = location(e, byte, text_of);
    let esc = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let prop = |s: &str| esc(s).replace(':', "%3A").replace(',', "%2C");
    format!(
        "::error file={},line={},col={},title={}::{}",
        prop(&e.file),
        line,
        col,
        prop(&e.code),
        esc(&with_help(e))
    )
}

/// The message, and the help on the next line when there is one.
pub fn with_help(e: &ErrorRecord) -> String {
    match &e.help {
        Some(h) => format!("{}\nhelp: {h}", e.message),
        None => e.message.clone(),
    }
}

/// The closing summary: counts by code and by file.
pub fn summary(stats: &Stats) -> String {
    // errors about no row (a file's, the version's) are not "in 0 rows"
    let rows = match stats.rejected_rows {
        0 => String::new(),
        1 => " in 1 row".to_string(),
        n => format!(" in {n} rows"),
    };
    let mut s = format!(
        "{} error{}{rows} ({} of {} rows valid, {} file{})",
        stats.errors,
        if stats.errors == 1 { "" } else { "s" },
        stats.valid_rows,
        stats.rows,
        stats.files,
        if stats.files == 1 { "" } else { "s" },
    );
    if stats.stopped_early {
        s.push_str("; stopped early (--max-errors / --fail-fast): later rows were not checked");
    }
    if !stats.by_code.is_empty() {
        s.push_str("\nby code:");
        for (code, n) in &stats.by_code {
            s.push_str(&format!("\n  {n:>6}  {code}"));
        }
        s.push_str("\nby file:");
        for (file, n) in &stats.by_file {
            s.push_str(&format!("\n  {n:>6}  {file}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_rows_only_when_errors_are_in_rows() {
        let stats = |errors, rejected_rows| Stats {
            errors,
            rejected_rows,
            valid_rows: 5 - rejected_rows,
            rows: 5,
            files: 1,
            ..Default::default()
        };
        // an error about no row (the dataset's version) is not "in 0 rows"
        assert!(summary(&stats(1, 0)).starts_with("1 error (5 of 5 rows valid, 1 file)"));
        assert!(summary(&stats(1, 1)).starts_with("1 error in 1 row (4 of 5 rows valid, 1 file)"));
        assert!(summary(&stats(3, 2)).starts_with("3 errors in 2 rows (3 of 5 rows valid, 1 file)"));
    }
}
