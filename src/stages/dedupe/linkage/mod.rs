//! Record linkage: is a workshop whose host no alias table knows one the dataset already
//! has under another name ("Machakos Universty", "ASU", "马查科斯大学")?
//!
//! Dedupe first joins the reports of a country that name the same host (by key): each
//! such group is a [`Unit`]. The units of a country are ranked by how well established
//! they are: an alias table knows its host, then more reports, then the earlier source
//! date, then the identity. Each unit whose hosts no alias table knows is compared with
//! the units ranked before it, on every piece of evidence the reports give ([`profile`]):
//! the names (every spelling its reports use, and the alias table's spellings of a
//! canonical; see `names::compare`; Chinese ones read with the places `raw/` knows,
//! [`places`]), city, Chinese partners, opening date (agreement at
//! the shared precision), specialties and workshop name. Each feature's level adds its
//! weight, estimated from the data ([`weights`]), to the log-odds that the two are one
//! workshop (Fellegi–Sunter).
//!
//! With a prior that gives the unit the same chance of being a new workshop as of being
//! any one of the `n` workshops compared, the probability that it is workshop `c` is
//! `2^bits(c) / (1 + Σ 2^bits(j))`. Then:
//! - at least [`MERGE`] for one workshop and the names themselves agree (near-identical,
//!   an acronym, contained, or a distinctive word in common, and not two kinds of
//!   institution): **linked**, merged into it and reported. City, partner and date alone
//!   never merge: they are also what two institutions of one city share;
//! - at least [`FLAG`] for some workshop, whose name agrees or which something besides
//!   the names (city, a partner, the date …) weighs for: **probable duplicate**, set aside for a person
//!   to decide (exit 1), naming each such workshop with the evidence for and against;
//! - else a **new** workshop.
//!
//! A `different` decision in `raw/decisions.csv` (field `institution` on the two host
//! names, or `workshop` on the two ids) removes the pair; names that carry different
//! numbers ("No. 1" / "No. 2") are never one institution.
//!
//! **Blocking.** In a country of at most [`FULL_BLOCK`] units every such pair is
//! compared; in larger ones only units that share a name token, or whose acronym is the
//! other's initials, and a token that more than [`MAX_BLOCK`] units share finds none. At
//! a million generated reports, where no host is known, that is a few pairs a unit.

mod places;
mod profile;
mod weights;

use std::collections::BTreeSet;

use ahash::AHashMap;
use rayon::prelude::*;

use super::ids::both_ids;
use super::keys::Keys;
use crate::model::Reports;
use crate::names::aliases::AliasTable;
use crate::names::compare::{Corpus, NameForm, NameLevel};
use crate::names::key::name_key;
use crate::names::matcher::{Decisions, Field};
pub use places::PlaceNames;
pub use profile::{Comparison, Feature, Profile};
pub use weights::{Weight, Weights};

/// At least this probability for one workshop, with agreeing names: linked.
pub const MERGE: f64 = 0.95;
/// At least this probability for some workshop: a person must decide.
pub const FLAG: f64 = 0.05;
/// Countries with at most this many units compare every pair.
pub const FULL_BLOCK: usize = 64;
/// A blocking key shared by more units than this finds no candidates.
pub const MAX_BLOCK: usize = 16;
/// At most this many institutions are sampled for the name weights' `u`.
const NAME_SAMPLE: usize = 200;

/// A host-keyed workshop-to-be: its reports and the identity its id is made from.
#[derive(Debug, Clone, Copy)]
pub struct Unit<'a> {
    pub members: &'a [u32],
    pub identity: &'a str,
}

/// One candidate workshop for a unit, scored.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// the unit it is (index among the units given)
    pub target: usize,
    pub probability: f64,
    pub bits: f64,
    /// "for: …; against: …"
    pub evidence: String,
    /// the unit's host name and the candidate's name that compared best
    pub name: String,
    pub matched: String,
    pub names_agree: bool,
    /// the names agree, or something besides the names weighs for it
    pub support: bool,
}

/// What linkage decided for one unit.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// known, or no existing workshop is plausible
    Keep,
    /// merged into the one plausible workshop
    Linked(Scored),
    /// set aside: every plausible workshop, most probable first
    Probable(Vec<Scored>),
}

/// What linkage needs besides the reports.
pub struct Context<'a> {
    pub r: &'a Reports,
    pub(in crate::stages::dedupe) keys: &'a Keys,
    pub aliases: &'a AliasTable,
    pub places: &'a PlaceNames,
}

