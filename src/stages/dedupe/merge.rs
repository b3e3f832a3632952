//! The field policy: how one workshop's fields are made from its reports.
//!
//! - `workshop_name`: the name most reports give, then the shortest, then alphabetical;
//!   with none given, `<country> Luban Workshop (<host or city>)`, or without the
//!   brackets when the reports give neither.
//! - `city`, `organiser_province`, `kind`: the value most reports give (ties:
//!   alphabetical); the others are listed in `conflicts` with their sources. A workshop
//!   no report gives a kind for is a `workshop`.
//! - `opened_on`: dates that agree at the coarser precision are one value, the most
//!   precise winning (2017-12 and 2017-12-08 → 2017-12-08). Real disagreements
//!   (2018-12-05 vs 2018-12-06) keep the value given by the most reports, then the more
//!   precise, then the earlier; the disagreement goes to `conflicts`.
//! - `status`: the status of the most recent report (by `source_date`; undated last);
//!   other statuses go to `conflicts`.
//! - host institutions, Chinese and host-side partners: every one named, the most often
//!   named first;
//!   specialties: the union, ignoring case; source URLs: each once, sorted.
//! - each source URL's title and date: those most of its reports give (then the first);
//!   its fields: every field one of its reports gives.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::model::{field_index, ConflictValue, Dictionaries, FieldSet, Reports, Workshops, FIELDS};
use crate::partial_date::PartialDate;
use crate::table::{IdLists, Names, Texts, NONE};

/// One workshop's fields, before they go into the table's columns.
struct Merged<'r> {
    name: String,
    city: u32,
    hosts: String,
    partners: Vec<u32>,
    host_partners: Vec<u32>,
    province: u32,
    kind: u32,
    opened_on: Option<PartialDate>,
    status: u32,
    specialties: Vec<u32>,
    urls: Vec<&'r str>,
    /// per URL: title, date and fields
    sources: Vec<(Option<&'r str>, Option<PartialDate>, FieldSet)>,
    conflicts: Vec<ConflictValue<'r>>,
}

/// Workshops merged at a time (on every core), before they go into the columns: the
/// reports are laid out in parts of this many workshops (see dedupe's `merge`).
pub const BATCH: usize = 64 * 1024;

/// The workshops, in `ids` order, from reports laid out workshop by workshop, in parts
/// of [`BATCH`] workshops: workshop `k` is made of as many reports as `members.get(k)`
/// lists, following those of the workshops before it. Each part is freed once merged,
/// so that the reports and the workshops are not both held whole: at 10M reports that
/// disagree (`luban generate --shape conflicts`) that was ~2 GB of each, and the run's
/// peak. The workshops take the dictionaries but the hosts' (their hosts are texts).
pub fn merge_all(
    dict: Dictionaries,
    parts: Vec<Reports>,
    ids: &Texts,
    members: &IdLists,
    former: &crate::table::TextLists,
) -> Workshops {
    let mut w = Workshops::default();
    // a workshop whose reports give no kind is a `workshop` (what a report about a Luban
    // Workshop is unless it says otherwise)
    let mut dict = dict;
    let default_kind = dict.kinds.id("workshop");
    let mut workshop = 0;
    for r in parts {
        let mut start = 0u32;
        let ranges: Vec<Vec<u32>> = (workshop..(workshop + BATCH).min(members.len()))
            .map(|k| {
                let range = start..start + members.get(k).len() as u32;
                start = range.end;
                range.collect()
            })
            .collect();
        let merged: Vec<Merged> = ranges.par_iter().map(|rs| merge(&r, &dict, rs, default_kind)).collect();
        for (rs, m) in ranges.iter().zip(merged) {
            w.workshop_id.push(ids.get(workshop));
            w.former_ids.push(former.get(workshop));
            workshop += 1;
            w.workshop_name.push(Some(&m.name));
            w.country.push(r.country[rs[0] as usize]);
            w.city.push(m.city);
            w.host_institution.push(Some(&m.hosts));
            w.chinese_partners.push(&m.partners);
            w.host_partners.push(&m.host_partners);
            w.organiser_province.push(m.province);
            w.kind.push(m.kind);
            w.opened_on.push(m.opened_on);
            w.status.push(m.status);
            w.specialties.push(&m.specialties);
            // the conflicts name their sources by row in the sources table (URLs sorted)
            let first = u32::try_from(w.source_urls.texts.len()).expect("fewer than 4 billion sources");
            w.conflicts.push(&m.conflicts, |url| {
                let k = m
                    .urls
                    .binary_search(&url)
                    .expect("a conflict's URL is one of its workshop's");
                first + k as u32
            });
            w.source_urls.push(m.urls);
            for (title, date, fields) in m.sources {
                w.sources.push(title, date, fields);
            }
        }
    }
    w.dict = Dictionaries {
        hosts: Names::new(),
        ..dict
    };
    w
}

