//! How `build/normalized.bin` stores a frame of reports: each shared value once.
//!
//! Reports share most of their text: the four country names, the canonical city, host
//! and partner names, status, specialties and organiser province are one value for
//! thousands of reports (see [`crate::model::Shared`]). Written report by report, that
//! text was serialized and compressed again for every report: writing `normalized.bin`
//! took 0.6 s of normalize's ~2.5 s at a million reports. A frame (a few thousand
//! reports, see [`crate::csvio`]) now holds a table of its distinct texts, name lists and
//! countries, and the reports hold their indices. Reading a frame back shares each value
//! among the frame's reports, as normalize had, instead of one copy per report.
//!
//! The tables are in first-seen order of the values' text, so the bytes depend only on
//! the reports' content, not on which of them happened to share an allocation.

use std::sync::Arc;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::csvio::FrameCodec;
use crate::model::{CountryNames, FreeText, Report, ReportAt, Shared, SharedList};
use crate::partial_date::PartialDate;
use crate::read_ahead;

/// The frame codec of reports (see the module doc).
pub struct ReportFrames;

#[derive(Serialize, Deserialize)]
struct Frame<'a> {
    #[serde(borrow)]
    texts: Vec<&'a str>,
    /// the items of every name list, one list after another, as indices into `texts`
    list_items: Vec<u32>,
    /// where each name list ends in `list_items`
    list_ends: Vec<u32>,
    /// code, name, region, subregion, as indices into `texts`
    countries: Vec<[u32; 4]>,
    #[serde(borrow)]
    reports: Vec<Packed<'a>>,
}

/// A report with its shared values as indices into its frame's tables; its own text
/// (name, URL, title, notes) stays inline.
#[derive(Serialize, Deserialize)]
struct Packed<'a> {
    file: u32,
    line: u64,
    #[serde(borrow)]
    workshop_name: Option<&'a str>,
    country: u32,
    city: Option<u32>,
    host_institutions: u32,
    chinese_partners: u32,
    opened_on: Option<PartialDate>,
    status: Option<u32>,
    specialties: u32,
    #[serde(borrow)]
    source_url: &'a str,
    #[serde(borrow)]
    source_title: Option<&'a str>,
    source_date: Option<PartialDate>,
    #[serde(borrow)]
    notes: Option<&'a str>,
    organiser_province: Option<u32>,
}

/// The tables of one frame being written. A value is looked up by its allocation first
/// (cheap, and most values are shared allocations), then by its content, so that equal
/// values in different allocations still get one entry.
///
/// Most reports of a frame have a host list of their own (a frame holds a few thousand
/// of ~200k workshops at a million reports), so the lists are kept flat, one after
/// another, and found by their items through indices (`list_of`): a list of its own per
/// entry, cloned into a map key, was the largest part of writing `normalized.bin`.
struct Tables<'a> {
    texts: Vec<&'a str>,
    text_at: ahash::AHashMap<(usize, usize), u32>,
    text_of: ahash::AHashMap<&'a str, u32>,
    list_items: Vec<u32>,
    list_ends: Vec<u32>,
    list_at: ahash::AHashMap<(usize, usize), u32>,
    /// indices into `list_ends`, hashed by the list's items (with `hasher`)
    list_of: hashbrown::HashTable<u32>,
    hasher: ahash::RandomState,
    countries: Vec<[u32; 4]>,
    country_at: ahash::AHashMap<usize, u32>,
    country_of: ahash::AHashMap<[u32; 4], u32>,
}

fn index(n: usize) -> Result<u32> {
    u32::try_from(n).context("failed to encode reports: a frame has more than 2^32 values")
}

/// The index of `value` in `table` (found through `of`), added at the end if new.
fn find_or_push<K: std::hash::Hash + Eq + Clone>(
    table: &mut Vec<K>,
    of: &mut ahash::AHashMap<K, u32>,
    value: K,
) -> Result<u32> {
    if let Some(&i) = of.get(&value) {
        return Ok(i);
    }
    let i = index(table.len())?;
    table.push(value.clone());
    of.insert(value, i);
    Ok(i)
}

/// The items of list `i` of flat lists ([`Tables`]).
fn items_of<'i>(items: &'i [u32], ends: &[u32], i: u32) -> &'i [u32] {
    let end = ends[i as usize] as usize;
    let start = if i == 0 { 0 } else { ends[i as usize - 1] as usize };
    &items[start..end]
}

