//! `fieldsMatch` (Table Schema v2): how a header must match the schema's fields when not
//! name for name in order (`exact`, the default, is `header_labels`'). `equal`: the same
//! names in any order; `subset`: every field is a column, more columns are fine;
//! `superset`: every column is a field, fields may be absent; `partial`: at least one
//! column is a field. Missing fields are `missing-label`, columns that must not be there
//! `extra-label`.
//!
//! The rows are then read against the schema [`arrange`]d in the header's order, so that
//! every cell rule and position works as for an exact header.
//!
//! Example: schema `id,name` with `"fieldsMatch": "equal"` and header `name,id`: valid.

use super::Violation;
use crate::schema::{Field, FieldType, FieldsMatch, ReadOptions, TableSchema};

pub fn check(schema: &TableSchema, labels: &[String]) -> Vec<Violation> {
    let mode = schema.fields_match;
    let names = schema.field_names();
    let mut out = Vec::new();
    let need_fields = matches!(mode, FieldsMatch::Equal | FieldsMatch::Subset);
    let need_labels = matches!(mode, FieldsMatch::Equal | FieldsMatch::Superset);
    if need_fields {
        for (i, name) in names.iter().enumerate() {
            if !labels.iter().any(|l| l == name) {
                out.push(
                    Violation::new("missing-label", Some(i), format!("the header has no column `{name}`"))
                        .expected(format!("a column `{name}` (fieldsMatch: {mode:?})").to_lowercase()),
                );
            }
        }
    }
    if need_labels {
        for (i, label) in labels.iter().enumerate() {
            if !names.contains(&label.as_str()) {
                out.push(Violation::new(
                    "extra-label",
                    Some(i),
                    format!("header `{label}` is not a field of the schema"),
                ));
            }
        }
    }
    if mode == FieldsMatch::Partial && !labels.iter().any(|l| names.contains(&l.as_str())) {
        out.push(Violation::new(
            "missing-label",
            Some(0),
            "no column of the header is a field of the schema (fieldsMatch: partial)".into(),
        ));
    }
    out
}

/// The schema with its fields in the header's order (a column that is no field reads as
/// `any`), for a `fieldsMatch` other than `exact`.
pub fn arrange(schema: &TableSchema, labels: &[String]) -> TableSchema {
    let mut out = schema.clone();
    out.fields = labels
        .iter()
        .map(|l| match schema.fields.iter().find(|f| &f.name == l) {
            Some(f) => f.clone(),
            None => untyped(l),
        })
        .collect();
    out.fields_match = FieldsMatch::Exact;
    out
}

fn untyped(name: &str) -> Field {
    Field {
        name: name.to_string(),
        ftype: FieldType::Any,
        format: None,
        title: None,
        description: None,
        required: false,
        unique: false,
        min_length: None,
        max_length: None,
        minimum: None,
        maximum: None,
        pattern: None,
        enumeration: None,
        enum_keys: None,
        delimiter: ",".into(),
        read: ReadOptions::default(),
        missing_values: None,
        partial_date: false,
        resolve: None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn each_mode_takes_the_headers_it_should() {
        let schema = |mode: &str| {
            TableSchema::parse(
                Path::new("s"),
                "s",
                &format!(r#"{{"fields":[{{"name":"id"}},{{"name":"name"}}],"fieldsMatch":"{mode}"}}"#),
            )
            .unwrap()
        };
        let cases: [(&str, &[&str], &[&str]); 8] = [
            ("equal", &["name", "id"], &[]),
            ("equal", &["name"], &["missing-label"]),
            ("equal", &["name", "id", "x"], &["extra-label"]),
            ("subset", &["name", "id", "x"], &[]),
            ("subset", &["name"], &["missing-label"]),
            ("superset", &["name"], &[]),
            ("superset", &["name", "x"], &["extra-label"]),
            ("partial", &["x"], &["missing-label"]),
        ];
        for (mode, labels, want) in cases {
            let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
            let got: Vec<&str> = check(&schema(mode), &labels).iter().map(|v| v.code).collect();
            assert_eq!(got, want, "{mode} {labels:?}");
        }
        let arranged = arrange(&schema("subset"), &["name".into(), "x".into(), "id".into()]);
        assert_eq!(arranged.field_names(), ["name", "x", "id"]);
    }
}
