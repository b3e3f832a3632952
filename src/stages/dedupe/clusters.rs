//! Which reports are one workshop: the merge policy's three rules, with record linkage
//! between the first two, then the maintainers' `same` decisions. Every step works on report positions in content order
//! ([`content_order`]), so that no decision depends on the order the reports were read in.
//!
//! 1. **Host key** ([`host_clusters`]): reports of one country that share the comparison
//!    key ([`name_key`]) of a host institution they name are one workshop; a report naming
//!    two hosts joins both. Record linkage ([`link_clusters`]) then joins a cluster to
//!    the one of its country its host is another spelling of, or sets it aside.
//! 2. **Attach** ([`attach_hostless`]): a report that names no host joins the one host-keyed
//!    workshop of its country that it matches on its city, a Chinese partner or its
//!    opening year, and contradicts on none (another city, another year). When two or
//!    more qualify it is set aside as `ambiguous-workshop`, never guessed.
//! 3. **Group** ([`group_rest`]): the remaining host-less reports that agree on country,
//!    city, partners and opening year are one workshop. Those that give none of the three
//!    fit nothing: unless a `same` decision joins them to a workshop, they are set aside as
//!    `unidentified-workshop` ([`unidentified`]), not made a workshop of their own.
//!
//! Each workshop-to-be gets an identity ([`Cluster::identity`]): its smallest host key, or
//! its group key. The workshop id is a hash of it (`ids`).

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::keys::Keys;
use super::linkage::{self, Outcome, Unit};
use super::Known;
use crate::model::Reports;
use crate::names::aliases::AliasTable;
use crate::names::key::name_key;
use crate::names::matcher::{Decisions, Field};
use crate::table::csvio::quoted;
use crate::table::{Names, NONE};

/// Why a report joined its workshop. Eight bytes a report: the evidence of the few
/// attached reports is kept aside ([`Clustering::evidence`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Host,
    /// linked by record linkage: index into the links
    Linked(u32),
    /// index into the evidence
    Attached(u32),
    Group,
}

/// The reports of one workshop-to-be, in content order (host-keyed members, then the
/// reports attached to them), and the identity its id is made from.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub identity: String,
    pub members: Vec<u32>,
    /// the identities of the clusters it absorbed (by linkage or a `same` decision);
    /// those a `same` decision names are its former ids (`former_ids`)
    pub absorbed: Vec<String>,
}

/// A report set aside (not merged), with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub report: u32,
    pub code: &'static str,
    pub message: String,
}

/// The outcome of clustering: the clusters, each report's rule (by report index), and
/// the reports set aside.
pub struct Clustering {
    pub clusters: Vec<Cluster>,
    pub rules: Vec<Rule>,
    /// what each attached report matched its workshop on ([`Rule::Attached`])
    pub evidence: Vec<Vec<String>>,
    /// the clusters record linkage merged ([`Rule::Linked`])
    pub links: Vec<Link>,
    pub set_aside: Vec<SetAside>,
    /// errors on the lines of merged reports that caused a report to be set aside
    pub related: Vec<SetAside>,
    /// the weights record linkage estimated (None when it compared nothing)
    pub weights: Option<linkage::Weights>,
}

