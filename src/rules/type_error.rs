//! `type-error`: a cell that cannot be read as its field's type (or format). Types follow
//! Frictionless: integer, number, boolean (true/false/yes/no/1/0…), date (ISO
//! `YYYY-MM-DD`), datetime, time, year, yearmonth; string formats `uri` (absolute http(s)
//! URL, checked with the `validator` crate) and `email`. The luban extension
//! `x-luban-partial-date` accepts `YYYY`, `YYYY-MM` or `YYYY-MM-DD` and checks the day
//! exists.
//!
//! Example: `opened_on` = `2019-02-30` → "not a day of the calendar".

use validator::{ValidateEmail, ValidateUrl};

use super::Violation;
use crate::partial_date::PartialDate;
use crate::schema::{Field, FieldType};

pub fn check(field: &Field, i: usize, cell: &str, out: &mut Vec<Violation>) {
    if let Err((why, expected)) = parse(field, cell) {
        out.push(
            Violation::new(
                "type-error",
                Some(i),
                format!(
                    "`{cell}` is not a valid {} for `{}`: {why}",
                    type_name(field),
                    field.name
                ),
            )
            .expected(expected),
        );
    }
}

fn type_name(field: &Field) -> String {
    match (&field.format, field.partial_date) {
        (_, true) => "partial date".into(),
        (Some(f), _) if f != "default" && f != "any" => format!("{} ({f})", field.ftype.as_str()),
        _ => field.ftype.as_str().into(),
    }
}

/// Checks one cell; on failure, why and what was expected.
fn parse(field: &Field, cell: &str) -> Result<(), (String, String)> {
    let fail = |why: &str, expected: &str| Err((why.to_string(), expected.to_string()));
    match field.ftype {
        FieldType::String | FieldType::List | FieldType::Any => {
            if field.partial_date {
                return PartialDate::parse(cell)
                    .map(|_| ())
                    .map_err(|e| (e, "YYYY, YYYY-MM or YYYY-MM-DD".into()));
            }
            match field.format.as_deref() {
                Some("uri") => {
                    let scheme_ok = cell.starts_with("http://") || cell.starts_with("https://");
                    if !scheme_ok || !cell.validate_url() || cell.contains(char::is_whitespace) {
                        return fail(
                            "not an absolute http(s) URL",
                            "a URL such as https://example.org/page",
                        );
                    }
                }
                Some("email") if !cell.validate_email() => {
                    return fail("not an email address", "name@example.org")
                }
                _ => {}
            }
            Ok(())
        }
        FieldType::Integer => cell
            .parse::<i64>()
            .map(|_| ())
            .or_else(|_| fail("not a whole number", "an integer such as 42")),
        FieldType::Number => cell
            .parse::<f64>()
            .map(|_| ())
            .or_else(|_| fail("not a number", "a number such as 4.2")),
        FieldType::Boolean => match cell {
            "true" | "True" | "TRUE" | "1" | "false" | "False" | "FALSE" | "0" => Ok(()),
            _ => fail("not a boolean", "true or false"),
        },
        FieldType::Date => chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d")
            .map(|_| ())
            .or_else(|_| fail("not an ISO date", "YYYY-MM-DD")),
        FieldType::Datetime => chrono::DateTime::parse_from_rfc3339(cell)
            .map(|_| ())
            .or_else(|_| {
                chrono::NaiveDateTime::parse_from_str(cell, "%Y-%m-%dT%H:%M:%S").map(|_| ())
            })
            .or_else(|_| fail("not an ISO datetime", "YYYY-MM-DDThh:mm:ss[Z]")),
        FieldType::Time => chrono::NaiveTime::parse_from_str(cell, "%H:%M:%S")
            .map(|_| ())
            .or_else(|_| fail("not an ISO time", "hh:mm:ss")),
        FieldType::Year => match cell.parse::<i32>() {
            Ok(_) if cell.len() == 4 => Ok(()),
            _ => fail("not a year", "YYYY"),
        },
        FieldType::YearMonth => PartialDate::parse(cell)
            .ok()
            .filter(|d| d.month.is_some() && d.day.is_none())
            .map(|_| ())
            .ok_or_else(|| ("not a year and month".to_string(), "YYYY-MM".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::TableSchema;
    use std::path::Path;

    fn field(def: &str) -> Field {
        TableSchema::parse(Path::new("s"), "s", &format!(r#"{{"fields":[{def}]}}"#))
            .unwrap()
            .fields
            .remove(0)
    }

    #[test]
    fn type_table() {
        let cases = [
            (
                r#"{"name":"u","format":"uri"}"#,
                "https://example.org/a?b=1",
                true,
            ),
            (r#"{"name":"u","format":"uri"}"#, "example.org/a", false),
            (
                r#"{"name":"u","format":"uri"}"#,
                "ftp://example.org/",
                false,
            ),
            (
                r#"{"name":"u","format":"uri"}"#,
                "https://exa mple.org/",
                false,
            ),
            (
                r#"{"name":"d","x-luban-partial-date":true}"#,
                "2017-05",
                true,
            ),
            (
                r#"{"name":"d","x-luban-partial-date":true}"#,
                "2019-02-30",
                false,
            ),
            (
                r#"{"name":"d","x-luban-partial-date":true}"#,
                "May 2017",
                false,
            ),
            (r#"{"name":"n","type":"integer"}"#, "42", true),
            (r#"{"name":"n","type":"integer"}"#, "4.2", false),
            (r#"{"name":"n","type":"number"}"#, "4.2", true),
            (r#"{"name":"d","type":"date"}"#, "2020-11-30", true),
            (r#"{"name":"d","type":"date"}"#, "2020-11", false),
            (r#"{"name":"y","type":"year"}"#, "2020", true),
            (r#"{"name":"y","type":"yearmonth"}"#, "2020-13", false),
            (r#"{"name":"b","type":"boolean"}"#, "yes", false),
            (r#"{"name":"e","format":"email"}"#, "a@b.org", true),
        ];
        for (def, cell, ok) in cases {
            let mut out = Vec::new();
            check(&field(def), 0, cell, &mut out);
            assert_eq!(out.is_empty(), ok, "{def} {cell}: {out:?}");
            if !ok {
                assert_eq!(out[0].code, "type-error");
            }
        }
    }
}
