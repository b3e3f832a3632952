//! Stage 5, aggregate: the tables computed from the workshop records.
//! - per country: workshops in total and by status, first and latest opening, distinct
//!   host institutions, Chinese partners, specialties and sources (sorted by code);
//! - openings per year and country, with the running total worldwide (long format);
//! - claims check: every published count in `raw/claims.csv` next to what the dataset
//!   counts for the same scope as of the same date, and the difference. This is how a
//!   reader sees how complete the dataset is.
//!
//! Plain ordered maps keep every table deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::Result;
use rayon::prelude::*;

use super::dedupe::union_ignoring_case;
use super::StageReport;
use crate::csvio;
use crate::layout::Layout;
use crate::model::{Claim, ClaimCheck, CountrySummary, OpeningsByYear, Tables, Workshop};
use crate::partial_date::PartialDate;
use crate::read_ahead;

/// Computes the per-country table (pure).
pub fn aggregate(workshops: &[Workshop]) -> Vec<CountrySummary> {
    let mut by: ahash::AHashMap<&str, Vec<&Workshop>> = ahash::AHashMap::new();
    for w in workshops {
        by.entry(&*w.country_code).or_default().push(w);
    }
    let mut by: Vec<(&str, Vec<&Workshop>)> = by.into_iter().collect();
    by.sort_unstable_by_key(|(code, _)| *code);
    // countries are independent: one task each. The sets are sized up front: growing
    // them step by step was a third of this at a million reports.
    by.into_par_iter()
        .map(|(_, ws)| {
            let first = ws[0];
            let count = |s: &str| ws.iter().filter(|w| w.status.as_deref() == Some(s)).count() as u32;
            let dates: Vec<_> = ws.iter().filter_map(|w| w.opened_on).collect();
            // hosts and sources: a block of workshops at a time, read ahead (their text
            // is scattered in memory: `crate::read_ahead`), counted by sorting
            let mut hosts = Distinct::with_capacity(ws.len());
            let mut sources = Distinct::with_capacity(ws.iter().map(|w| w.source_urls.len()).sum());
            for block in ws.chunks(read_ahead::BLOCK) {
                read_ahead::ahead(block.iter().copied());
                for w in block {
                    w.host_institution
                        .iter()
                        .flat_map(|h| h.split("; "))
                        .for_each(|h| hosts.push(h));
                    w.source_urls.iter().for_each(|u| sources.push(u));
                }
            }
            let partners: ahash::AHashSet<&str> = ws
                .iter()
                .flat_map(|w| w.chinese_partners.iter().map(|p| &**p))
                .collect();
            let mut partners: Vec<&str> = partners.into_iter().collect();
            partners.sort_unstable();
            let specialties = union_ignoring_case(ws.iter().flat_map(|w| w.specialties.iter()))
                .iter()
                .map(|s| s.to_string())
                .collect();
            CountrySummary {
                country_code: first.country_code.to_string(),
                country_name: first.country_name.to_string(),
                region: first.region.to_string(),
                subregion: first.subregion.to_string(),
                workshops: ws.len() as u32,
                operating: count("operating"),
                announced: count("announced"),
                planned: count("planned"),
                suspended: count("suspended"),
                closed: count("closed"),
                first_opened_on: dates.iter().min_by_key(|d| d.sort_key()).copied(),
                latest_opened_on: dates.iter().max_by_key(|d| d.sort_key()).copied(),
                host_institutions: hosts.count(),
                chinese_partners: partners.into_iter().map(str::to_string).collect(),
                specialties,
                sources: sources.count(),
            }
        })
        .collect()
}

/// Counts distinct texts.
///
/// Each text's hash is taken as it is pushed (while the text is in the cache) and kept
/// with its position; [`Distinct::count`] sorts them and compares only texts of equal
/// hashes. A hash set of the texts did the same with a random probe per text: at 10M
/// reports a country has ~0.8M source URLs, a set of them no longer fits in the caches,
/// and inserting was 41 % of aggregate (BENCHMARKS.md, eleventh round).
struct Distinct<'a> {
    /// hash << 64 | position
    keys: Vec<u128>,
    texts: Vec<&'a str>,
    hash: fn(&[u8]) -> u64,
}

