//! The review file (`luban dedupe --review` → `build/review.csv`): name pairs normalize
//! found alike, and pairs of workshops that look like one, each with its evidence and an
//! empty `decision` for a maintainer to fill in and copy to `raw/decisions.csv`.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::layout::Layout;
use crate::model::Workshops;
use crate::names::matcher::{DecisionRow, Decisions, Field};
use crate::table::csvio;
use crate::table::NONE;

/// Pairs of workshops a maintainer should look at: same country and city, and a shared
/// Chinese partner or the same opening year, but different hosts. Pairs already decided
/// either way are left out.
pub fn workshop_candidates(w: &Workshops, decisions: &Decisions) -> Vec<DecisionRow> {
    let d = &w.dict;
    let mut out = Vec::new();
    // blocking: only workshops of the same country and city are compared
    let mut blocks: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for i in 0..w.len() {
        if w.city[i] != NONE {
            blocks
                .entry((&w.country_of(i).code, d.cities.text(w.city[i])))
                .or_default()
                .push(i);
        }
    }
    for ((code, city), block) in &blocks {
        for (k, &a) in block.iter().enumerate() {
            for &b in &block[k + 1..] {
                let shared: Vec<&str> = w
                    .chinese_partners
                    .get(a)
                    .iter()
                    .filter(|p| w.chinese_partners.get(b).contains(p))
                    .map(|&p| d.partners.text(p))
                    .collect();
                let (oa, ob) = (w.opened_on[a], w.opened_on[b]);
                let same_year = matches!((oa, ob), (Some(x), Some(y)) if x.year == y.year);
                if shared.is_empty() && !same_year {
                    continue;
                }
                let (ida, idb) = (w.workshop_id.str(a), w.workshop_id.str(b));
                if decisions.get(Field::Workshop, ida, idb).is_some() {
                    continue;
                }
                let mut evidence = vec![format!("city {city}")];
                if same_year {
                    let show =
                        |o: Option<crate::partial_date::PartialDate>| o.map(|d| d.to_string()).unwrap_or_default();
                    evidence.push(format!("opened {} / {}", show(oa), show(ob)));
                }
                evidence.extend(shared.iter().map(|p| format!("partner {p}")));
                let host = |i: usize| w.host_institution.get(i).unwrap_or("?");
                evidence.push(format!("hosts `{}` / `{}`", host(a), host(b)));
                out.push(DecisionRow {
                    field: Field::Workshop,
                    country: code.to_string(),
                    name: ida.to_string(),
                    candidate: idb.to_string(),
                    score: String::new(),
                    evidence: format!(
                        "{code} ({} vs {}): {}",
                        w.workshop_name.str(a),
                        w.workshop_name.str(b),
                        evidence.join("; ")
                    ),
                    decision: String::new(),
                    note: String::new(),
                });
            }
        }
    }
    out
}

/// Writes `build/review.csv`: name candidates from normalize and workshop candidates,
/// with the columns of `raw/decisions.csv`. Returns how many pairs it lists.
pub fn write_review(layout: &Layout, workshops: &Workshops, decisions: &Decisions) -> Result<usize> {
    #[derive(serde::Deserialize)]
    struct MatchRow {
        field: Field,
        country: String,
        name: String,
        candidate: String,
        score: String,
        outcome: String,
    }
    let matches: Vec<(u64, MatchRow)> = csvio::read_table(&layout.build_file("name-matches.csv"))?;
    let mut rows: Vec<DecisionRow> = matches
        .into_iter()
        .map(|(_, m)| m)
        .filter(|m| m.outcome == "candidate")
        .map(|m| DecisionRow {
            evidence: format!(
                "{} {}: `{}` looks like `{}`",
                m.country,
                m.field.as_str(),
                m.name,
                m.candidate
            ),
            field: m.field,
            country: m.country,
            name: m.name,
            candidate: m.candidate,
            score: m.score,
            decision: String::new(),
            note: String::new(),
        })
        .collect();
    rows.extend(workshop_candidates(workshops, decisions));
    csvio::write_staged(&layout.build_file("review.csv"), |w| {
        let mut wtr = csvio::writer(w);
        for r in &rows {
            wtr.serialize(r)?;
        }
        if rows.is_empty() {
            wtr.write_record([
                "field",
                "country",
                "name",
                "candidate",
                "score",
                "evidence",
                "decision",
                "note",
            ])?;
        }
        wtr.flush()?;
        Ok(())
    })?;
    Ok(rows.len())
}
