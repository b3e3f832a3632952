//! `constraint-error` (minimum, maximum, exclusiveMinimum, exclusiveMaximum): a value
//! outside the bounds. Values compare as their type (numbers as numbers, dates as
//! dates, times and datetimes with their UTC offsets); NaN is outside every bound, as in
//! Frictionless.
//!
//! Example: `year` 1916 with minimum 2000.

use std::cmp::Ordering;

use super::Violation;
use crate::schema::{Bound, Field, Value};

pub fn check(field: &Field, i: usize, value: &Value, out: &mut Vec<Violation>) {
    if let Some(min) = &field.minimum {
        if !within(value, min, Ordering::Greater) {
            out.push(violation(
                field,
                i,
                value,
                min,
                "below",
                if min.exclusive { ">" } else { ">=" },
            ));
        }
    }
    if let Some(max) = &field.maximum {
        if !within(value, max, Ordering::Less) {
            out.push(violation(
                field,
                i,
                value,
                max,
                "above",
                if max.exclusive { "<" } else { "<=" },
            ));
        }
    }
}

/// Whether `value` is on the `inside` side of the bound (or on it, when inclusive).
fn within(value: &Value, bound: &Bound, inside: Ordering) -> bool {
    match value.compare(&bound.value) {
        Some(Ordering::Equal) => !bound.exclusive,
        Some(o) => o == inside,
        None => false,
    }
}

fn violation(field: &Field, i: usize, value: &Value, b: &Bound, side: &str, op: &str) -> Violation {
    let name = match (side, b.exclusive) {
        ("below", false) => "minimum",
        ("below", true) => "exclusiveMinimum",
        (_, false) => "maximum",
        (_, true) => "exclusiveMaximum",
    };
    Violation::new(
        "constraint-error",
        Some(i),
        format!("`{}` is {side} the {name} {} of {}", value.show(), b.text, field.name),
    )
    .constraint(name)
    .expected(format!("{op} {}", b.text))
}

#[cfg(test)]
mod tests {
    use crate::schema::{typed, TableSchema};
    use std::path::Path;

    #[test]
    fn values_compare_as_their_type() {
        let cases = [
            (
                r#"{"name":"n","type":"integer","constraints":{"minimum":2,"maximum":10}}"#,
                &[
                    ("2", false),
                    ("10", false),
                    ("9", false),
                    ("1", true),
                    ("11", true),
                    ("010", false),
                ][..],
            ),
            (
                r#"{"name":"n","type":"number","constraints":{"minimum":4}}"#,
                &[("NaN", true), ("4.0", false), ("3.9", true), ("Infinity", false)][..],
            ),
            (
                r#"{"name":"d","type":"date","constraints":{"maximum":"2001-01-01"}}"#,
                &[("2001-01-01", false), ("2001-01-02", true)][..],
            ),
        ];
        for (def, cells) in cases {
            let s = TableSchema::parse(Path::new("s"), "s", &format!(r#"{{"fields":[{def}]}}"#)).unwrap();
            for (cell, bad) in cells {
                let v = typed::read(&s.fields[0], cell).unwrap();
                let mut out = Vec::new();
                super::check(&s.fields[0], 0, &v, &mut out);
                assert_eq!(!out.is_empty(), *bad, "{def} {cell}");
            }
        }
        let s = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"$schema":"https://datapackage.org/profiles/2.0/tableschema.json","fields":[{"name":"n","type":"integer","constraints":{"exclusiveMinimum":2}}]}"#,
        )
        .unwrap();
        for (cell, bad) in [("2", true), ("3", false)] {
            let mut out = Vec::new();
            super::check(&s.fields[0], 0, &typed::read(&s.fields[0], cell).unwrap(), &mut out);
            assert_eq!(!out.is_empty(), bad, "{cell}");
        }
    }
}
