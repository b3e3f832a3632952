//! The quarantine file: the rows validate rejected, one line per error, with the whole
//! record, so that they can be fixed and re-ingested.

use anyhow::Result;

use crate::model::IngestedRow;
use crate::report::error_report::ErrorRecord;
use crate::table::csvio;

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
