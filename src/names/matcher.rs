//! Names that are neither canonical nor an alias: matched by similarity against the known
//! names of the same country (any country for Chinese partners), and the maintainers'
//! decisions about such matches (`raw/decisions.csv`), replayed on every run.
//!
//! - score ≥ [`ACCEPT`]: the name is taken as the known one, and the match is reported;
//! - [`GREY`] ≤ score < [`ACCEPT`]: the name is kept as it is, and the pair goes to the
//!   review file as a candidate;
//! - a decision `same` maps the name to the candidate whatever the score; a decision
//!   `different` removes that candidate for good, so a rejected pair never comes back.
//!
//! Everything is decided in sorted order, so the outcome does not depend on input order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use super::key::name_key;
use super::similarity::key_similarity;
use crate::table::csvio::read_table;

/// At or above: the same name.
pub const ACCEPT: f64 = 0.90;
/// At or above (and below [`ACCEPT`]): a candidate for review.
pub const GREY: f64 = 0.75;

/// Which name a match is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    City,
    Institution,
    Partner,
    Workshop,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::City => "city",
            Field::Institution => "institution",
            Field::Partner => "partner",
            Field::Workshop => "workshop",
        }
    }
}

/// One row of `raw/decisions.csv` (the same columns as the review file, so reviewed rows
/// can be copied over as they are).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRow {
    pub field: Field,
    pub country: String,
    pub name: String,
    pub candidate: String,
    #[serde(default)]
    pub score: String,
    #[serde(default)]
    pub evidence: String,
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

/// The decisions, keyed by (field, key of name, key of candidate).
#[derive(Debug, Default)]
pub struct Decisions {
    map: BTreeMap<(Field, String, String), (bool, u64)>,
    used: std::cell::RefCell<BTreeSet<u64>>,
    pub file: String,
}

impl Decisions {
    /// Loads `raw/decisions.csv`; a missing file means no decisions yet.
    pub fn load(path: &Path, shown: &str) -> Result<Decisions> {
        let mut d = Decisions {
            file: shown.to_string(),
            ..Default::default()
        };
        if !path.exists() {
            return Ok(d);
        }
        let rows: Vec<(u64, DecisionRow)> = read_table(path)?;
        for (line, r) in rows {
            let same = match r.decision.trim() {
                "same" => true,
                "different" => false,
                other => bail!("`{shown}` line {line}: decision must be `same` or `different`, not `{other}`"),
            };
            let k = (r.field, name_key(&r.name), name_key(&r.candidate));
            if let Some((prev, prev_line)) = d.map.get(&k) {
                if *prev != same {
                    bail!("`{shown}` lines {prev_line} and {line} decide the same pair both ways");
                }
            }
            d.map.insert(k, (same, line));
        }
        Ok(d)
    }

    /// The decision about (name, candidate), in either order.
    pub fn get(&self, field: Field, name: &str, candidate: &str) -> Option<bool> {
        self.get_by_keys(field, &name_key(name), &name_key(candidate))
    }

    /// [`Decisions::get`] for names whose keys the caller already has.
    pub fn get_by_keys(&self, field: Field, a: &str, b: &str) -> Option<bool> {
        let hit = self
            .map
            .get(&(field, a.to_string(), b.to_string()))
            .or_else(|| self.map.get(&(field, b.to_string(), a.to_string())));
        hit.map(|(same, line)| {
            self.used.borrow_mut().insert(*line);
            *same
        })
    }

    /// The keys of the names the decisions about `field` name.
    pub fn keys(&self, field: Field) -> BTreeSet<&str> {
        self.map
            .keys()
            .filter(|(f, _, _)| *f == field)
            .flat_map(|(_, a, b)| [a.as_str(), b.as_str()])
            .collect()
    }

    /// The (name key, candidate key) pairs decided `same` for `field`.
    pub fn same_pairs(&self, field: Field) -> Vec<(String, String)> {
        self.map
            .iter()
            .filter(|((f, _, _), (same, _))| *f == field && *same)
            .map(|((_, a, b), _)| (a.clone(), b.clone()))
            .collect()
    }

