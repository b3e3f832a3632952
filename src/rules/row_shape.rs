//! `extra-cell` and `missing-cell`: a record with more or fewer cells than the header.
//! A ragged row is never padded or truncated silently; it is reported (and quarantined).
//!
//! Example: header `a,b,c`, row `1,2` → missing-cell for `c`; row `1,2,3,4` → extra-cell
//! at position 4.

use super::Violation;
use crate::model::IngestedRow;
use crate::schema::TableSchema;

pub fn check(schema: &TableSchema, row: &IngestedRow, out: &mut Vec<Violation>) {
    let want = schema.fields.len();
    let got = row.cells.len();
    for i in got..want {
        out.push(
            Violation::new(
                "missing-cell",
                Some(i),
                format!(
                    "row has {got} cells; the cell for `{}` is missing",
                    schema.fields[i].name
                ),
            )
            .expected(format!("{want} cells")),
        );
    }
    for i in want..got {
        out.push(
            Violation::new(
                "extra-cell",
                Some(i),
                format!(
                    "row has {got} cells; cell {} is beyond the {want} columns",
                    i + 1
                ),
            )
            .expected(format!("{want} cells"))
            .help(Some("quote cells that contain commas: \"a, b\"".into())),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn ragged_rows_report_each_missing_or_extra_cell() {
        let schema = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"fields":[{"name":"a"},{"name":"b"},{"name":"c"}]}"#,
        )
        .unwrap();
        let cases: [(&[&str], &[(&str, usize)]); 3] = [
            (&["1", "2"], &[("missing-cell", 2)]),
            (
                &["1", "2", "3", "4", "5"],
                &[("extra-cell", 3), ("extra-cell", 4)],
            ),
            (&["1", "2", "3"], &[]),
        ];
        for (cells, want) in cases {
            let row = IngestedRow::for_test(cells);
            let mut out = Vec::new();
            check(&schema, &row, &mut out);
            let got: Vec<(&str, usize)> = out
                .iter()
                .map(|v| (v.code, v.field_index.unwrap()))
                .collect();
            assert_eq!(got, want, "{cells:?}");
        }
    }
}
