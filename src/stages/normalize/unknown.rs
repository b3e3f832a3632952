//! Names no alias table knows: matched by similarity against the known names of their
//! country (any country for Chinese partners; `names::matcher`), and the reports rewritten
//! where a match is accepted or a maintainer decided `same`.

use std::collections::BTreeMap;

use super::rows::{Known, Unknown, NAME_FIELDS};
use crate::model::Reports;
use crate::names::matcher::{match_unknowns, Decisions, NameMatch};
use crate::table::{IdLists, Names, NONE};

/// The dictionary of name column `slot` (see [`NAME_FIELDS`]).
fn dict_mut(r: &mut Reports, slot: usize) -> &mut Names {
    match slot {
        0 => &mut r.dict.cities,
        1 => &mut r.dict.hosts,
        _ => &mut r.dict.partners,
    }
}

/// Each report's name ids of column `slot`, as lists (a city is a list of at most one).
fn ids_of(r: &Reports, slot: usize, i: usize) -> &[u32] {
    match slot {
        0 if r.city[i] == NONE => &[],
        0 => std::slice::from_ref(&r.city[i]),
        1 => r.host_institutions.get(i),
        _ => r.chinese_partners.get(i),
    }
}

/// Matches the unknown names and rewrites the reports where a match is accepted or
/// decided; returns every match, candidates included.
pub fn resolve(r: &mut Reports, unknown: &Unknown, known: &Known, decisions: &Decisions) -> Vec<NameMatch> {
    if unknown.is_empty() {
        return Vec::new();
    }
    let matches = match_unknowns(unknown, known, decisions);
    // (column, country id, name id) → the id of the name it becomes
    let mut rename: BTreeMap<(usize, u32, u32), u32> = BTreeMap::new();
    for m in matches.iter().filter(|m| m.outcome != "candidate") {
        let slot = NAME_FIELDS.iter().position(|f| *f == m.field).expect("a name column");
        let Some(country) = r.dict.countries.iter().position(|c| *c.code == *m.country) else {
            continue;
        };
        let dict = dict_mut(r, slot);
        let (Some(from), to) = (dict.get(&m.name), dict.id(&m.candidate)) else {
            continue;
        };
        rename.insert((slot, country as u32, from), to);
    }
    if rename.is_empty() {
        return matches;
    }
    let renamed = |slot: usize, country: u32, id: u32| rename.get(&(slot, country, id)).copied().unwrap_or(id);
    for i in 0..r.len() {
        if r.city[i] != NONE {
            r.city[i] = renamed(0, r.country[i], r.city[i]);
        }
    }
    for slot in [1, 2] {
        let mut lists = IdLists::new();
        let mut ids: Vec<u32> = Vec::new();
        for i in 0..r.len() {
            ids.clear();
            for &id in ids_of(r, slot, i) {
                let to = renamed(slot, r.country[i], id);
                if !ids.contains(&to) {
                    ids.push(to);
                }
            }
            lists.push(&ids);
        }
        match slot {
            1 => r.host_institutions = lists,
            _ => r.chinese_partners = lists,
        }
    }
    matches
}
