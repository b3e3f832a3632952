//! The header rules: `blank-label`, `duplicate-label`, `missing-label`, `extra-label`,
//! `incorrect-label`. As in Frictionless, labels are compared with the schema's field
//! names by position. A file whose header fails is rejected whole: its rows cannot be
//! read against the schema.
//!
//! Example: schema `workshop_name,country`, header `workshop_name,contry` →
//! incorrect-label at position 2, "did you mean `country`?".

use super::Violation;
use crate::report::diagnostic::closest;
use crate::schema::TableSchema;

pub fn check_header(schema: &TableSchema, labels: &[String]) -> Vec<Violation> {
    // a file saved with another delimiter: every other finding would follow from it
    if let Some(v) = super::delimiter::check(schema, labels) {
        return vec![v];
    }
    if schema.fields_match != crate::schema::FieldsMatch::Exact {
        return super::fields_match::check(schema, labels);
    }
    let mut out = Vec::new();
    let names = schema.field_names();
    // At most MAX_EXTRA extra labels are reported one by one; the rest as one finding.
    const MAX_EXTRA: usize = 20;
    let cut = names.len() + MAX_EXTRA;
    if labels.len() > cut {
        out.push(
            Violation::new(
                "extra-label",
                Some(cut),
                format!("{} more header cells beyond the schema's fields", labels.len() - cut),
            )
            .expected(format!("{} columns", names.len())),
        );
    }
    // a set makes the duplicate check linear, for headers with very many columns
    let mut seen = std::collections::HashSet::new();
    for (i, label) in labels.iter().enumerate().take(cut) {
        if label.trim().is_empty() {
            let v = Violation::new("blank-label", Some(i), format!("header cell {} is blank", i + 1));
            out.push(match names.get(i) {
                Some(n) => v.expected(format!("`{n}`")),
                // past the schema's fields: a column a spreadsheet kept after the last one
                None => v.expected(format!("{} columns", names.len())).help(Some(format!(
                    "delete the empty column after `{}` (a spreadsheet saves one when a cell \
                     right of the table was ever touched): every row then ends with one comma less",
                    names.last().copied().unwrap_or_default()
                ))),
            });
            continue;
        }
        // a label past the schema's fields is extra, whatever it repeats (as in
        // Frictionless)
        if !seen.insert(label.as_str()) && i < names.len() {
            out.push(Violation::new(
                "duplicate-label",
                Some(i),
                format!("header `{label}` appears twice"),
            ));
            continue;
        }
        match names.get(i) {
            None => out.push(
                Violation::new(
                    "extra-label",
                    Some(i),
                    format!("header `{label}` is not a field of the schema"),
                )
                .expected(format!("{} columns", names.len())),
            ),
            Some(name) if *name != label => out.push(
                Violation::new(
                    "incorrect-label",
                    Some(i),
                    format!("header `{label}` at position {} should be `{name}`", i + 1),
                )
                .expected(format!("`{name}`"))
                .help(closest(label, names.iter().copied()).map(|c| format!("did you mean `{c}`?"))),
            ),
            Some(_) => {}
        }
    }
    for (i, name) in names.iter().enumerate().skip(labels.len()) {
        out.push(
            Violation::new("missing-label", Some(i), format!("the header has no column `{name}`"))
                .expected(format!("`{name}` at position {}", i + 1)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn each_label_problem_has_its_code() {
        let schema = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"fields":[{"name":"workshop_name"},{"name":"country"},{"name":"city"}]}"#,
        )
        .unwrap();
        let cases: [(&[&str], &[&str]); 6] = [
            (&["workshop_name", "country", "city"], &[]),
            (&["workshop_name", "contry", "city"], &["incorrect-label"]),
            (&["workshop_name", "", "city"], &["blank-label"]),
            (&["workshop_name", "country"], &["missing-label"]),
            (&["workshop_name", "country", "city", "x"], &["extra-label"]),
            (&["workshop_name", "country", "country"], &["duplicate-label"]),
        ];
        for (labels, want) in cases {
            let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
            let got: Vec<&str> = check_header(&schema, &labels).iter().map(|v| v.code).collect();
            assert_eq!(got, want, "{labels:?}");
        }
        let v = &check_header(&schema, &["workshop_name".into(), "contry".into(), "city".into()])[0];
        assert_eq!(v.help.as_deref(), Some("did you mean `country`?"));
        // a blank label past the fields (a trailing comma) says what to delete, never
        // "expected" nothing
        let v = &check_header(
            &schema,
            &["workshop_name".into(), "country".into(), "city".into(), "".into()],
        )[0];
        assert_eq!((v.code, v.expected.as_deref()), ("blank-label", Some("3 columns")));
        assert!(v
            .help
            .as_deref()
            .unwrap()
            .starts_with("delete the empty column after `city`"));
    }
}