impl<'a> Distinct<'a> {
    fn with_capacity(n: usize) -> Self {
        Distinct {
            keys: Vec::with_capacity(n),
            texts: Vec::with_capacity(n),
            hash: xxhash_rust::xxh3::xxh3_64,
        }
    }

    fn push(&mut self, text: &'a str) {
        let hash = (self.hash)(text.as_bytes());
        self.keys.push(u128::from(hash) << 64 | self.texts.len() as u128);
        self.texts.push(text);
    }

    fn count(mut self) -> u32 {
        self.keys.sort_unstable();
        let mut distinct = 0;
        let mut firsts: Vec<&str> = Vec::new();
        for same_hash in self.keys.chunk_by(|a, b| a >> 64 == b >> 64) {
            if let [_] = same_hash {
                distinct += 1;
                continue;
            }
            firsts.clear();
            for &k in same_hash {
                let text = self.texts[k as u64 as usize];
                if !firsts.contains(&text) {
                    firsts.push(text);
                }
            }
            distinct += firsts.len();
        }
        distinct as u32
    }
}

/// Openings per (year, country), sorted by year then country code.
pub fn openings_by_year(workshops: &[Workshop]) -> Vec<OpeningsByYear> {
    // counted in a hash map (a few hundred keys, hit once per workshop), then ordered
    let mut counts: ahash::AHashMap<(i32, &str), (&str, u32)> = ahash::AHashMap::new();
    for w in workshops {
        if let Some(d) = w.opened_on {
            counts.entry((d.year, &*w.country_code)).or_insert((&*w.region, 0)).1 += 1;
        }
    }
    let by: BTreeMap<(i32, &str), (&str, u32)> = counts.into_iter().collect();
    let mut per_year: BTreeMap<i32, u32> = BTreeMap::new();
    for ((year, _), (_, n)) in &by {
        *per_year.entry(*year).or_default() += n;
    }
    let mut running = 0;
    let cumulative: BTreeMap<i32, u32> = per_year
        .into_iter()
        .map(|(y, n)| {
            running += n;
            (y, running)
        })
        .collect();
    by.into_iter()
        .map(|((year, code), (region, n))| OpeningsByYear {
            year,
            country_code: code.to_string(),
            region: region.to_string(),
            openings: n,
            cumulative_worldwide: cumulative[&year],
        })
        .collect()
}

/// What a workshop is, for the scopes of claims.
#[derive(Clone, Copy)]
struct ScopeFacts {
    tianjin: bool,
    africa: bool,
}

