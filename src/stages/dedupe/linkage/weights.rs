//! The weight of each level of each feature, estimated from the data as Splink does:
//! `m` = how often the level is seen between two things known to be the same workshop,
//! `u` = how often between two known to be different, and the weight is log2(m / u) (in
//! bits: +1 doubles the odds that two are the same).
//!
//! - Names: pairs the alias table says are one institution (each spelling that the table
//!   must map, against the institution's other names) and pairs of different
//!   institutions (each name of one against all names of another: the table's canonical
//!   names, and the hosts of the workshops in the data). Name evidence does not depend
//!   on the country, so every pair counts.
//! - The other features: each report of a host-keyed workshop (its reports share a host
//!   key, so they are one workshop) against the rest of its workshop (`m`), and against
//!   every other workshop of its country (`u`: the comparisons linkage makes are within
//!   a country, where cities and partners are far more often shared than across
//!   countries).
//!
//! An agreement (same city, a partner in common …) never weighs against, and a
//! disagreement never for: where few pairs say otherwise, the weight is 0.
//!
//! Counts are smoothed with half a pair per level (Jeffreys' prior), so a level never
//! seen weighs by how many pairs did not show it. The name levels from "same name" down
//! to "only common words in common" are a ladder, strongest first, so their weights must
//! not rise down it: where a level's few pairs make it weigh more than a stronger one,
//! the two are pooled and weigh alike (pool-adjacent-violators, isotonic regression).
//! With a few dozen alias pairs spread over eight levels, one pair more or less (a
//! spelling held out) otherwise swings a level by several bits: "similar" weighed 4.8
//! bits with three pairs and 1.3 with none. "Other script" and "different" are not on
//! the ladder: they are estimated as they are. A feature seen in fewer than
//! [`MIN_PAIRS`] pairs of either kind weighs nothing: so few pairs say nothing reliable
//! (in the committed data, only the main report of a workshop gives its specialties and
//! workshop name, so no two reports of one workshop can be compared on them). A missing
//! feature (one side does not say) weighs nothing.
//!
//! At scale the pairs are a sample: at most [`MAX_PAIRS`] of each kind, taken from
//! workshops in the order of a hash of their identity (deterministic, and independent of
//! the input order).

use ahash::AHashMap;

use super::profile::{compare, Comparison, Feature, Profile};
use super::{Context, Unit};
use crate::names::compare::{compare_names, numbers_differ, Corpus, NameForm, NameLevel};

/// At most this many pairs of each kind (same / different workshops; names / other
/// features) are compared to estimate the weights.
pub const MAX_PAIRS: usize = 20_000;

/// Each workshop is compared with at most this many others of its country for `u`.
const MAX_OTHERS: usize = 8;

/// Smoothing: pseudo-pairs added to every level.
const PRIOR: f64 = 0.5;

/// A feature needs at least this many pairs of each kind to weigh anything.
pub const MIN_PAIRS: u64 = 10;

/// Counts of levels among pairs of the same (`m`) and of different (`u`) workshops.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// by feature, by level
    m: Vec<Vec<u64>>,
    u: Vec<Vec<u64>>,
}

impl Tally {
    pub fn new() -> Tally {
        let zero = || Feature::ALL.iter().map(|f| vec![0; f.levels().len()]).collect();
        Tally { m: zero(), u: zero() }
    }

    /// Counts the levels of `features` of one pair.
    pub fn count(&mut self, same: bool, c: &Comparison, features: &[Feature]) {
        let counts = if same { &mut self.m } else { &mut self.u };
        for &f in features {
            if let Some(level) = c.level(f) {
                counts[f as usize][level] += 1;
            }
        }
    }

    /// Counts one name comparison at `level`.
    pub fn count_name(&mut self, same: bool, level: usize) {
        let counts = if same { &mut self.m } else { &mut self.u };
        counts[Feature::Name as usize][level] += 1;
    }

    /// How many pairs of each kind were counted for `feature`.
    pub fn pairs(&self, feature: Feature) -> (u64, u64) {
        let f = feature as usize;
        (self.m[f].iter().sum(), self.u[f].iter().sum())
    }
}

/// One estimated weight, with what it was estimated from.
#[derive(Debug, Clone, PartialEq)]
pub struct Weight {
    pub feature: Feature,
    pub level: usize,
    pub m_pairs: u64,
    pub u_pairs: u64,
    pub m: f64,
    pub u: f64,
    /// log2(m / u)
    pub bits: f64,
}

/// The weights of every level of every feature.
#[derive(Debug, Clone)]
pub struct Weights {
    pub rows: Vec<Weight>,
}

