//! `constraint-error` (minLength / maxLength): the cell's length in characters is outside
//! the bounds. For list and array fields the bounds count items, for object fields keys,
//! as in Frictionless.
//!
//! Example: `workshop_name` with maxLength 200 and a pasted paragraph.

use super::Violation;
use crate::schema::{Field, FieldType, Value};

pub fn check(field: &Field, i: usize, cell: &str, value: Option<&Value>, out: &mut Vec<Violation>) {
    if field.min_length.is_none() && field.max_length.is_none() {
        return;
    }
    // a cell of n bytes has at most n characters: skip counting when that settles it
    if field.ftype != FieldType::List && field.min_length.is_none() && field.max_length.is_some_and(|m| cell.len() <= m)
    {
        return;
    }
    let len = match value {
        Some(Value::List(items)) => items.len(),
        Some(Value::Json(serde_json::Value::Array(a))) => a.len(),
        Some(Value::Json(serde_json::Value::Object(o))) => o.len(),
        _ if field.ftype == FieldType::List => cell.split(field.delimiter.as_str()).count(),
        _ => cell.chars().count(),
    };
    if let Some(min) = field.min_length {
        if len < min {
            out.push(
                Violation::new(
                    "constraint-error",
                    Some(i),
                    format!("`{}` is {len} long, shorter than minLength {min}", field.name),
                )
                .constraint("minLength")
                .expected(format!("at least {min}")),
            );
        }
    }
    if let Some(max) = field.max_length {
        if len > max {
            out.push(
                Violation::new(
                    "constraint-error",
                    Some(i),
                    format!("`{}` is {len} long, longer than maxLength {max}", field.name),
                )
                .constraint("maxLength")
                .expected(format!("at most {max}")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::TableSchema;
    use std::path::Path;

    #[test]
    fn bounds_count_characters_not_bytes() {
        let s = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"fields":[{"name":"c","constraints":{"minLength":2,"maxLength":3}}]}"#,
        )
        .unwrap();
        for (cell, bad) in [("ab", false), ("大城市", false), ("a", true), ("abcd", true)] {
            let mut out = Vec::new();
            super::check(&s.fields[0], 0, cell, None, &mut out);
            assert_eq!(!out.is_empty(), bad, "{cell}");
        }
    }
}
