//! Stage 4, dedupe: merges the reports about one workshop into one [`Workshop`] record.
//!
//! # Merge policy
//! 1. **Host key.** Reports in the same country that share a canonical host institution
//!    are the same workshop (union over every host a report names).
//! 2. **Attach.** A report that names no host is attached to the one host-keyed workshop
//!    of its country that it matches on at least one of city, a Chinese partner or the
//!    opening year, and contradicts on none (a different city or opening year). When two
//!    or more workshops qualify, the report is not guessed at: it is set aside as
//!    `ambiguous-workshop` in `build/unmerged.csv` (exit 1), for review.
//! 3. **Group.** Remaining host-less reports merge when they agree on country, city,
//!    Chinese partners and opening year; each group is a workshop.
//!
//! Merging depends only on report contents, never on input order: reports are sorted by
//! content first and every choice below has a total tie-break.
//!
//! # Field policy
//! - `opened_on`: dates that agree at the coarser precision are one value, and the most
//!   precise wins (2017-12 and 2017-12-08 → 2017-12-08). Real disagreements
//!   (2018-12-05 vs 2018-12-06) keep the value given by the most reports, then the more
//!   precise, then the earlier; the disagreement is recorded in `conflicts`.
//! - `status`: the status of the most recent report (by `source_date`); other statuses
//!   are recorded in `conflicts`.
//! - `city`, `organiser_province`: the most frequent value; others go to `conflicts`.
//! - `workshop_name`: the most frequent name given, then the shortest, then alphabetical.
//! - lists (hosts, partners, specialties, source URLs): the union, without repeats.
//! - `workshop_id`: `<ISO alpha-3>-<8 hex of SHA-256 of the workshop's identity>`, where
//!   the identity is its smallest host key (or its group key), so it is the same on every
//!   rerun and for any input order. When two workshops' 8-digit ids collide (a 32-bit
//!   hash: about 3 collisions among 170 000 workshops of one country; never in the real
//!   data), both get 16 digits. Found at 10M generated reports, where dedupe stopped with
//!   an internal error instead.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::{bail, Result};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::StageReport;
use crate::chunked::Chunked;
use crate::csvio;
use crate::layout::Layout;
use crate::model::{Report, Shared, Workshop};
use crate::names::key::name_key;
use crate::names::matcher::{DecisionRow, Decisions, Field};
use crate::partial_date::PartialDate;
use crate::progress::Progress;
use crate::read_ahead;
use host_keys::HostKeys;

mod host_keys;

/// Why a report joined its workshop: one row of `build/merges.csv`, as
/// [`Deduped::merges`] renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    pub workshop_id: Shared,
    pub file: Shared,
    pub line: u64,
    pub source_url: Shared,
    pub rule: Shared,
}

/// Reports per block of `merges.csv` (a line each, unless set aside; see
/// [`csvio::write_blocks`]).
const MERGES_PER_BLOCK: usize = 16 * 1024;

/// A report that could not be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmerged {
    pub file: String,
    pub line: u64,
    pub source_url: String,
    pub code: &'static str,
    pub message: String,
}

/// The merged dataset.
#[derive(Debug, Default)]
pub struct Deduped {
    pub workshops: Vec<Workshop>,
    /// Which report joined which workshop, and by what rule (see [`Deduped::merges`]).
    pub trail: Trail,
    pub unmerged: Vec<Unmerged>,
    /// With `--review`: how many pairs `build/review.csv` lists.
    pub review_pairs: Option<usize>,
}

struct Dsu(Vec<usize>);

impl Dsu {
    fn find(&mut self, x: usize) -> usize {
        let p = self.0[x];
        if p == x {
            return x;
        }
        let r = self.find(p);
        self.0[x] = r;
        r
    }
    /// Every element's root, by index. A parent is never above its child (`union` points
    /// the higher root at the lower, `find` only shortens paths), so in index order each
    /// parent already points at its root when its children are reached.
    fn flatten(self) -> Vec<usize> {
        let mut parent = self.0;
        for i in 0..parent.len() {
            parent[i] = parent[parent[i]];
        }
        parent
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

fn content_key(r: &Report) -> impl Ord + '_ {
    (
        &r.country.code,
        &r.source_url,
        r.workshop_name(),
        &r.host_institutions,
        &r.city,
        &r.chinese_partners,
        r.opened_on.map(|d| d.sort_key()),
        &r.at,
    )
}

/// The positions of the reports in content order (the records do not move), so that
/// every decision below is independent of input order.
fn sort_by_content(reports: &Chunked<Report>) -> Vec<u32> {
    // Sorting compares a 16-byte prefix of (country, source URL) first, held in one
    // contiguous array, and reads the reports only on ties. Country codes are 3 bytes;
    // the URLs' common prefix is skipped, so the 13 bytes after it separate most reports.
    let common = common_prefix(reports.iter().map(|r| r.source_url.as_bytes()));
    let prefix = |r: &Report| -> u128 {
        let mut key = [0u8; 16];
        for (k, b) in key[..3].iter_mut().zip(r.country.code.bytes()) {
            *k = b;
        }
        for (k, b) in key[3..].iter_mut().zip(r.source_url.bytes().skip(common)) {
            *k = b;
        }
        u128::from_be_bytes(key)
    };
    // the prefix orders like (country, URL) only when every country code has 3 bytes
    let exact = reports.iter().all(|r| r.country.code.len() == 3);
    // (an indexed iterator, so that the pairs are written in place, not gathered in
    // parts and moved: that held them twice, 0.3 GB more at 10M reports)
    let mut order: Vec<(u128, u32)> = (0..reports.len() as u32)
        .into_par_iter()
        .map(|i| (if exact { prefix(&reports[i as usize]) } else { 0 }, i))
        .collect();
    // provenance is part of the key, so no two reports compare equal and an unstable
    // sort gives one order
    order.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| content_key(&reports[a.1 as usize]).cmp(&content_key(&reports[b.1 as usize])))
    });
    order.into_iter().map(|(_, i)| i).collect()
}

