//! Python's `datetime.strptime` in the C locale, for the custom `format` of date, time and
//! datetime fields: Frictionless reads them with it, and `chrono`'s parser differs on
//! details that decide whether a cell is valid (Python accepts one-digit months, days and
//! hours where the format says `%m`, `%d`, `%H`, and `%y` pivots at 69).
//!
//! As `_strptime` does, the format becomes one regular expression (each directive its
//! group, spaces any run of whitespace, the rest literal, case-insensitive), which must
//! match the whole cell; the groups then make a date and time, checked against the
//! calendar.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;

/// A compiled format.
#[derive(Debug, Clone)]
pub struct Format {
    re: Regex,
    /// the directive of each capture group, in order
    groups: Vec<char>,
}

/// What a cell says: the date and time, and the UTC offset in seconds when it has one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parsed {
    pub at: NaiveDateTime,
    pub offset: Option<i32>,
}

/// Month names, as the C locale and dateutil know them.
pub const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn names(full: &[&str], abbreviated: bool) -> String {
    let mut v: Vec<String> = full
        .iter()
        .map(|n| if abbreviated { n[..3].to_string() } else { n.to_string() })
        .collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v.join("|")
}

fn directive(c: char) -> Option<String> {
    Some(match c {
        'd' => r"3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9]".into(),
        'f' => r"[0-9]{1,6}".into(),
        'H' => r"2[0-3]|[0-1]\d|\d".into(),
        'I' => r"1[0-2]|0[1-9]|[1-9]".into(),
        'j' => r"36[0-6]|3[0-5]\d|[1-2]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9]".into(),
        'm' => r"1[0-2]|0[1-9]|[1-9]".into(),
        'M' => r"[0-5]\d|\d".into(),
        'S' => r"6[0-1]|[0-5]\d|\d".into(),
        'U' | 'W' => r"5[0-3]|[0-4]\d|\d".into(),
        'w' => r"[0-6]".into(),
        'u' => r"[1-7]".into(),
        'y' => r"\d\d".into(),
        'Y' | 'G' => r"\d\d\d\d".into(),
        'z' => r"[+-]\d\d:?[0-5]\d(?::?[0-5]\d(?:\.\d{1,6})?)?|(?-i:Z)".into(),
        'Z' => r"utc|gmt".into(),
        'p' => r"am|pm".into(),
        'B' => names(&MONTHS, false),
        'b' | 'h' => names(&MONTHS, true),
        'A' => names(&DAYS, false),
        'a' => names(&DAYS, true),
        _ => return None,
    })
}

impl Format {
    /// Compiles a strptime format; None for a directive Python does not know.
    pub fn new(format: &str) -> Option<Format> {
        let mut re = String::from("^(?i:");
        let mut groups = Vec::new();
        let mut chars = format.chars().peekable();
        let mut last_space = false;
        while let Some(c) = chars.next() {
            if c == '%' {
                let d = chars.next()?;
                last_space = false;
                if d == '%' {
                    re.push('%');
                    continue;
                }
                re.push_str(&format!("({})", directive(d)?));
                groups.push(d);
            } else if c.is_whitespace() {
                if !last_space {
                    re.push_str(r"\s+");
                }
                last_space = true;
            } else {
                last_space = false;
                re.push_str(&regex::escape(&c.to_string()));
            }
        }
        re.push_str(")$");
        Some(Format {
            re: Regex::new(&re).ok()?,
            groups,
        })
    }

    /// Reads `cell` as Python would; None where Python raises.
    pub fn parse(&self, cell: &str) -> Option<Parsed> {
        let caps = self.re.captures(cell)?;
        let (mut year, mut month, mut day) = (1900i32, 1u32, 1u32);
        let (mut hour, mut minute, mut second, mut micro) = (0u32, 0u32, 0u32, 0u32);
        let (mut pm, mut hour12, mut offset, mut yday) = (None, None, None, None);
        for (i, d) in self.groups.iter().enumerate() {
            let g = caps.get(i + 1)?.as_str();
            let num = || g.trim().parse::<u32>().ok();
            match d {
                'Y' | 'G' => year = num()? as i32,
                'y' => {
                    let y = num()? as i32;
                    year = if y <= 68 { 2000 + y } else { 1900 + y };
                }
                'm' => month = num()?,
                'd' => day = num()?,
                'H' => hour = num()?,
                'I' => hour12 = Some(num()?),
                'M' => minute = num()?,
                'S' => second = num()?,
                'f' => micro = format!("{g:0<6}").parse().ok()?,
                'p' => pm = Some(g.eq_ignore_ascii_case("pm")),
                'j' => yday = Some(num()?),
                'B' | 'b' | 'h' => {
                    let g = g.to_lowercase();
                    month = MONTHS.iter().position(|m| m.starts_with(&g[..3.min(g.len())]))? as u32 + 1;
                }
                'z' => offset = Some(utc_offset(g)?),
                'Z' => offset = Some(0),
                _ => {} // weekdays and week numbers do not change the date here
            }
        }
        if let Some(h) = hour12 {
            hour = match pm {
                Some(true) => h % 12 + 12,
                _ => h % 12,
            };
        }
        let date = match yday {
            Some(j) if !self.groups.contains(&'m') && !self.groups.contains(&'d') => NaiveDate::from_yo_opt(year, j)?,
            _ => NaiveDate::from_ymd_opt(year, month, day)?,
        };
        let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micro)?;
        Some(Parsed {
            at: date.and_time(time),
            offset,
        })
    }
}

/// `+01:00`, `-0130`, `Z` … in seconds east of UTC.
fn utc_offset(z: &str) -> Option<i32> {
    if z.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = if z.starts_with('-') { -1 } else { 1 };
    let digits: String = z[1..].chars().filter(char::is_ascii_digit).collect();
    let h: i32 = digits.get(..2)?.parse().ok()?;
    let m: i32 = digits.get(2..4)?.parse().ok()?;
    let s: i32 = digits.get(4..6).map_or(Some(0), |s| s.parse().ok())?;
    Some(sign * (h * 3600 + m * 60 + s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_cells_as_python_does() {
        let cases = [
            ("%d/%m/%y", "21/11/06", Some("2006-11-21 00:00:00")),
            ("%d/%m/%y", "21/11/69", Some("1969-11-21 00:00:00")),
            ("%Y-%m-%d", "2019-1-2", Some("2019-01-02 00:00:00")),
            ("%Y-%m-%d", "2019-02-30", None),
            ("%Y-%m-%d", "19-01-02", None),
            ("%d/%m/%y %H:%M", "21/11/06 16:30", Some("2006-11-21 16:30:00")),
            ("%H:%M", "6:05", Some("1900-01-01 06:05:00")),
            ("%H:%M", "06:05:00", None),
            ("%I:%M %p", "04:30  PM", Some("1900-01-01 16:30:00")),
            ("%d %B %Y", "4 july 1776", Some("1776-07-04 00:00:00")),
            ("%b %d, %Y", "Jul 04, 1776", Some("1776-07-04 00:00:00")),
            ("%H:%M:%S.%f", "10:00:00.5", Some("1900-01-01 10:00:00.500")),
        ];
        for (fmt, cell, want) in cases {
            let got = Format::new(fmt).unwrap().parse(cell).map(|p| p.at.to_string());
            assert_eq!(got.as_deref(), want, "{fmt} {cell}");
        }
        let p = Format::new("%Y-%m-%dT%H:%M:%S%z")
            .unwrap()
            .parse("2020-01-01T10:00:00+0130")
            .unwrap();
        assert_eq!(p.offset, Some(5400));
        assert!(Format::new("%Q").is_none());
    }
}
