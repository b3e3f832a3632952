//! What a workshop (or one report) says, for comparing it with another: its names as
//! [`NameForm`]s, and the key ids of its cities, partners and specialties, its opening
//! dates and its workshop names. Comparing two profiles gives each [`Feature`] a level
//! (or none when one side does not say).

use super::Context;
use crate::names::compare::{compare_names, numbers_differ, Corpus, NameForm, NameLevel, NameMatch, Places};
use crate::names::key::name_key;

/// The evidence linkage weighs. Names have the [`NameLevel`]s; the others agree or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feature {
    Name,
    City,
    Partners,
    Opened,
    Specialties,
    WorkshopName,
}

impl Feature {
    pub const ALL: [Feature; 6] = [
        Feature::Name,
        Feature::City,
        Feature::Partners,
        Feature::Opened,
        Feature::Specialties,
        Feature::WorkshopName,
    ];

    /// The labels of the feature's levels, by level.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Feature::Name => &NameLevel::LABELS,
            Feature::City => &["same city", "another city"],
            Feature::Partners => &["a partner in common", "no partner in common"],
            Feature::Opened => &["same opening date", "another opening date"],
            Feature::Specialties => &["a specialty in common", "no specialty in common"],
            Feature::WorkshopName => &["same workshop name", "another workshop name"],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Feature::Name => "name",
            Feature::City => "city",
            Feature::Partners => "partners",
            Feature::Opened => "opening date",
            Feature::Specialties => "specialties",
            Feature::WorkshopName => "workshop name",
        }
    }
}

/// What one workshop or report says (each list sorted, each value once).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// its host names (empty for a report compared on the other features only)
    pub names: Vec<NameForm>,
    pub cities: Vec<u32>,
    pub partners: Vec<u32>,
    pub opened: Vec<crate::partial_date::PartialDate>,
    pub specialties: Vec<u32>,
    pub workshop_names: Vec<String>,
}

/// Names and lists of the reports `members`, each value once.
fn sorted<T: Ord>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = items.collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl Profile {
    /// The profile of reports `members`: with their host names (and, for a host the
    /// alias table knows, its other spellings there, `aliases` by canonical key) when
    /// `places` is given.
    pub fn of(cx: &Context, members: &[u32], names: Option<(&Places, &Aliases)>) -> Profile {
        let (r, keys) = (cx.r, cx.keys);
        let m = || members.iter().map(|&i| i as usize);
        let mut p = Profile {
            cities: sorted(m().filter_map(|i| keys.city_of(r, i))),
            partners: sorted(m().flat_map(|i| keys.partners_of(r, i))),
            opened: {
                let mut v: Vec<_> = m().filter_map(|i| r.opened_on[i]).collect();
                v.sort_by_key(|d| d.sort_key());
                v.dedup();
                v
            },
            specialties: sorted(m().flat_map(|i| r.specialties.get(i).iter().copied())),
            workshop_names: sorted(m().filter_map(|i| r.workshop_name.get(i).map(name_key))),
            names: Vec::new(),
        };
        if let Some((places, aliases)) = names {
            let hosts = sorted(m().flat_map(|i| r.host_institutions.get(i).iter().copied()));
            let mut texts: Vec<&str> = Vec::new();
            for h in hosts {
                texts.push(r.dict.hosts.text(h));
                if let Some(more) = aliases.get(keys.host_text(h)) {
                    texts.extend(more.iter().map(String::as_str));
                }
            }
            texts.sort_unstable();
            texts.dedup();
            p.names = texts.into_iter().map(|t| NameForm::of(t, places)).collect();
        }
        p
    }
}

/// The alias table's other spellings of each canonical name, by its key.
pub type Aliases = ahash::AHashMap<String, Vec<String>>;

/// Two profiles compared: the level of each feature (by [`Feature`] index), and the
/// names that compared best.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub levels: [Option<usize>; 6],
    /// the best name comparison: (query name, other name, how they compare)
    pub names: Option<(usize, usize, NameMatch)>,
    /// two names carry different numbers ("No. 1" / "No. 2"): never one institution
    pub numbers_differ: bool,
}

impl Comparison {
    pub fn level(&self, f: Feature) -> Option<usize> {
        self.levels[f as usize]
    }
}

/// Whether two sorted lists share a value: `None` when either is empty.
fn overlap<T: Ord>(a: &[T], b: &[T]) -> Option<usize> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let shared = a.iter().any(|x| b.binary_search(x).is_ok());
    Some(if shared { 0 } else { 1 })
}

/// Compares profile `q` with profile `c`.
pub fn compare(q: &Profile, c: &Profile, corpus: &Corpus) -> Comparison {
    let mut levels = [None; 6];
    let mut best: Option<(usize, usize, NameMatch)> = None;
    let mut numbers = false;
    for (i, a) in q.names.iter().enumerate() {
        for (j, b) in c.names.iter().enumerate() {
            numbers |= numbers_differ(a, b);
            let m = compare_names(a, b, corpus);
            let better = best
                .as_ref()
                .is_none_or(|(_, _, x)| (m.level, -m.similarity) < (x.level, -x.similarity));
            if better {
                best = Some((i, j, m));
            }
        }
    }
    levels[Feature::Name as usize] = best.as_ref().map(|(_, _, m)| m.level as usize);
    levels[Feature::City as usize] = overlap(&q.cities, &c.cities);
    levels[Feature::Partners as usize] = overlap(&q.partners, &c.partners);
    levels[Feature::Opened as usize] = if q.opened.is_empty() || c.opened.is_empty() {
        None
    } else {
        let agree = q.opened.iter().any(|a| c.opened.iter().any(|b| a.agrees_with(b)));
        Some(if agree { 0 } else { 1 })
    };
    levels[Feature::Specialties as usize] = overlap(&q.specialties, &c.specialties);
    levels[Feature::WorkshopName as usize] = overlap(&q.workshop_names, &c.workshop_names);
    Comparison {
        levels,
        names: best,
        numbers_differ: numbers,
    }
}
