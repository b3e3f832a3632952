//! `constraint-error` (required): a required field holds a missing value (by default the
//! empty string; see the schema's `missingValues`).
//!
//! Example: a report without `source_url`; every fact must carry its source.

use super::Violation;
use crate::schema::Field;

/// `cell` is the missing value the cell holds: "" or one of `missingValues` ("-").
pub fn check(field: &Field, i: usize, cell: &str, out: &mut Vec<Violation>) {
    if field.required {
        let what = if cell.is_empty() {
            "the cell is empty".to_string()
        } else {
            format!("`{cell}` is a missing value (the schema's `missingValues`)")
        };
        out.push(
            Violation::new(
                "constraint-error",
                Some(i),
                format!("`{}` is required but {what}", field.name),
            )
            .constraint("required")
            .expected("a value")
            .help(Some(format!("fill in `{}`", field.name))),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::TableSchema;
    use std::path::Path;

    #[test]
    fn only_required_fields_complain() {
        let s = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"fields":[{"name":"a","constraints":{"required":true}},{"name":"b"}]}"#,
        )
        .unwrap();
        let mut out = Vec::new();
        super::check(&s.fields[0], 0, "", &mut out);
        super::check(&s.fields[1], 1, "", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].code, out[0].constraint), ("constraint-error", Some("required")));
        super::check(&s.fields[0], 0, "n/a", &mut out);
        assert!(
            out[1].message.contains("`n/a` is a missing value"),
            "{}",
            out[1].message
        );
    }
}
