//! `constraint-error` (minimum / maximum): a numeric or date-like value outside the
//! bounds. Numbers compare as numbers; years and partial dates compare by their year.
//!
//! Example: `opened_on` year 1916 with minimum 2000.

use super::Violation;
use crate::schema::{Field, FieldType};

pub fn check(field: &Field, i: usize, cell: &str, out: &mut Vec<Violation>) {
    if field.minimum.is_none() && field.maximum.is_none() {
        return;
    }
    let value = match field.ftype {
        FieldType::Integer | FieldType::Number | FieldType::Year => cell.parse::<f64>().ok(),
        _ => cell.get(..4).and_then(|y| y.parse::<f64>().ok()),
    };
    let Some(v) = value else { return };
    if let Some(min) = field.minimum {
        if v < min {
            out.push(
                Violation::new(
                    "constraint-error",
                    Some(i),
                    format!("`{cell}` is below the minimum {min} of {}", field.name),
                )
                .constraint("minimum")
                .expected(format!(">= {min}")),
            );
        }
    }
    if let Some(max) = field.maximum {
        if v > max {
            out.push(
                Violation::new(
                    "constraint-error",
                    Some(i),
                    format!("`{cell}` is above the maximum {max} of {}", field.name),
                )
                .constraint("maximum")
                .expected(format!("<= {max}")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::TableSchema;
    use std::path::Path;

    #[test]
    fn numbers_compare_as_numbers() {
        let s = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"fields":[{"name":"n","type":"integer","constraints":{"minimum":2,"maximum":10}}]}"#,
        )
        .unwrap();
        for (cell, bad) in [("2", false), ("10", false), ("9", false), ("1", true), ("11", true)] {
            let mut out = Vec::new();
            super::check(&s.fields[0], 0, cell, &mut out);
            assert_eq!(!out.is_empty(), bad, "{cell}");
        }
    }
}
