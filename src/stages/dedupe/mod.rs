//! Stage 4, dedupe: merges the reports about one workshop into one workshop.
//!
//! The merge policy, rule by rule, each a function of [`clusters`]:
//! 1. **Host key** (`host_clusters`): reports of one country that name the same host
//!    institution (by comparison key) are one workshop. Record linkage ([`linkage`], from
//!    `link_clusters`) then joins a new host's workshop to the better-established one of
//!    its country it names in another spelling, or sets it aside as a probable duplicate;
//!    the README's "Names and the review loop" says when.
//! 2. **Attach** (`attach_hostless`): a report that names no host joins the one workshop
//!    of its country it matches on city, a Chinese partner or opening year and
//!    contradicts on none; if two qualify it is set aside as `ambiguous-workshop` (exit 1).
//! 3. **Group** (`group_rest`): the other host-less reports merge when country, city,
//!    partners and opening year agree. Those that give none of the three match nothing:
//!    they are set aside as `unidentified-workshop` (exit 1), unless a `same` decision
//!    joins them to a workshop.
//!
//! Then the maintainers' `same` decisions join workshops (`apply_same_decisions`), each
//! workshop gets its id ([`ids`]), and its fields are merged by the field policy
//! ([`merge`](mod@merge)). `build/merges.csv` says which report went into which workshop
//! by which rule; `build/review.csv` (with `--review`) lists the pairs to decide
//! ([`review`]).
//!
//! Nothing depends on input order: clustering runs over the reports sorted by content,
//! and every choice has a total tie-break.

/// A host-less report that fits two workshops (rule 2); also put on the reports of the
/// less established of those workshops, which made it ambiguous.
pub const AMBIGUOUS: &str = "ambiguous-workshop";
/// A new host that record linkage finds probably, not surely, another spelling.
pub const PROBABLE_DUPLICATE: &str = "probable-duplicate";
/// A host-less report that gives nothing to match on (rule 3).
pub const UNIDENTIFIED: &str = "unidentified-workshop";

mod clusters;
mod ids;
mod keys;
pub mod linkage;
mod merge;
mod review;
mod table;
#[cfg(test)]
mod tests;

use std::time::Instant;

use anyhow::{bail, Result};

pub use clusters::{Link, Rule};
pub use merge::union_ignoring_case;
pub use review::{workshop_candidates, write_review};
pub use table::{read_workshops, write_workshops, SourceTables};

use super::StageReport;
use crate::layout::Layout;
use crate::model::{Reports, Workshops};
use crate::names::aliases::AliasTable;
use crate::names::key::name_key;
use crate::names::matcher::{Decisions, Field};
use crate::report::progress::Progress;
use crate::table::csvio;
use crate::table::{IdLists, TextLists, Texts, NONE};

/// A report that could not be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmerged {
    pub file: String,
    pub line: u64,
    pub source_url: String,
    pub code: &'static str,
    pub message: String,
}

impl Unmerged {
    /// The line `luban run` prints for it, which `luban check` reads back
    /// ([`Self::parse_error_line`]): the reports set aside, and the reports of a host that
    /// made others ambiguous (not set aside, so not in `build/unmerged.csv`).
    pub fn error_line(&self) -> String {
        format!("error[{}]: {}:{}: {}", self.code, self.file, self.line, self.message)
    }

    /// An [`Self::error_line`] read back as (code, file, line, message); None for any
    /// other line.
    pub fn parse_error_line(text: &str) -> Option<(String, String, u64, String)> {
        let (code, rest) = text.strip_prefix("error[")?.split_once("]: ")?;
        if ![AMBIGUOUS, PROBABLE_DUPLICATE, UNIDENTIFIED].contains(&code) {
            return None;
        }
        let (at, message) = rest.split_once(": ")?;
        let (file, line) = at.rsplit_once(':')?;
        Some((
            code.to_string(),
            file.to_string(),
            line.parse().ok()?,
            message.to_string(),
        ))
    }
}

