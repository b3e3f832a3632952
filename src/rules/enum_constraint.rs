//! `constraint-error` (enum): the cell is not one of the allowed values. The help line
//! suggests the closest allowed value.
//!
//! Example: `status` = `rumoured` → expected one of operating, announced, planned,
//! suspended, closed.

use super::{closest, Violation};
use crate::schema::{Field, FieldType};

pub fn check(field: &Field, i: usize, cell: &str, out: &mut Vec<Violation>) {
    let Some(allowed) = &field.enumeration else {
        return;
    };
    // no allocation for the common single value: this runs on every cell of the field
    let list = (field.ftype == FieldType::List).then(|| cell.split(field.delimiter.as_str()).map(str::trim));
    let single = (field.ftype != FieldType::List).then_some(cell);
    for item in list.into_iter().flatten().chain(single) {
        if !allowed.iter().any(|a| a == item) {
            out.push(
                Violation::new(
                    "constraint-error",
                    Some(i),
                    format!("\"{item}\" is not an allowed value for {}", field.name),
                )
                .constraint("enum")
                .expected(format!("one of: {}", allowed.join(", ")))
                .help(closest(item, allowed.iter().map(String::as_str)).map(|c| format!("did you mean `{c}`?"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::TableSchema;
    use std::path::Path;

    #[test]
    fn enum_rejects_unknown_values_and_suggests_the_closest() {
        let s = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"fields":[{"name":"status","constraints":{"enum":["operating","announced","planned"]}}]}"#,
        )
        .unwrap();
        for (cell, bad, help) in [
            ("operating", false, None),
            ("anounced", true, Some("did you mean `announced`?")),
            ("rumoured", true, None),
            ("Operating", true, Some("did you mean `operating`?")),
        ] {
            let mut out = Vec::new();
            super::check(&s.fields[0], 0, cell, &mut out);
            assert_eq!(!out.is_empty(), bad, "{cell}");
            if bad {
                assert_eq!(out[0].constraint, Some("enum"));
                assert_eq!(out[0].help.as_deref(), help, "{cell}");
            }
        }
    }
}