/// Clusters the reports by the merge policy (see the module doc).
pub fn cluster(r: &Reports, decisions: &Decisions, known: &Known) -> Clustering {
    let aliases = &known.institutions;
    let order = content_order(r);
    let keys = Keys::of(r);
    let (clusters, hostless) = host_clusters(r, &order, &keys);
    let mut rules = vec![Rule::Host; r.len()];
    let mut set_aside = Vec::new();
    let (mut clusters, links, weights) =
        link_clusters(r, &keys, clusters, known, decisions, &mut rules, &mut set_aside);
    let mut evidences = Vec::new();
    let attached = attach_hostless(r, &keys, &clusters, &hostless);
    // the less established workshops that make a host-less report ambiguous are named on
    // their own reports' lines too (the old report is not the cause)
    let mut related = Vec::new();
    for (c, message) in ambiguity_causes(r, &keys, aliases, &clusters, &hostless, &attached) {
        for &i in &clusters[c].members {
            related.push(SetAside {
                report: i,
                code: super::AMBIGUOUS,
                message: message.clone(),
            });
        }
    }
    let mut rest = Vec::new();
    let mut joins = Vec::new();
    for (&i, outcome) in hostless.iter().zip(attached) {
        match outcome {
            Attach::None => rest.push(i),
            Attach::One(c, evidence) => {
                rules[i as usize] = Rule::Attached(evidences.len() as u32);
                evidences.push(evidence);
                joins.push((c, i));
            }
            Attach::Ambiguous(fits) => set_aside.push(SetAside {
                report: i,
                code: super::AMBIGUOUS,
                message: ambiguity(r, &clusters, i, &fits),
            }),
        }
    }
    // after the loop, so that messages describe the host-keyed workshops only
    for (c, i) in joins {
        clusters[c].members.push(i);
    }
    for i in &rest {
        rules[*i as usize] = Rule::Group;
    }
    clusters.extend(group_rest(r, &keys, &rest));
    let clusters = apply_same_decisions(r, clusters, decisions);
    // a group that agrees on its country only fits no workshop, and as one of its own would
    // most likely be a second record of one the dataset has
    let (clusters, unplaced): (Vec<Cluster>, Vec<Cluster>) = clusters.into_iter().partition(|c| !unidentified(r, c));
    for i in unplaced.into_iter().flat_map(|c| c.members) {
        set_aside.push(SetAside {
            report: i,
            code: super::UNIDENTIFIED,
            message: format!(
                "report names no host institution, and no city, Chinese partner or opening date \
                 luban can match on, so nothing tells which workshop in {} it is about (it is not \
                 made a workshop of its own): add the host institution the source names; if it \
                 names none, leave the row out",
                r.country_of(i as usize).name
            ),
        });
    }
    Clustering {
        clusters,
        rules,
        evidence: evidences,
        links,
        set_aside,
        related,
        weights,
    }
}

