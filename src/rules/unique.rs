//! `unique-error` and `primary-key`: a value of a `unique` field, or a combination of the
//! `primaryKey` fields, seen on an earlier row. The message names that row. This is the
//! only rule whose memory grows with the input: one key per distinct value.
//!
//! Example: two reports with the same `source_url` and `workshop_name` under a composite
//! primary key.

use std::collections::HashMap;

use super::Violation;
use crate::model::IngestedRow;
use crate::schema::TableSchema;

pub struct UniqueState {
    /// per unique field index: value → first row
    fields: Vec<(usize, HashMap<String, u64>)>,
    /// primary key field indexes and the combinations seen
    pk: Vec<usize>,
    pk_seen: HashMap<Vec<String>, u64>,
}

impl UniqueState {
    pub fn new(schema: &TableSchema) -> UniqueState {
        let fields = schema
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.unique)
            .map(|(i, _)| (i, HashMap::new()))
            .collect();
        let pk = schema
            .primary_key
            .iter()
            .filter_map(|n| schema.index_of(n))
            .collect();
        UniqueState {
            fields,
            pk,
            pk_seen: HashMap::new(),
        }
    }

    pub fn check(&mut self, schema: &TableSchema, row: &IngestedRow, out: &mut Vec<Violation>) {
        let missing = |c: &str| schema.missing_values.iter().any(|m| m == c);
        for (i, seen) in &mut self.fields {
            let Some(cell) = row.cells.get(*i) else {
                continue;
            };
            if missing(cell) {
                continue;
            }
            if let Some(first) = seen.get(cell) {
                out.push(
                    Violation::new(
                        "unique-error",
                        Some(*i),
                        format!(
                            "\"{cell}\" in `{}` already appears in row {first}",
                            schema.fields[*i].name
                        ),
                    )
                    .constraint("unique")
                    .expected("a value not used by another row"),
                );
            } else {
                seen.insert(cell.clone(), row.at.row);
            }
        }
        if self.pk.is_empty() {
            return;
        }
        let key: Vec<String> = self
            .pk
            .iter()
            .map(|i| row.cells.get(*i).cloned().unwrap_or_default())
            .collect();
        if let Some(first) = self.pk_seen.get(&key) {
            let names: Vec<&str> = self
                .pk
                .iter()
                .map(|i| schema.fields[*i].name.as_str())
                .collect();
            out.push(
                Violation::new(
                    "primary-key",
                    self.pk.first().copied(),
                    format!(
                        "primary key ({}) = ({}) already appears in row {first}",
                        names.join(", "),
                        key.join(", ")
                    ),
                )
                .expected("a key not used by another row"),
            );
        } else {
            self.pk_seen.insert(key, row.at.row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Provenance;
    use std::path::Path;

    #[test]
    fn repeats_are_reported_with_the_first_row() {
        let s = TableSchema::parse(Path::new("s"), "s", r#"{"fields":[{"name":"id","constraints":{"unique":true}},{"name":"a"},{"name":"b"}],"primaryKey":["a","b"]}"#).unwrap();
        let mut st = UniqueState::new(&s);
        let rows = [
            ["1", "x", "y"],
            ["2", "x", "z"],
            ["1", "x", "y"],
            ["", "q", "q"],
            ["", "r", "r"],
        ];
        let mut codes = Vec::new();
        for (n, cells) in rows.iter().enumerate() {
            let row = IngestedRow {
                at: Provenance {
                    file: "f".into(),
                    line: n as u64 + 2,
                    row: n as u64 + 2,
                    byte: 0,
                },
                cells: cells.iter().map(|s| s.to_string()).collect(),
                bad_utf8: vec![],
            };
            let mut out = Vec::new();
            st.check(&s, &row, &mut out);
            codes.push(out.iter().map(|v| v.code).collect::<Vec<_>>());
        }
        assert_eq!(
            codes,
            vec![
                vec![],
                vec![],
                vec!["unique-error", "primary-key"],
                vec![],
                vec![]
            ]
        );
    }
}
