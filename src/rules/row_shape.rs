//! `extra-cell` and `missing-cell`: a record with more or fewer cells than the header has
//! labels (as in Frictionless: a header that lacks a field is reported once, as a
//! `missing-label`, not again on every row). A ragged row is never padded or truncated
//! silently; it is reported (and quarantined).
//!
//! Example: header `a,b,c`, row `1,2` → missing-cell for `c`; row `1,2,3,4` → extra-cell
//! at position 4.

use super::Violation;
use crate::report::diagnostic::line_breaks;
use crate::schema::TableSchema;

pub fn check(schema: &TableSchema, width: usize, cells: &[&str], out: &mut Vec<Violation>) {
    let want = width;
    let got = cells.len();
    if got == want {
        return; // the common case: nothing to report, and no cell to scan
    }
    // A quote that never closes swallows the following lines into one cell, which leaves
    // the row ragged: say so, once the row is ragged and a cell spans lines. A cell that
    // ends with its line break ran to the end of the file (the reader found no closing
    // quote at all); that is the usual case when the quote is on the file's last row.
    let swallowed = cells.iter().enumerate().find(|(_, c)| c.contains(['\n', '\r']));
    let hint = |default: &str| match swallowed {
        Some((i, c)) => {
            let name = schema.fields.get(i).map_or("?", |f| f.name.as_str());
            if c.ends_with(['\n', '\r']) {
                format!("the quoted cell for `{name}` runs to the end of the file: is its closing quote missing?")
            } else {
                format!(
                    "the quoted cell for `{name}` runs over {} lines: is its closing quote missing?",
                    line_breaks(c.as_bytes()) + 1
                )
            }
        }
        None => default.to_string(),
    };
    for i in got..want {
        out.push(
            Violation::new(
                "missing-cell",
                Some(i),
                format!(
                    "row has {got} cells; the cell for `{}` is missing",
                    schema.fields.get(i).map_or("?", |f| f.name.as_str())
                ),
            )
            .expected(format!("{want} cells"))
            .help(Some(hint(
                "add the missing cells at the end of the row (an empty cell is nothing between two commas)",
            ))),
        );
    }
    // At most MAX_EXTRA extra cells are reported one by one; the rest as one finding.
    const MAX_EXTRA: usize = 20;
    if got > want + MAX_EXTRA {
        let first = want + MAX_EXTRA;
        out.push(
            Violation::new(
                "extra-cell",
                Some(first),
                format!(
                    "row has {got} cells; {} more cells beyond the {want} columns",
                    got - first
                ),
            )
            .expected(format!("{want} cells")),
        );
    }
    // empty extra cells are commas at the end of the row (a spreadsheet's empty column)
    let extra_help = if cells[want.min(got)..].iter().all(|c| c.trim().is_empty()) {
        "delete the comma at the end of the row (every row ends after the last column)"
    } else {
        "quote cells that contain commas: \"a, b\""
    };
    for i in want..got.min(want + MAX_EXTRA) {
        out.push(
            Violation::new(
                "extra-cell",
                Some(i),
                format!("row has {got} cells; cell {} is beyond the {want} columns", i + 1),
            )
            .expected(format!("{want} cells"))
            .help(Some(hint(extra_help))),
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
        type Case<'a> = (&'a [&'a str], &'a [(&'a str, usize)]);
        let cases: [Case; 3] = [
            (&["1", "2"], &[("missing-cell", 2)]),
            (&["1", "2", "3", "4", "5"], &[("extra-cell", 3), ("extra-cell", 4)]),
            (&["1", "2", "3"], &[]),
        ];
        for (cells, want) in cases {
            let mut out = Vec::new();
            check(&schema, 3, cells, &mut out);
            let got: Vec<(&str, usize)> = out.iter().map(|v| (v.code, v.field_index.unwrap())).collect();
            assert_eq!(got, want, "{cells:?}");
        }
    }

    #[test]
    fn a_cell_that_swallowed_lines_is_named_with_how_far_it_runs() {
        let schema = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"fields":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"}]}"#,
        )
        .unwrap();
        let help = |cells: &[&str]| {
            let mut out = Vec::new();
            check(&schema, 4, cells, &mut out);
            out.iter().map(|v| v.help.clone().unwrap()).collect::<Vec<_>>()
        };
        // the last row of a CRLF file: one line break, at the end
        let last = help(&["1", "x, again,2022\r\n"]);
        assert_eq!(last.len(), 2);
        assert!(
            last.iter()
                .all(|h| h == "the quoted cell for `b` runs to the end of the file: is its closing quote missing?"),
            "{last:?}"
        );
        // closed two lines further down (CRLF counts once)
        let middle = help(&["1", "2", "x\r\ny\r\nz"]);
        assert_eq!(
            middle,
            ["the quoted cell for `c` runs over 3 lines: is its closing quote missing?"]
        );
        // a short row with no such cell keeps the plain help
        assert!(help(&["1", "2"])[0].starts_with("add the missing cells"));
        // a trailing comma: an empty fifth cell
        assert!(help(&["1", "2", "3", "4", ""])[0].starts_with("delete the comma at the end of the row"));
        assert!(help(&["1", "2", "3", "4", "x"])[0].starts_with("quote cells that contain commas"));
    }
}