/// Record linkage ([`linkage`]) on the host-keyed clusters: a cluster linked to another
/// joins it (which keeps its identity, so its id; the absorbed identity is kept, but is
/// no former id: it was never published), a probable duplicate is set aside on each of its
/// reports' lines.
fn link_clusters(
    r: &Reports,
    keys: &Keys,
    clusters: Vec<Cluster>,
    known: &Known,
    decisions: &Decisions,
    rules: &mut [Rule],
    set_aside: &mut Vec<SetAside>,
) -> (Vec<Cluster>, Vec<Link>, Option<linkage::Weights>) {
    let units: Vec<Unit> = clusters
        .iter()
        .map(|c| Unit {
            members: &c.members,
            identity: &c.identity,
        })
        .collect();
    let cx = linkage::Context {
        r,
        keys,
        aliases: &known.institutions,
        places: &known.places,
    };
    let (outcomes, weights) = linkage::link(&cx, decisions, &units);
    if outcomes.iter().all(|o| *o == Outcome::Keep) {
        return (clusters, Vec::new(), weights);
    }
    let id_of = |c: &Cluster| super::ids::both_ids(&r.country_of(c.members[0] as usize).code, &c.identity)[0].clone();
    // the host a suggested line names: the canonical name of the spelling that compared
    // best (a workshop is compared under its alias spellings too), as its reports have it
    // and as raw/decisions.csv and the alias table's second column are read
    let host = |matched: &str| match known.institutions.lookup(matched) {
        crate::names::aliases::Matched::Canonical(c) | crate::names::aliases::Matched::Alias(c) => c,
        crate::names::aliases::Matched::Unknown => matched.to_string(),
    };
    let mut links = Vec::new();
    let mut into: Vec<Option<usize>> = vec![None; clusters.len()];
    for (k, o) in outcomes.iter().enumerate() {
        match o {
            Outcome::Keep => {}
            Outcome::Linked(s) => {
                into[k] = Some(s.target);
                for &i in &clusters[k].members {
                    rules[i as usize] = Rule::Linked(links.len() as u32);
                }
                let lead = clusters[k].members[0] as usize;
                links.push(Link {
                    scored: s.clone(),
                    target_id: id_of(&clusters[s.target]),
                    from_id: id_of(&clusters[k]),
                    alias_line: format!(
                        "{},{},{}",
                        quoted(&s.name),
                        quoted(&host(&s.matched)),
                        quoted(r.source_url.str(lead))
                    ),
                });
            }
            Outcome::Probable(candidates) => {
                let lead = clusters[k].members[0] as usize;
                let named: Vec<String> = candidates
                    .iter()
                    .map(|s| {
                        format!(
                            "{} `{}` ({:.0}%; {})",
                            id_of(&clusters[s.target]),
                            s.matched,
                            s.probability * 100.0,
                            s.evidence
                        )
                    })
                    .collect();
                let first = &candidates[0];
                let target = host(&first.matched);
                let message = format!(
                    "host `{}` may be a workshop the dataset has: {}. If it is, add `{},{},{}` to raw/aliases/institutions.csv; if not, add `institution,{},{},{},{:.3},,different,<why>` to raw/decisions.csv",
                    first.name,
                    named.join("; "),
                    quoted(&first.name),
                    quoted(&target),
                    quoted(r.source_url.str(lead)),
                    r.country_of(lead).code,
                    quoted(&first.name),
                    quoted(&target),
                    first.probability,
                );
                for &i in &clusters[k].members {
                    set_aside.push(SetAside {
                        report: i,
                        code: super::PROBABLE_DUPLICATE,
                        message: message.clone(),
                    });
                }
            }
        }
    }
    let mut kept: Vec<Option<Cluster>> = clusters.into_iter().map(Some).collect();
    for k in 0..kept.len() {
        let linked = matches!(outcomes[k], Outcome::Linked(_));
        if linked {
            let c = kept[k].take().expect("a cluster is linked once");
            let target = into[k].expect("a linked cluster has a target");
            let t = kept[target].as_mut().expect("a link's target stays a workshop");
            t.members.extend(c.members);
            t.absorbed.push(c.identity);
            t.absorbed.extend(c.absorbed);
        } else if matches!(outcomes[k], Outcome::Probable(_)) {
            kept[k] = None;
        }
    }
    (kept.into_iter().flatten().collect(), links, weights)
}

/// A cluster merged into another by record linkage: the evidence, and both ids.
#[derive(Debug, Clone)]
pub struct Link {
    pub scored: linkage::Scored,
    pub target_id: String,
    pub from_id: String,
    /// the line of `raw/aliases/institutions.csv` that makes the merge explicit
    pub alias_line: String,
}

/// The report positions sorted by content: country, source URL, workshop name, hosts,
/// city, partners, opening date, then file and line (so no two reports tie).
pub fn content_order(r: &Reports) -> Vec<u32> {
    let d = &r.dict;
    fn names<'a>(dict: &'a Names, ids: &[u32]) -> Vec<&'a str> {
        ids.iter().map(|&i| dict.text(i)).collect()
    }
    fn opt(dict: &Names, id: u32) -> Option<&str> {
        (id != NONE).then(|| dict.text(id))
    }
    let key = |i: u32| {
        let i = i as usize;
        (
            &*r.country_of(i).code,
            r.source_url.str(i),
            r.workshop_name.get(i),
            names(&d.hosts, r.host_institutions.get(i)),
            opt(&d.cities, r.city[i]),
            names(&d.partners, r.chinese_partners.get(i)),
            r.opened_on[i].map(|d| d.sort_key()),
            (r.file_of(i), r.line[i]),
        )
    };
    // most pairs differ by country or URL: the rest of the key is built only on a tie
    let mut short: Vec<(&str, &str, u32)> = (0..r.len())
        .map(|i| (&*r.country_of(i).code, r.source_url.str(i), i as u32))
        .collect();
    short.par_sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| key(a.2).cmp(&key(b.2))));
    short.into_iter().map(|(_, _, i)| i).collect()
}