/// Counts values, most frequent first, ties by the value itself.
fn ranked<T: Ord + Clone>(items: impl Iterator<Item = T>) -> Vec<(T, usize)> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for it in items {
        *counts.entry(it).or_default() += 1;
    }
    let mut v: Vec<(T, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The source URLs of the reports `rs` for which `pred` holds, each once, sorted.
fn sources_of<'r>(r: &'r Reports, rs: &[u32], pred: impl Fn(usize) -> bool) -> Vec<&'r str> {
    let urls: BTreeSet<&str> = rs
        .iter()
        .map(|&i| i as usize)
        .filter(|&i| pred(i))
        .map(|i| r.source_url.str(i))
        .collect();
    urls.into_iter().collect()
}

/// The value of a one-name field most reports give, and its conflict rows when they
/// give several ("city: Almaty (url) vs Astana (url)").
fn pick<'r>(
    r: &'r Reports,
    rs: &[u32],
    field: &str,
    dict: &Names,
    ids: &[u32],
    conflicts: &mut Vec<ConflictValue<'r>>,
) -> u32 {
    let values = ranked(
        rs.iter()
            .map(|&i| ids[i as usize])
            .filter(|&id| id != NONE)
            .map(|id| (dict.text(id), id)),
    );
    if values.len() > 1 {
        let field = field_index(field).expect("a workshop field");
        conflicts.extend(values.iter().map(|((text, id), _)| ConflictValue {
            field,
            value: text.to_string(),
            urls: sources_of(r, rs, |i| ids[i] == *id),
        }));
    }
    values.first().map_or(NONE, |((_, id), _)| *id)
}

fn merge<'r>(r: &'r Reports, d: &Dictionaries, rs: &[u32], default_kind: u32) -> Merged<'r> {
    let first = rs[0] as usize;
    let mut conflicts = Vec::new();
    let names = ranked(rs.iter().filter_map(|&i| r.workshop_name.get(i as usize)));
    let name = names
        .iter()
        .filter(|(_, c)| *c == names[0].1)
        .map(|(n, _)| *n)
        .min_by(|a, b| a.chars().count().cmp(&b.chars().count()).then_with(|| a.cmp(b)))
        .map(str::to_string)
        .unwrap_or_else(|| {
            let host = r.host_institutions.get(first).first().map(|&h| d.hosts.text(h));
            let city = (r.city[first] != NONE).then(|| d.cities.text(r.city[first]));
            let country = &d.countries[r.country[first] as usize].name;
            match host.or(city) {
                Some(place) => format!("{country} Luban Workshop ({place})"),
                // a group of host-less reports that agree only on partners or a year
                None => format!("{country} Luban Workshop"),
            }
        });
    let city = pick(r, rs, "city", &d.cities, &r.city, &mut conflicts);
    let province = pick(
        r,
        rs,
        "organiser_province",
        &d.provinces,
        &r.organiser_province,
        &mut conflicts,
    );
    let kind = match pick(r, rs, "kind", &d.kinds, &r.kind, &mut conflicts) {
        NONE => default_kind,
        k => k,
    };
    let opened_on = merge_dates(r, rs, &mut conflicts);
    let status = merge_status(r, d, rs, &mut conflicts);
    let hosts: Vec<&str> = ranked(
        rs.iter()
            .flat_map(|&i| r.host_institutions.get(i as usize))
            .map(|&h| d.hosts.text(h)),
    )
    .into_iter()
    .map(|(h, _)| h)
    .collect();
    let partners = most_named(rs, &r.chinese_partners, &d.partners);
    let host_partners = most_named(rs, &r.host_partners, &d.host_partners);
    let specialties = union_ignoring_case(&d.specialties, rs.iter().flat_map(|&i| r.specialties.get(i as usize)));
    // the reports citing each URL, URLs sorted
    let mut by_url: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in rs {
        by_url.entry(r.source_url.str(i as usize)).or_default().push(i as usize);
    }
    let sources = by_url.values().map(|cites| source_details(r, cites)).collect();
    Merged {
        name,
        city,
        hosts: hosts.join("; "),
        partners,
        host_partners,
        province,
        kind,
        opened_on,
        status,
        specialties,
        urls: by_url.into_keys().collect(),
        sources,
        conflicts,
    }
}

/// Every name the reports `rs` list in `lists`, the most often named first (ties: by
/// text).
fn most_named(rs: &[u32], lists: &IdLists, dict: &Names) -> Vec<u32> {
    ranked(
        rs.iter()
            .flat_map(|&i| lists.get(i as usize))
            .map(|&p| (dict.text(p), p)),
    )
    .into_iter()
    .map(|((_, p), _)| p)
    .collect()
}

/// What the reports `cites` (those citing one URL) give: the title and date most of them
/// give, and the union of their fields.
fn source_details<'r>(r: &'r Reports, cites: &[usize]) -> (Option<&'r str>, Option<PartialDate>, FieldSet) {
    if let [i] = *cites {
        // most URLs are cited by one report: nothing to rank
        return (r.source_title.get(i), r.source_date[i], report_fields(r, i));
    }
    let title = ranked(cites.iter().filter_map(|&i| r.source_title.get(i)));
    let dates = || cites.iter().filter_map(|&i| r.source_date[i]);
    let date = ranked(dates().map(|d| d.sort_key()))
        .first()
        .and_then(|(key, _)| dates().find(|d| d.sort_key() == *key));
    let fields = cites
        .iter()
        .fold(FieldSet::default(), |set, &i| set.union(report_fields(r, i)));
    (title.first().map(|t| t.0), date, fields)
}