/// Where each report goes: the workshops' ids and members, and why each report joined
/// its workshop. Decided before the workshops are merged, so that `merges.csv` is
/// written from the reports in their own order, and the reports are then laid out in
/// the workshops' order for merging.
#[derive(Debug, Default)]
pub struct Placement {
    /// by workshop, in id order: its id and its reports (in content order)
    pub ids: Texts,
    pub members: IdLists,
    /// by workshop: the published ids of the workshops it absorbed (those a `same`
    /// decision names), sorted
    pub former_ids: TextLists,
    /// by report: the index of its workshop ([`NONE`] when set aside)
    pub workshop_of: Vec<u32>,
    /// by report: why it joined its workshop
    pub rules: Vec<Rule>,
    /// what the attached reports matched on ([`Rule::Attached`])
    pub evidence: Vec<Vec<String>>,
    /// the workshops record linkage merged ([`Rule::Linked`])
    pub links: Vec<Link>,
    pub unmerged: Vec<Unmerged>,
    /// errors on merged reports that caused others to be set aside (a new host that
    /// makes an old host-less report ambiguous)
    pub related: Vec<Unmerged>,
    /// the weights record linkage estimated (None when it compared nothing)
    pub weights: Option<linkage::Weights>,
}

impl Placement {
    /// How many reports joined a workshop.
    pub fn merged(&self) -> usize {
        self.workshop_of.iter().filter(|&&w| w != NONE).count()
    }
}

/// The merged dataset.
#[derive(Debug, Default)]
pub struct Deduped {
    pub placement: Placement,
    pub workshops: Workshops,
    /// With `--review`: how many pairs `build/review.csv` lists.
    pub review_pairs: Option<usize>,
}

/// What dedupe knows of names besides the reports: the institution alias table, and the
/// spellings of places that record linkage reads host names with.
#[derive(Debug, Default)]
pub struct Known {
    pub institutions: AliasTable,
    pub places: linkage::PlaceNames,
}

impl Known {
    /// `raw/aliases/institutions.csv` (a missing table knows no name) and the place
    /// names of `raw/` ([`linkage::PlaceNames`]).
    pub fn load(layout: &Layout) -> Result<Known> {
        let path = layout.aliases("institutions");
        let institutions = if path.exists() {
            AliasTable::load("institution", &path, &layout.display(&path))?
        } else {
            AliasTable::default()
        };
        Ok(Known {
            institutions,
            places: linkage::PlaceNames::load(layout)?,
        })
    }
}

/// Decides which reports are one workshop, and each workshop's id (see the module doc).
pub fn place(r: &Reports, decisions: &Decisions, known: &Known) -> Result<Placement> {
    let c = clusters::cluster(r, decisions, known);
    let with_ids = ids::assign(
        c.clusters,
        |c| r.country_of(c.members[0] as usize).code.to_string(),
        |c| &c.identity,
    )?;
    // a former id is one that was published: a `same` decision names it (a maintainer
    // saw both workshops); a cluster record linkage merged was never published apart
    let named: std::collections::BTreeSet<String> = decisions
        .same_pairs(Field::Workshop)
        .into_iter()
        .flat_map(|(a, b)| [a, b])
        .collect();
    let mut p = Placement {
        workshop_of: vec![NONE; r.len()],
        rules: c.rules,
        evidence: c.evidence,
        links: c.links,
        weights: c.weights,
        ..Default::default()
    };
    for (k, (id, cluster)) in with_ids.iter().enumerate() {
        p.ids.push(Some(id));
        p.members.push(&cluster.members);
        let code = &r.country_of(cluster.members[0] as usize).code;
        let mut former: Vec<String> = cluster
            .absorbed
            .iter()
            .map(|f| ids::both_ids(code, f))
            .filter(|ids| ids.iter().any(|id| named.contains(&name_key(id))))
            .map(|[short, _]| short)
            .collect();
        former.sort();
        p.former_ids.push(former.iter().map(String::as_str));
        for &i in &cluster.members {
            p.workshop_of[i as usize] = k as u32;
        }
    }
    // set-aside reports and related notes, each by file and line
    let listed = |set: Vec<_>| -> Vec<Unmerged> {
        let mut v: Vec<Unmerged> = set
            .into_iter()
            .map(|s: clusters::SetAside| {
                let i = s.report as usize;
                Unmerged {
                    file: r.file_of(i).to_string(),
                    line: r.line[i],
                    source_url: r.source_url.str(i).to_string(),
                    code: s.code,
                    message: s.message,
                }
            })
            .collect();
        v.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        v
    };
    p.unmerged = listed(c.set_aside);
    p.related = listed(c.related);
    Ok(p)
}