/// The first 16 bytes of `s` (zeros after its end) as a number: numbers in order are
/// texts in order, except that equal numbers can be different texts.
fn text_prefix(s: &str) -> u128 {
    let mut key = [0u8; 16];
    for (k, b) in key.iter_mut().zip(s.bytes()) {
        *k = b;
    }
    u128::from_be_bytes(key)
}

/// The length of the longest prefix all `items` share.
fn common_prefix<'a>(mut items: impl Iterator<Item = &'a [u8]>) -> usize {
    let Some(first) = items.next() else {
        return 0;
    };
    items.fold(first.len(), |n, s| {
        n.min(s.len())
            .min(first.iter().zip(s).take_while(|(a, b)| a == b).count())
    })
}

/// The comparison key of each distinct name, computed once (in parallel).
struct Keys<'r>(ahash::AHashMap<&'r str, String>);

impl<'r> Keys<'r> {
    fn of(names: impl Iterator<Item = &'r str>) -> Keys<'r> {
        let distinct: ahash::AHashSet<&str> = names.collect();
        let distinct: Vec<&str> = distinct.into_iter().collect();
        let keyed: Vec<(&str, String)> = distinct.par_iter().map(|&n| (n, name_key(n))).collect();
        Keys(keyed.into_iter().collect())
    }

    fn get(&self, name: &str) -> &str {
        &self.0[name]
    }
}

/// The merge trail as positions: the reports it points into and, for each, the workshop
/// it joined and by what rule. Rendered only when the file is written: a merge record
/// per report held four shared strings (48 bytes and four reference counts to update
/// from both cores, then to free), 0.4 GB at 10M reports, where a placement is 12 bytes.
///
/// `merges.csv` lists the reports in (file, line) order, the order they were read in.
/// It had listed them workshop by workshop, which read the reports in random order: at
/// 10M reports (3.8 GB of them) that took 15 CPU-s against 0.9 at 1M. Read in order,
/// `luban dedupe` alone at 10M went from 51 s (79 CPU-s) to 44 s (65 CPU-s).
#[derive(Debug, Default)]
pub struct Trail {
    /// in input order
    reports: Chunked<Report>,
    /// by report, in input order: the index of its workshop ([`Placed::NOWHERE`] when
    /// it was set aside) and why it joined
    placed: Vec<Placed>,
    /// the input positions in (file, line) order, when the input is not in that order
    /// already (it is when the reports come from `raw/`)
    by_line: Option<Vec<u32>>,
    /// the evidence of each [`Rule::Attached`]
    evidence: Vec<Vec<String>>,
    /// how many reports joined a workshop
    merged: usize,
}

/// Where one report went (see [`Trail::placed`]).
#[derive(Debug, Clone, Copy)]
struct Placed {
    workshop: u32,
    rule: Rule,
}

impl Placed {
    const NOWHERE: u32 = u32::MAX;
}

impl Trail {
    /// Frees the trail, its reports a chunk at a time on every core. Freeing a report
    /// updates the counts of its lists and URL, scattered in memory: a block of them is
    /// read ahead first (`crate::read_ahead`), from the end of the chunk.
    fn free(self) {
        self.reports.into_chunks().into_par_iter().for_each(|mut chunk| {
            while !chunk.is_empty() {
                let rest = chunk.len().saturating_sub(read_ahead::BLOCK);
                read_ahead::ahead(&chunk[rest..]);
                chunk.truncate(rest);
            }
        });
    }

    /// How many reports were merged into a workshop.
    pub fn len(&self) -> usize {
        self.merged
    }

    pub fn is_empty(&self) -> bool {
        self.merged == 0
    }

    /// How many reports the trail covers, merged or set aside: the positions that
    /// [`Deduped::for_each_merge_in`] takes.
    fn positions(&self) -> usize {
        self.placed.len()
    }
}

impl Deduped {
    /// Calls `each(workshop id, report, rule text)` for every merge, in `merges.csv`
    /// order: by (file, line).
    fn for_each_merge(&self, each: impl FnMut(&str, &Report, &str) -> Result<()>) -> Result<()> {
        self.for_each_merge_in(0..self.trail.positions(), each)
    }

    /// [`Deduped::for_each_merge`] for the reports at `range` of the (file, line) order
    /// only (a block of `merges.csv`, rendered beside the others). Reports that were set
    /// aside are skipped.
    fn for_each_merge_in(
        &self,
        range: std::ops::Range<usize>,
        mut each: impl FnMut(&str, &Report, &str) -> Result<()>,
    ) -> Result<()> {
        let t = &self.trail;
        let index = |k: usize| t.by_line.as_ref().map_or(k, |v| v[k] as usize);
        let mut text = String::new();
        for k in range.clone() {
            if let Some(block) = read_ahead::block_at(k, range.clone()) {
                // this block's reports and their workshops (`crate::read_ahead`)
                read_ahead::ahead(block.clone().map(|k| &t.reports[index(k)]));
                let ids = block
                    .filter_map(|k| self.workshops.get(t.placed[index(k)].workshop as usize))
                    .map(|w| read_ahead::first_byte(&w.workshop_id))
                    .sum::<usize>();
                std::hint::black_box(ids);
            }
            let i = index(k);
            let Placed { workshop, rule } = t.placed[i];
            if workshop == Placed::NOWHERE {
                continue;
            }
            let r = &t.reports[i];
            text.clear();
            rule_text(&mut text, &t.evidence, &rule, r);
            each(&self.workshops[workshop as usize].workshop_id, r, &text)?;
        }
        Ok(())
    }

