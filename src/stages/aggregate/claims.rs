//! Claims: every published overall count in `raw/claims.csv`, next to what this dataset
//! counts for the same scope as of the same date, and the difference. This is how a
//! reader sees how complete the dataset is.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use rayon::prelude::*;

use crate::layout::Layout;
use crate::model::{Claim, ClaimCheck, Workshops};
use crate::partial_date::PartialDate;
use crate::table::csvio;

/// What a workshop is, for the scopes of claims.
#[derive(Clone, Copy)]
struct ScopeFacts {
    tianjin: bool,
    africa: bool,
}

impl ScopeFacts {
    fn of(w: &Workshops, i: usize) -> ScopeFacts {
        ScopeFacts {
            tianjin: Workshops::name(&w.dict.provinces, w.organiser_province[i]) == Some("Tianjin"),
            africa: &*w.country_of(i).region == "Africa",
        }
    }
}

/// Whether a workshop falls in a claim's scope; None when the dataset cannot tell
/// (SCO membership is not in the reference data; "unclear" scopes are not guessed).
fn in_scope(scope: &str) -> Option<fn(ScopeFacts) -> bool> {
    match scope {
        "china" => Some(|_| true),
        "tianjin" => Some(|f| f.tianjin),
        "africa" => Some(|f| f.africa),
        "tianjin-africa" => Some(|f| f.tianjin && f.africa),
        _ => None,
    }
}

/// What one scope counts along the workshops sorted by date (see [`claims_check`]).
struct ScopeCounts {
    /// `upto[i]`: workshops in scope among the first `i`
    upto: Vec<u32>,
    /// by country number: its first position in scope (`usize::MAX` if none)
    first: Vec<usize>,
}

impl ScopeCounts {
    fn new(dated: &[(chrono::NaiveDate, usize, ScopeFacts)], countries: usize, inside: fn(ScopeFacts) -> bool) -> Self {
        let mut upto = Vec::with_capacity(dated.len() + 1);
        let mut first = vec![usize::MAX; countries];
        let mut n = 0u32;
        upto.push(0);
        for (i, (_, country, facts)) in dated.iter().enumerate() {
            if inside(*facts) {
                n += 1;
                first[*country] = first[*country].min(i);
            }
            upto.push(n);
        }
        ScopeCounts { upto, first }
    }
}

