//! `blank-row`: a record whose every cell is a missing value (by default: empty). As in
//! Frictionless, a whitespace-only cell is not missing, and a blank row gets no other
//! per-cell checks.
//!
//! Example: `,,,,` in a 5-column file.

use super::Violation;
use crate::schema::TableSchema;

/// Returns true (and records the violation) when the row is blank.
pub fn check(schema: &TableSchema, cells: &[&str], bad_utf8: &[usize], out: &mut Vec<Violation>) -> bool {
    let missing = |(i, c): (usize, &&str)| match schema.fields.get(i) {
        Some(f) => f.is_missing(schema, c),
        None => crate::schema::is_missing_value(&schema.missing_values, c),
    };
    if bad_utf8.is_empty() && cells.iter().enumerate().all(missing) {
        let (message, help) = if cells.is_empty() {
            ("row is an empty line", "delete the empty line")
        } else {
            (
                "row is blank: every cell is empty",
                "delete the row, or fill in its cells",
            )
        };
        out.push(
            Violation::new("blank-row", None, message.into())
                .expected("a row with at least one value")
                .help(Some(help.into())),
        );
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn only_rows_of_missing_values_are_blank() {
        let schema = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"fields":[{"name":"a"},{"name":"b"}],"missingValues":["","NA"]}"#,
        )
        .unwrap();
        for (cells, blank) in [
            (vec!["NA", "NA"], true),
            (vec!["", ""], true),
            (vec!["NA", ""], true),
            (vec![" ", ""], false),
            (vec!["", "x"], false),
            (vec![], true),
        ] {
            let mut out = Vec::new();
            assert_eq!(check(&schema, &cells, &[], &mut out), blank, "{cells:?}");
            assert_eq!(out.len(), blank as usize);
        }
    }
}