/// Merges the workshops `p` places. The reports are laid out in the workshops' order
/// first (each workshop's reports one after another), so that merging reads them in
/// order: a workshop's ~5 to 14 reports are anywhere among millions, and reading them
/// where they lie made merging grow faster than its input (5× from 1M to 3M generated
/// reports). Their files and lines are dropped first: `merges.csv` has them.
///
/// A report record linkage merged gives no host name: its spelling ("Univeristy of
/// Abuja") is not a name of the workshop's host until the alias table says so; the
/// workshop's hosts are those of the reports that name it as the dataset knows it, and
/// the spelling is in `merges.csv` and `host-links.csv`.
pub fn merge(mut r: Reports, p: &Placement) -> Workshops {
    r.file = Vec::new();
    r.line = Vec::new();
    if !p.links.is_empty() {
        let mut hosts = IdLists::new();
        for (i, rule) in p.rules.iter().enumerate() {
            let linked = matches!(rule, Rule::Linked(_));
            hosts.push(if linked { &[] } else { r.host_institutions.get(i) });
        }
        r.host_institutions = hosts;
    }
    let order: Vec<u32> = p.members.iter().flatten().copied().collect();
    // where each part of merge::BATCH workshops starts among the laid-out reports
    let mut bounds = vec![0];
    let mut at = 0;
    for (k, m) in p.members.iter().enumerate() {
        if k > 0 && k % merge::BATCH == 0 {
            bounds.push(at);
        }
        at += m.len();
    }
    bounds.push(at);
    let (dict, parts) = r.permute_in_parts(&order, &bounds);
    merge::merge_all(dict, parts, &p.ids, &p.members, &p.former_ids)
}

/// Places and merges the reports (what `luban dedupe` does, without its files).
pub fn dedupe(r: Reports, decisions: &Decisions, known: &Known) -> Result<(Placement, Workshops)> {
    let p = place(&r, decisions, known)?;
    let w = merge(r, &p);
    Ok((p, w))
}

/// The `rule` cell of `build/merges.csv` for report `i`.
fn rule_text(r: &Reports, d: &Placement, i: usize) -> String {
    let mut out = String::new();
    push_rule_text(&mut out, r, d, i);
    out
}

/// Appends the `rule` cell of `build/merges.csv` for report `i` to `out`.
fn push_rule_text(out: &mut String, r: &Reports, d: &Placement, i: usize) {
    let mut joined = |lead: &str, items: &mut dyn Iterator<Item = &str>, sep: &str| {
        out.push_str(lead);
        for (k, item) in items.enumerate() {
            if k > 0 {
                out.push_str(sep);
            }
            out.push_str(item);
        }
    };
    match d.rules[i] {
        Rule::Host => joined(
            "host: ",
            &mut r.host_institutions.get(i).iter().map(|&h| r.dict.hosts.text(h)),
            "; ",
        ),
        Rule::Attached(k) => joined(
            "attached: matches ",
            &mut d.evidence[k as usize].iter().map(String::as_str),
            ", ",
        ),
        Rule::Group => out.push_str("group: same country, city, partners and opening year"),
        Rule::Linked(k) => {
            let l = &d.links[k as usize];
            let s = &l.scored;
            out.push_str(&format!(
                "linked: host `{}` is `{}` ({:.3}; {})",
                s.name, s.matched, s.probability, s.evidence
            ));
        }
    }
}

