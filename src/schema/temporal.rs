//! Dates, times, datetimes and durations as Frictionless reads them: the default formats
//! through `dateutil`'s ISO parser (`YYYY-MM-DD`, `hh:mm:ss[.f][Z|±hh[:mm]]`, a datetime
//! being a date, any one separator and a time), `format: any` through a list of common
//! layouts (dateutil guesses more), custom formats through Python's `strptime`
//! ([`super::strptime`]), durations through `isodate`'s ISO 8601 pattern.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::strptime::MONTHS;
use super::value::{reject, Reject, Value};
use super::ReadOptions;

/// What `"format": "any"` accepts for dates (dateutil's guesses, the common part).
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
    "%Y%m%d",
];

pub fn date(format: Option<&str>, opts: &ReadOptions, cell: &str) -> Result<Value, Reject> {
    match format {
        None => iso_date(cell)
            .map(Value::Date)
            .ok_or(())
            .or_else(|()| reject("not an ISO date", "YYYY-MM-DD")),
        Some("any") => ANY_DATE
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(cell, f).ok())
            .or_else(|| any_datetime(cell).map(|(t, _)| t.date()))
            .map(Value::Date)
            .ok_or(())
            .or_else(|()| reject("not a date in any common format", "a date such as 2020-11-30")),
        Some(f) => match opts.strptime.as_ref().and_then(|p| p.parse(cell)) {
            Some(p) => Ok(Value::Date(p.at.date())),
            None => reject("does not match the date format", f),
        },
    }
}

pub fn datetime(format: Option<&str>, opts: &ReadOptions, cell: &str) -> Result<Value, Reject> {
    let expected = "YYYY-MM-DDThh:mm:ss[Z]";
    match format {
        None => {
            // Frictionless' guard against dateutil's shorter forms
            let c: Vec<char> = cell.chars().collect();
            if c.len() < 19 || c[16] != ':' {
                return reject("not an ISO datetime", expected);
            }
            let date_part: String = c[..10].iter().collect();
            let time_part: String = c[11..].iter().collect();
            match (iso_date(&date_part), iso_time(&time_part)) {
                (Some(d), Some((t, off))) => Ok(Value::DateTime(d.and_time(t), off)),
                _ => reject("not an ISO datetime", expected),
            }
        }
        Some("any") => {
            let any = [
                "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%d %H:%M",
                "%d/%m/%Y %H:%M",
            ];
            any.iter()
                .find_map(|f| NaiveDateTime::parse_from_str(cell, f).ok().map(|t| (t, None)))
                .or_else(|| any_datetime(cell))
                .map(|(t, off)| Value::DateTime(t, off))
                .ok_or(())
                .or_else(|()| reject("not a datetime in any common format", expected))
        }
        Some(f) => match opts.strptime.as_ref().and_then(|p| p.parse(cell)) {
            Some(p) => Ok(Value::DateTime(p.at, p.offset)),
            None => reject("does not match the datetime format", f),
        },
    }
}

pub fn time(format: Option<&str>, opts: &ReadOptions, cell: &str) -> Result<Value, Reject> {
    match format {
        None => {
            let c: Vec<char> = cell.chars().collect();
            if c.len() < 8 || c[5] != ':' {
                return reject("not an ISO time", "hh:mm:ss");
            }
            iso_time(cell)
                .map(|(t, off)| Value::Time(t, off))
                .ok_or(())
                .or_else(|()| reject("not an ISO time", "hh:mm:ss"))
        }
        Some("any") => ["%H:%M:%S", "%H:%M", "%I:%M %p", "%I:%M:%S %p"]
            .iter()
            .find_map(|f| NaiveTime::parse_from_str(cell, f).ok().map(|t| (t, None)))
            .or_else(|| any_datetime(cell).map(|(t, off)| (t.time(), off)))
            .map(|(t, off)| Value::Time(t, off))
            .ok_or(())
            .or_else(|()| reject("not a time in any common format", "hh:mm:ss")),
        Some(f) => match opts.strptime.as_ref().and_then(|p| p.parse(cell)) {
            Some(p) => Ok(Value::Time(p.at.time(), p.offset)),
            None => reject("does not match the time format", f),
        },
    }
}

