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
        // a date in another layout: say what to write instead
        let dated = field.partial_date || (field.ftype == FieldType::Date && pattern(field).is_none());
        let help = dated
            .then(|| super::date_hint::suggest(cell, field.partial_date))
            .flatten();
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
            .expected(expected)
            .help(help),
        );
    }
}

/// Whether a field's type can reject a cell at all (a plain string field cannot).
pub fn applies(field: &Field) -> bool {
    let plain_text = matches!(field.ftype, FieldType::String | FieldType::List | FieldType::Any);
    !plain_text || field.partial_date || matches!(field.format.as_deref(), Some("uri" | "email"))
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
                Some("uri") if !is_http_url(cell) => {
                    return fail("not an absolute http(s) URL", "a URL such as https://example.org/page");
                }
                Some("email") if !cell.validate_email() => return fail("not an email address", "name@example.org"),
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
        FieldType::Date => match pattern(field) {
            // Frictionless date formats are Python strptime patterns, which chrono reads
            Some(fmt) => chrono::NaiveDate::parse_from_str(cell, fmt)
                .map(|_| ())
                .or_else(|_| fail("does not match the date format", fmt)),
            None if field.format.as_deref() == Some("any") => ANY_DATE
                .iter()
                .find(|f| chrono::NaiveDate::parse_from_str(cell, f).is_ok())
                .map(|_| ())
                .ok_or_else(|| {
                    (
                        "not a date in any common format".to_string(),
                        "a date such as 2020-11-30".to_string(),
                    )
                }),
            None => iso_date(cell)
                .map(|_| ())
                .ok_or_else(|| ("not an ISO date".to_string(), "YYYY-MM-DD".to_string())),
        },
        FieldType::Datetime => chrono::DateTime::parse_from_rfc3339(cell)
            .map(|_| ())
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(cell, "%Y-%m-%dT%H:%M:%S").map(|_| ()))
            .or_else(|_| fail("not an ISO datetime", "YYYY-MM-DDThh:mm:ss[Z]")),
        FieldType::Time => chrono::NaiveTime::parse_from_str(cell, pattern(field).unwrap_or("%H:%M:%S"))
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

/// A field's explicit date/time pattern (`"format": "%d/%m/%Y"`), if it has one.
fn pattern(field: &Field) -> Option<&str> {
    field.format.as_deref().filter(|f| f.contains('%'))
}

/// What `"format": "any"` accepts for dates.
const ANY_DATE: &[&str] = &[
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d %B %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%b %d, %Y",
];

/// A `YYYY-MM-DD` date that exists, parsed by hand (this runs once per cell). Like
/// Frictionless (Python's `%Y-%m-%d`), month and day may have one digit.
pub fn iso_date(s: &str) -> Option<chrono::NaiveDate> {
    // split on bytes: str's char searcher costs more than the whole parse on short cells
    let mut parts = s.as_bytes().split(|&b| b == b'-');
    let mut num = |min: usize, max: usize| -> Option<u32> {
        let p = parts.next()?;
        if p.len() < min || p.len() > max {
            return None;
        }
        p.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(4, 4)?, num(1, 2)?, num(1, 2)?);
    if parts.next().is_some() {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// An absolute http(s) URL without whitespace. Plain ASCII URLs (RFC 3986 characters,
/// a host of letters, digits, dots and hyphens) are accepted by a fast scan; anything
/// else goes to the `validator` crate's URL check.
pub fn is_http_url(s: &str) -> bool {
    let rest = match s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")) {
        Some(r) => r,
        None => return false,
    };
    // The fast scan accepts only RFC 3986 ASCII characters, so a URL it accepts has no
    // whitespace: the whitespace test is needed only before the full parser.
    if fast_url_rest(rest.as_bytes()) {
        return true;
    }
    if s.bytes().any(|b| b.is_ascii_whitespace()) || (!s.is_ascii() && s.contains(char::is_whitespace)) {
        return false;
    }
    s.validate_url()
}

/// RFC 3986 characters allowed after the host (unreserved, sub-delims, `:@/?#`; `%` is
/// handled apart), as a lookup table: this runs on every byte of every URL.
const URL_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric();
        c += 1;
    }
    let extra = b"-._~!$&'()*+,;=:@/?#";
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
};

