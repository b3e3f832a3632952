//! Stage 5, aggregate: per-country figures from the workshop records: workshops in total
//! and by status, first and latest opening, distinct host institutions, Chinese partners,
//! specialties and sources. Plain ordered maps keep it deterministic; sorted by country
//! code.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::Result;

use super::dedupe::union_ignoring_case;
use super::StageReport;
use crate::csvio;
use crate::layout::Layout;
use crate::model::{CountrySummary, Workshop};

/// Computes the per-country table (pure).
pub fn aggregate(workshops: &[Workshop]) -> Vec<CountrySummary> {
    let mut by: BTreeMap<&str, Vec<&Workshop>> = BTreeMap::new();
    for w in workshops {
        by.entry(w.country_code.as_str()).or_default().push(w);
    }
    by.into_values()
        .map(|ws| {
            let first = ws[0];
            let count =
                |s: &str| ws.iter().filter(|w| w.status.as_deref() == Some(s)).count() as u32;
            let dates: Vec<_> = ws.iter().filter_map(|w| w.opened_on).collect();
            let hosts: BTreeSet<&str> = ws
                .iter()
                .filter_map(|w| w.host_institution.as_deref())
                .flat_map(|h| h.split("; "))
                .collect();
            let partners: BTreeSet<String> = ws
                .iter()
                .flat_map(|w| w.chinese_partners.iter().cloned())
                .collect();
            let specialties = union_ignoring_case(ws.iter().flat_map(|w| w.specialties.iter()));
            let sources: BTreeSet<&str> = ws
                .iter()
                .flat_map(|w| w.source_urls.iter().map(String::as_str))
                .collect();
            CountrySummary {
                country_code: first.country_code.clone(),
                country_name: first.country_name.clone(),
                region: first.region.clone(),
                subregion: first.subregion.clone(),
                workshops: ws.len() as u32,
                operating: count("operating"),
                announced: count("announced"),
                planned: count("planned"),
                suspended: count("suspended"),
                closed: count("closed"),
                first_opened_on: dates.iter().min_by_key(|d| d.sort_key()).copied(),
                latest_opened_on: dates.iter().max_by_key(|d| d.sort_key()).copied(),
                host_institutions: hosts.len() as u32,
                chinese_partners: partners.into_iter().collect(),
                specialties,
                sources: sources.len() as u32,
            }
        })
        .collect()
}

/// Runs aggregate on `build/workshops.jsonl`.
pub fn run(layout: &Layout) -> Result<StageReport> {
    let start = Instant::now();
    let workshops: Vec<Workshop> =
        csvio::read_jsonl(&layout.build_file("workshops.jsonl"), "dedupe")?;
    let countries = aggregate(&workshops);
    let mut report = StageReport::new("aggregate");
    report.rows_in = workshops.len() as u64;
    report.rows_out = countries.len() as u64;
    // workshops are folded into their country's row, not lost
    report.merged = report.rows_in - report.rows_out;
    csvio::write_jsonl(&layout.build_file("countries.jsonl"), &countries)?;
    report.elapsed = start.elapsed();
    report.check_conservation()?;
    Ok(report)
}