impl<'a> Tables<'a> {
    /// Tables sized for a frame of `reports` (about one new text and one new list per
    /// report; they grow if there are more).
    fn for_frame(reports: usize) -> Tables<'a> {
        Tables {
            texts: Vec::with_capacity(reports + 64),
            text_at: ahash::AHashMap::with_capacity(reports + 64),
            text_of: ahash::AHashMap::with_capacity(reports + 64),
            list_items: Vec::with_capacity(2 * reports),
            list_ends: Vec::with_capacity(reports + 64),
            list_at: ahash::AHashMap::with_capacity(reports + 64),
            list_of: hashbrown::HashTable::with_capacity(reports + 64),
            hasher: ahash::RandomState::new(),
            countries: Vec::new(),
            country_at: ahash::AHashMap::new(),
            country_of: ahash::AHashMap::new(),
        }
    }

    fn text(&mut self, s: &'a str) -> Result<u32> {
        let at = (s.as_ptr() as usize, s.len());
        if let Some(&i) = self.text_at.get(&at) {
            return Ok(i);
        }
        let i = find_or_push(&mut self.texts, &mut self.text_of, s)?;
        self.text_at.insert(at, i);
        Ok(i)
    }

    fn list(&mut self, l: &'a SharedList) -> Result<u32> {
        let at = (l.as_ptr() as usize, l.len());
        if let Some(&i) = self.list_at.get(&at) {
            return Ok(i);
        }
        // the items go at the end; they are taken back if the list is there already
        let start = self.list_items.len();
        for s in l.iter() {
            let t = self.text(s)?;
            self.list_items.push(t);
        }
        let Tables {
            list_items,
            list_ends,
            list_of,
            hasher,
            ..
        } = self;
        let hash = hasher.hash_one(&list_items[start..]);
        let (items, ends) = (&list_items[..start], &list_ends[..]);
        let found = list_of.find(hash, |&j| items_of(items, ends, j) == &list_items[start..]);
        let i = match found {
            Some(&j) => {
                list_items.truncate(start);
                j
            }
            None => {
                let j = index(list_ends.len())?;
                list_ends.push(index(list_items.len())?);
                let (items, ends) = (&list_items[..], &list_ends[..]);
                list_of.insert_unique(hash, j, |&k| hasher.hash_one(items_of(items, ends, k)));
                j
            }
        };
        self.list_at.insert(at, i);
        Ok(i)
    }

    fn country(&mut self, c: &'a Arc<CountryNames>) -> Result<u32> {
        let at = Arc::as_ptr(c) as usize;
        if let Some(&i) = self.country_at.get(&at) {
            return Ok(i);
        }
        let names = [
            self.text(&c.code)?,
            self.text(&c.name)?,
            self.text(&c.region)?,
            self.text(&c.subregion)?,
        ];
        let i = find_or_push(&mut self.countries, &mut self.country_of, names)?;
        self.country_at.insert(at, i);
        Ok(i)
    }
}

impl FrameCodec<Report> for ReportFrames {
    fn encode(chunk: &[Report], raw: &mut Vec<u8>) -> Result<()> {
        let mut t = Tables::for_frame(chunk.len());
        let mut reports = Vec::with_capacity(chunk.len());
        for (k, r) in chunk.iter().enumerate() {
            if let Some(block) = read_ahead::block_at(k, 0..chunk.len()) {
                read_ahead::ahead(&chunk[block]);
            }
            reports.push(Packed {
                file: t.text(&r.at.file)?,
                line: r.at.line,
                workshop_name: r.workshop_name(),
                country: t.country(&r.country)?,
                city: r.city.as_deref().map(|c| t.text(c)).transpose()?,
                host_institutions: t.list(&r.host_institutions)?,
                chinese_partners: t.list(&r.chinese_partners)?,
                opened_on: r.opened_on,
                status: r.status.as_deref().map(|s| t.text(s)).transpose()?,
                specialties: t.list(&r.specialties)?,
                source_url: &r.source_url,
                source_title: r.source_title(),
                source_date: r.source_date,
                notes: r.notes(),
                organiser_province: r.organiser_province.as_deref().map(|p| t.text(p)).transpose()?,
            });
        }
        let frame = Frame {
            texts: t.texts,
            list_items: t.list_items,
            list_ends: t.list_ends,
            countries: t.countries,
            reports,
        };
        *raw = postcard::to_extend(&frame, std::mem::take(raw)).context("failed to encode reports")?;
        Ok(())
    }