impl Weights {
    /// Estimates the weights from counted pairs (see the module doc).
    pub fn estimate(t: &Tally) -> Weights {
        let mut rows = Vec::new();
        for f in Feature::ALL {
            let i = f as usize;
            let levels = f.levels().len() as f64;
            let (mn, un) = t.pairs(f);
            for level in 0..f.levels().len() {
                let m = (t.m[i][level] as f64 + PRIOR) / (mn as f64 + PRIOR * levels);
                let u = (t.u[i][level] as f64 + PRIOR) / (un as f64 + PRIOR * levels);
                let enough = mn >= MIN_PAIRS && un >= MIN_PAIRS;
                rows.push(Weight {
                    feature: f,
                    level,
                    m_pairs: t.m[i][level],
                    u_pairs: t.u[i][level],
                    m,
                    u,
                    bits: if !enough {
                        0.0
                    } else if f == Feature::Name {
                        (m / u).log2()
                    } else if level == 0 {
                        // an agreement is never evidence against, a disagreement never for
                        (m / u).log2().max(0.0)
                    } else {
                        (m / u).log2().min(0.0)
                    },
                });
            }
        }
        let mut w = Weights { rows };
        let (mn, un) = t.pairs(Feature::Name);
        if mn >= MIN_PAIRS && un >= MIN_PAIRS {
            w.make_monotone(Feature::Name, NameLevel::Common as usize);
        }
        w
    }

    /// Pools the levels `0..=last` of `feature` where a weaker level would weigh more
    /// than a stronger one (see the module doc): each pooled block weighs by its counts
    /// together.
    fn make_monotone(&mut self, feature: Feature, last: usize) {
        let rows: Vec<usize> = (0..=last)
            .filter_map(|l| self.rows.iter().position(|w| w.feature == feature && w.level == l))
            .collect();
        // blocks of levels: (first row index in `rows`, count, m mass, u mass)
        let mut blocks: Vec<(usize, usize, f64, f64)> = Vec::new();
        for (at, &r) in rows.iter().enumerate() {
            blocks.push((at, 1, self.rows[r].m, self.rows[r].u));
            while blocks.len() >= 2 {
                let (b, a) = (blocks[blocks.len() - 1], blocks[blocks.len() - 2]);
                // the ratio of the blocks' average m and u: a weaker block above a stronger
                if b.2 / b.3 <= a.2 / a.3 {
                    break;
                }
                blocks.pop();
                let top = blocks.last_mut().expect("two blocks");
                *top = (a.0, a.1 + b.1, a.2 + b.2, a.3 + b.3);
            }
        }
        for (start, len, m, u) in blocks {
            for &r in &rows[start..start + len] {
                self.rows[r].bits = (m / u).log2();
            }
        }
    }

    /// The weight of `level` of `feature`, in bits.
    pub fn bits(&self, feature: Feature, level: usize) -> f64 {
        self.rows
            .iter()
            .find(|w| w.feature == feature && w.level == level)
            .map_or(0.0, |w| w.bits)
    }
}

/// The features other than the name.
const OTHERS: [Feature; 5] = [
    Feature::City,
    Feature::Partners,
    Feature::Opened,
    Feature::Specialties,
    Feature::WorkshopName,
];

/// The best level at which a name of `a` compares with a name of `b`; None when two
/// carry different numbers (such pairs are never compared).
fn name_level(a: &[NameForm], b: &[NameForm], corpus: &Corpus) -> Option<usize> {
    let mut best = None;
    for x in a {
        for y in b {
            if numbers_differ(x, y) {
                return None;
            }
            let l = compare_names(x, y, corpus).level as usize;
            best = Some(best.map_or(l, |b: usize| b.min(l)));
        }
    }
    best
}