/// Why a report joined its workshop: one row of `build/merges.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    pub workshop_id: String,
    pub file: String,
    pub line: u64,
    pub source_url: String,
    pub rule: String,
}

/// The merged reports in (file, line) order: `merges.csv`'s order.
fn merged_in_line_order(r: &Reports, d: &Placement) -> Vec<u32> {
    let mut order: Vec<u32> = (0..r.len() as u32)
        .filter(|&i| d.workshop_of[i as usize] != NONE)
        .collect();
    let key = |i: u32| (r.file_of(i as usize), r.line[i as usize]);
    if !order.windows(2).all(|w| key(w[0]) <= key(w[1])) {
        order.sort_by(|&a, &b| key(a).cmp(&key(b)));
    }
    order
}

/// Report `i`'s row of `merges.csv`.
fn merge_of(r: &Reports, d: &Placement, i: usize) -> Merge {
    Merge {
        workshop_id: d.ids.str(d.workshop_of[i] as usize).to_string(),
        file: r.file_of(i).to_string(),
        line: r.line[i],
        source_url: r.source_url.str(i).to_string(),
        rule: rule_text(r, d, i),
    }
}

/// Every row of `merges.csv`, in order.
pub fn merges(r: &Reports, d: &Placement) -> Vec<Merge> {
    merged_in_line_order(r, d)
        .into_iter()
        .map(|i| merge_of(r, d, i as usize))
        .collect()
}

/// Reports per block of `merges.csv` (blocks are rendered on every core).
const MERGES_PER_BLOCK: usize = 16 * 1024;

/// Writes `build/merges.csv`: one line per merged report, in (file, line) order.
fn write_merges(layout: &Layout, r: &Reports, d: &Placement) -> Result<()> {
    let order = merged_in_line_order(r, d);
    let blocks = order.len().div_ceil(MERGES_PER_BLOCK).max(1);
    csvio::write_blocks(&layout.build_file("merges.csv"), blocks, |block, out| {
        let mut wtr = csvio::writer(out);
        if block == 0 {
            wtr.write_record(["workshop_id", "file", "line", "source_url", "rule"])?;
        }
        let start = block * MERGES_PER_BLOCK;
        // one record and one rule text, reused for every row
        let (mut record, mut rule, mut line) = (csv::ByteRecord::new(), String::new(), itoa::Buffer::new());
        for &i in &order[start.min(order.len())..(start + MERGES_PER_BLOCK).min(order.len())] {
            let i = i as usize;
            rule.clear();
            push_rule_text(&mut rule, r, d, i);
            record.clear();
            record.push_field(d.ids.str(d.workshop_of[i] as usize).as_bytes());
            record.push_field(r.file_of(i).as_bytes());
            record.push_field(line.format(r.line[i]).as_bytes());
            record.push_field(r.source_url.str(i).as_bytes());
            record.push_field(rule.as_bytes());
            wtr.write_byte_record(&record)?;
        }
        wtr.flush()?;
        Ok(())
    })
}

/// Writes `build/host-links.csv`: the hosts record linkage merged into a workshop, with
/// the score, the evidence and the alias line that would make the merge explicit.
fn write_links(layout: &Layout, links: &[Link]) -> Result<()> {
    csvio::write_staged(&layout.build_file("host-links.csv"), |w| {
        let mut wtr = csvio::writer(w);
        wtr.write_record([
            "workshop_id",
            "absorbed_id",
            "name",
            "matched",
            "probability",
            "evidence",
            "alias_line",
        ])?;
        for l in links {
            let s = &l.scored;
            wtr.write_record([
                l.target_id.as_str(),
                &l.from_id,
                &s.name,
                &s.matched,
                &format!("{:.3}", s.probability),
                &s.evidence,
                &l.alias_line,
            ])?;
        }
        wtr.flush()?;
        Ok(())
    })
}

