//! A cell read as its field's type, as Frictionless 5.21 reads it (its field classes are the
//! reference: the differential suite in `tests/python/` compares the two on Frictionless'
//! own field tests). The typed value is what every comparison uses: `enum`, `unique`,
//! `primaryKey`, `foreignKeys` and the bounds compare values, not text, so that `1` and
//! `01` are one integer and `1.0` and `1` one number.
//!
//! This file holds the values and the parsers of numbers and years; [`super::typed`]
//! picks the parser for a field's type. Strings are not read into a [`Value`] on the hot
//! path (the rules compare their text directly); every other type is, once per cell.

use std::cmp::Ordering;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde_json::Value as Json;

use super::ReadOptions;

/// A typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i128),
    /// an integer beyond i128: its sign and digits without leading zeros
    Big(bool, String),
    Num(f64),
    Bool(bool),
    Date(NaiveDate),
    /// with the UTC offset in seconds, when the cell gives one
    DateTime(NaiveDateTime, Option<i32>),
    Time(NaiveTime, Option<i32>),
    Year(i64),
    YearMonth(i64, u32),
    /// an ISO 8601 duration, as written (Frictionless has no bounds on durations)
    Duration(String),
    Json(Json),
    List(Vec<Value>),
}

/// Why a cell is not of its type, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub why: String,
    pub expected: String,
}

/// A type error: why, and what was expected.
pub(super) fn reject<T>(why: &str, expected: &str) -> Result<T, Reject> {
    Err(Reject {
        why: why.to_string(),
        expected: expected.to_string(),
    })
}

/// JSON as Python's `json.loads` reads it (which also takes `NaN` and `Infinity`).
pub fn parse_json(cell: &str) -> Option<Json> {
    serde_json::from_str(cell).ok()
}

/// Digits as Python reads them in a number: single underscores between digits.
fn python_digits(d: &str) -> bool {
    let b = d.as_bytes();
    !b.is_empty()
        && b[0] != b'_'
        && b[b.len() - 1] != b'_'
        && !d.contains("__")
        && b.iter().all(|c| c.is_ascii_digit() || *c == b'_')
}

/// Python's `int()` on a stripped string: a sign, digits, single underscores between
/// digits.
pub fn python_int(s: &str) -> Option<Value> {
    let s = s.trim();
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if !python_digits(digits) {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    match clean.parse::<i128>() {
        Ok(v) => Some(Value::Int(if neg { -v } else { v })),
        Err(_) => {
            let t = clean.trim_start_matches('0');
            Some(Value::Big(neg, t.to_string()))
        }
    }
}

/// What `bareNumber: false` strips: anything before the first digit or `-`, and anything
/// after the last digit (Frictionless' `((^[^-\d]*)|(\D*$))`).
fn strip_currency(s: &str) -> &str {
    let start = s.find(|c: char| c == '-' || c.is_numeric()).unwrap_or(s.len());
    let s = &s[start..];
    let end = s
        .rfind(|c: char| c.is_numeric())
        .map_or(0, |i| i + s[i..].chars().next().map_or(1, char::len_utf8));
    &s[..end]
}

pub(super) fn integer(opts: &ReadOptions, cell: &str) -> Result<Value, Reject> {
    let mut s = cell.trim();
    if !opts.bare_number {
        s = strip_currency(s);
    }
    python_int(s).map_or_else(|| reject("not a whole number", "an integer such as 42"), Ok)
}

/// Python's `Decimal()` on a stripped string, as an f64.
pub fn python_decimal(s: &str) -> Option<f64> {
    let s = s.trim();
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let special = match lower.as_str() {
        "inf" | "infinity" => Some(f64::INFINITY),
        _ if lower.starts_with("nan") || lower.starts_with("snan") => {
            let digits = lower.trim_start_matches('s').trim_start_matches("nan");
            digits.bytes().all(|b| b.is_ascii_digit()).then_some(f64::NAN)
        }
        _ => None,
    };
    if let Some(v) = special {
        return Some(if neg { -v } else { v });
    }
    // digits with single underscores between them, an optional point, an exponent
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits_ok = python_digits;
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let int_ok = int.is_empty() || digits_ok(int);
    let frac_ok = frac.is_empty() || digits_ok(frac);
    if !(int_ok && frac_ok) || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if !digits_ok(e) {
            return None;
        }
    }
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    clean.parse::<f64>().ok()
}

pub(super) fn number(opts: &ReadOptions, cell: &str) -> Result<Value, Reject> {
    let fail = || reject("not a number", "a number such as 4.2");
    let mut s = std::borrow::Cow::Borrowed(cell.trim());
    if opts.number_processing {
        if !opts.bare_number {
            s = strip_currency(&s).to_string().into();
        }
        if let Some(g) = opts.group_char.as_deref().filter(|g| !g.is_empty()) {
            s = s.replace(g, "").into();
        }
        let dec = opts.decimal_char.as_deref().unwrap_or(".");
        if dec != "." {
            if s.contains('.') {
                return fail();
            }
            s = s.replace(dec, ".").into();
        }
    }
    python_decimal(&s).map_or_else(fail, |v| Ok(Value::Num(v)))
}