/// Rule 1: the reports that name a host, as one (country, host key, position) triple per
/// host they name, sorted, so that the reports sharing a (country, key) are one run. A run
/// is one workshop-to-be, and runs that share a report (it names two hosts) are one too:
/// union-find over positions, where a set's root is its smallest position. Clusters come
/// in the order of their first report, members in content order, identity from the
/// smallest key text; none of it depends on the order of the unions. `order` holds every
/// report once.
///
/// The triples are made reading the reports as they lie and then sorted, so that
/// clustering is a scan. Probing a map of keys from the reports in content order (which
/// is random with respect to hosts) took 4.5 s at 10M reports of the conflicts shape
/// (0.16 s at 1M); sorted, 1.7 s (0.09 s at 1M).
fn host_clusters(r: &Reports, order: &[u32], keys: &Keys) -> (Vec<Cluster>, Vec<u32>) {
    let n = order.len();
    debug_assert_eq!(n, r.len(), "content order holds every report");
    let mut named: Vec<(u32, u32, u32)> = {
        let mut position = vec![0u32; n];
        for (p, &i) in order.iter().enumerate() {
            position[i as usize] = p as u32;
        }
        let mut named = Vec::with_capacity(n);
        for (i, &p) in position.iter().enumerate() {
            named.extend(keys.hosts_of(r, i).map(|k| (r.country[i], k, p)));
        }
        named
    };
    named.par_sort_unstable();
    let runs = || named.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1));
    // by position: its parent in the union-find, NONE when it names no host
    let mut parent: Vec<u32> = vec![NONE; n];
    for &(_, _, p) in &named {
        parent[p as usize] = p;
    }
    for run in runs() {
        let first = find_root(&mut parent, run[0].2);
        for &(_, _, p) in &run[1..] {
            let (a, b) = (find_root(&mut parent, first), find_root(&mut parent, p));
            parent[a.max(b) as usize] = a.min(b);
        }
    }
    // clusters in the order of their roots, which come first in their sets
    let mut cluster_of_root: Vec<u32> = vec![NONE; n];
    let mut clusters: Vec<(Vec<u32>, u32)> = Vec::new(); // members, smallest key
    let mut hostless = Vec::new();
    for (p, &i) in order.iter().enumerate() {
        if parent[p] == NONE {
            hostless.push(i);
            continue;
        }
        let root = find_root(&mut parent, p as u32) as usize;
        if cluster_of_root[root] == NONE {
            cluster_of_root[root] = clusters.len() as u32;
            clusters.push((Vec::new(), NONE));
        }
        clusters[cluster_of_root[root] as usize].0.push(i);
    }
    for run in runs() {
        let root = find_root(&mut parent, run[0].2) as usize;
        let smallest = &mut clusters[cluster_of_root[root] as usize].1;
        let k = run[0].1;
        if *smallest == NONE || keys.text(k) < keys.text(*smallest) {
            *smallest = k;
        }
    }
    let clusters = clusters
        .into_iter()
        .map(|(members, smallest)| Cluster {
            identity: format!(
                "{}|host|{}",
                r.country_of(members[0] as usize).code,
                keys.text(smallest)
            ),
            members,
            absorbed: Vec::new(),
        })
        .collect();
    (clusters, hostless)
}

/// The root of `x`'s set in a union-find, halving the path on the way.
fn find_root(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let up = parent[parent[x as usize] as usize];
        parent[x as usize] = up;
        x = up;
    }
    x
}

/// Where a host-less report goes.
enum Attach {
    None,
    One(usize, Vec<String>),
    Ambiguous(Vec<(usize, Vec<String>)>),
}