    fn decode(raw: &[u8], n: usize) -> Option<Vec<Report>> {
        decode(raw, n, true)
    }
}

/// [`ReportFrames`] for dedupe, which reads only the workshop name of a report's free
/// text: the source title and notes are not decoded at all. Decoding them, then
/// dropping them in dedupe, had left `luban dedupe` alone at 10M reports holding them
/// (~46 bytes a report) until reading ended, and their freed memory scattered among
/// the reports.
pub struct ReportNameFrames;

impl FrameCodec<Report> for ReportNameFrames {
    fn encode(chunk: &[Report], raw: &mut Vec<u8>) -> Result<()> {
        ReportFrames::encode(chunk, raw)
    }

    fn decode(raw: &[u8], n: usize) -> Option<Vec<Report>> {
        decode(raw, n, false)
    }
}

/// The reports of a frame, with their source titles and notes if `free_text`.
fn decode(raw: &[u8], n: usize, free_text: bool) -> Option<Vec<Report>> {
    let frame: Frame = postcard::from_bytes(raw).ok()?;
    if frame.reports.len() != n {
        return None;
    }
    let texts: Vec<Shared> = frame.texts.iter().map(|t| Shared::from(*t)).collect();
    let text = |i: u32| texts.get(i as usize).cloned();
    let mut start = 0usize;
    let lists = frame
        .list_ends
        .iter()
        .map(|&end| {
            let items = frame.list_items.get(start..end as usize)?;
            start = end as usize;
            items
                .iter()
                .map(|&i| text(i))
                .collect::<Option<Vec<Shared>>>()
                .map(SharedList::from)
        })
        .collect::<Option<Vec<SharedList>>>()?;
    if start != frame.list_items.len() {
        return None;
    }
    let list = |i: u32| lists.get(i as usize).cloned();
    let countries = frame
        .countries
        .iter()
        .map(|&[code, name, region, subregion]| {
            Some(Arc::new(CountryNames {
                code: text(code)?,
                name: text(name)?,
                region: text(region)?,
                subregion: text(subregion)?,
            }))
        })
        .collect::<Option<Vec<_>>>()?;
    frame
        .reports
        .into_iter()
        .map(|p| {
            Some(Report {
                at: ReportAt {
                    file: text(p.file)?,
                    line: p.line,
                },
                free_text: if free_text {
                    FreeText::new(p.workshop_name, p.source_title, p.notes)
                } else {
                    FreeText::new(p.workshop_name, None, None)
                },
                country: countries.get(p.country as usize)?.clone(),
                city: p.city.map(text).map_or(Some(None), |c| c.map(Some))?,
                host_institutions: list(p.host_institutions)?,
                chinese_partners: list(p.chinese_partners)?,
                opened_on: p.opened_on,
                status: p.status.map(text).map_or(Some(None), |s| s.map(Some))?,
                specialties: list(p.specialties)?,
                source_url: p.source_url.into(),
                source_date: p.source_date,
                organiser_province: p.organiser_province.map(text).map_or(Some(None), |o| o.map(Some))?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(i: usize, country: &Arc<CountryNames>, hosts: &SharedList) -> Report {
        Report {
            at: ReportAt {
                file: if i.is_multiple_of(2) {
                    "raw/reports/a.csv"
                } else {
                    "raw/reports/b.csv"
                }
                .into(),
                line: i as u64 + 2,
            },
            free_text: FreeText::new(
                (!i.is_multiple_of(3)).then(|| format!("Luban Workshop {i}")).as_deref(),
                (i % 2 == 1).then_some("A title – Öskemen"),
                (i.is_multiple_of(3)).then_some("[Tianjin] note"),
            ),
            country: if i.is_multiple_of(4) {
                // the same country in an allocation of its own
                Arc::new((**country).clone())
            } else {
                country.clone()
            },
            city: (!i.is_multiple_of(5)).then(|| Shared::from(if i.is_multiple_of(2) { "Oskemen" } else { "Nairobi" })),
            host_institutions: if i.is_multiple_of(7) {
                SharedList::from([])
            } else {
                hosts.clone()
            },
            chinese_partners: SharedList::from(vec![Shared::from("Tianjin Vocational Institute"); (i % 3).min(1)]),
            opened_on: (i.is_multiple_of(2)).then(|| PartialDate::parse("2023-12").unwrap()),
            status: (!i.is_multiple_of(6)).then(|| Shared::from("operating")),
            specialties: SharedList::from(vec![Shared::from("CNC"), Shared::from(format!("s{}", i % 4))]),
            source_url: format!("https://example.org/{i}").into(),
            source_date: None,
            organiser_province: (i.is_multiple_of(3)).then(|| Shared::from("Tianjin")),
        }
    }

    fn reports(n: usize) -> Vec<Report> {
        let kaz = Arc::new(CountryNames {
            code: "KAZ".into(),
            name: "Kazakhstan".into(),
            region: "Asia".into(),
            subregion: "Central Asia".into(),
        });
        let hosts = SharedList::from(vec![Shared::from("EKTU"), Shared::from("Machakos University")]);
        (0..n).map(|i| report(i, &kaz, &hosts)).collect()
    }

    #[test]
    fn frames_of_reports_read_back_equal_and_shared() {
        for n in [0, 1, 2, 100] {
            let chunk = reports(n);
            let mut raw = Vec::new();
            ReportFrames::encode(&chunk, &mut raw).unwrap();
            let back = ReportFrames::decode(&raw, n).unwrap();
            assert_eq!(back, chunk, "{n} reports");
            if n > 4 {
                // read back, a value is one allocation for the whole frame
                assert!(Arc::ptr_eq(&back[1].country, &back[4].country));
                assert!(SharedList::ptr_eq(
                    &back[1].host_institutions,
                    &back[2].host_institutions
                ));
            }
        }
        // the bytes do not depend on which equal values shared an allocation
        let chunk = reports(50);
        let copied: Vec<Report> = chunk
            .iter()
            .map(|r| Report {
                country: Arc::new((*r.country).clone()),
                host_institutions: r.host_institutions.iter().map(|h| Shared::from(&**h)).collect(),
                city: r.city.as_deref().map(Shared::from),
                ..r.clone()
            })
            .collect();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        ReportFrames::encode(&chunk, &mut a).unwrap();
        ReportFrames::encode(&copied, &mut b).unwrap();
        assert!(
            a == b,
            "equal reports in shared and unshared allocations encode differently"
        );
        // each distinct list is stored once, whatever allocations it came in
        let frame: Frame = postcard::from_bytes(&b).unwrap();
        let distinct: std::collections::BTreeSet<Vec<&str>> = copied
            .iter()
            .flat_map(|r| [&r.host_institutions, &r.chinese_partners, &r.specialties])
            .map(|l| l.iter().map(|s| &**s).collect())
            .collect();
        assert_eq!(frame.list_ends.len(), distinct.len());
        assert_eq!(
            frame.list_ends.last().copied(),
            Some(distinct.iter().map(Vec::len).sum::<usize>() as u32)
        );
        // a wrong count or damaged bytes are refused, never a panic
        assert!(ReportFrames::decode(&a, 49).is_none());
        for cut in [0, 1, a.len() / 2, a.len() - 1] {
            assert!(ReportFrames::decode(&a[..cut], 50).is_none(), "cut at {cut}");
        }
    }

    /// Dedupe's decoder gives the same reports but for their source titles and notes,
    /// which it leaves out, and refuses what the full one refuses.
    #[test]
    fn dedupe_reads_the_same_reports_without_titles_and_notes() {
        let chunk = reports(100);
        assert!(chunk.iter().any(|r| r.source_title().is_some()) && chunk.iter().any(|r| r.notes().is_some()));
        let mut raw = Vec::new();
        ReportNameFrames::encode(&chunk, &mut raw).unwrap();
        let back = ReportNameFrames::decode(&raw, chunk.len()).unwrap();
        assert_eq!(back.len(), chunk.len());
        for (b, r) in back.iter().zip(&chunk) {
            assert!(b.free_text.is_name_only());
            assert_eq!(b.workshop_name(), r.workshop_name());
            assert_eq!(b.source_title(), None);
            assert_eq!(b.notes(), None);
            let mut r = r.clone();
            r.free_text = r.free_text.name_only();
            assert_eq!(*b, r);
        }
        assert!(ReportNameFrames::decode(&raw, 99).is_none());
        assert!(ReportNameFrames::decode(&raw[..raw.len() / 2], 100).is_none());
    }
}