    /// The merge trail, one record per merged report (what `build/merges.csv` lists).
    pub fn merges(&self) -> Vec<Merge> {
        let mut out = Vec::with_capacity(self.trail.len());
        self.for_each_merge(|id, r, rule| {
            out.push(Merge {
                workshop_id: id.into(),
                file: r.at.file.clone(),
                line: r.at.line,
                source_url: r.source_url.clone(),
                rule: rule.into(),
            });
            Ok(())
        })
        .expect("collecting cannot fail");
        out
    }
}

/// Why a report joined its workshop (rendered for merges.csv at the end). Eight bytes
/// per report: the evidence of the few attached reports is kept aside
/// ([`Trail::evidence`]); an enum holding it took 32 bytes per report, 320 MB at 10M.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Host,
    /// index into the evidence
    Attached(u32),
    Group,
}

/// Appends the `rule` cell of merges.csv to `out`.
fn rule_text(out: &mut String, evidence: &[Vec<String>], rule: &Rule, r: &Report) {
    fn joined<'a>(out: &mut String, lead: &str, items: impl Iterator<Item = &'a str>, sep: &str) {
        out.push_str(lead);
        for (k, item) in items.enumerate() {
            if k > 0 {
                out.push_str(sep);
            }
            out.push_str(item);
        }
    }
    match rule {
        Rule::Host => joined(out, "host: ", r.host_institutions.iter().map(|h| &**h), "; "),
        Rule::Attached(ev) => joined(
            out,
            "attached: matches ",
            evidence[*ev as usize].iter().map(String::as_str),
            ", ",
        ),
        Rule::Group => out.push_str("group: same country, city, partners and opening year"),
    }
}

/// What the host-keyed reports of one workshop say, for attaching host-less reports.
#[derive(Default)]
struct Summary<'k> {
    cities: BTreeSet<&'k str>,
    partners: BTreeSet<&'k str>,
    years: BTreeSet<i32>,
}

/// Merges reports into workshops (pure; see the module doc for the policy).
pub fn dedupe(reports: Vec<Report>) -> Result<Deduped> {
    dedupe_with(reports.into(), &Decisions::default())
}