/// What the host-keyed reports of one workshop say, for attaching host-less reports:
/// city and partner key ids, opening years (each sorted, each value once).
struct Summary {
    cities: Vec<u32>,
    partners: Vec<u32>,
    years: Vec<i32>,
}

/// `items`, sorted, each once.
fn sorted<T: Ord>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = items.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Rule 2: for each host-less report, the host-keyed clusters it fits. Only clusters of
/// its country that share its city, opening year or a partner can fit, so those are
/// found through indexes instead of comparing with every cluster.
fn attach_hostless(r: &Reports, keys: &Keys, clusters: &[Cluster], hostless: &[u32]) -> Vec<Attach> {
    let summaries: Vec<Summary> = clusters
        .par_iter()
        .map(|c| {
            let members = || c.members.iter().map(|&i| i as usize);
            Summary {
                cities: sorted(members().filter_map(|i| keys.city_of(r, i))),
                partners: sorted(members().flat_map(|i| keys.partners_of(r, i))),
                years: sorted(members().filter_map(|i| r.opened_on[i].map(|d| d.year))),
            }
        })
        .collect();
    type Index<K> = ahash::AHashMap<(u32, K), Vec<usize>>;
    let mut by_city: Index<u32> = Default::default();
    let mut by_partner: Index<u32> = Default::default();
    let mut by_year: Index<i32> = Default::default();
    for (c, s) in summaries.iter().enumerate() {
        let country = r.country[clusters[c].members[0] as usize];
        for &k in &s.cities {
            by_city.entry((country, k)).or_default().push(c);
        }
        for &k in &s.partners {
            by_partner.entry((country, k)).or_default().push(c);
        }
        for &y in &s.years {
            by_year.entry((country, y)).or_default().push(c);
        }
    }
    hostless
        .par_iter()
        .map(|&i| {
            let i = i as usize;
            let country = r.country[i];
            let city = keys.city_of(r, i);
            let partners: Vec<u32> = keys.partners_of(r, i).collect();
            let mut candidates: Vec<usize> = Vec::new();
            if let Some(c) = city {
                candidates.extend(by_city.get(&(country, c)).into_iter().flatten());
            }
            if let Some(d) = r.opened_on[i] {
                candidates.extend(by_year.get(&(country, d.year)).into_iter().flatten());
            }
            for &p in &partners {
                candidates.extend(by_partner.get(&(country, p)).into_iter().flatten());
            }
            candidates.sort_unstable();
            candidates.dedup();
            let mut fits: Vec<(usize, Vec<String>)> = candidates
                .into_iter()
                .filter_map(|c| {
                    evidence(r, i, city, &partners, &summaries[c])
                        .filter(|ev| !ev.is_empty())
                        .map(|ev| (c, ev))
                })
                .collect();
            match fits.len() {
                0 => Attach::None,
                1 => {
                    let (c, ev) = fits.pop().expect("one fit");
                    Attach::One(c, ev)
                }
                _ => Attach::Ambiguous(fits),
            }
        })
        .collect()
}

/// What host-less report `i` shares with a cluster, or None on a contradiction (another
/// city, another opening year). `city` and `partners` are the report's key ids.
fn evidence(r: &Reports, i: usize, city: Option<u32>, partners: &[u32], s: &Summary) -> Option<Vec<String>> {
    let d = &r.dict;
    let mut ev = Vec::new();
    if let Some(c) = city {
        if s.cities.binary_search(&c).is_ok() {
            ev.push(format!("city {}", d.cities.text(r.city[i])));
        } else if !s.cities.is_empty() {
            return None;
        }
    }
    if let Some(date) = r.opened_on[i] {
        if s.years.binary_search(&date.year).is_ok() {
            ev.push(format!("opening year {}", date.year));
        } else if !s.years.is_empty() {
            return None;
        }
    }
    for (&p, key) in r.chinese_partners.get(i).iter().zip(partners) {
        if s.partners.binary_search(key).is_ok() {
            ev.push(format!("partner {}", d.partners.text(p)));
        }
    }
    Some(ev)
}