fn fast_url_rest(b: &[u8]) -> bool {
    let host_end = b
        .iter()
        .position(|&c| matches!(c, b'/' | b'?' | b'#' | b':'))
        .unwrap_or(b.len());
    let host = &b[..host_end];
    let labels_ok = !host.is_empty()
        && host.split(|&c| c == b'.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
                && l[0] != b'-'
                && l[l.len() - 1] != b'-'
        });
    if !labels_ok {
        return false;
    }
    // WHATWG parses a host whose last label is a number as IPv4 ("a.0" is invalid):
    // leave those to the full parser
    let last = host.rsplit(|&c| c == b'.').next().unwrap_or_default();
    if last.iter().all(u8::is_ascii_digit) || last.starts_with(b"0x") || last.starts_with(b"0X") {
        return false;
    }
    let mut i = host_end;
    if b.get(i) == Some(&b':') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        // a port is at most 65535 (the full parser rejects larger ones)
        if i == start || i - start > 5 || std::str::from_utf8(&b[start..i]).map_or(true, |p| p.parse::<u16>().is_err())
        {
            return false;
        }
    }
    let tail = &b[i..];
    if !(tail.is_empty() || matches!(tail[0], b'/' | b'?' | b'#')) {
        return false;
    }
    let mut k = 0;
    while k < tail.len() {
        let c = tail[k];
        if c == b'%' {
            if k + 2 >= tail.len() || !tail[k + 1].is_ascii_hexdigit() || !tail[k + 2].is_ascii_hexdigit() {
                return false;
            }
            k += 3;
            continue;
        }
        if !URL_CHAR[c as usize] {
            return false;
        }
        k += 1;
    }
    true
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
    fn fast_paths_agree_with_the_slow_ones() {
        for s in [
            "2020-02-29",
            "2019-02-29",
            "2020-13-01",
            "2020-1-01",
            "abcd-ef-gh",
            "2020-12-31",
            "0000-01-01",
        ] {
            assert_eq!(
                iso_date(s),
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
                "{s}"
            );
        }
        for (u, ok) in [
            ("https://example.org", true),
            ("http://a.b.c:8080/x/y?q=1&r=%20#frag", true),
            ("https://xn--fiqs8s.cn/", true),
            ("https://中国.cn/页面", true),
            ("https://www.fratmat.info/article/201444/Régions/Yamoussoukro", true),
            ("https://example.org/a%2", true), // lenient url crate decides
            ("https://-bad-.org/", true),      // WHATWG hosts may start with a hyphen
            ("https://exa mple.org/", false),
            ("https://example.org/a b", false),
            ("https://example.org/a\t", false),
            ("https://example.org/页 面", false),
            ("https://a.org:65535/", true),
            ("https://a.org:65536/", false), // ports stop at 65535
            ("https://", false),
            ("example.org", false),
            ("mailto:x@y.org", false),
        ] {
            assert_eq!(is_http_url(u), ok, "{u}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_url_scan_accepts_only_what_validator_accepts(rest in "[a-z0-9.:/?#%&=~_-]{0,30}") {
            if fast_url_rest(rest.as_bytes()) {
                let url = format!("https://{rest}");
                proptest::prop_assert!(url.validate_url(), "{}", url);
            }
        }
    }

    #[test]
    fn type_table() {
        let cases = [
            (r#"{"name":"u","format":"uri"}"#, "https://example.org/a?b=1", true),
            (r#"{"name":"u","format":"uri"}"#, "example.org/a", false),
            (r#"{"name":"u","format":"uri"}"#, "ftp://example.org/", false),
            (r#"{"name":"u","format":"uri"}"#, "https://exa mple.org/", false),
            (r#"{"name":"d","x-luban-partial-date":true}"#, "2017-05", true),
            (r#"{"name":"d","x-luban-partial-date":true}"#, "2019-02-30", false),
            (r#"{"name":"d","x-luban-partial-date":true}"#, "May 2017", false),
            (r#"{"name":"n","type":"integer"}"#, "42", true),
            (r#"{"name":"n","type":"integer"}"#, "4.2", false),
            (r#"{"name":"n","type":"number"}"#, "4.2", true),
            (r#"{"name":"d","type":"date"}"#, "2020-11-30", true),
            (r#"{"name":"d","type":"date"}"#, "2020-11", false),
            (r#"{"name":"d","type":"date","format":"%d/%m/%Y"}"#, "30/11/2020", true),
            (r#"{"name":"d","type":"date","format":"%d/%m/%Y"}"#, "2020-11-30", false),
            (r#"{"name":"d","type":"date","format":"any"}"#, "30 November 2020", true),
            (r#"{"name":"d","type":"date","format":"any"}"#, "someday", false),
            (r#"{"name":"t","type":"time","format":"%H:%M"}"#, "10:30", true),
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