pub(super) fn year(cell: &str) -> Result<Value, Reject> {
    let fail = || reject("not a year", "YYYY");
    if cell.chars().count() != 4 {
        return fail();
    }
    match python_int(cell) {
        Some(Value::Int(y)) if (0..=9999).contains(&y) => Ok(Value::Year(y as i64)),
        _ => fail(),
    }
}

pub(super) fn yearmonth(cell: &str) -> Result<Value, Reject> {
    let fail = || reject("not a year and month", "YYYY-MM");
    let mut parts = cell.split('-');
    let (Some(y), Some(m), None) = (parts.next(), parts.next(), parts.next()) else {
        return fail();
    };
    match (python_int(y), python_int(m)) {
        (Some(Value::Int(y)), Some(Value::Int(m))) if (1..=12).contains(&m) && y.abs() < i64::MAX as i128 => {
            Ok(Value::YearMonth(y as i64, m as u32))
        }
        _ => fail(),
    }
}

impl Value {
    /// Canonical bytes for equality (`unique`, `primaryKey`, `foreignKeys`, `enum`): two
    /// values are equal as Frictionless compares them when their keys are.
    pub fn key(&self, out: &mut Vec<u8>) {
        match self {
            Value::Text(s) => out.extend_from_slice(s.as_bytes()),
            Value::Int(i) => {
                out.push(1);
                out.extend_from_slice(&i.to_le_bytes());
            }
            Value::Big(neg, digits) => {
                out.push(2);
                out.push(u8::from(*neg));
                out.extend_from_slice(digits.as_bytes());
            }
            Value::Num(f) => {
                out.push(3);
                // -0 is 0; every NaN is one NaN
                let f = if *f == 0.0 {
                    0.0
                } else if f.is_nan() {
                    f64::NAN
                } else {
                    *f
                };
                out.extend_from_slice(&f.to_bits().to_le_bytes());
            }
            Value::Bool(b) => out.extend_from_slice(&[4, u8::from(*b)]),
            Value::Date(d) => {
                out.push(5);
                out.extend_from_slice(d.to_string().as_bytes());
            }
            Value::DateTime(at, off) => {
                out.push(6);
                let utc = at.and_utc().timestamp_micros() - i64::from(off.unwrap_or(0)) * 1_000_000;
                out.extend_from_slice(&utc.to_le_bytes());
                out.push(u8::from(off.is_some()));
            }
            Value::Time(t, off) => {
                out.push(7);
                out.extend_from_slice(&micros(t, off).to_le_bytes());
                out.push(u8::from(off.is_some()));
            }
            Value::Year(y) => {
                out.push(8);
                out.extend_from_slice(&y.to_le_bytes());
            }
            Value::YearMonth(y, m) => {
                out.push(9);
                out.extend_from_slice(&y.to_le_bytes());
                out.push(*m as u8);
            }
            Value::Duration(d) => {
                out.push(10);
                out.extend_from_slice(d.as_bytes());
            }
            Value::Json(j) => {
                out.push(11);
                out.extend_from_slice(j.to_string().as_bytes());
            }
            Value::List(items) => {
                out.push(12);
                for v in items {
                    let start = out.len();
                    out.extend_from_slice(&[0; 4]);
                    v.key(out);
                    let len = (out.len() - start - 4) as u32;
                    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
                }
            }
        }
    }

    /// Order between two values of one type (for the bounds); None when they do not compare
    /// (NaN, a time with an offset against one without).
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        use Value::*;
        match (self, other) {
            (Int(a), Int(b)) => Some(a.cmp(b)),
            (Int(_) | Big(..), Big(..)) | (Big(..), Int(_)) => Some(big_cmp(self, other)),
            (Num(a), Num(b)) => a.partial_cmp(b),
            (Int(a), Num(b)) => (*a as f64).partial_cmp(b),
            (Num(a), Int(b)) => a.partial_cmp(&(*b as f64)),
            (Date(a), Date(b)) => Some(a.cmp(b)),
            (DateTime(a, x), DateTime(b, y)) if x.is_some() == y.is_some() => {
                let shift =
                    |t: &NaiveDateTime, o: &Option<i32>| *t - chrono::Duration::seconds(i64::from(o.unwrap_or(0)));
                Some(shift(a, x).cmp(&shift(b, y)))
            }
            (Time(a, x), Time(b, y)) if x.is_some() == y.is_some() => Some(micros(a, x).cmp(&micros(b, y))),
            (Year(a), Year(b)) => Some(a.cmp(b)),
            (YearMonth(a, x), YearMonth(b, y)) => Some((a, x).cmp(&(b, y))),
            _ => None,
        }
    }

    /// The value as the cell would write it, for messages.
    pub fn show(&self) -> String {
        match self {
            Value::Text(s) | Value::Duration(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Big(neg, d) => format!("{}{d}", if *neg { "-" } else { "" }),
            Value::Num(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Date(d) => d.to_string(),
            Value::DateTime(t, _) => t.to_string(),
            Value::Time(t, _) => t.to_string(),
            Value::Year(y) => y.to_string(),
            Value::YearMonth(y, m) => format!("{y}-{m:02}"),
            Value::Json(j) => j.to_string(),
            Value::List(items) => items.iter().map(Value::show).collect::<Vec<_>>().join(","),
        }
    }
}

/// Microseconds from midnight UTC (or from midnight, for a time without an offset).
fn micros(t: &NaiveTime, offset: &Option<i32>) -> i64 {
    i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1000)
        - i64::from(offset.unwrap_or(0)) * 1_000_000
}

