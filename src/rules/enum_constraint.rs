//! `constraint-error` (enum): the cell is not one of the allowed values. Typed fields
//! compare values, as Frictionless does (`-0` is the number `0`, `4e4` is `4E4`); text
//! compares as written. The help line suggests the closest allowed value.
//!
//! Example: `status` = `rumoured` → expected one of operating, announced, planned,
//! suspended, closed.

use super::Violation;
use crate::report::diagnostic::closest;
use crate::schema::{Field, FieldType, Value};

pub fn check(field: &Field, i: usize, cell: &str, value: Option<&Value>, out: &mut Vec<Violation>) {
    let Some(allowed) = &field.enumeration else {
        return;
    };
    if let (Some(keys), Some(v)) = (&field.enum_keys, value) {
        let mut key = Vec::new();
        v.key(&mut key);
        if !keys.contains(&key) {
            out.push(violation(field, i, cell, allowed));
        }
        return;
    }
    // no allocation for the common single value: this runs on every cell of the field
    let list = (field.ftype == FieldType::List).then(|| cell.split(field.delimiter.as_str()).map(str::trim));
    let single = (field.ftype != FieldType::List).then_some(cell);
    for item in list.into_iter().flatten().chain(single) {
        if !allowed.iter().any(|a| a == item) {
            out.push(violation(field, i, item, allowed));
        }
    }
}

fn violation(field: &Field, i: usize, item: &str, allowed: &[String]) -> Violation {
    Violation::new(
        "constraint-error",
        Some(i),
        format!("\"{item}\" is not an allowed value for {}", field.name),
    )
    .constraint("enum")
    .expected(format!("one of: {}", allowed.join(", ")))
    .help(
        // the closest value of ` operating` is `operating`, a difference nobody sees
        super::spaces_hint(item, |t| allowed.iter().any(|a| a == t))
            .or_else(|| closest(item, allowed.iter().map(String::as_str)).map(|c| format!("did you mean `{c}`?"))),
    )
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
            ("operating ", true, Some("remove the spaces around `operating`")),
            (" Operating", true, Some("did you mean `operating`?")),
        ] {
            let mut out = Vec::new();
            super::check(&s.fields[0], 0, cell, None, &mut out);
            assert_eq!(!out.is_empty(), bad, "{cell}");
            if bad {
                assert_eq!(out[0].constraint, Some("enum"));
                assert_eq!(out[0].help.as_deref(), help, "{cell}");
            }
        }
    }

    /// Issue 28: a number enum compares numbers.
    #[test]
    fn typed_enums_compare_values() {
        let s = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"fields":[{"name":"n","type":"number","constraints":{"enum":["0","4E4"]}}]}"#,
        )
        .unwrap();
        for (cell, bad) in [("-0", false), ("4e4", false), ("40000.0", false), ("1", true)] {
            let v = crate::schema::typed::read(&s.fields[0], cell).unwrap();
            let mut out = Vec::new();
            super::check(&s.fields[0], 0, cell, Some(&v), &mut out);
            assert_eq!(!out.is_empty(), bad, "{cell}");
        }
    }
}
