//! Partial dates as sources give them: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. The precision is
//! kept, so "2017-05" is never silently turned into 2017-05-01, and two dates can be
//! compared at the coarser precision when merging reports.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Year,
    Month,
    Day,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
        }
    }
}

/// A date known to year, month or day precision. Eight bytes, with or without `Option`
/// around it: every report holds two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; the day must exist in that month.
    pub fn parse(s: &str) -> Result<PartialDate, String> {
        let bad = || format!("`{s}` is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD");
        let parts: Vec<&str> = s.split('-').collect();
        let num = |p: &str, len: usize| -> Result<u16, String> {
            if p.len() != len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            p.parse().map_err(|_| bad())
        };
        let year = i32::from(num(parts[0], 4)?);
        // two digits each: at most 99
        let month = parts.get(1).map(|m| num(m, 2).map(|m| m as u8)).transpose()?;
        let day = parts.get(2).map(|d| num(d, 2).map(|d| d as u8)).transpose()?;
        if parts.len() > 3 {
            return Err(bad());
        }
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(format!("`{s}` has month {m}, which is not 01 to 12"));
            }
        }
        if let (Some(m), Some(d)) = (month, day) {
            if NaiveDate::from_ymd_opt(year, m.into(), d.into()).is_none() {
                return Err(format!("`{s}` is not a day of the calendar"));
            }
        }
        Ok(PartialDate { year, month, day })
    }

    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (None, _) => Precision::Year,
            (Some(_), None) => Precision::Month,
            (Some(_), Some(_)) => Precision::Day,
        }
    }

    /// The first day the date can mean (2017-05 → 2017-05-01), used as the published date
    /// next to its precision.
    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month.unwrap_or(1).into(), self.day.unwrap_or(1).into())
            .expect("validated at parse time")
    }

    /// The last day the date can mean (2017 → 2017-12-31, 2024-02 → 2024-02-29): "as of"
    /// a partial date means up to its end.
    pub fn last_day(&self) -> NaiveDate {
        match (self.month, self.day) {
            (Some(m), Some(d)) => NaiveDate::from_ymd_opt(self.year, m.into(), d.into()),
            (Some(m), None) => NaiveDate::from_ymd_opt(
                if m == 12 { self.year + 1 } else { self.year },
                if m == 12 { 1 } else { u32::from(m) + 1 },
                1,
            )
            .and_then(|d| d.pred_opt()),
            (None, _) => NaiveDate::from_ymd_opt(self.year, 12, 31),
        }
        .expect("validated at parse time")
    }

    /// A day-precision date.
    /// The date of `precision` that `day` falls in (2017-05-01, month → 2017-05).
    pub fn of_day(day: NaiveDate, precision: Precision) -> PartialDate {
        let d = PartialDate::from_date(day);
        match precision {
            Precision::Year => PartialDate {
                month: None,
                day: None,
                ..d
            },
            Precision::Month => PartialDate { day: None, ..d },
            Precision::Day => d,
        }
    }

    pub fn from_date(d: NaiveDate) -> PartialDate {
        use chrono::Datelike;
        PartialDate {
            year: d.year(),
            // chrono's month and day are 1..=12 and 1..=31
            month: Some(d.month() as u8),
            day: Some(d.day() as u8),
        }
    }

    /// True when both dates agree at the coarser of their two precisions
    /// (2017 agrees with 2017-05-08; 2018-12-05 does not agree with 2018-12-06).
    pub fn agrees_with(&self, other: &PartialDate) -> bool {
        self.year == other.year
            && (self.month.is_none() || other.month.is_none() || self.month == other.month)
            && (self.day.is_none() || other.day.is_none() || self.day == other.day)
    }

    /// A sort key: earlier first, then coarser first.
    pub fn sort_key(&self) -> (i32, u32, u32) {
        (
            self.year,
            self.month.map_or(0, u32::from),
            self.day.map_or(0, u32::from),
        )
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_takes_eight_bytes_with_or_without_option() {
        assert_eq!(std::mem::size_of::<PartialDate>(), 8);
        assert_eq!(std::mem::size_of::<Option<PartialDate>>(), 8);
    }

    #[test]
    fn parses_each_precision_and_round_trips() {
        for (s, p) in [
            ("2016", Precision::Year),
            ("2017-05", Precision::Month),
            ("2018-12-05", Precision::Day),
        ] {
            let d = PartialDate::parse(s).unwrap();
            assert_eq!(d.precision(), p);
            assert_eq!(d.to_string(), s);
        }
    }

    #[test]
    fn rejects_impossible_and_malformed_dates() {
        for s in [
            "2019-02-30",
            "2019-13",
            "19-01-01",
            "2019/01/01",
            "2019-1-1",
            "",
            "2019-01-01-01",
            "２０１９",
        ] {
            assert!(PartialDate::parse(s).is_err(), "{s} should be rejected");
        }
    }

    #[test]
    fn agreement_is_at_the_coarser_precision() {
        let p = |s| PartialDate::parse(s).unwrap();
        assert!(p("2017").agrees_with(&p("2017-05-08")));
        assert!(p("2017-12").agrees_with(&p("2017-12-08")));
        assert!(!p("2018-12-05").agrees_with(&p("2018-12-06")));
        assert!(!p("2016").agrees_with(&p("2017-05")));
        assert_eq!(p("2017-05").first_day().to_string(), "2017-05-01");
        assert_eq!(p("2024-02").last_day().to_string(), "2024-02-29");
        assert_eq!(p("2023-12").last_day().to_string(), "2023-12-31");
        assert_eq!(p("2023").last_day().to_string(), "2023-12-31");
        assert_eq!(p("2023-06-10").last_day().to_string(), "2023-06-10");
    }
}