/// `format: any` beyond the common layouts: what dateutil's parser makes of free text,
/// for the words it knows: an ISO date and time (with an offset), ordinal days (`10th`),
/// month names, four-digit years, `h[:mm[:ss]]` times and `am`/`pm`. Any other word, or a
/// value out of range, is not a date. Parts the cell does not give are 1970-01-01 and
/// midnight (dateutil takes today's date; a date given in part is valid either way).
pub fn any_datetime(cell: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let t = cell.trim();
    if let Some((d, rest)) = t.get(..10).and_then(iso_date).map(|d| (d, &t[10..])) {
        let rest = rest.strip_prefix(['T', ' ']).unwrap_or(rest);
        if rest.is_empty() {
            return Some((d.and_time(NaiveTime::MIN), None));
        }
        return iso_time(rest).map(|(time, off)| (d.and_time(time), off));
    }
    if let Some((time, off)) = iso_time(t) {
        return Some((NaiveDate::from_ymd_opt(1970, 1, 1)?.and_time(time), off));
    }
    let (mut year, mut month, mut day) = (None, None, None);
    let (mut hms, mut pending_hour): (Option<(u32, u32, u32)>, Option<u32>) = (None, None);
    let mut words = 0;
    for w in t
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
    {
        words += 1;
        let lower = w.to_ascii_lowercase();
        let digits: String = lower.chars().take_while(char::is_ascii_digit).collect();
        let suffix = &lower[digits.len()..];
        if lower == "am" || lower == "pm" {
            if hms.is_none() && pending_hour.is_some() && pending_hour == day {
                day = None;
            }
            let h = hms.map(|(h, ..)| h).or(pending_hour.take())?;
            let h = match (lower.as_str(), h) {
                (_, h) if h > 12 || h == 0 => return None,
                ("am", 12) => 0,
                ("am", h) => h,
                (_, 12) => 12,
                (_, h) => h + 12,
            };
            let (m, s) = hms.map_or((0, 0), |(_, m, s)| (m, s));
            hms = Some((h, m, s));
        } else if lower.contains(':') {
            let mut parts = lower.split(':').map(|p| p.parse::<u32>().ok());
            let (h, m, s) = (parts.next()??, parts.next()??, parts.next().unwrap_or(Some(0))?);
            hms = Some((h, m, s));
        } else if !digits.is_empty() && matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
            let n: u32 = digits.parse().ok()?;
            if digits.len() == 4 && suffix.is_empty() && year.is_none() {
                year = Some(n as i32);
            } else if day.is_none() && (1..=31).contains(&n) {
                // a day, unless `am`/`pm` follows (then an hour; the date takes day 1)
                day = Some(n);
                pending_hour = Some(n);
            } else {
                pending_hour = Some(n);
            }
        } else if let Some(m) = MONTHS
            .iter()
            .position(|m| lower.len() >= 3 && m.starts_with(lower.as_str()))
        {
            month = Some(m as u32 + 1);
        } else {
            return None;
        }
    }
    if words == 0 || (year, month, day, hms) == (None, None, None, None) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year.unwrap_or(1970), month.unwrap_or(1), day.unwrap_or(1))?;
    let (h, m, s) = hms.unwrap_or((0, 0, 0));
    Some((date.and_time(NaiveTime::from_hms_opt(h, m, s)?), None))
}