fn big_cmp(a: &Value, b: &Value) -> Ordering {
    let parts = |v: &Value| match v {
        Value::Int(i) => (*i < 0, i.unsigned_abs().to_string()),
        Value::Big(n, d) => (*n, d.clone()),
        _ => (false, String::new()),
    };
    let ((na, da), (nb, db)) = (parts(a), parts(b));
    let mag = da.len().cmp(&db.len()).then_with(|| da.cmp(&db));
    match (na, nb) {
        (false, false) => mag,
        (true, true) => mag.reverse(),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::schema::{typed, Field, TableSchema};

    fn field(def: &str) -> Field {
        TableSchema::parse(Path::new("s"), "s", &format!(r#"{{"fields":[{def}]}}"#))
            .unwrap()
            .fields
            .remove(0)
    }

    /// One row per Frictionless field test family: the cell, and whether it reads.
    #[test]
    fn cells_read_as_frictionless_reads_them() {
        let cases = [
            (r#"{"name":"n","type":"integer"}"#, " 01 ", true),
            (r#"{"name":"n","type":"integer"}"#, "9223372036854775808", true),
            (r#"{"name":"n","type":"integer"}"#, "1_000", true),
            (r#"{"name":"n","type":"integer"}"#, "3.14", false),
            (r#"{"name":"n","type":"integer","bareNumber":false}"#, "€ -12", true),
            (r#"{"name":"n","type":"number"}"#, "1e3", true),
            (r#"{"name":"n","type":"number"}"#, "NaN", true),
            (r#"{"name":"n","type":"number"}"#, "1,000", false),
            (r#"{"name":"n","type":"number","groupChar":","}"#, "1,000.5", true),
            (r#"{"name":"n","type":"number","decimalChar":","}"#, "1.234", false),
            (r#"{"name":"n","type":"number","decimalChar":","}"#, "1,5", true),
            (r#"{"name":"n","type":"number","bareNumber":false}"#, "100%", true),
            (r#"{"name":"b","type":"boolean","trueValues":["yes"]}"#, "yes", true),
            (r#"{"name":"b","type":"boolean","trueValues":["yes"]}"#, "true", false),
            (r#"{"name":"y","type":"year"}"#, "-123", false),
            (r#"{"name":"y","type":"yearmonth"}"#, "2000-13", false),
            (r#"{"name":"o","type":"object"}"#, "{\"a\": 1}", true),
            (r#"{"name":"o","type":"object"}"#, "[1]", false),
            (r#"{"name":"a","type":"array"}"#, "[1]", true),
            (r#"{"name":"l","type":"list","itemType":"integer"}"#, "1,2,x", false),
            (
                r#"{"name":"l","type":"list","itemType":"integer","delimiter":";"}"#,
                "1;2",
                true,
            ),
        ];
        for (def, cell, ok) in cases {
            assert_eq!(typed::read(&field(def), cell).is_ok(), ok, "{def} {cell:?}");
        }
    }

    #[test]
    fn equal_values_have_equal_keys() {
        let key = |def: &str, cell: &str| {
            let mut k = Vec::new();
            typed::read(&field(def), cell).unwrap().key(&mut k);
            k
        };
        let int = r#"{"name":"n","type":"integer"}"#;
        let num = r#"{"name":"n","type":"number"}"#;
        assert_eq!(key(int, "1"), key(int, "01"));
        assert_eq!(key(num, "1"), key(num, "1.0"));
        assert_eq!(key(num, "-0"), key(num, "0"));
        assert_eq!(key(num, "4e4"), key(num, "4E4"));
        assert_ne!(key(int, "1"), key(int, "2"));
        let big = |s: &str| python_int(s).unwrap();
        assert_eq!(
            big("99999999999999999999999999999999999999999").compare(&big("1")),
            Some(Ordering::Greater)
        );
        assert_eq!(
            big("-99999999999999999999999999999999999999999").compare(&big("1")),
            Some(Ordering::Less)
        );
    }
}
