//! `constraint-error` (pattern): the cell does not match the field's regular expression,
//! which must match the whole cell. Patterns run on Rust's `regex` engine, whose matching
//! time is linear in the cell length: no pattern can make validation hang.
//!
//! Example: pattern `[A-Z]{3}` and cell `Kaz`.

use super::Violation;
use crate::schema::Field;

pub fn check(field: &Field, i: usize, cell: &str, out: &mut Vec<Violation>) {
    if let Some((src, re)) = &field.pattern {
        if !re.is_match(cell) {
            out.push(
                Violation::new(
                    "constraint-error",
                    Some(i),
                    format!("\"{cell}\" does not match the pattern of {}", field.name),
                )
                .constraint("pattern")
                .expected(format!("text matching `{src}`")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::TableSchema;
    use std::path::Path;

    #[test]
    fn pattern_must_match_the_whole_cell_and_stays_fast_on_evil_input() {
        let s = TableSchema::parse(Path::new("s"), "s", r#"{"fields":[{"name":"c","constraints":{"pattern":"[A-Z]{3}"}},{"name":"e","constraints":{"pattern":"(a+)+$"}}]}"#).unwrap();
        for (cell, bad) in [("KAZ", false), ("Kaz", true), ("KAZA", true)] {
            let mut out = Vec::new();
            super::check(&s.fields[0], 0, cell, &mut out);
            assert_eq!(!out.is_empty(), bad, "{cell}");
        }
        // A catastrophic pattern for backtracking engines; linear here.
        let evil = format!("{}!", "a".repeat(100_000));
        let mut out = Vec::new();
        super::check(&s.fields[1], 1, &evil, &mut out);
        assert_eq!(out.len(), 1);
    }
}
