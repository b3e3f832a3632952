//! Stage 5, aggregate: the tables computed from the workshops.
//! - per country: workshops in total and by status, first and latest opening, distinct
//!   host institutions, Chinese partners, specialties and sources (sorted by code);
//! - openings per year and country, with the running total worldwide (long format);
//! - the claims check ([`claims`]).
//!
//! Plain ordered maps keep every table deterministic. The three tables are written to
//! `build/` ([`table`]).

mod claims;
mod table;

pub use claims::{claims_check, load_claims};
pub use table::read_tables;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::Result;
use rayon::prelude::*;

use super::dedupe::{union_ignoring_case, SourceTables};
use super::StageReport;
use crate::layout::Layout;
use crate::model::{CountrySummary, OpeningsByYear, OpeningsWorldwide, Tables, Workshops};
use crate::partial_date::PartialDate;

/// Computes the per-country table (pure).
pub fn aggregate(w: &Workshops) -> Vec<CountrySummary> {
    let d = &w.dict;
    let mut by: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for i in 0..w.len() {
        by.entry(&w.country_of(i).code).or_default().push(i);
    }
    let by: Vec<(&str, Vec<usize>)> = by.into_iter().collect();
    // countries are independent: one task each
    by.into_par_iter()
        .map(|(_, ws)| {
            let first = w.country_of(ws[0]);
            let count = |s: &str| {
                ws.iter()
                    .filter(|&&i| Workshops::name(&d.statuses, w.status[i]) == Some(s))
                    .count() as u32
            };
            let dates: Vec<PartialDate> = ws.iter().filter_map(|&i| w.opened_on[i]).collect();
            let hosts: BTreeSet<&str> = ws
                .iter()
                .filter_map(|&i| w.host_institution.get(i))
                .flat_map(|h| h.split("; "))
                .collect();
            let sources: ahash::AHashSet<&str> = ws.iter().flat_map(|&i| w.source_urls.get(i)).collect();
            let partners: BTreeSet<&str> = ws
                .iter()
                .flat_map(|&i| w.chinese_partners.get(i))
                .map(|&p| d.partners.text(p))
                .collect();
            let specialties = union_ignoring_case(&d.specialties, ws.iter().flat_map(|&i| w.specialties.get(i)))
                .into_iter()
                .map(|s| d.specialties.text(s).to_string())
                .collect();
            CountrySummary {
                country_code: first.code.to_string(),
                country_name: first.name.to_string(),
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
                host_institutions: hosts.len() as u32,
                chinese_partners: partners.into_iter().map(str::to_string).collect(),
                specialties,
                sources: sources.len() as u32,
            }
        })
        .collect()
}

/// Openings per (year, country), sorted by year then country code.
pub fn openings_by_year(w: &Workshops) -> Vec<OpeningsByYear> {
    // counted in a hash map (a few hundred keys, hit once per workshop), then ordered
    let mut counts: ahash::AHashMap<(i32, &str), (&str, u32)> = ahash::AHashMap::new();
    for i in 0..w.len() {
        if let Some(d) = w.opened_on[i] {
            let c = w.country_of(i);
            counts.entry((d.year, &*c.code)).or_insert((&*c.region, 0)).1 += 1;
        }
    }
    let by: BTreeMap<(i32, &str), (&str, u32)> = counts.into_iter().collect();
    by.into_iter()
        .map(|((year, code), (region, n))| OpeningsByYear {
            year,
            country_code: code.to_string(),
            region: region.to_string(),
            openings: n,
        })
        .collect()
}

/// Openings per year worldwide, with the running total, from the openings per year and
/// country (sorted by year).
pub fn openings_worldwide(rows: &[OpeningsByYear]) -> Vec<OpeningsWorldwide> {
    let mut per_year: BTreeMap<i32, u32> = BTreeMap::new();
    for r in rows {
        *per_year.entry(r.year).or_default() += r.openings;
    }
    let mut running = 0;
    per_year
        .into_iter()
        .map(|(year, openings)| {
            running += openings;
            OpeningsWorldwide {
                year,
                openings,
                cumulative: running,
            }
        })
        .collect()
}

/// Runs aggregate on dedupe's workshops: `input` when dedupe just made them, else
/// `build/workshops.arrow`, with its sources and conflicts or not (`read`). Returns the
/// tables publish writes (the workshops included), except when the workshops were read
/// without their sources and conflicts (`luban aggregate` alone, which publishes
/// nothing).
pub fn run(layout: &Layout, input: Option<Workshops>, read: SourceTables) -> Result<(StageReport, Option<Tables>)> {
    let start = Instant::now();
    let whole = input.is_some() || read == SourceTables::Read;
    let workshops = match input {
        Some(w) => w,
        None => super::dedupe::read_workshops(layout, read)?,
    };
    let countries = aggregate(&workshops);
    let mut report = StageReport::new("aggregate");
    report.rows_in = workshops.len() as u64;
    report.rows_out = countries.len() as u64;
    // workshops are folded into their country's row, not lost
    report.merged = report.rows_in - report.rows_out;
    let openings = openings_by_year(&workshops);
    let claims = claims_check(&workshops, &load_claims(layout)?);
    table::write_tables(layout, &countries, &openings, &claims)?;
    let tables = Tables {
        workshops,
        countries,
        openings,
        claims,
    };
    report.elapsed = start.elapsed();
    report.check_conservation()?;
    Ok((report, whole.then_some(tables)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Workshops given as (country code, region, opened, province, id suffix).
    pub(super) fn workshops(rows: &[(&str, &str, Option<&str>, Option<&str>)]) -> Workshops {
        let mut w = Workshops::default();
        for (k, &(code, region, opened, province)) in rows.iter().enumerate() {
            w.push_for_test(crate::model::WorkshopTexts {
                id: &format!("{code}-{k}"),
                name: "w",
                country: (code, code, region, ""),
                province,
                opened,
                status: Some("operating"),
                urls: &["https://example.org/"],
                ..Default::default()
            });
        }
        w
    }

    pub(super) fn sample() -> Workshops {
        workshops(&[
            ("THA", "Asia", Some("2016-03-08"), Some("Tianjin")),
            ("GBR", "Europe", Some("2017-05"), Some("Tianjin")),
            ("EGY", "Africa", Some("2020-11-30"), Some("Tianjin")),
            ("EGY", "Africa", Some("2020-11-30"), Some("Tianjin")),
            ("GHA", "Africa", Some("2023-06-02"), Some("Liaoning")),
            ("KEN", "Africa", None, Some("Tianjin")),
        ])
    }

    #[test]
    fn openings_are_counted_per_year_and_country_and_worldwide_with_a_running_total() {
        let rows = openings_by_year(&sample());
        let got: Vec<(i32, &str, u32)> = rows
            .iter()
            .map(|r| (r.year, r.country_code.as_str(), r.openings))
            .collect();
        assert_eq!(
            got,
            vec![(2016, "THA", 1), (2017, "GBR", 1), (2020, "EGY", 2), (2023, "GHA", 1)]
        );
        let mut two_countries = rows.clone();
        two_countries.push(OpeningsByYear {
            year: 2020,
            country_code: "KEN".into(),
            region: "Africa".into(),
            openings: 3,
        });
        let world: Vec<(i32, u32, u32)> = openings_worldwide(&two_countries)
            .iter()
            .map(|w| (w.year, w.openings, w.cumulative))
            .collect();
        assert_eq!(world, vec![(2016, 1, 1), (2017, 1, 2), (2020, 5, 7), (2023, 1, 8)]);
    }
}
