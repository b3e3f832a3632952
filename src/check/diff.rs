//! Keyed data diffs between two versions of a table, for reviewing data pull requests
//! (`luban check --base REF`). Rows are matched by a key, not by position, so a reordered
//! file shows no change and an edited cell shows as that cell.
//!
//! Report rows are keyed by (source_url, country, host_institution, city): a source can
//! report on several workshops, and those four say which. Editing one of them shows as a
//! removal plus an addition. Published tables use their primary key.

use std::collections::{BTreeMap, BTreeSet};

/// One row of a CSV table, by column name, with the physical line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub cells: BTreeMap<String, String>,
}

/// The columns a report is keyed by in the diff.
pub const REPORT_KEY: [&str; 4] = ["source_url", "country", "host_institution", "city"];

/// Whether the header of the CSV `text` has every column of `columns`.
pub fn has_columns(text: &str, columns: &[&str]) -> bool {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    rdr.headers().is_ok_and(|h| {
        columns
            .iter()
            .all(|c| h.iter().any(|l| l.trim_start_matches('\u{feff}') == *c))
    })
}

/// Reads CSV text into rows (lenient: a broken file just yields fewer rows; validation
/// reports the breakage).
pub fn read_rows(text: &str) -> Vec<Row> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let Ok(headers) = rdr.headers().cloned() else {
        return Vec::new();
    };
    // lines counted as the rest of luban counts them (`\r\n`, `\r` and `\n` one each):
    // the csv crate's own line numbers were one short in CRLF files
    let bytes = text.as_bytes();
    let (mut at, mut line) = (0usize, 1u64);
    rdr.records()
        .filter_map(|r| r.ok())
        .map(|r| Row {
            line: r.position().map_or(0, |p| {
                let mut to = (p.byte() as usize).clamp(at, bytes.len());
                // a CRLF record can be said to start at its `\n`
                if to > 0 && to < bytes.len() && bytes[to - 1] == b'\r' && bytes[to] == b'\n' {
                    to += 1;
                }
                line += crate::report::diagnostic::line_breaks(&bytes[at..to]);
                at = to;
                line
            }),
            cells: headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect(),
        })
        .collect()
}

/// A change between two versions of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(Row),
    Removed(Row),
    /// the changed cells: (column, before, after)
    Changed {
        before: Row,
        after: Row,
        cells: Vec<(String, String, String)>,
    },
}

impl Change {
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Added(_) => "added",
            Change::Removed(_) => "removed",
            Change::Changed { .. } => "changed",
        }
    }
}

/// The key of a report row.
pub fn report_key(r: &Row) -> String {
    REPORT_KEY
        .iter()
        .map(|c| r.cells.get(*c).map_or("", String::as_str))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// Diffs two versions of a table by `key`. Rows with the same key are paired in order.
pub fn diff(base: Vec<Row>, head: Vec<Row>, key: impl Fn(&Row) -> String) -> Vec<Change> {
    let mut left: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for r in base {
        left.entry(key(&r)).or_default().push(r);
    }
    let mut right: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for r in head {
        right.entry(key(&r)).or_default().push(r);
    }
    let keys: BTreeSet<&String> = left.keys().chain(right.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        let a = left.get(k).cloned().unwrap_or_default();
        let b = right.get(k).cloned().unwrap_or_default();
        for i in 0..a.len().max(b.len()) {
            match (a.get(i), b.get(i)) {
                (Some(x), Some(y)) => {
                    let cols: BTreeSet<&String> = x.cells.keys().chain(y.cells.keys()).collect();
                    let cells: Vec<(String, String, String)> = cols
                        .into_iter()
                        .filter_map(|c| {
                            let (p, q) = (
                                x.cells.get(c).cloned().unwrap_or_default(),
                                y.cells.get(c).cloned().unwrap_or_default(),
                            );
                            (p != q).then(|| (c.clone(), p, q))
                        })
                        .collect();
                    if !cells.is_empty() {
                        out.push(Change::Changed {
                            before: x.clone(),
                            after: y.clone(),
                            cells,
                        });
                    }
                }
                (Some(x), None) => out.push(Change::Removed(x.clone())),
                (None, Some(y)) => out.push(Change::Added(y.clone())),
                (None, None) => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_diff_sees_edits_not_reordering() {
        let base = "source_url,country,host_institution,city,status\nu1,KE,A,,operating\nu2,KE,B,,announced\nu3,EG,C,,operating\n";
        let head = "source_url,country,host_institution,city,status\nu3,EG,C,,operating\nu2,KE,B,,operating\nu4,GH,D,,planned\n";
        let changes = diff(read_rows(base), read_rows(head), report_key);
        let kinds: Vec<&str> = changes.iter().map(Change::kind).collect();
        assert_eq!(kinds, vec!["removed", "changed", "added"]);
        match &changes[1] {
            Change::Changed { cells, after, .. } => {
                assert_eq!(
                    cells,
                    &vec![("status".to_string(), "announced".to_string(), "operating".to_string())]
                );
                assert_eq!(after.line, 3);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rows_carry_the_line_they_start_on_for_every_line_end() {
        let lines = |t: &str| read_rows(t).iter().map(|r| r.line).collect::<Vec<_>>();
        assert_eq!(lines("a,b\n1,2\n3,4\n"), [2, 3]);
        assert_eq!(lines("a,b\r\n1,2\r\n3,4\r\n"), [2, 3]);
        assert_eq!(lines("a,b\r1,2\r3,4\r"), [2, 3]);
        assert_eq!(lines("\u{feff}a,b\r\n\"1\r\nx\",2\r\n3,4\r\n"), [2, 4]);
    }
}
