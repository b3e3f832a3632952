//! `encoding-error`: a cell that is not valid UTF-8. Ingest reads bytes and marks such
//! cells; the row is quarantined rather than decoded with replacement characters that
//! would then be published as if the source said them.
//!
//! Example: a Latin-1 `Setúbal` (byte 0xFA) in a UTF-8 file.

use super::Violation;

pub fn check(field_index: usize, out: &mut Vec<Violation>) {
    out.push(
        Violation::new("encoding-error", Some(field_index), "cell is not valid UTF-8".into())
            .expected("UTF-8 text")
            .help(Some(
                "re-save the file as UTF-8 (a BOM is fine): from Excel, as \"CSV UTF-8 (Comma delimited)\", not \"CSV\", \
                 which writes Windows-1252 and turns Chinese and other letters it lacks into `?` (retype those from the source)"
                    .into(),
            )),
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn reports_the_cell_position() {
        let mut out = Vec::new();
        super::check(3, &mut out);
        assert_eq!(out[0].code, "encoding-error");
        assert_eq!(out[0].field_index, Some(3));
    }
}