/// Estimates the weights (see the module doc): names from the alias table's groups
/// (`groups`, canonical first) and the `sample` of units; the other features from the
/// reports of the units of each country (`countries`, in rank order).
pub fn estimate(
    cx: &Context,
    units: &[Unit],
    countries: &[Vec<usize>],
    groups: &[Vec<NameForm>],
    sample: &[usize],
    profiles: &AHashMap<usize, Profile>,
    corpus: &Corpus,
) -> Weights {
    let mut t = Tally::new();
    // names of one institution: each spelling the table maps, against the canonical
    for forms in groups {
        for alias in &forms[1..] {
            if let Some(l) = name_level(std::slice::from_ref(alias), &forms[..1], corpus) {
                t.count_name(true, l);
            }
        }
    }
    // names of different institutions: the table's institutions and the sampled units
    let names: Vec<&[NameForm]> = groups
        .iter()
        .map(Vec::as_slice)
        .chain(sample.iter().map(|k| profiles[k].names.as_slice()))
        .collect();
    let mut pairs = 0;
    'names: for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            if let Some(l) = name_level(a, b, corpus) {
                t.count_name(false, l);
                pairs += 1;
                if pairs >= MAX_PAIRS {
                    break 'names;
                }
            }
        }
    }
    // the other features: a report against the rest of its workshop, and against the
    // next workshop of its country
    let (mut same, mut different) = (0, 0);
    for ranked in countries {
        for (at, &k) in ranked.iter().enumerate() {
            let members = units[k].members;
            if same < MAX_PAIRS && members.len() >= 2 {
                for (j, &i) in members.iter().enumerate() {
                    let rest: Vec<u32> = members
                        .iter()
                        .enumerate()
                        .filter(|(x, _)| *x != j)
                        .map(|(_, &m)| m)
                        .collect();
                    let c = compare(&Profile::of(cx, &[i], None), &Profile::of(cx, &rest, None), corpus);
                    t.count(true, &c, &OTHERS);
                    same += 1;
                }
            }
            for &other in ranked[at + 1..].iter().take(MAX_OTHERS) {
                if different >= MAX_PAIRS {
                    break;
                }
                for (a, b) in [(k, other), (other, k)] {
                    let c = compare(
                        &Profile::of(cx, &units[a].members[..1], None),
                        &Profile::of(cx, units[b].members, None),
                        corpus,
                    );
                    t.count(false, &c, &OTHERS);
                    different += 1;
                }
            }
            if same >= MAX_PAIRS && different >= MAX_PAIRS {
                break;
            }
        }
    }
    Weights::estimate(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comparison(city: Option<usize>) -> Comparison {
        let mut levels = [None; 6];
        levels[Feature::City as usize] = city;
        Comparison {
            levels,
            names: None,
            numbers_differ: false,
        }
    }

    /// A level seen far more among the same than among different workshops weighs for,
    /// the other against; missing features are not counted; no pairs, no weight.
    #[test]
    fn weights_are_log_ratios_of_smoothed_frequencies() {
        let mut t = Tally::new();
        for _ in 0..9 {
            t.count(true, &comparison(Some(0)), &Feature::ALL);
        }
        t.count(true, &comparison(Some(1)), &Feature::ALL);
        t.count(true, &comparison(None), &Feature::ALL);
        for _ in 0..3 {
            t.count(false, &comparison(Some(0)), &Feature::ALL);
        }
        for _ in 0..7 {
            t.count(false, &comparison(Some(1)), &Feature::ALL);
        }
        let w = Weights::estimate(&t);
        assert_eq!(t.pairs(Feature::City), (10, 10));
        let same_city = w.bits(Feature::City, 0);
        let want: f64 = ((9.5 / 11.0) / (3.5 / 11.0_f64)).log2();
        assert!((same_city - want).abs() < 1e-12, "{same_city} vs {want}");
        assert!(w.bits(Feature::City, 1) < -2.0);
        assert_eq!(w.bits(Feature::Partners, 0), 0.0, "no pairs: no evidence");
        // fewer than MIN_PAIRS of one kind: no evidence either
        let mut few = Tally::new();
        for _ in 0..MIN_PAIRS {
            few.count(true, &comparison(Some(0)), &Feature::ALL);
        }
        for _ in 1..MIN_PAIRS {
            few.count(false, &comparison(Some(1)), &Feature::ALL);
        }
        assert_eq!(Weights::estimate(&few).bits(Feature::City, 0), 0.0);
    }

    /// Down the name ladder weights never rise: a weaker level seen in few pairs is
    /// pooled with the stronger one above it; off the ladder they are as estimated.
    #[test]
    fn name_weights_do_not_rise_down_the_ladder() {
        let mut t = Tally::new();
        let mut pairs = |same: bool, level: NameLevel, n: usize| {
            for _ in 0..n {
                t.count_name(same, level as usize);
            }
        };
        pairs(true, NameLevel::Same, 20);
        pairs(true, NameLevel::Mid, 0);
        pairs(false, NameLevel::Mid, 2);
        pairs(true, NameLevel::Low, 6);
        pairs(false, NameLevel::Low, 1);
        pairs(true, NameLevel::OtherScript, 1);
        pairs(false, NameLevel::OtherScript, 200);
        pairs(true, NameLevel::Different, 3);
        pairs(false, NameLevel::Different, 100);
        let w = Weights::estimate(&t);
        let bits = |l: NameLevel| w.bits(Feature::Name, l as usize);
        for pair in NameLevel::ALL[..=NameLevel::Common as usize].windows(2) {
            assert!(bits(pair[0]) >= bits(pair[1]), "{pair:?}: {w:?}");
        }
        assert_eq!(bits(NameLevel::Mid), bits(NameLevel::Low), "pooled");
        assert!(bits(NameLevel::Low) > 0.0 && bits(NameLevel::Same) > bits(NameLevel::Low));
        // the raw estimates: other script weighs less than different here, and stays so
        assert!(bits(NameLevel::OtherScript) < bits(NameLevel::Different));
    }
}