/// Links the units (of any countries; see the module doc): an outcome per unit, and the
/// weights used (none when no pair needed comparing).
pub fn link(cx: &Context, decisions: &Decisions, units: &[Unit]) -> (Vec<Outcome>, Option<Weights>) {
    let mut outcomes = vec![Outcome::Keep; units.len()];
    let (unit_keys, known) = host_keys(cx, units);
    if known.iter().all(|&k| k) {
        return (outcomes, None);
    }
    let countries = ranked_countries(cx.r, units, &known);
    // the pairs to compare: (unit, the units ranked before it that it may be)
    let pairs: Vec<Vec<(usize, Vec<usize>)>> = countries
        .par_iter()
        .map(|c| candidate_pairs(cx, &unit_keys, &known, c))
        .collect();
    if pairs.iter().all(Vec::is_empty) {
        return (outcomes, None);
    }
    let sample = name_sample(&known, &countries);
    let ev = Evidence::of(cx, units, &known, &pairs, &sample);
    let weights = weights::estimate(
        cx,
        units,
        &countries,
        &ev.group_forms,
        &sample,
        &ev.profiles,
        &ev.corpus,
    );
    for pairs in &pairs {
        decide_country(cx, decisions, units, pairs, &ev, &weights, &mut outcomes);
    }
    (outcomes, Some(weights))
}

/// The host keys of each unit (most units have one), and whether the alias table knows
/// any of them (computed once per key).
fn host_keys(cx: &Context, units: &[Unit]) -> (Vec<Vec<u32>>, Vec<bool>) {
    let unit_keys: Vec<Vec<u32>> = units
        .par_iter()
        .map(|u| {
            let mut ks: Vec<u32> = u
                .members
                .iter()
                .flat_map(|&i| {
                    cx.r.host_institutions
                        .get(i as usize)
                        .iter()
                        .map(|&h| cx.keys.host_key(h))
                })
                .collect();
            ks.sort_unstable();
            ks.dedup();
            ks
        })
        .collect();
    let known_key: Vec<bool> = (0..cx.keys.len() as u32)
        .into_par_iter()
        .map(|k| cx.aliases.canonical_of_key(cx.keys.text(k)).is_some())
        .collect();
    let known = unit_keys
        .iter()
        .map(|ks| ks.iter().any(|&k| known_key[k as usize]))
        .collect();
    (unit_keys, known)
}

/// The units of each country, most established first: known to the alias table, then
/// more reports, then the earlier source date, then the identity.
fn ranked_countries(r: &Reports, units: &[Unit], known: &[bool]) -> Vec<Vec<usize>> {
    let mut by_country: AHashMap<u32, Vec<usize>> = AHashMap::new();
    for (k, u) in units.iter().enumerate() {
        by_country.entry(r.country[u.members[0] as usize]).or_default().push(k);
    }
    let mut countries: Vec<Vec<usize>> = by_country.into_values().collect();
    countries.sort_unstable();
    let rank_key = |k: usize| {
        let u = &units[k];
        let earliest = u
            .members
            .iter()
            .filter_map(|&i| r.source_date[i as usize])
            .map(|d| d.sort_key())
            .min();
        (
            !known[k],
            std::cmp::Reverse(u.members.len()),
            earliest.is_none(),
            earliest,
            u.identity,
        )
    };
    countries
        .par_iter_mut()
        .for_each(|c| c.sort_by_cached_key(|&k| rank_key(k)));
    countries
}

/// What the comparisons read: the profile of each unit compared or sampled, the forms of
/// the alias table's names by institution (canonical first), and how rare each name
/// token is among them.
struct Evidence {
    profiles: AHashMap<usize, Profile>,
    group_forms: Vec<Vec<NameForm>>,
    corpus: Corpus,
}

