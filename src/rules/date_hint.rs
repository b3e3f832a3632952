//! What to write instead of a date in another common layout, for the help line of a
//! `type-error` on a date or partial-date cell: `21/04/2023` → `2023-04-21`. A date whose
//! day and month could be swapped (`05/04/2023`) gets both readings, never a guess.
//!
//! Example: `April 2017` in a partial-date cell → "did you mean `2017-04`?".

use crate::schema::strptime::MONTHS;

/// The help line for a date cell that did not parse, if its layout is a known one.
/// `partial`: year or year-month alone are fine (an `x-luban-partial-date` field).
pub fn suggest(cell: &str, partial: bool) -> Option<String> {
    let t = cell.trim();
    if t != cell && !t.is_empty() {
        return match suggest(t, partial) {
            Some(h) if !h.contains(&format!("`{t}`")) => Some(h),
            // an ISO date with spaces; anything else (` again`, a cell shifted by an
            // unquoted comma) gets no advice about spaces
            _ if t.bytes().all(|b| b.is_ascii_digit() || b == b'-') => Some("remove the spaces around the date".into()),
            _ => None,
        };
    }
    let words: Vec<&str> = t.split(['/', '.', '-', ' ', ',']).filter(|w| !w.is_empty()).collect();
    let num =
        |w: &str| -> Option<u32> { (w.len() <= 4 && w.bytes().all(|b| b.is_ascii_digit())).then(|| w.parse().ok())? };
    let month_of = |w: &str| -> Option<u32> {
        let w = w.to_lowercase();
        (w.len() >= 3)
            .then(|| MONTHS.iter().position(|m| m.starts_with(&w)))?
            .map(|i| i as u32 + 1)
    };
    let ymd = |y: u32, m: u32, d: u32| -> Option<String> {
        chrono::NaiveDate::from_ymd_opt(y as i32, m, d).map(|_| format!("{y:04}-{m:02}-{d:02}"))
    };
    let ym = |y: u32, m: u32| -> Option<String> {
        if !(1..=12).contains(&m) {
            return None;
        }
        Some(if partial {
            format!("did you mean `{y:04}-{m:02}`?")
        } else {
            format!("a date needs a day: `{y:04}-{m:02}-DD`")
        })
    };
    let year = |w: &str| num(w).filter(|_| w.len() == 4);
    match words.as_slice() {
        // 2023/04/21, 2023.4.21, 2023-4-21
        [y, m, d] if year(y).is_some() && num(m).is_some() && num(d).is_some() => {
            ymd(year(y)?, num(m)?, num(d)?).map(|s| format!("did you mean `{s}`?"))
        }
        // 21/04/2023 or 04/21/2023 (and with dots or dashes)
        [a, b, y] if year(y).is_some() && num(a).is_some() && num(b).is_some() => {
            let (a, b, y) = (num(a)?, num(b)?, year(y)?);
            let day_first = ymd(y, b, a);
            let month_first = ymd(y, a, b);
            match (day_first, month_first) {
                (Some(d), Some(m)) if d != m => Some(format!(
                    "the day and month could be either way: write `{d}` ({a} {}) or `{m}` ({b} {}), as the source means",
                    capital(MONTHS[b as usize - 1]),
                    capital(MONTHS[a as usize - 1]),
                )),
                (Some(s), _) | (None, Some(s)) => Some(format!("did you mean `{s}`?")),
                (None, None) => None,
            }
        }
        // 21 April 2023, April 21 2023
        [d, m, y] if year(y).is_some() && num(d).is_some() && month_of(m).is_some() => {
            ymd(year(y)?, month_of(m)?, num(d)?).map(|s| format!("did you mean `{s}`?"))
        }
        [m, d, y] if year(y).is_some() && num(d).is_some() && month_of(m).is_some() => {
            ymd(year(y)?, month_of(m)?, num(d)?).map(|s| format!("did you mean `{s}`?"))
        }
        // April 2023, 04/2023, 2023/04
        [m, y] if year(y).is_some() && month_of(m).is_some() => ym(year(y)?, month_of(m)?),
        [m, y] if year(y).is_some() && num(m).is_some() => ym(year(y)?, num(m)?),
        [y, m] if year(y).is_some() && num(m).is_some() => ym(year(y)?, num(m)?),
        // Excel shows a typed `2017-05` as `May-17` (its "mmm-yy"), and saves that
        [m, yy] if month_of(m).is_some() && yy.len() == 2 && num(yy).is_some() => ym(2000 + num(yy)?, month_of(m)?)
            .map(|h| format!("{h} (Excel shows `YYYY-MM` as `{t}`: format the column as Text before typing dates)")),
        // Excel's "d-mmm": the year is gone
        [d, m] if month_of(m).is_some() && num(d).is_some_and(|d| (1..=31).contains(&d)) => Some(
            "the year is missing (Excel shows a date as day-month): retype it from the source as `YYYY-MM-DD`".into(),
        ),
        [y] if year(y).is_some() && !partial => Some(format!("a date needs a month and a day: `{t}-MM-DD`")),
        _ => None,
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_layouts_get_the_iso_date_and_ambiguous_ones_both_readings() {
        let cases = [
            ("21/04/2023", true, Some("did you mean `2023-04-21`?")),
            ("04/21/2023", false, Some("did you mean `2023-04-21`?")),
            ("21.4.2023", true, Some("did you mean `2023-04-21`?")),
            (
                "05/04/2023",
                true,
                Some("write `2023-04-05` (5 April) or `2023-05-04` (4 May), as the source means"),
            ),
            ("04/04/2023", true, Some("did you mean `2023-04-04`?")),
            ("2023/04/21", true, Some("did you mean `2023-04-21`?")),
            ("2023-4-1", true, Some("did you mean `2023-04-01`?")),
            ("21 April 2023", true, Some("did you mean `2023-04-21`?")),
            ("Apr 21, 2023", false, Some("did you mean `2023-04-21`?")),
            ("April 2023", true, Some("did you mean `2023-04`?")),
            ("April 2023", false, Some("a date needs a day: `2023-04-DD`")),
            ("2023", false, Some("a date needs a month and a day: `2023-MM-DD`")),
            (" 2023-04-21", true, Some("remove the spaces")),
            (" again", true, None),
            (
                "May-17",
                true,
                Some("did you mean `2017-05`? (Excel shows `YYYY-MM` as `May-17`"),
            ),
            ("Dec-19", false, Some("a date needs a day: `2019-12-DD`")),
            ("14-Dec", true, Some("the year is missing")),
            ("31/02/2023", true, None),
            ("someday", true, None),
            ("13/13/2023", true, None),
        ];
        for (cell, partial, want) in cases {
            let got = suggest(cell, partial);
            match want {
                Some(w) => assert!(got.as_deref().is_some_and(|g| g.contains(w)), "{cell}: {got:?}"),
                None => assert_eq!(got, None, "{cell}"),
            }
        }
    }
}