impl ScopeFacts {
    fn of(w: &Workshop) -> ScopeFacts {
        ScopeFacts {
            tianjin: w.organiser_province.as_deref() == Some("Tianjin"),
            africa: &*w.region == "Africa",
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
pub fn claims_check(workshops: &[Workshop], claims: &[Claim]) -> Vec<ClaimCheck> {
    // Each workshop's first day, country number and scope facts, once, sorted by date: a
    // claim then reads the workshops opened by its date as a prefix. (Working these out
    // per claim over every workshop was half of aggregate's time at 1M reports.)
    let mut codes: ahash::AHashMap<&str, usize> = ahash::AHashMap::new();
    for w in workshops {
        let n = codes.len();
        codes.entry(&*w.country_code).or_insert(n);
    }
    let mut dated: Vec<(chrono::NaiveDate, usize, ScopeFacts)> = workshops
        .par_iter()
        .filter_map(|w| Some((w.opened_on?.first_day(), codes[&*w.country_code], ScopeFacts::of(w))))
        .collect();
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
        .filter_map(|&scope| Some((scope, ScopeCounts::new(&dated, codes.len(), in_scope(scope)?))))
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

/// Runs aggregate on dedupe's workshops: `input` within `luban run`, else
/// `build/workshops.bin`. Returns the tables publish writes (the workshops included).
pub fn run(layout: &Layout, input: Option<Vec<Workshop>>) -> Result<(StageReport, Tables)> {
    let start = Instant::now();
    let workshops = match input {
        Some(w) => w,
        None => csvio::read_artifact(&layout.build_file("workshops.bin"), "dedupe")?,
    };
    let countries = aggregate(&workshops);
    let mut report = StageReport::new("aggregate");
    report.rows_in = workshops.len() as u64;
    report.rows_out = countries.len() as u64;
    // workshops are folded into their country's row, not lost
    report.merged = report.rows_in - report.rows_out;
    let openings = openings_by_year(&workshops);
    let claims = claims_check(&workshops, &load_claims(layout)?);
    csvio::write_artifact(&layout.build_file("countries.bin"), &countries)?;
    csvio::write_artifact(&layout.build_file("openings_by_year.bin"), &openings)?;
    csvio::write_artifact(&layout.build_file("claims_check.bin"), &claims)?;
    report.elapsed = start.elapsed();
    report.check_conservation()?;
    Ok((
        report,
        Tables {
            workshops,
            countries,
            openings,
            claims,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(code: &str, region: &str, opened: Option<&str>, province: Option<&str>) -> Workshop {
        Workshop {
            workshop_id: format!("{code}-{}", opened.unwrap_or("x")).into(),
            workshop_name: "w".into(),
            country_code: code.into(),
            country_name: code.into(),
            region: region.into(),
            subregion: "".into(),
            city: None,
            host_institution: None,
            chinese_partners: Default::default(),
            organiser_province: province.map(crate::model::Shared::from),
            opened_on: opened.map(|d| PartialDate::parse(d).unwrap()),
            status: Some("operating".into()),
            specialties: Default::default(),
            source_urls: ["https://example.org/".into()].into(),
            source_count: 1,
            conflicts: Default::default(),
        }
    }

    fn sample() -> Vec<Workshop> {
        vec![
            ws("THA", "Asia", Some("2016-03-08"), Some("Tianjin")),
            ws("GBR", "Europe", Some("2017-05"), Some("Tianjin")),
            ws("EGY", "Africa", Some("2020-11-30"), Some("Tianjin")),
            ws("EGY", "Africa", Some("2020-11-30"), Some("Tianjin")),
            ws("GHA", "Africa", Some("2023-06-02"), Some("Liaoning")),
            ws("KEN", "Africa", None, Some("Tianjin")),
        ]
    }

    #[test]
    fn openings_are_counted_per_year_and_country_with_a_worldwide_running_total() {
        let rows = openings_by_year(&sample());
        let got: Vec<(i32, &str, u32, u32)> = rows
            .iter()
            .map(|r| (r.year, r.country_code.as_str(), r.openings, r.cumulative_worldwide))
            .collect();
        assert_eq!(
            got,
            vec![
                (2016, "THA", 1, 1),
                (2017, "GBR", 1, 2),
                (2020, "EGY", 2, 4),
                (2023, "GHA", 1, 5)
            ]
        );
    }

    proptest::proptest! {
        /// Distinct texts counted through sorted hashes are those of a set, also when
        /// many texts share a hash (a weak hash makes texts of one length collide).
        #[test]
        fn distinct_counts_are_those_of_a_set(texts in proptest::collection::vec("[ab]{0,4}", 0..80)) {
            let want = texts.iter().collect::<BTreeSet<_>>().len() as u32;
            for hash in [xxhash_rust::xxh3::xxh3_64 as fn(&[u8]) -> u64, |b: &[u8]| b.len() as u64] {
                let mut d = Distinct { hash, ..Distinct::with_capacity(0) };
                texts.iter().for_each(|t| d.push(t));
                proptest::prop_assert_eq!(d.count(), want);
            }
        }

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
            let workshops: Vec<Workshop> = opened
                .iter()
                .map(|&(c, p, y)| {
                    let year = y.map(|y| y.to_string());
                    let mut w = ws(codes[c], regions[c % 3], year.as_deref(), [Some("Tianjin"), Some("Hebei"), None][p]);
                    w.workshop_id = format!("{}-{}", w.workshop_id, w.country_code).into();
                    w
                })
                .collect();
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
                let opened: Vec<&Workshop> = workshops.iter().filter(|w| w.opened_on.is_some_and(|d| d.year <= year)).collect();
                let want = match in_scope(&got.claim.scope) {
                    _ if opened.is_empty() => Some((0, 0)),
                    None => None,
                    Some(inside) => {
                        let hit: Vec<&&Workshop> = opened.iter().filter(|w| inside(ScopeFacts::of(w))).collect();
                        let countries: BTreeSet<&str> = hit.iter().map(|w| &*w.country_code).collect();
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
}