/// [`dedupe`], with the maintainers' `same` decisions on workshop pairs applied.
pub fn dedupe_with(mut records: Chunked<Report>, decisions: &Decisions) -> Result<Deduped> {
    // Of a report's free text, dedupe and `merges.csv` read only the workshop name: the
    // source title and notes (written to normalized.bin already) are dropped before the
    // work starts, and dedupe's own memory reuses theirs. At 10M reports, with freed
    // memory returned (`scale`), the peak fell from 4.62M to 4.28M KiB; when freed
    // memory is kept, it did not change (one run each).
    records.chunks_mut().into_par_iter().for_each(|chunk| {
        for r in chunk.iter_mut().filter(|r| !r.free_text.is_name_only()) {
            r.free_text = r.free_text.name_only();
        }
    });
    // below, reports are numbered in content order
    let order = sort_by_content(&records);
    let reports: Vec<&Report> = order.iter().map(|&i| &records[i as usize]).collect();
    let n = reports.len();
    // Each report's host keys, as numbers (`host_keys`), and each input position's
    // content position
    let keys = HostKeys::of(&records);
    let mut content_of = vec![0u32; n];
    for (i, &at) in order.iter().enumerate() {
        content_of[at as usize] = i as u32;
    }
    // 1. host keys: reports sharing (country, host key) are joined. Their pairs, sorted,
    // are runs of equal (country, key) numbers, each joined to its first report.
    let mut pairs = keys.pairs(&content_of);
    drop(content_of);
    pairs.par_sort_unstable();
    let mut dsu = Dsu((0..n).collect());
    // whether the report at a content position names a host
    let mut named = vec![false; n];
    for same in pairs.chunk_by(|a, b| a >> 32 == b >> 32) {
        let first = same[0] as u32 as usize;
        named[first] = true;
        for &pair in &same[1..] {
            let i = pair as u32 as usize;
            named[i] = true;
            dsu.union(first, i);
        }
    }
    drop(pairs);
    // Clusters in the order of their roots. A root is the smallest index of its set
    // (union keeps the lower root), so it is met before the other members; and every
    // parent is at or below its child, so one pass in index order points every report
    // at its root (its parent's entry already does). Finding roots one report at a time
    // chased parents all over the array, and pushing into clusters grown step by step
    // did the same over their lists: at 10M reports those arrays are far larger than the
    // caches, and the loop took 36 times as long as at 1M.
    let roots = dsu.flatten();
    let mut cluster_of_root: Vec<u32> = vec![u32::MAX; n];
    let mut sizes: Vec<u32> = Vec::new();
    let mut hostless = Vec::new();
    for i in 0..n {
        if !named[i] {
            hostless.push(i);
            continue;
        }
        if roots[i] == i {
            cluster_of_root[i] = sizes.len() as u32;
            sizes.push(0);
        }
        // (the root's entry was written when the loop passed it)
        sizes[cluster_of_root[roots[i]] as usize] += 1;
    }
    let mut clusters: Vec<Vec<usize>> = sizes.iter().map(|&s| Vec::with_capacity(s as usize)).collect();
    drop(sizes);
    for i in 0..n {
        if named[i] {
            clusters[cluster_of_root[roots[i]] as usize].push(i);
        }
    }
    drop((cluster_of_root, roots));
    let mut rule: Vec<Rule> = vec![Rule::Host; n];
    let mut evidence: Vec<Vec<String>> = Vec::new();
    // 2. attach host-less reports
    let mut unmerged = Vec::new();
    let mut leftovers = Vec::new();
    if !hostless.is_empty() {
        let attach = attach_hostless(&reports, &clusters, &hostless);
        let mut attached = Vec::new();
        for (i, outcome) in hostless.iter().copied().zip(attach) {
            match outcome {
                Attach::None => leftovers.push(i),
                Attach::One(c, ev) => {
                    rule[i] = Rule::Attached(evidence.len() as u32);
                    evidence.push(ev);
                    attached.push((i, c));
                }
                Attach::Ambiguous(fits) => {
                    let r = &reports[i];
                    unmerged.push(Unmerged {
                        file: r.at.file.to_string(),
                        line: r.at.line,
                        source_url: r.source_url.to_string(),
                        code: "ambiguous-workshop",
                        message: format!(
                            "report names no host institution and matches {} workshops in {}: {}",
                            fits.len(),
                            r.country.code,
                            fits.iter()
                                .map(|(c, ev)| format!("{} ({})", label(&reports, &clusters[*c]), ev.join(", ")))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    });
                }
            }
        }
        // after the loop, so that messages describe the host-keyed workshops only
        for (i, c) in attached {
            clusters[c].push(i);
        }
    }
    // 3. group the rest by (country, city, partners, year)
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for i in leftovers {
        rule[i] = Rule::Group;
        groups.entry(group_key(reports[i])).or_default().push(i);
    }
    // A cluster's identity is its smallest host key. Its members are anywhere among the
    // reports, so the keys of a block of clusters are read ahead (`read_ahead`).
    let keys_of = |i: usize| keys.of_report(order[i] as usize);
    let hosts: Vec<String> = clusters
        .par_iter()
        .enumerate()
        .map(|(c, m)| {
            if let Some(block) = read_ahead::block_at(c, 0..clusters.len()) {
                let texts = clusters[block]
                    .iter()
                    .flatten()
                    .flat_map(|&i| keys_of(i))
                    .map(|&k| read_ahead::first_byte(keys.text(k)));
                std::hint::black_box(texts.sum::<usize>());
            }
            let mut smallest: Option<u32> = None;
            for &k in m.iter().flat_map(|&i| keys_of(i)) {
                smallest = match smallest {
                    Some(s) if s == k || keys.text(s) <= keys.text(k) => Some(s),
                    _ => Some(k),
                };
            }
            let country = keys.country(order[m[0]] as usize);
            format!("{country}|host|{}", smallest.map_or("", |k| keys.text(k)))
        })
        .collect();
    let identities: Vec<(String, Vec<usize>)> = hosts
        .into_par_iter()
        .zip(clusters)
        .chain(groups.into_par_iter().map(|(k, m)| (format!("group|{k}"), m)))
        .collect();
    // the host keys are not needed past here (the union-find went after the clusters):
    // freed before the workshops are built, which reuse the memory
    drop(keys);
    let identities = apply_same_decisions(identities, &reports, decisions);
    // Sorted by id, then identity. Each id's first 16 bytes (all of an 8-digit id) are
    // held in the array as a number that orders like them, and the strings, scattered in
    // memory, are read only where those are equal.
    let mut with_ids: Vec<(u128, String, String, Vec<usize>)> = identities
        .into_par_iter()
        .map(|(identity, members)| {
            let id = workshop_id(&reports[members[0]].country.code, &identity);
            (text_prefix(&id), id, identity, members)
        })
        .collect();
    let by_id = |a: &(u128, String, String, Vec<usize>), b: &(u128, String, String, Vec<usize>)| {
        a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)).then_with(|| a.2.cmp(&b.2))
    };
    with_ids.par_sort_unstable_by(by_id);
    let same_id =
        |a: &(u128, String, String, Vec<usize>), b: &(u128, String, String, Vec<usize>)| a.0 == b.0 && a.1 == b.1;
    // Workshops whose 8-digit ids collide (about 3 expected among 170 000 workshops of one
    // country) get 16 digits, both of them, whatever the input order.
    let collided: Vec<bool> = (0..with_ids.len())
        .map(|i| {
            (i > 0 && same_id(&with_ids[i - 1], &with_ids[i]))
                || (i + 1 < with_ids.len() && same_id(&with_ids[i + 1], &with_ids[i]))
        })
        .collect();
    if collided.iter().any(|&c| c) {
        for ((prefix, id, identity, members), _) in with_ids.iter_mut().zip(&collided).filter(|(_, c)| **c) {
            *id = long_workshop_id(&reports[members[0]].country.code, identity);
            *prefix = text_prefix(id);
        }
        with_ids.sort_by(by_id);
    }
    if let Some(w) = with_ids.windows(2).find(|w| same_id(&w[0], &w[1])) {
        bail!("internal error: workshop id {} given to two workshops", w[0].1);
    }
    // each report's workshop and rule, by input position (`order` maps content
    // positions to input positions). Placed before the workshops are built, so that
    // the positions and rules are freed first: at 10M reports dedupe peaks while it
    // builds the workshops.
    let mut placed = vec![
        Placed {
            workshop: Placed::NOWHERE,
            rule: Rule::Group
        };
        n
    ];
    // ... and a flat copy of the workshops' member lists (workshop k's are
    // `members_of[starts[k]..starts[k + 1]]`), so that merging can read a block of workshops' reports ahead.
    // It holds input positions: a report is found from its input position by arithmetic
    // (`Chunked`), from its content position through `reports`, one more cache miss.
    let mut merged = 0;
    let mut members_of: Vec<u32> = Vec::with_capacity(n);
    let mut starts: Vec<u32> = Vec::with_capacity(with_ids.len() + 1);
    starts.push(0);
    for (k, (_, _, _, members)) in with_ids.iter().enumerate() {
        merged += members.len();
        for &c in members {
            placed[order[c] as usize] = Placed {
                workshop: k as u32,
                rule: rule[c],
            };
        }
        members_of.extend(members.iter().map(|&c| order[c]));
        starts.push(members_of.len() as u32);
    }
    drop((order, rule));
    // the identities, sort keys and member lists are done with: freed before the
    // workshops are built, where dedupe peaks at 10M reports
    let ids: Vec<String> = with_ids.into_par_iter().map(|(_, id, _, _)| id).collect();
    let members = |ks: std::ops::Range<usize>| {
        let (start, end) = (starts[ks.start] as usize, starts[ks.end] as usize);
        members_of[start..end].iter().map(|&i| &records[i as usize])
    };
    // workshops in id order, built on every core and written in place. A workshop's
    // reports are anywhere among the others, so the reports of the next `BLOCK`
    // workshops are read ahead together (`crate::read_ahead`): one workshop's five or so
    // were too few for their cache misses to overlap.
    let workshops: Vec<Workshop> = ids
        .into_par_iter()
        .enumerate()
        .map(|(k, id)| {
            if let Some(block) = read_ahead::block_at(k, 0..starts.len() - 1) {
                read_ahead::ahead(members(block));
            }
            let rs: Vec<&Report> = members(k..k + 1).collect();
            merge(id, &rs)
        })
        .collect();
    drop((members_of, starts));
    let mut out = Deduped {
        workshops,
        unmerged,
        ..Default::default()
    };
    out.unmerged.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    drop(reports);
    let in_line_order = (1..records.len()).all(|i| records[i - 1].at < records[i].at);
    let by_line = (!in_line_order).then(|| {
        let mut v: Vec<u32> = (0..records.len() as u32).collect();
        v.par_sort_unstable_by(|&a, &b| records[a as usize].at.cmp(&records[b as usize].at));
        v
    });
    out.trail = Trail {
        reports: records,
        placed,
        by_line,
        evidence,
        merged,
    };
    Ok(out)
}