    /// Marks as used the decisions about `field` whose two names (keys) are both
    /// `present`: record linkage reads host decisions later, in dedupe.
    pub fn mark_present(&self, field: Field, present: impl Fn(&str) -> bool) {
        for ((f, a, b), (_, line)) in &self.map {
            if *f == field && present(a) && present(b) {
                self.used.borrow_mut().insert(*line);
            }
        }
    }

    /// Lines of decisions about `fields` that no pair needed (the names or workshops they
    /// name are gone, or were renamed).
    pub fn unused(&self, fields: &[Field]) -> Vec<u64> {
        let used = self.used.borrow();
        let mut v: Vec<u64> = self
            .map
            .iter()
            .filter(|((f, _, _), (_, l))| fields.contains(f) && !used.contains(l))
            .map(|(_, (_, l))| *l)
            .collect();
        v.sort();
        v
    }
}

/// The outcome for one unknown name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NameMatch {
    pub field: Field,
    pub country: String,
    pub name: String,
    pub candidate: String,
    pub score: f64,
    /// accepted (score), decided (a `same` decision), candidate (grey zone)
    pub outcome: &'static str,
}

/// The block in which a name of `field` found in `country` is matched: its country, except
/// for Chinese partners, which are the same colleges whatever the country ("").
pub fn block(field: Field, country: &str) -> &str {
    if field == Field::Partner {
        ""
    } else {
        country
    }
}

/// Matches every unknown `(field, country, name)` against the known names of its block.
/// `known` holds the known names per (field, [`block`]).
pub fn match_unknowns(
    unknown: &BTreeSet<(Field, String, String)>,
    known: &BTreeMap<(Field, String), BTreeSet<String>>,
    decisions: &Decisions,
) -> Vec<NameMatch> {
    let mut out = Vec::new();
    for (field, country, name) in unknown {
        let Some(names) = known.get(&(*field, block(*field, country).to_string())) else {
            continue;
        };
        let key = name_key(name);
        let mut best: Option<(f64, &String)> = None;
        let mut decided = None;
        for cand in names {
            let cand_key = name_key(cand);
            match decisions.get_by_keys(*field, &key, &cand_key) {
                Some(true) => {
                    decided = Some(cand);
                    break;
                }
                Some(false) => continue,
                None => {}
            }
            let score = key_similarity(&key, &cand_key);
            if best.is_none_or(|(s, c)| score > s || (score == s && cand < c)) {
                best = Some((score, cand));
            }
        }
        let found = match (decided, best) {
            (Some(c), _) => Some((1.0, c, "decided")),
            (None, Some((s, c))) if s >= ACCEPT => Some((s, c, "accepted")),
            (None, Some((s, c))) if s >= GREY => Some((s, c, "candidate")),
            _ => None,
        };
        if let Some((score, cand, outcome)) = found {
            out.push(NameMatch {
                field: *field,
                country: country.clone(),
                name: name.clone(),
                candidate: cand.clone(),
                score,
                outcome,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Partners are matched against the partners known in any country; cities and
    /// institutions only against those of their own country.
    #[test]
    fn partners_match_across_countries_and_other_names_within_theirs() {
        let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>();
        let mut known = BTreeMap::new();
        known.insert(
            (Field::Partner, String::new()),
            set(&["Tianjin University of Technology"]),
        );
        known.insert((Field::City, "KEN".to_string()), set(&["Machakos"]));
        let unknown: BTreeSet<(Field, String, String)> = [
            (Field::Partner, "THA", "Tianjin Universty of Technology"),
            (Field::City, "KEN", "Machakoss"),
            (Field::City, "UGA", "Machakoss"),
        ]
        .into_iter()
        .map(|(f, c, n)| (f, c.to_string(), n.to_string()))
        .collect();
        let got: Vec<(Field, String, String)> = match_unknowns(&unknown, &known, &Decisions::default())
            .into_iter()
            .filter(|m| m.outcome == "accepted")
            .map(|m| (m.field, m.country, m.candidate))
            .collect();
        assert_eq!(
            got,
            vec![
                (Field::City, "KEN".to_string(), "Machakos".to_string()),
                (
                    Field::Partner,
                    "THA".to_string(),
                    "Tianjin University of Technology".to_string()
                ),
            ]
        );
        assert_eq!(block(Field::Partner, "THA"), "");
        assert_eq!(block(Field::Institution, "THA"), "THA");
    }
}
