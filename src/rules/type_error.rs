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
use crate::schema::{typed, Field, FieldType, Reject, Value};

/// Checks one cell; false after recording the type error.
pub fn check(field: &Field, i: usize, cell: &str, out: &mut Vec<Violation>) -> bool {
    let checked = if field.ftype.is_text() || plain_list(field) {
        text(field, cell)
    } else {
        typed::check(field, cell)
    };
    match checked {
        Ok(()) => true,
        Err(r) => {
            push(field, i, cell, r, out);
            false
        }
    }
}

/// Reads one cell of a typed field as its value, for the rules that compare it; Err
/// after recording the type error.
pub fn read(field: &Field, i: usize, cell: &str, out: &mut Vec<Violation>) -> Result<Value, ()> {
    typed::read(field, cell).map_err(|r| push(field, i, cell, r, out))
}

fn push(field: &Field, i: usize, cell: &str, reject: Reject, out: &mut Vec<Violation>) {
    let Reject { why, expected } = reject;
    // a date in another layout: say what to write instead
    let dated = field.partial_date || (field.ftype == FieldType::Date && field.read.strptime.is_none());
    let help = dated
        .then(|| super::date_hint::suggest(cell, field.partial_date))
        .flatten()
        .or_else(|| super::spaces_hint(cell, |t| check(field, 0, t, &mut Vec::new())));
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

/// A list of strings: nothing to read (its items are counted by the length rule).
fn plain_list(field: &Field) -> bool {
    field.ftype == FieldType::List && field.read.item_type.is_text()
}

/// Whether a field's type can reject a cell at all (a plain string field cannot).
pub fn applies(field: &Field) -> bool {
    let plain_text = field.ftype.is_text() || plain_list(field);
    !plain_text || field.partial_date || matches!(field.format.as_deref(), Some("uri" | "email" | "uuid" | "binary"))
}

fn type_name(field: &Field) -> String {
    match (&field.format, field.partial_date) {
        (_, true) => "partial date".into(),
        (Some(f), _) if f != "default" && f != "any" => format!("{} ({f})", field.ftype.as_str()),
        _ => field.ftype.as_str().into(),
    }
}

/// A text cell against the field's format (or luban's partial date).
fn text(field: &Field, cell: &str) -> Result<(), Reject> {
    let fail = |why: &str, expected: &str| {
        Err(Reject {
            why: why.to_string(),
            expected: expected.to_string(),
        })
    };
    if field.partial_date {
        return PartialDate::parse(cell).map(|_| ()).map_err(|why| Reject {
            why,
            expected: "YYYY, YYYY-MM or YYYY-MM-DD".into(),
        });
    }
    match field.format.as_deref() {
        Some("uri") if !is_http_url(cell) => {
            fail("not an absolute http(s) URL", "a URL such as https://example.org/page")
        }
        Some("email") if !cell.validate_email() => fail("not an email address", "name@example.org"),
        Some("uuid") if !is_uuid(cell) => fail("not a UUID", "a UUID such as 123e4567-e89b-12d3-a456-426614174000"),
        Some("binary") if !is_base64(cell) => fail("not base64", "base64 text such as aGVsbG8="),
        _ => Ok(()),
    }
}

/// What Python's `uuid.UUID()` takes: 32 hex digits, hyphens anywhere, in braces or after
/// `urn:uuid:`.
fn is_uuid(cell: &str) -> bool {
    let s = cell.replace("urn:", "").replace("uuid:", "");
    let s = s.trim_matches(|c| c == '{' || c == '}').replace('-', "");
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What Python's `base64.b64decode` takes (not strict): ASCII; characters outside the
/// alphabet are skipped; the data characters must be padded to a multiple of four.
fn is_base64(cell: &str) -> bool {
    if !cell.is_ascii() {
        return false;
    }
    let data = cell
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .count();
    let pads = cell.bytes().filter(|b| *b == b'=').count();
    match data % 4 {
        0 => true,
        1 => false,
        r => pads >= 4 - r,
    }
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
                crate::schema::iso_date(s),
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

    /// A cell that is right but for the spaces around it says so: a spreadsheet does not
    /// show them.
    #[test]
    fn spaces_around_a_right_value_are_named() {
        for (def, cell, help) in [
            (
                r#"{"name":"u","format":"uri"}"#,
                "https://example.org/c9 ",
                Some("remove the spaces around `https://example.org/c9`"),
            ),
            (
                r#"{"name":"e","format":"email"}"#,
                " a@b.org",
                Some("remove the spaces around `a@b.org`"),
            ),
            (r#"{"name":"u","format":"uri"}"#, " example.org ", None),
        ] {
            let mut out = Vec::new();
            check(&field(def), 0, cell, &mut out);
            assert_eq!(
                out.first().and_then(|v| v.help.as_deref()),
                help,
                "{def} {cell:?}: {out:?}"
            );
        }
    }
}