/// Writes `build/linkage-weights.csv`: what each level of each feature weighed in this
/// run's record linkage, and the pairs it was estimated from (empty when linkage compared
/// nothing).
fn write_weights(layout: &Layout, weights: Option<&linkage::Weights>) -> Result<()> {
    csvio::write_staged(&layout.build_file("linkage-weights.csv"), |w| {
        let mut wtr = csvio::writer(w);
        wtr.write_record(["feature", "level", "m_pairs", "u_pairs", "m", "u", "bits"])?;
        for row in weights.map_or(&[][..], |w| &w.rows) {
            wtr.write_record([
                row.feature.as_str(),
                row.feature.levels()[row.level],
                &row.m_pairs.to_string(),
                &row.u_pairs.to_string(),
                &format!("{:.4}", row.m),
                &format!("{:.4}", row.u),
                &format!("{:.2}", row.bits),
            ])?;
        }
        wtr.flush()?;
        Ok(())
    })
}

fn write_unmerged(layout: &Layout, unmerged: &[Unmerged]) -> Result<()> {
    csvio::write_staged(&layout.build_file("unmerged.csv"), |w| {
        let mut wtr = csvio::writer(w);
        wtr.write_record(["file", "line", "source_url", "code", "message"])?;
        for u in unmerged {
            wtr.write_record([u.file.as_str(), &u.line.to_string(), &u.source_url, u.code, &u.message])?;
        }
        wtr.flush()?;
        Ok(())
    })
}

/// Runs dedupe on normalize's reports: `input` within `luban run`, else
/// `build/reports.arrow`.
pub fn run(
    layout: &Layout,
    review: bool,
    input: Option<Reports>,
    progress: &Progress,
) -> Result<(StageReport, Deduped)> {
    let start = Instant::now();
    let mut reports = match input {
        Some(r) => r,
        None => super::normalize::read_reports(layout)?,
    };
    // dedupe does not read the notes (build/reports.arrow has them)
    reports.notes = Default::default();
    let mut report = StageReport::new("dedupe");
    report.rows_in = reports.len() as u64;
    let decisions_path = layout.root.join("raw").join("decisions.csv");
    let decisions = Decisions::load(&decisions_path, &layout.display(&decisions_path))?;
    let known = Known::load(layout)?;
    progress.set_total(reports.len() as u64);
    progress.note("merging");
    let placement = place(&reports, &decisions, &known)?;
    report.rows_out = placement.ids.len() as u64;
    report.rejected = placement.unmerged.len() as u64;
    report.merged = report.rows_in.saturating_sub(report.rows_out + report.rejected);
    report.data_errors = !placement.unmerged.is_empty();
    progress.note("writing build/merges.csv");
    write_merges(layout, &reports, &placement)?;
    write_unmerged(layout, &placement.unmerged)?;
    write_links(layout, &placement.links)?;
    write_weights(layout, placement.weights.as_ref())?;
    let workshops = merge(reports, &placement);
    progress.set(report.rows_in);
    progress.note("writing build/workshops.arrow");
    write_workshops(&layout.build_file("workshops.arrow"), &workshops)?;
    let mut d = Deduped {
        placement,
        workshops,
        review_pairs: None,
    };
    if review {
        d.review_pairs = Some(write_review(layout, &d.workshops, &decisions)?);
    }
    let placed = d.placement.merged() as u64 + d.placement.unmerged.len() as u64;
    if placed != report.rows_in {
        bail!("internal error: dedupe placed {placed} of {} reports", report.rows_in);
    }
    report.elapsed = start.elapsed();
    report.check_conservation()?;
    Ok((report, d))
}