/// The workshops that make a host-less report ambiguous while being new: among the
/// workshops it fits, those less established than another (known to the alias table,
/// then more reports, then a dated source; when they tie, every one). Each with the
/// message for its own reports' lines.
fn ambiguity_causes(
    r: &Reports,
    keys: &Keys,
    aliases: &AliasTable,
    clusters: &[Cluster],
    hostless: &[u32],
    attached: &[Attach],
) -> Vec<(usize, String)> {
    let known = |c: usize| {
        clusters[c].members.iter().any(|&i| {
            r.host_institutions
                .get(i as usize)
                .iter()
                .any(|&h| aliases.canonical_of_key(keys.host_text(h)).is_some())
        })
    };
    let mut causes: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (&i, a) in hostless.iter().zip(attached) {
        let Attach::Ambiguous(fits) = a else { continue };
        // how well established a workshop is: known to the alias table, then its reports
        // and whether a report gives its source date
        let established = |c: usize| {
            let m = &clusters[c].members;
            (
                known(c),
                m.len(),
                m.iter().any(|&i| r.source_date[i as usize].is_some()),
            )
        };
        let best = fits.iter().map(|(c, _)| established(*c)).max().expect("two fits");
        let (mut old, mut new): (Vec<_>, Vec<_>) = fits.iter().partition(|(c, _)| established(*c) == best);
        if old.len() > 1 {
            // no one is more established: each may be the new one
            new = std::mem::take(&mut old);
        }
        for (c, ev) in new {
            causes.entry(*c).or_default().push(format!(
                "{}:{} ({}; it also fits {})",
                r.file_of(i as usize),
                r.line[i as usize],
                ev.join(", "),
                fits.iter()
                    .filter(|(o, _)| o != c)
                    .map(|(o, _)| named(r, &clusters[*o]))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
    }
    causes
        .into_iter()
        .map(|(c, reports)| {
            let host = r.host_institutions.get(clusters[c].members[0] as usize)[0];
            (
                c,
                format!(
                    "host `{}` makes host-less reports fit two workshops: {}. If it is one of them, add the alias line `{},<its host>,<source_url>` to raw/aliases/institutions.csv; if it is a new workshop, give those reports their host",
                    r.dict.hosts.text(host),
                    reports.join("; "),
                    quoted(r.dict.hosts.text(host)),
                ),
            )
        })
        .collect()
}

/// The message of a host-less report that fits several workshops.
fn ambiguity(r: &Reports, clusters: &[Cluster], i: u32, fits: &[(usize, Vec<String>)]) -> String {
    format!(
        "report names no host institution and matches {} workshops in {}: {}",
        fits.len(),
        r.country_of(i as usize).name,
        fits.iter()
            .map(|(c, ev)| format!("{} ({})", named(r, &clusters[*c]), ev.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    )
}

/// A workshop-to-be by its id (the one its identity gives; the dataset's, for a
/// workshop it has) and [`label`], so that a contributor finds it in `output/`.
fn named(r: &Reports, c: &Cluster) -> String {
    let code = &r.country_of(c.members[0] as usize).code;
    let id = &super::ids::both_ids(code, &c.identity)[0];
    format!("{id} {}", label(r, &c.members))
}

/// A workshop-to-be as people name it: a report's workshop name, else its first host,
/// else its country.
fn label(r: &Reports, members: &[u32]) -> String {
    let first = members[0] as usize;
    members
        .iter()
        .find_map(|&i| r.workshop_name.get(i as usize).map(str::to_string))
        .or_else(|| {
            r.host_institutions
                .get(first)
                .first()
                .map(|&h| r.dict.hosts.text(h).to_string())
        })
        .unwrap_or_else(|| r.country_of(first).name.to_string())
}

/// Rule 3: the remaining host-less reports (in content order), grouped by country, city,
/// partners and opening year; groups in the order of their keys.
fn group_rest(r: &Reports, keys: &Keys, rest: &[u32]) -> Vec<Cluster> {
    let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for &i in rest {
        let i = i as usize;
        let mut partners: Vec<&str> = keys.partners_of(r, i).map(|k| keys.text(k)).collect();
        partners.sort();
        let identity = group_identity(
            &r.country_of(i).code,
            keys.city_of(r, i).map_or("", |k| keys.text(k)),
            &partners.join(";"),
            &r.opened_on[i].map_or(String::new(), |d| d.year.to_string()),
        );
        groups.entry(identity).or_default().push(i as u32);
    }
    groups
        .into_iter()
        .map(|(identity, members)| Cluster {
            identity,
            members,
            absorbed: Vec::new(),
        })
        .collect()
}

/// The identity of a rule-3 group (and so, hashed, its workshop id): what its reports
/// agree on. Empty parts are names whose key is empty, or no name at all.
fn group_identity(country: &str, city: &str, partners: &str, year: &str) -> String {
    format!("group|{country}|{city}|{partners}|{year}")
}

/// Whether `c` is a group of host-less reports that agree on their country only (rule 3
/// with no city, partner or year, or only names whose key is empty), and no maintainer's
/// `same` decision joined it to a workshop: its reports are set aside as
/// `unidentified-workshop`.
fn unidentified(r: &Reports, c: &Cluster) -> bool {
    c.absorbed.is_empty() && c.identity == group_identity(&r.country_of(c.members[0] as usize).code, "", "", "")
}

/// Joins clusters that a maintainer decided are the same workshop (`field = workshop`,
/// by id, either length). The joined cluster keeps the identity (so the id) of the
/// decision's `candidate`, the workshop the dataset had; the other's, which the decision
/// names, is a former one.
fn apply_same_decisions(r: &Reports, clusters: Vec<Cluster>, decisions: &Decisions) -> Vec<Cluster> {
    let pairs = decisions.same_pairs(Field::Workshop);
    if pairs.is_empty() {
        return clusters;
    }
    let country = |c: &Cluster| r.country[c.members[0] as usize];
    // decisions hold name keys (lower case) of the ids
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    // a cluster by its id, and by the ids of the clusters record linkage merged into it
    // (a decision may name one that was published before linkage took it)
    for (k, c) in clusters.iter().enumerate() {
        let code = &r.dict.countries[country(c) as usize].code;
        for identity in std::iter::once(&c.identity).chain(&c.absorbed) {
            for id in super::ids::both_ids(code, identity) {
                index.insert(name_key(&id), k);
            }
        }
    }
    // union-find over cluster indices (the same find_root as rule 1's)
    let mut root: Vec<u32> = (0..clusters.len() as u32).collect();
    let mut joins = 0;
    for (a, b) in pairs {
        if let (Some(&x), Some(&y)) = (index.get(&a), index.get(&b)) {
            if country(&clusters[x]) == country(&clusters[y]) {
                // marks the decision as used
                decisions.get_by_keys(Field::Workshop, &a, &b);
                // the candidate (the workshop the dataset had) keeps its identity
                let (rx, ry) = (find_root(&mut root, x as u32), find_root(&mut root, y as u32));
                if rx != ry {
                    root[rx as usize] = ry;
                }
                joins += 1;
            }
        }
    }
    if joins == 0 {
        return clusters;
    }
    let roots: Vec<usize> = (0..clusters.len() as u32)
        .map(|k| find_root(&mut root, k) as usize)
        .collect();
    let mut slots: Vec<Option<Cluster>> = clusters.into_iter().map(Some).collect();
    for k in 0..slots.len() {
        if roots[k] != k {
            let c = slots[k].take().expect("each cluster joins once");
            let into = slots[roots[k]].as_mut().expect("a root stays");
            into.members.extend(c.members);
            into.absorbed.push(c.identity);
            into.absorbed.extend(c.absorbed);
        }
    }
    slots.into_iter().flatten().collect()
}