impl Evidence {
    fn of(
        cx: &Context,
        units: &[Unit],
        known: &[bool],
        pairs: &[Vec<(usize, Vec<usize>)>],
        sample: &[usize],
    ) -> Evidence {
        let places = cx.places.places(cx.r);
        let groups = cx.aliases.groups();
        let mut needed: BTreeSet<usize> = BTreeSet::new();
        for (q, cs) in pairs.iter().flatten() {
            needed.insert(*q);
            needed.extend(cs);
        }
        needed.extend(sample);
        let needed: Vec<usize> = needed.into_iter().collect();
        let aliases: profile::Aliases = groups
            .iter()
            .map(|(c, more)| (name_key(c), more.iter().map(|a| a.to_string()).collect()))
            .collect();
        let profiles: AHashMap<usize, Profile> = needed
            .par_iter()
            .map(|&k| (k, Profile::of(cx, units[k].members, Some((&places, &aliases)))))
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        let group_forms: Vec<Vec<NameForm>> = groups
            .iter()
            .map(|(c, aliases)| {
                std::iter::once(c)
                    .chain(aliases)
                    .map(|n| NameForm::of(n, &places))
                    .collect()
            })
            .collect();
        let mut corpus = Corpus::default();
        for forms in &group_forms {
            corpus.add(forms);
        }
        for &k in &needed {
            if !known[k] {
                corpus.add(&profiles[&k].names);
            }
        }
        Evidence {
            profiles,
            group_forms,
            corpus,
        }
    }
}

/// For each unknown unit of a country (`ranked`, most established first), the units
/// ranked before it that blocking lets it be compared with (see the module doc).
fn candidate_pairs(cx: &Context, unit_keys: &[Vec<u32>], known: &[bool], ranked: &[usize]) -> Vec<(usize, Vec<usize>)> {
    let unknown = ranked.iter().enumerate().filter(|(_, &k)| !known[k]);
    if ranked.len() <= FULL_BLOCK {
        return unknown
            .filter(|(at, _)| *at > 0)
            .map(|(at, &k)| (k, ranked[..at].to_vec()))
            .collect();
    }
    // blocking keys: the tokens of the host keys, and their initials (for acronyms),
    // each as a hash (fixed seeds: the same on every run; a collision only adds a pair
    // to compare), with the position of the unit in rank order
    let hasher = ahash::RandomState::with_seeds(1, 2, 3, 4);
    let mut entries: Vec<(u64, u32)> = Vec::new();
    for (at, &k) in ranked.iter().enumerate() {
        let start = entries.len();
        for &key in &unit_keys[k] {
            let key = cx.keys.text(key);
            entries.extend(key.split(' ').map(|t| (hasher.hash_one(t), at as u32)));
            let words = || key.split(' ').filter(|w| !w.bytes().any(|b| b.is_ascii_digit()));
            if words().nth(1).is_some() {
                let initials: String = words().filter_map(|w| w.chars().next()).collect();
                entries.push((hasher.hash_one(initials.as_str()), at as u32));
            }
        }
        entries[start..].sort_unstable();
        let mut seen = start;
        for e in start..entries.len() {
            if e == start || entries[e] != entries[seen - 1] {
                entries[seen] = entries[e];
                seen += 1;
            }
        }
        entries.truncate(seen);
    }
    entries.sort_unstable();
    // for each unknown unit: the units before it sharing a key that at most MAX_BLOCK share
    let mut found: Vec<Vec<u32>> = vec![Vec::new(); ranked.len()];
    for block in entries.chunk_by(|a, b| a.0 == b.0) {
        if block.len() > MAX_BLOCK {
            continue;
        }
        for (x, &(_, at)) in block.iter().enumerate() {
            if !known[ranked[at as usize]] {
                found[at as usize].extend(block[..x].iter().map(|&(_, b)| b));
            }
        }
    }
    found
        .into_iter()
        .enumerate()
        .filter(|(_, f)| !f.is_empty())
        .map(|(at, mut f)| {
            f.sort_unstable();
            f.dedup();
            (ranked[at], f.into_iter().map(|b| ranked[b as usize]).collect())
        })
        .collect()
}

/// Units whose names estimate the name weights' `u` (pairs of different institutions):
/// up to [`NAME_SAMPLE`], the unknown ones of every country in turn, in rank order.
fn name_sample(known: &[bool], countries: &[Vec<usize>]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while out.len() < NAME_SAMPLE {
        let mut any = false;
        for c in countries {
            if let Some(&k) = c.iter().filter(|&&k| !known[k]).nth(at) {
                out.push(k);
                any = true;
            }
        }
        if !any {
            break;
        }
        at += 1;
    }
    out.truncate(NAME_SAMPLE);
    out
}