/// Where a host-less report goes.
enum Attach {
    None,
    One(usize, Vec<String>),
    Ambiguous(Vec<(usize, Vec<String>)>),
}

/// Decides, for each host-less report, which host-keyed workshops (clusters) it fits.
/// Only clusters of its country that share its city, opening year or a partner can fit,
/// so those are looked up in indexes instead of comparing with every cluster.
fn attach_hostless(reports: &[&Report], clusters: &[Vec<usize>], hostless: &[usize]) -> Vec<Attach> {
    let keys = Keys::of(
        reports
            .iter()
            .flat_map(|r| r.city.iter().chain(r.chinese_partners.iter()).map(|n| &**n)),
    );
    let summaries: Vec<Summary> = clusters
        .par_iter()
        .map(|members| {
            let mut s = Summary::default();
            for &m in members {
                let r = &reports[m];
                s.cities.extend(r.city.as_deref().map(|c| keys.get(c)));
                s.partners.extend(r.chinese_partners.iter().map(|p| keys.get(p)));
                s.years.extend(r.opened_on.map(|d| d.year));
            }
            s
        })
        .collect();
    type Index<'a, K> = ahash::AHashMap<(&'a str, K), Vec<usize>>;
    let mut by_city: Index<&str> = Default::default();
    let mut by_partner: Index<&str> = Default::default();
    let mut by_year: Index<i32> = Default::default();
    for (c, s) in summaries.iter().enumerate() {
        let country = &*reports[clusters[c][0]].country.code;
        s.cities
            .iter()
            .for_each(|k| by_city.entry((country, k)).or_default().push(c));
        s.partners
            .iter()
            .for_each(|k| by_partner.entry((country, k)).or_default().push(c));
        s.years
            .iter()
            .for_each(|y| by_year.entry((country, *y)).or_default().push(c));
    }
    hostless
        .par_iter()
        .map(|&i| {
            let r = &reports[i];
            let country = &*r.country.code;
            let mut candidates: Vec<usize> = Vec::new();
            if let Some(c) = r.city.as_deref() {
                candidates.extend(by_city.get(&(country, keys.get(c))).into_iter().flatten());
            }
            if let Some(d) = r.opened_on {
                candidates.extend(by_year.get(&(country, d.year)).into_iter().flatten());
            }
            for p in r.chinese_partners.iter() {
                candidates.extend(by_partner.get(&(country, keys.get(p))).into_iter().flatten());
            }
            candidates.sort_unstable();
            candidates.dedup();
            let mut fits: Vec<(usize, Vec<String>)> = candidates
                .into_iter()
                .filter_map(|c| {
                    evidence(r, &summaries[c], &keys)
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

fn workshop_id(country: &str, identity: &str) -> String {
    workshop_id_of_length(country, identity, 8)
}

/// The id of a workshop whose 8-digit id another workshop also has (see the module doc).
fn long_workshop_id(country: &str, identity: &str) -> String {
    workshop_id_of_length(country, identity, 16)
}

fn workshop_id_of_length(country: &str, identity: &str, digits: usize) -> String {
    format!(
        "{country}-{}",
        &hex::encode(Sha256::digest(identity.as_bytes()))[..digits]
    )
}

/// Joins workshops that a maintainer decided are the same (`field = workshop`, by id).
/// The joined workshop keeps the smallest identity, so its id is one of the two.
fn apply_same_decisions(
    identities: Vec<(String, Vec<usize>)>,
    reports: &[&Report],
    decisions: &Decisions,
) -> Vec<(String, Vec<usize>)> {
    let mut dsu = Dsu((0..identities.len()).collect());
    let pairs = decisions.same_pairs(Field::Workshop);
    let mut joins = 0;
    if !pairs.is_empty() {
        // decisions hold name keys (lower case) of the ids
        // by both forms of the id: a decision may name a 16-digit id (see `workshop_id`)
        let index: BTreeMap<String, usize> = identities
            .iter()
            .enumerate()
            .flat_map(|(i, (ident, m))| {
                let country = &reports[m[0]].country.code;
                [
                    (name_key(&workshop_id(country, ident)), i),
                    (name_key(&long_workshop_id(country, ident)), i),
                ]
            })
            .collect();
        for (a, b) in pairs {
            if let (Some(&x), Some(&y)) = (index.get(&a), index.get(&b)) {
                if reports[identities[x].1[0]].country.code == reports[identities[y].1[0]].country.code {
                    decisions.get_by_keys(Field::Workshop, &a, &b); // marks the decision as used
                    dsu.union(x, y);
                    joins += 1;
                }
            }
        }
    }
    if joins == 0 {
        // nothing to join: regrouping would rebuild the same list (50 ms at 1M reports)
        return identities;
    }
    let mut joined: BTreeMap<usize, (String, Vec<usize>)> = BTreeMap::new();
    for (i, (ident, members)) in identities.into_iter().enumerate() {
        let e = joined.entry(dsu.find(i)).or_insert_with(|| (ident.clone(), Vec::new()));
        if ident < e.0 {
            e.0 = ident;
        }
        e.1.extend(members);
    }
    joined.into_values().collect()
}

/// Pairs of workshops a maintainer should look at: same country and city, and a shared
/// Chinese partner or the same opening year, but different hosts. Pairs already decided
/// either way are left out.
pub fn workshop_candidates(workshops: &[Workshop], decisions: &Decisions) -> Vec<DecisionRow> {
    let mut out = Vec::new();
    // blocking: only workshops of the same country and city are compared
    let mut blocks: BTreeMap<(&str, &str), Vec<&Workshop>> = BTreeMap::new();
    for w in workshops {
        if let Some(city) = w.city.as_deref() {
            blocks.entry((&*w.country_code, city)).or_default().push(w);
        }
    }
    for block in blocks.values() {
        for (i, &a) in block.iter().enumerate() {
            for &b in &block[i + 1..] {
                if a.country_code != b.country_code || a.city.is_none() || a.city != b.city {
                    continue;
                }
                let shared: Vec<&Shared> = a
                    .chinese_partners
                    .iter()
                    .filter(|p| b.chinese_partners.contains(p))
                    .collect();
                let same_year = matches!((a.opened_on, b.opened_on), (Some(x), Some(y)) if x.year == y.year);
                if shared.is_empty() && !same_year {
                    continue;
                }
                if decisions.get(Field::Workshop, &a.workshop_id, &b.workshop_id).is_some() {
                    continue;
                }
                let mut evidence = vec![format!("city {}", a.city.as_deref().unwrap_or_default())];
                if same_year {
                    evidence.push(format!(
                        "opened {} / {}",
                        a.opened_on.map(|d| d.to_string()).unwrap_or_default(),
                        b.opened_on.map(|d| d.to_string()).unwrap_or_default()
                    ));
                }
                for p in shared {
                    evidence.push(format!("partner {p}"));
                }
                evidence.push(format!(
                    "hosts `{}` / `{}`",
                    a.host_institution.as_deref().unwrap_or("?"),
                    b.host_institution.as_deref().unwrap_or("?")
                ));
                out.push(DecisionRow {
                    field: Field::Workshop,
                    country: a.country_code.to_string(),
                    name: a.workshop_id.to_string(),
                    candidate: b.workshop_id.to_string(),
                    score: String::new(),
                    evidence: format!(
                        "{} ({} vs {}): {}",
                        a.country_code,
                        a.workshop_name,
                        b.workshop_name,
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

/// What a host-less report shares with a workshop's reports, or None on a contradiction.
fn evidence(r: &Report, s: &Summary, keys: &Keys) -> Option<Vec<String>> {
    let mut ev = Vec::new();
    if let Some(c) = r.city.as_deref() {
        if s.cities.contains(keys.get(c)) {
            ev.push(format!("city {c}"));
        } else if !s.cities.is_empty() {
            return None;
        }
    }
    if let Some(d) = r.opened_on {
        if s.years.contains(&d.year) {
            ev.push(format!("opening year {}", d.year));
        } else if !s.years.is_empty() {
            return None;
        }
    }
    for p in r.chinese_partners.iter() {
        if s.partners.contains(keys.get(p)) {
            ev.push(format!("partner {p}"));
        }
    }
    Some(ev)
}

fn group_key(r: &Report) -> String {
    let mut partners: Vec<String> = r.chinese_partners.iter().map(|p| name_key(p)).collect();
    partners.sort();
    format!(
        "{}|{}|{}|{}",
        r.country.code,
        r.city.as_deref().map(name_key).unwrap_or_default(),
        partners.join(";"),
        r.opened_on.map_or(String::new(), |d| d.year.to_string())
    )
}

fn label(reports: &[&Report], members: &[usize]) -> String {
    members
        .iter()
        .find_map(|&i| reports[i].workshop_name().map(str::to_string))
        .or_else(|| reports[members[0]].host_institutions.first().map(|h| h.to_string()))
        .unwrap_or_else(|| reports[members[0]].country.name.to_string())
}

/// The union of free-text list items (specialties), sorted ignoring case, keeping the
/// first spelling of items that differ only in case.
pub fn union_ignoring_case<'a, S: std::ops::Deref<Target = str> + Clone + 'a>(
    items: impl Iterator<Item = &'a S>,
) -> Vec<S> {
    // distinct spellings first (a country's workshops repeat a few specialties), so each
    // is lower-cased once
    let mut distinct: ahash::AHashMap<&str, &S> = ahash::AHashMap::new();
    for s in items {
        distinct.entry(s).or_insert(s);
    }
    let mut first: BTreeMap<String, &S> = BTreeMap::new();
    for (text, s) in distinct {
        first
            .entry(text.to_lowercase())
            .and_modify(|f| {
                if text < &***f {
                    *f = s;
                }
            })
            .or_insert(s);
    }
    first.into_values().cloned().collect()
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

fn sources_of(rs: &[&Report], pred: impl Fn(&Report) -> bool) -> String {
    let urls: BTreeSet<&str> = rs.iter().filter(|r| pred(r)).map(|r| &*r.source_url).collect();
    urls.into_iter().collect::<Vec<_>>().join(", ")
}

fn merge(id: String, rs: &[&Report]) -> Workshop {
    let mut conflicts = Vec::new();
    let first = rs[0];
    // values are ranked by reference; only the winners are copied
    let names = ranked(rs.iter().filter_map(|r| r.workshop_name()));
    let workshop_name = names
        .iter()
        .filter(|(_, c)| *c == names[0].1)
        .map(|(n, _)| n.to_string())
        .min_by(|a, b| a.chars().count().cmp(&b.chars().count()).then_with(|| a.cmp(b)))
        .unwrap_or_else(|| {
            format!(
                "{} Luban Workshop ({})",
                first.country.name,
                first
                    .host_institutions
                    .first()
                    .or(first.city.as_ref())
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            )
        });
    let pick = |field: &str,
                values: Vec<(&Shared, usize)>,
                conflicts: &mut Vec<String>,
                get: &dyn Fn(&Report) -> Option<&Shared>|
     -> Option<Shared> {
        if values.len() > 1 {
            let parts: Vec<String> = values
                .iter()
                .map(|(v, _)| format!("{v} ({})", sources_of(rs, |r| get(r) == Some(*v))))
                .collect();
            conflicts.push(format!("{field}: {}", parts.join(" vs ")));
        }
        values.into_iter().next().map(|(v, _)| v.clone())
    };
    let city = pick(
        "city",
        ranked(rs.iter().filter_map(|r| r.city.as_ref())),
        &mut conflicts,
        &|r| r.city.as_ref(),
    );
    let organiser_province = pick(
        "organiser_province",
        ranked(rs.iter().filter_map(|r| r.organiser_province.as_ref())),
        &mut conflicts,
        &|r| r.organiser_province.as_ref(),
    );
    let opened_on = merge_dates(rs, &mut conflicts);
    let status = merge_status(rs, &mut conflicts);
    let hosts: Vec<&str> = ranked(rs.iter().flat_map(|r| r.host_institutions.iter().map(|h| &**h)))
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    let partners: Vec<Shared> = ranked(rs.iter().flat_map(|r| r.chinese_partners.iter()))
        .into_iter()
        .map(|(p, _)| p.clone())
        .collect();
    let specialties = union_ignoring_case(rs.iter().flat_map(|r| r.specialties.iter()));
    let source_urls: Vec<Shared> = rs
        .iter()
        .map(|r| &r.source_url)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .cloned()
        .collect();
    Workshop {
        workshop_id: id.into(),
        workshop_name: workshop_name.into(),
        country_code: first.country.code.clone(),
        country_name: first.country.name.clone(),
        region: first.country.region.clone(),
        subregion: first.country.subregion.clone(),
        city,
        host_institution: (!hosts.is_empty()).then(|| hosts.join("; ").into()),
        chinese_partners: partners.into(),
        organiser_province,
        opened_on,
        status,
        specialties: specialties.into(),
        source_count: source_urls.len() as u32,
        source_urls: source_urls.into(),
        conflicts: conflicts.into(),
    }
}

fn merge_dates(rs: &[&Report], conflicts: &mut Vec<String>) -> Option<PartialDate> {
    // Group dates that agree; each group is represented by its most precise date.
    let mut dates: Vec<(PartialDate, &str)> = rs
        .iter()
        .filter_map(|r| r.opened_on.map(|d| (d, &*r.source_url)))
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
        let parts: Vec<String> = groups
            .iter()
            .map(|(d, urls)| {
                let mut u: Vec<&str> = urls.clone();
                u.sort();
                u.dedup();
                format!("{d} ({})", u.join(", "))
            })
            .collect();
        conflicts.push(format!("opened_on: {}", parts.join(" vs ")));
    }
    groups.first().map(|(d, _)| *d)
}

fn merge_status(rs: &[&Report], conflicts: &mut Vec<String>) -> Option<Shared> {
    let mut with: Vec<(&Report, &Shared)> = rs.iter().filter_map(|r| r.status.as_ref().map(|s| (*r, s))).collect();
    // most recent source first; undated last; then by status and URL for a total order
    with.sort_by(|a, b| {
        let da = a.0.source_date.map(|d| d.sort_key());
        let db = b.0.source_date.map(|d| d.sort_key());
        db.cmp(&da).then(a.1.cmp(b.1)).then(a.0.source_url.cmp(&b.0.source_url))
    });
    let distinct: BTreeSet<&Shared> = with.iter().map(|(_, s)| *s).collect();
    if distinct.len() > 1 {
        let parts: Vec<String> = distinct
            .iter()
            .map(|s| format!("{s} ({})", sources_of(rs, |r| r.status.as_ref() == Some(*s))))
            .collect();
        conflicts.push(format!("status: {}", parts.join(" vs ")));
    }
    with.first().map(|(_, s)| (*s).clone())
}

/// Runs dedupe on normalize's reports: `input` within `luban run`, else
/// `build/normalized.bin`.
pub fn run(
    layout: &Layout,
    review: bool,
    input: Option<Chunked<Report>>,
    progress: &Progress,
) -> Result<(StageReport, Deduped)> {
    let start = Instant::now();
    let reports = match input {
        Some(r) => r,
        None => {
            let mut reports = csvio::read_chunked_with::<_, crate::report_frames::ReportNameFrames>(
                &layout.build_file("normalized.bin"),
                "normalize",
            )?;
            host_keys::share_host_lists(&mut reports);
            reports
        }
    };
    let mut report = StageReport::new("dedupe");
    report.rows_in = reports.len() as u64;
    let decisions_path = layout.root.join("raw").join("decisions.csv");
    let decisions = Decisions::load(&decisions_path, &layout.display(&decisions_path))?;
    progress.set_total(reports.len() as u64);
    progress.note("merging");
    let mut d = dedupe_with(reports, &decisions)?;
    progress.set(report.rows_in);
    progress.note("writing build/workshops.bin and build/merges.csv");
    report.rows_out = d.workshops.len() as u64;
    report.rejected = d.unmerged.len() as u64;
    report.merged = report.rows_in.saturating_sub(report.rows_out + report.rejected);
    report.data_errors = !d.unmerged.is_empty();
    // the two large files are written side by side (half a second each at 1M reports)
    let (workshops, merges) = rayon::join(
        || csvio::write_artifact_with::<_, csvio::PostcardAhead>(&layout.build_file("workshops.bin"), &d.workshops),
        || {
            // rendered in blocks on both cores: one thread took 1.3 s for the 125 MB at
            // 1M reports, long after workshops.bin was written
            let positions = d.trail.positions();
            csvio::write_blocks(
                &layout.build_file("merges.csv"),
                positions.div_ceil(MERGES_PER_BLOCK).max(1), // block 0 holds the header
                |block, out| {
                    let mut wtr = csvio::writer(out);
                    if block == 0 {
                        wtr.write_record(["workshop_id", "file", "line", "source_url", "rule"])?;
                    }
                    let start = block * MERGES_PER_BLOCK;
                    // whole byte records: the csv crate copies the fields of a record
                    // that needs no quotes in one go (10 % of this file's time)
                    let mut record = csv::ByteRecord::new();
                    let mut line = itoa::Buffer::new();
                    d.for_each_merge_in(start..positions.min(start + MERGES_PER_BLOCK), |id, r, rule| {
                        record.clear();
                        record.push_field(id.as_bytes());
                        record.push_field(r.at.file.as_bytes());
                        record.push_field(line.format(r.at.line).as_bytes());
                        record.push_field(r.source_url.as_bytes());
                        record.push_field(rule.as_bytes());
                        wtr.write_byte_record(&record)?;
                        Ok(())
                    })?;
                    wtr.flush()?;
                    Ok(())
                },
            )
        },
    );
    workshops?;
    merges?;
    csvio::write_staged(&layout.build_file("unmerged.csv"), |w| {
        let mut wtr = csvio::writer(w);
        wtr.write_record(["file", "line", "source_url", "code", "message"])?;
        for u in &d.unmerged {
            wtr.write_record([u.file.as_str(), &u.line.to_string(), &u.source_url, u.code, &u.message])?;
        }
        wtr.flush()?;
        Ok(())
    })?;
    if review {
        d.review_pairs = Some(write_review(layout, &d.workshops, &decisions)?);
    }
    let merged_rows = d.trail.len() as u64 + d.unmerged.len() as u64;
    if merged_rows != report.rows_in {
        bail!(
            "internal error: dedupe placed {merged_rows} of {} reports",
            report.rows_in
        );
    }
    // The reports are done with once merges.csv is written. They are freed here, on
    // every core and inside dedupe's time. Freed on a thread of their own beside
    // aggregate and publish (as before), they took a core from those stages, and publish
    // could not reuse their memory before it was free: at 10M reports publish took
    // 1 GiB of fresh memory while the 3.8 GB of reports were still being freed.
    progress.note("freeing the reports");
    std::mem::take(&mut d.trail).free();
    report.elapsed = start.elapsed();
    report.check_conservation()?;
    Ok((report, d))
}

/// The review file: name candidates from normalize and workshop candidates, with the
/// columns of `raw/decisions.csv` and an empty `decision` to fill in.
pub fn write_review(layout: &Layout, workshops: &[Workshop], decisions: &Decisions) -> Result<usize> {
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

#[cfg(test)]
mod tests;