/// Every claim with the dataset's own counts as of its date (sorted by date; undated
/// claims last, in file order).
pub fn claims_check(w: &Workshops, claims: &[Claim]) -> Vec<ClaimCheck> {
    // Each workshop's opening, country number and scope facts, once, sorted by date: a
    // claim then reads the workshops opened by its date as a prefix. (Working these out
    // per claim over every workshop was half of aggregate's time at 1M reports.) A
    // workshop known only to the month or year counts once that whole period has passed
    // (its last day): "2025" is not yet open as of 2025-06-30, as it may have opened in
    // July.
    let mut dated: Vec<(chrono::NaiveDate, usize, ScopeFacts)> = (0..w.len())
        .into_par_iter()
        .filter_map(|i| Some((w.opened_on[i]?.last_day(), w.country[i] as usize, ScopeFacts::of(w, i))))
        .collect();
    let countries = w.dict.countries.len();
    // a claim counts a prefix: the order among workshops of one day does not matter
    dated.par_sort_unstable_by_key(|(d, _, _)| *d);
    // Per scope, one pass: how many workshops in scope opened up to each position, and
    // the first position of each country in scope. A claim then reads both at its date.
    // (Scanning the prefix once per claim was most of the claims check at 1M reports.)
    let scopes: Vec<&str> = claims
        .iter()
        .map(|c| c.scope.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let counts: BTreeMap<&str, ScopeCounts> = scopes
        .par_iter()
        .filter_map(|&scope| Some((scope, ScopeCounts::new(&dated, countries, in_scope(scope)?))))
        .collect();
    let mut out: Vec<ClaimCheck> = claims
        .iter()
        .map(|c| {
            let as_of = c.claim_date.map(|d| PartialDate::from_date(d.last_day()));
            // (workshops, countries) in scope, or None when the scope cannot be told
            let counted: Option<(u32, u32)> = as_of.and_then(|end| {
                let end = end.first_day();
                let opened = dated.partition_point(|(d, _, _)| *d <= end);
                if opened == 0 {
                    return Some((0, 0));
                }
                let counts = counts.get(c.scope.as_str())?;
                Some((
                    counts.upto[opened],
                    counts.first.iter().filter(|&&f| f < opened).count() as u32,
                ))
            });
            let our_workshops = counted.map(|(n, _)| n);
            let our_countries = counted.map(|(_, k)| k);
            let diff = |ours: Option<u32>, claimed: Option<u32>| Some(ours? as i32 - claimed? as i32);
            ClaimCheck {
                as_of,
                our_workshops,
                our_countries,
                workshops_difference: diff(our_workshops, c.claimed_workshops),
                countries_difference: diff(our_countries, c.claimed_countries),
                claim: c.clone(),
            }
        })
        .collect();
    out.sort_by_key(|c| {
        c.as_of
            .map_or((1, 0, 0, 0), |d| (0, d.year, d.month.unwrap_or(0), d.day.unwrap_or(0)))
    });
    out
}

/// Reads `raw/claims.csv`.
pub fn load_claims(layout: &Layout) -> Result<Vec<Claim>> {
    #[derive(serde::Deserialize)]
    struct Row {
        claim_date: String,
        date_text: String,
        claimed_workshops: Option<u32>,
        claimed_countries: Option<u32>,
        qualifier: String,
        scope: String,
        scope_text: String,
        claim: String,
        source_url: String,
    }
    let path = layout.root.join("raw").join("claims.csv");
    let shown = layout.display(&path);
    let rows: Vec<(u64, Row)> = csvio::read_table(&path)?;
    rows.into_iter()
        .map(|(line, r)| {
            let claim_date = match r.claim_date.trim() {
                "" => None,
                d => {
                    Some(PartialDate::parse(d).map_err(|e| anyhow::anyhow!("`{shown}` line {line}: claim_date: {e}"))?)
                }
            };
            Ok(Claim {
                claim_date,
                date_text: r.date_text,
                claimed_workshops: r.claimed_workshops,
                claimed_countries: r.claimed_countries,
                qualifier: r.qualifier,
                scope: r.scope,
                scope_text: r.scope_text,
                claim: r.claim,
                source_url: r.source_url,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::aggregate::tests::{sample, workshops};

    proptest::proptest! {
        /// The claims check counts through per-scope prefix tables; a plain recount of
        /// the workshops opened by each claim's date must agree.
        #[test]
        fn claim_counts_agree_with_a_plain_recount(
            opened in proptest::collection::vec((0..4usize, 0..3usize, proptest::option::of(2015..2026i32)), 0..60),
            dates in proptest::collection::vec((2014..2027i32, 0..5usize), 1..12),
        ) {
            let scopes = ["china", "tianjin", "africa", "tianjin-africa", "sco"];
            let regions = ["Africa", "Asia", "Europe"];
            let codes = ["EGY", "KEN", "THA", "GBR"];
            let years: Vec<Option<String>> = opened.iter().map(|&(_, _, y)| y.map(|y| y.to_string())).collect();
            let rows: Vec<(&str, &str, Option<&str>, Option<&str>)> = opened
                .iter()
                .zip(&years)
                .map(|(&(c, p, _), year)| (codes[c], regions[c % 3], year.as_deref(), [Some("Tianjin"), Some("Hebei"), None][p]))
                .collect();
            let workshops = workshops(&rows);
            let claims: Vec<Claim> = dates
                .iter()
                .map(|&(y, s)| Claim {
                    claim_date: Some(PartialDate::parse(&y.to_string()).unwrap()),
                    date_text: String::new(),
                    claimed_workshops: None,
                    claimed_countries: None,
                    qualifier: "exact".into(),
                    scope: scopes[s].into(),
                    scope_text: String::new(),
                    claim: String::new(),
                    source_url: String::new(),
                })
                .collect();
            for got in claims_check(&workshops, &claims) {
                let year = got.claim.claim_date.unwrap().year;
                let opened: Vec<usize> = (0..workshops.len()).filter(|&i| workshops.opened_on[i].is_some_and(|d| d.year <= year)).collect();
                let want = match in_scope(&got.claim.scope) {
                    _ if opened.is_empty() => Some((0, 0)),
                    None => None,
                    Some(inside) => {
                        let hit: Vec<&usize> = opened.iter().filter(|&&i| inside(ScopeFacts::of(&workshops, i))).collect();
                        let countries: BTreeSet<&str> = hit.iter().map(|&&i| &*workshops.country_of(i).code).collect();
                        Some((hit.len() as u32, countries.len() as u32))
                    }
                };
                proptest::prop_assert_eq!(got.our_workshops.zip(got.our_countries), want, "{:?}", got.claim.scope);
            }
        }
    }

    #[test]
    fn claims_are_compared_in_their_scope_as_of_the_end_of_their_date() {
        let claim = |date: Option<&str>, scope: &str, w: Option<u32>, c: Option<u32>| Claim {
            claim_date: date.map(|d| PartialDate::parse(d).unwrap()),
            date_text: String::new(),
            claimed_workshops: w,
            claimed_countries: c,
            qualifier: "exact".into(),
            scope: scope.into(),
            scope_text: String::new(),
            claim: String::new(),
            source_url: "https://example.org/".into(),
        };
        let claims = vec![
            claim(Some("2017"), "china", Some(2), Some(2)),
            claim(Some("2017-04"), "china", Some(2), None),
            claim(Some("2020-11"), "africa", Some(3), Some(1)),
            claim(Some("2024"), "tianjin", Some(4), Some(3)),
            claim(Some("2024"), "sco", Some(1), None),
            claim(None, "china", Some(9), None),
        ];
        type Counts = (Option<u32>, Option<u32>, Option<i32>, Option<i32>);
        let got: Vec<Counts> = claims_check(&sample(), &claims)
            .iter()
            .map(|c| {
                (
                    c.our_workshops,
                    c.our_countries,
                    c.workshops_difference,
                    c.countries_difference,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(1), Some(1), Some(-1), None),    // 2017-04: the UK (2017-05) is not open yet
                (Some(2), Some(2), Some(0), Some(0)),  // 2017: end of year
                (Some(2), Some(1), Some(-1), Some(0)), // Africa by end of Nov 2020
                (Some(4), Some(3), Some(0), Some(0)),  // Tianjin: not Ghana (Liaoning), not undated Kenya
                (None, None, None, None),              // SCO membership is not in the data
                (None, None, None, None),              // undated claims last
            ]
        );
    }

    #[test]
    fn a_workshop_known_to_the_year_or_month_counts_once_that_period_has_passed() {
        // Russia/MTUCI is known as "2025"; its unveiling was reported in July 2025
        let ws = workshops(&[
            ("RUS", "Europe", Some("2025"), Some("Tianjin")),
            ("KAZ", "Asia", Some("2025-08"), Some("Tianjin")),
        ]);
        let claim = |date: &str| Claim {
            claim_date: Some(PartialDate::parse(date).unwrap()),
            date_text: String::new(),
            claimed_workshops: None,
            claimed_countries: None,
            qualifier: "exact".into(),
            scope: "china".into(),
            scope_text: String::new(),
            claim: String::new(),
            source_url: String::new(),
        };
        let claims = ["2025-06-30", "2025-08-15", "2025-08", "2025"].map(claim);
        let counted: Vec<Option<u32>> = claims_check(&ws, &claims).iter().map(|c| c.our_workshops).collect();
        assert_eq!(counted, [Some(0), Some(0), Some(1), Some(2)]);
    }
}