/// A `YYYY-MM-DD` date that exists, parsed by hand (this runs once per cell). Like
/// Frictionless (Python's `%Y-%m-%d`), month and day may have one digit.
pub fn iso_date(s: &str) -> Option<NaiveDate> {
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
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// dateutil's ISO time: `hh:mm:ss`, a fraction (`.` or `,`, digits past six ignored), and
/// `Z`, `±hh`, `±hhmm` or `±hh:mm`; `24:00:00` is midnight.
pub fn iso_time(s: &str) -> Option<(NaiveTime, Option<i32>)> {
    let b = s.as_bytes();
    let two = |i: usize| -> Option<u32> {
        let d = b.get(i..i + 2)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0'))
    };
    let (h, m, sec) = (
        two(0)?,
        (b.get(2) == Some(&b':')).then(|| two(3))??,
        (b.get(5) == Some(&b':')).then(|| two(6))??,
    );
    let mut pos = 8;
    let mut micro = 0;
    if matches!(b.get(pos), Some(b'.' | b',')) {
        let digits = b[pos + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 {
            let used = &s[pos + 1..pos + 1 + digits.min(6)];
            micro = format!("{used:0<6}").parse().ok()?;
            pos += 1 + digits;
        }
    }
    let offset = match &s[pos..] {
        "" => None,
        "Z" | "z" => Some(0),
        tz => Some(tz_offset(tz)?),
    };
    let t = if h == 24 {
        (m == 0 && sec == 0 && micro == 0).then_some(NaiveTime::MIN)?
    } else {
        NaiveTime::from_hms_micro_opt(h, m, sec, micro)?
    };
    Some((t, offset))
}

fn tz_offset(tz: &str) -> Option<i32> {
    let sign = match tz.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &tz[1..];
    let (h, m) = match rest.len() {
        2 => (rest, "0"),
        4 => (&rest[..2], &rest[2..]),
        5 if rest.as_bytes()[2] == b':' => (&rest[..2], &rest[3..]),
        _ => return None,
    };
    if !h.bytes().chain(m.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 23 && m <= 59).then_some(sign * (h * 3600 + m * 60))
}

/// isodate's ISO 8601 duration pattern (`P1Y2M3W4DT5H6M7.5S`, a leading sign allowed).
pub fn duration(cell: &str) -> Result<Value, Reject> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        let n = r"[0-9]+(?:[,.][0-9]+)?";
        regex::Regex::new(&format!(
            r"^[+-]?P(?:{n}Y)?(?:{n}M)?(?:{n}W)?(?:{n}D)?(?:T(?:{n}H)?(?:{n}M)?(?:{n}S)?)?$"
        ))
        .expect("a valid pattern")
    });
    // `P(?!\b)`: something must follow the P, and start with a letter or digit
    let after_p = cell.trim_start_matches(['+', '-']).strip_prefix('P');
    let follows = after_p
        .and_then(|r| r.chars().next())
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    if follows && re.is_match(cell) {
        Ok(Value::Duration(cell.to_string()))
    } else {
        reject("not an ISO 8601 duration", "a duration such as P1Y2M or PT30M")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frictionless' own `format: any` cases.
    #[test]
    fn free_text_dates_read_as_dateutil_reads_them() {
        for (cell, ok) in [
            ("2019-01-01", true),
            ("10th Jan 1969", true),
            ("10th Jan nineteen sixty nine", false),
            ("invalid", false),
            ("2014-01-01T06:00:00Z", true),
            ("10th Jan 1969 9 am", true),
            ("06:00:00Z", true),
            ("3:00 am", true),
            ("some night", false),
            ("", false),
        ] {
            assert_eq!(any_datetime(cell).is_some(), ok, "{cell}");
        }
        let (t, _) = any_datetime("10th Jan 1969 9 am").unwrap();
        assert_eq!(t.to_string(), "1969-01-10 09:00:00");
    }

    #[test]
    fn iso_times_read_as_dateutil_reads_them() {
        for (cell, ok) in [
            ("06:00:00", true),
            ("06:00:00Z", true),
            ("06:00:00+01:00", true),
            ("06:00:00-0130", true),
            ("06:00:00.123456789", true),
            ("24:00:00", true),
            ("24:00:01", false),
            ("25:00:00", false),
            ("06:00", false),
            ("06:00:00+1", false),
        ] {
            assert_eq!(iso_time(cell).is_some(), ok, "{cell}");
        }
        for (cell, ok) in [
            ("P1Y2M3DT4H5M6S", true),
            ("PT0.5S", true),
            ("P", false),
            ("1Y", false),
            ("-P1D", true),
            ("PT", true),
        ] {
            assert_eq!(duration(cell).is_ok(), ok, "{cell}");
        }
    }
}