/// The fields report `i` gives (a country always). Listed in [`FIELDS`] order, so that
/// each is its bit by position: no name is looked up per report.
fn report_fields(r: &Reports, i: usize) -> FieldSet {
    let given = [
        ("workshop_name", r.workshop_name.get(i).is_some()),
        ("kind", r.kind[i] != NONE),
        ("country", true),
        ("city", r.city[i] != NONE),
        ("host_institution", !r.host_institutions.get(i).is_empty()),
        ("chinese_partners", !r.chinese_partners.get(i).is_empty()),
        ("host_partners", !r.host_partners.get(i).is_empty()),
        ("organiser_province", r.organiser_province[i] != NONE),
        ("opened_on", r.opened_on[i].is_some()),
        ("status", r.status[i] != NONE),
        ("specialties", !r.specialties.get(i).is_empty()),
    ];
    let mut bits = 0;
    for (k, (field, g)) in given.into_iter().enumerate() {
        debug_assert_eq!(field, FIELDS[k]);
        bits |= u16::from(g) << k;
    }
    FieldSet(bits)
}

fn merge_dates<'r>(r: &'r Reports, rs: &[u32], conflicts: &mut Vec<ConflictValue<'r>>) -> Option<PartialDate> {
    // Group dates that agree; each group is represented by its most precise date.
    let mut dates: Vec<(PartialDate, &str)> = rs
        .iter()
        .filter_map(|&i| r.opened_on[i as usize].map(|d| (d, r.source_url.str(i as usize))))
        .collect();
    dates.sort_by(|a, b| {
        b.0.precision()
            .cmp(&a.0.precision())
            .then(a.0.sort_key().cmp(&b.0.sort_key()))
            .then(a.1.cmp(b.1))
    });
    let mut groups: Vec<(PartialDate, Vec<&str>)> = Vec::new();
    for (d, url) in dates {
        match groups.iter_mut().find(|(g, _)| g.agrees_with(&d)) {
            Some((_, urls)) => urls.push(url),
            None => groups.push((d, vec![url])),
        }
    }
    groups.sort_by(|a, b| {
        b.1.len()
            .cmp(&a.1.len())
            .then(b.0.precision().cmp(&a.0.precision()))
            .then(a.0.sort_key().cmp(&b.0.sort_key()))
    });
    if groups.len() > 1 {
        let field = field_index("opened_on").expect("a workshop field");
        conflicts.extend(groups.iter().map(|(d, urls)| {
            let mut urls: Vec<&str> = urls.clone();
            urls.sort();
            urls.dedup();
            ConflictValue {
                field,
                value: d.to_string(),
                urls,
            }
        }));
    }
    groups.first().map(|(d, _)| *d)
}

fn merge_status<'r>(r: &'r Reports, d: &Dictionaries, rs: &[u32], conflicts: &mut Vec<ConflictValue<'r>>) -> u32 {
    let mut with: Vec<(usize, &str)> = rs
        .iter()
        .map(|&i| i as usize)
        .filter(|&i| r.status[i] != NONE)
        .map(|i| (i, d.statuses.text(r.status[i])))
        .collect();
    // most recent source first; undated last; then by status and URL for a total order
    with.sort_by(|a, b| {
        let da = r.source_date[a.0].map(|d| d.sort_key());
        let db = r.source_date[b.0].map(|d| d.sort_key());
        db.cmp(&da)
            .then(a.1.cmp(b.1))
            .then(r.source_url.str(a.0).cmp(r.source_url.str(b.0)))
    });
    let distinct: BTreeSet<&str> = with.iter().map(|(_, s)| *s).collect();
    if distinct.len() > 1 {
        let field = field_index("status").expect("a workshop field");
        conflicts.extend(distinct.iter().map(|s| ConflictValue {
            field,
            value: s.to_string(),
            urls: sources_of(r, rs, |i| r.status[i] != NONE && d.statuses.text(r.status[i]) == *s),
        }));
    }
    with.first().map_or(NONE, |(i, _)| r.status[*i])
}

/// The union of free-text list items (specialties), sorted ignoring case, keeping the
/// first spelling (alphabetically) of items that differ only in case.
pub fn union_ignoring_case<'a>(dict: &Names, ids: impl Iterator<Item = &'a u32>) -> Vec<u32> {
    let mut first: BTreeMap<String, (&str, u32)> = BTreeMap::new();
    let distinct: BTreeSet<u32> = ids.copied().collect();
    for id in distinct {
        let text = dict.text(id);
        first
            .entry(text.to_lowercase())
            .and_modify(|f| {
                if text < f.0 {
                    *f = (text, id);
                }
            })
            .or_insert((text, id));
    }
    first.into_values().map(|(_, id)| id).collect()
}