/// Whether a maintainer decided that two units are different workshops.
fn decided_different(cx: &Context, decisions: &Decisions, a: &Unit, b: &Unit) -> bool {
    let code = |u: &Unit| cx.r.country_of(u.members[0] as usize).code.to_string();
    let ids = |u: &Unit| both_ids(&code(u), u.identity).map(|id| name_key(&id));
    for x in ids(a) {
        for y in ids(b) {
            if decisions.get_by_keys(Field::Workshop, &x, &y) == Some(false) {
                return true;
            }
        }
    }
    let hosts = |u: &Unit| -> BTreeSet<u32> {
        u.members
            .iter()
            .flat_map(|&i| cx.r.host_institutions.get(i as usize).iter().copied())
            .collect()
    };
    let (ha, hb) = (hosts(a), hosts(b));
    ha.iter().any(|&x| {
        hb.iter().any(|&y| {
            decisions.get_by_keys(Field::Institution, cx.keys.host_text(x), cx.keys.host_text(y)) == Some(false)
        })
    })
}

/// Decides the units of one country in rank order: a unit is compared with the units
/// before it that stay workshops of their own (a linked one stands for its workshop).
fn decide_country(
    cx: &Context,
    decisions: &Decisions,
    units: &[Unit],
    pairs: &[(usize, Vec<usize>)],
    ev: &Evidence,
    weights: &Weights,
    outcomes: &mut [Outcome],
) {
    let (profiles, corpus) = (&ev.profiles, &ev.corpus);
    for (q, candidates) in pairs {
        let mut scored: Vec<Scored> = Vec::new();
        for &c in candidates {
            // a unit set aside is no workshop; a linked one stands for its target
            let target = match &outcomes[c] {
                Outcome::Probable(_) => continue,
                Outcome::Linked(s) => s.target,
                Outcome::Keep => c,
            };
            if decided_different(cx, decisions, &units[*q], &units[c])
                || decided_different(cx, decisions, &units[*q], &units[target])
            {
                continue;
            }
            let cmp = profile::compare(&profiles[q], &profiles[&c], corpus);
            if cmp.numbers_differ {
                continue;
            }
            let s = score(&profiles[q], &profiles[&c], &cmp, weights, target);
            match scored.iter_mut().find(|x| x.target == target) {
                Some(x) if x.bits >= s.bits => {}
                Some(x) => *x = s,
                None => scored.push(s),
            }
        }
        let total: f64 = 1.0 + scored.iter().map(|s| s.bits.exp2()).sum::<f64>();
        for s in &mut scored {
            s.probability = s.bits.exp2() / total;
        }
        scored.retain(|s| s.probability >= FLAG && s.support);
        scored.sort_by(|a, b| b.probability.total_cmp(&a.probability).then(a.target.cmp(&b.target)));
        outcomes[*q] = match scored.len() {
            0 => Outcome::Keep,
            1 if scored[0].probability >= MERGE && scored[0].names_agree => Outcome::Linked(scored.remove(0)),
            _ => Outcome::Probable(scored),
        };
    }
}

/// The score of a comparison: its weights summed, with the evidence as text.
fn score(q: &Profile, c: &Profile, cmp: &Comparison, weights: &Weights, target: usize) -> Scored {
    let mut items: Vec<(f64, String)> = Vec::new();
    let (mut name, mut matched, mut agree) = (String::new(), String::new(), false);
    for f in Feature::ALL {
        let Some(level) = cmp.level(f) else { continue };
        let bits = weights.bits(f, level);
        let label = f.levels()[level];
        let detail = match (&cmp.names, f) {
            (Some((i, j, m)), Feature::Name) => {
                name = q.names[*i].text.clone();
                matched = c.names[*j].text.clone();
                agree = m.agrees();
                format!("name {label} (`{name}` ~ `{matched}`)")
            }
            _ => label.to_string(),
        };
        items.push((bits, detail));
    }
    let bits = items.iter().map(|(b, _)| b).sum();
    let side = |pro: bool| {
        let mut v: Vec<&(f64, String)> = items.iter().filter(|(b, _)| (*b > 0.0) == pro && *b != 0.0).collect();
        v.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()).then(a.1.cmp(&b.1)));
        let t: Vec<String> = v.iter().map(|(b, d)| format!("{d} {b:+.1}")).collect();
        if t.is_empty() {
            "nothing".to_string()
        } else {
            t.join(", ")
        }
    };
    Scored {
        target,
        probability: 0.0,
        bits,
        evidence: format!("for: {}; against: {}", side(true), side(false)),
        name,
        matched,
        support: agree || items.iter().any(|(b, d)| *b > 0.0 && !d.starts_with("name ")),
        names_agree: agree && cmp.level(Feature::Name).is_some_and(|l| l <= NameLevel::Low as usize),
    }
}
