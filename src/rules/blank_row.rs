//! `blank-row`: a record whose every cell is empty or whitespace. Frictionless reports it
//! and skips the other row checks; so does luban.
//!
//! Example: `,,,,` in a 5-column file.

use super::Violation;
use crate::model::IngestedRow;

/// Returns true (and records the violation) when the row is blank.
pub fn check(row: &IngestedRow, out: &mut Vec<Violation>) -> bool {
    if row.bad_utf8.is_empty() && row.cells.iter().all(|c| c.trim().is_empty()) {
        out.push(Violation::new(
            "blank-row",
            None,
            "row is blank: every cell is empty".into(),
        ));
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    fn row(cells: &[&str]) -> IngestedRow {
        IngestedRow::for_test(cells)
    }

    #[test]
    fn blank_and_whitespace_rows_are_blank_others_are_not() {
        for (cells, blank) in [
            (vec!["", ""], true),
            (vec![" ", "\t"], true),
            (vec!["", "x"], false),
            (vec![], true),
        ] {
            let mut out = Vec::new();
            assert_eq!(check(&row(&cells), &mut out), blank, "{cells:?}");
            assert_eq!(out.len(), blank as usize);
        }
    }
}
