//! The published tables, column by column: what each file of `output/` holds and in
//! which order, in one typed form ([`Col`]) that both the CSV and the Parquet writer
//! read. Cells borrow from the merged workshops where they can.

use std::borrow::Cow;
use std::ops::Range;

use crate::model::{ClaimCheck, CountrySummary, OpeningsByYear, OpeningsWorldwide, Workshops};
use crate::names::places::Location;
use crate::partial_date::PartialDate;
use crate::table::{Names, TextLists, Texts};

/// Rows per Parquet row group (fixed, so files do not depend on the machine).
pub const ROW_GROUP_SIZE: usize = 65_536;

/// One typed column of a published table, in a form both writers understand. Cells
/// borrow from the tables.
pub(super) enum Col<'a> {
    Text(Vec<Option<Cow<'a, str>>>),
    List(Vec<Items<'a>>),
    /// lists of strings built for the table (the conflicts' text)
    Strings(Vec<Vec<String>>),
    Date(Vec<Option<PartialDate>>),
    Count(Vec<Option<u32>>),
    Int(Vec<Option<i32>>),
    Float(Vec<Option<f64>>),
}

/// The items of one list cell: name ids in a dictionary, a row of a text-list column,
/// rows of a text column (a conflict's sources), a table's own strings, or the names of
/// a set of fields.
#[derive(Clone, Copy)]
pub(super) enum Items<'a> {
    Names(&'a [u32], &'a Names),
    Texts(&'a TextLists, usize),
    /// rows of a text column
    TextRows(&'a [u32], &'a Texts),
    Owned(&'a [String]),
    /// the names of a set of fields
    Fields(crate::model::FieldSet),
}

impl<'a> Items<'a> {
    pub(super) fn len(self) -> usize {
        match self {
            Items::Names(v, _) => v.len(),
            Items::Texts(l, i) => l.count(i),
            Items::TextRows(v, _) => v.len(),
            Items::Owned(v) => v.len(),
            Items::Fields(f) => f.0.count_ones() as usize,
        }
    }

    pub(super) fn iter(self) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        match self {
            Items::Names(v, d) => Box::new(v.iter().map(move |&id| d.text(id))),
            Items::Texts(l, i) => Box::new(l.get(i)),
            Items::TextRows(v, t) => Box::new(v.iter().map(move |&row| t.str(row as usize))),
            Items::Owned(v) => Box::new(v.iter().map(String::as_str)),
            Items::Fields(f) => Box::new(f.names().map(|n| -> &'a str { n })),
        }
    }
}

pub(super) struct Table<'a> {
    pub(super) name: &'static str,
    pub(super) columns: Vec<(&'static str, Col<'a>)>,
    pub(super) rows: usize,
}

/// A table to publish, built one Parquet row group at a time: `slice(range)` is the
/// [`Table`] of the rows in `range`. Both files are written group by group, so only one
/// group's columns and frame exist at a time; the whole workshops table's columns and
/// frame had taken ~1.1 GiB of fresh memory at 10M reports, the largest step of the run.
pub(super) struct Rows<'a> {
    pub(super) name: &'static str,
    pub(super) len: usize,
    pub(super) slice: Box<dyn Fn(Range<usize>) -> Table<'a> + Sync + 'a>,
}

impl<'a> Rows<'a> {
    pub(super) fn of<T: Sync>(items: &'a [T], table: fn(&'a [T]) -> Table<'a>) -> Rows<'a> {
        Rows {
            name: table(&[]).name,
            len: items.len(),
            slice: Box::new(move |range| table(&items[range])),
        }
    }

    pub(super) fn sources(w: &'a Workshops) -> Rows<'a> {
        Rows {
            name: "sources",
            len: w.sources.len(),
            slice: Box::new(move |range| sources_table(w, range)),
        }
    }

    pub(super) fn conflicts(w: &'a Workshops) -> Rows<'a> {
        Rows {
            name: "conflicts",
            len: w.conflicts.rows(),
            slice: Box::new(move |range| conflicts_table(w, range)),
        }
    }

    pub(super) fn workshops(w: &'a Workshops, locs: &'a [Option<Location>]) -> Rows<'a> {
        Rows {
            name: "workshops",
            len: w.len(),
            slice: Box::new(move |range| workshops_table(w, locs, range)),
        }
    }

    /// The row groups, as polars' `ParquetWriter::finish` splits a one-chunk frame: `n`
    /// equal groups of `len / n` rows, the last one taking the rest, where `n = len /
    /// ROW_GROUP_SIZE` (one group when the table is smaller). Writing the same groups
    /// one by one keeps the row groups what they were (the list columns' pages differ
    /// slightly from those of slices of one whole array; the data does not).
    pub(super) fn groups(&self) -> Vec<Range<usize>> {
        let n = self.len / ROW_GROUP_SIZE;
        if n <= 1 {
            return std::iter::once(0..self.len).collect();
        }
        let size = self.len / n;
        (0..n)
            .map(|k| k * size..if k + 1 == n { self.len } else { (k + 1) * size })
            .collect()
    }

    pub(super) fn names(&self) -> Vec<&'static str> {
        (self.slice)(0..0).columns.iter().map(|(n, _)| *n).collect()
    }
}

fn borrowed(s: &str) -> Option<Cow<'_, str>> {
    Some(Cow::Borrowed(s))
}

fn text_col<'a>(rows: Range<usize>, f: impl Fn(usize) -> Option<&'a str>) -> Col<'a> {
    Col::Text(rows.map(|i| f(i).map(Cow::Borrowed)).collect())
}

fn name_col<'a>(rows: Range<usize>, ids: &'a [u32], dict: &'a Names) -> Col<'a> {
    text_col(rows, move |i| Workshops::name(dict, ids[i]))
}

fn names_col<'a>(rows: Range<usize>, lists: &'a crate::table::IdLists, dict: &'a Names) -> Col<'a> {
    Col::List(rows.map(|i| Items::Names(lists.get(i), dict)).collect())
}

fn workshops_table<'a>(w: &'a Workshops, locs: &'a [Option<Location>], rows: Range<usize>) -> Table<'a> {
    let d = &w.dict;
    let r = || rows.clone();
    let name = |ids, dict| name_col(r(), ids, dict);
    let names = |lists, dict| names_col(r(), lists, dict);
    let country = |f: fn(&crate::model::CountryNames) -> &str| text_col(r(), move |i| Some(f(w.country_of(i))));
    Table {
        name: "workshops",
        rows: rows.len(),
        columns: vec![
            ("workshop_id", text_col(r(), |i| w.workshop_id.get(i))),
            ("workshop_name", text_col(r(), |i| w.workshop_name.get(i))),
            ("kind", name(&w.kind, &d.kinds)),
            ("country_code", country(|c| &c.code)),
            ("country_name", country(|c| &c.name)),
            ("region", country(|c| &c.region)),
            ("subregion", country(|c| &c.subregion)),
            ("city", name(&w.city, &d.cities)),
            ("host_institution", text_col(r(), |i| w.host_institution.get(i))),
            ("chinese_partners", names(&w.chinese_partners, &d.partners)),
            ("host_partners", names(&w.host_partners, &d.host_partners)),
            ("organiser_province", name(&w.organiser_province, &d.provinces)),
            ("opened_on", Col::Date(w.opened_on[r()].to_vec())),
            (
                "opened_precision",
                text_col(r(), |i| w.opened_on[i].map(|d| d.precision().as_str())),
            ),
            ("status", name(&w.status, &d.statuses)),
            ("specialties", names(&w.specialties, &d.specialties)),
            (
                "source_urls",
                Col::List(r().map(|i| Items::Texts(&w.source_urls, i)).collect()),
            ),
            (
                "source_count",
                Col::Count(r().map(|i| Some(w.source_urls.count(i) as u32)).collect()),
            ),
            (
                "conflicts",
                Col::Strings(r().map(|i| w.conflicts.lines(i, &w.source_urls.texts)).collect()),
            ),
            (
                "former_ids",
                Col::List(r().map(|i| Items::Texts(&w.former_ids, i)).collect()),
            ),
            (
                "latitude",
                Col::Float(locs[r()].iter().map(|l| l.map(|l| l.latitude)).collect()),
            ),
            (
                "longitude",
                Col::Float(locs[r()].iter().map(|l| l.map(|l| l.longitude)).collect()),
            ),
            (
                "geo_precision",
                text_col(r(), |i| locs[i].map(|l| l.precision.as_str())),
            ),
        ],
    }
}

/// The workshop id of each row at `rows` of a long table (see [`crate::model::workshop_of`]).
fn workshop_id_col<'a>(w: &'a Workshops, starts: &[u32], rows: Range<usize>) -> Col<'a> {
    text_col(rows, |row| w.workshop_id.get(crate::model::workshop_of(starts, row)))
}

/// One row per source of a workshop: what it gave.
fn sources_table(w: &Workshops, rows: Range<usize>) -> Table<'_> {
    let s = &w.sources;
    let r = || rows.clone();
    Table {
        name: "sources",
        rows: rows.len(),
        columns: vec![
            ("workshop_id", workshop_id_col(w, &w.source_urls.starts, r())),
            ("source_url", text_col(r(), |i| w.source_urls.texts.get(i))),
            ("source_title", text_col(r(), |i| s.title.get(i))),
            ("source_date", Col::Date(s.date[r()].to_vec())),
            (
                "source_date_precision",
                text_col(r(), |i| s.date[i].map(|d| d.precision().as_str())),
            ),
            ("fields", Col::List(r().map(|i| Items::Fields(s.fields[i])).collect())),
        ],
    }
}

/// One row per workshop, field and value where its sources disagree.
fn conflicts_table(w: &Workshops, rows: Range<usize>) -> Table<'_> {
    let c = &w.conflicts;
    let r = || rows.clone();
    Table {
        name: "conflicts",
        rows: rows.len(),
        columns: vec![
            ("workshop_id", workshop_id_col(w, &c.starts, r())),
            (
                "field",
                text_col(r(), |i| Some(crate::model::FIELDS[c.field[i] as usize])),
            ),
            ("value", text_col(r(), |i| c.value.get(i))),
            (
                "source_urls",
                Col::List(
                    r().map(|i| Items::TextRows(c.sources.get(i), &w.source_urls.texts))
                        .collect(),
                ),
            ),
        ],
    }
}

pub(super) fn countries_table(cs: &[CountrySummary]) -> Table<'_> {
    let text = |f: &dyn Fn(&CountrySummary) -> &str| Col::Text(cs.iter().map(|c| borrowed(f(c))).collect());
    let count = |f: &dyn Fn(&CountrySummary) -> u32| Col::Count(cs.iter().map(|c| Some(f(c))).collect());
    let precision = |f: &dyn Fn(&CountrySummary) -> Option<PartialDate>| {
        Col::Text(
            cs.iter()
                .map(|c| f(c).map(|d| Cow::Borrowed(d.precision().as_str())))
                .collect(),
        )
    };
    Table {
        name: "countries",
        rows: cs.len(),
        columns: vec![
            ("country_code", text(&|c| &c.country_code)),
            ("country_name", text(&|c| &c.country_name)),
            ("region", text(&|c| &c.region)),
            ("subregion", text(&|c| &c.subregion)),
            ("workshops", count(&|c| c.workshops)),
            ("operating", count(&|c| c.operating)),
            ("announced", count(&|c| c.announced)),
            ("planned", count(&|c| c.planned)),
            ("suspended", count(&|c| c.suspended)),
            ("closed", count(&|c| c.closed)),
            (
                "first_opened_on",
                Col::Date(cs.iter().map(|c| c.first_opened_on).collect()),
            ),
            ("first_opened_precision", precision(&|c| c.first_opened_on)),
            (
                "latest_opened_on",
                Col::Date(cs.iter().map(|c| c.latest_opened_on).collect()),
            ),
            ("latest_opened_precision", precision(&|c| c.latest_opened_on)),
            ("host_institutions", count(&|c| c.host_institutions)),
            (
                "chinese_partners",
                Col::List(cs.iter().map(|c| Items::Owned(&c.chinese_partners)).collect()),
            ),
            (
                "specialties",
                Col::List(cs.iter().map(|c| Items::Owned(&c.specialties)).collect()),
            ),
            ("sources", count(&|c| c.sources)),
        ],
    }
}

pub(super) fn openings_table(rows: &[OpeningsByYear]) -> Table<'_> {
    Table {
        name: "openings_by_year",
        rows: rows.len(),
        columns: vec![
            ("year", Col::Int(rows.iter().map(|r| Some(r.year)).collect())),
            (
                "country_code",
                Col::Text(rows.iter().map(|r| borrowed(&r.country_code)).collect()),
            ),
            ("region", Col::Text(rows.iter().map(|r| borrowed(&r.region)).collect())),
            ("openings", Col::Count(rows.iter().map(|r| Some(r.openings)).collect())),
        ],
    }
}

pub(super) fn worldwide_table(rows: &[OpeningsWorldwide]) -> Table<'_> {
    let count = |f: fn(&OpeningsWorldwide) -> u32| Col::Count(rows.iter().map(|r| Some(f(r))).collect());
    Table {
        name: "openings_worldwide",
        rows: rows.len(),
        columns: vec![
            ("year", Col::Int(rows.iter().map(|r| Some(r.year)).collect())),
            ("openings", count(|r| r.openings)),
            ("cumulative_openings", count(|r| r.cumulative)),
        ],
    }
}

pub(super) fn claims_table(rows: &[ClaimCheck]) -> Table<'_> {
    let text = |f: &dyn for<'r> Fn(&'r ClaimCheck) -> Option<Cow<'r, str>>| Col::Text(rows.iter().map(f).collect());
    Table {
        name: "claims_check",
        rows: rows.len(),
        columns: vec![
            (
                "claim_date",
                text(&|r| r.claim.claim_date.map(|d| Cow::Owned(d.to_string()))),
            ),
            ("as_of", Col::Date(rows.iter().map(|r| r.as_of).collect())),
            ("date_text", text(&|r| borrowed(&r.claim.date_text))),
            ("scope", text(&|r| borrowed(&r.claim.scope))),
            ("scope_text", text(&|r| borrowed(&r.claim.scope_text))),
            ("qualifier", text(&|r| borrowed(&r.claim.qualifier))),
            (
                "claimed_workshops",
                Col::Count(rows.iter().map(|r| r.claim.claimed_workshops).collect()),
            ),
            (
                "claimed_countries",
                Col::Count(rows.iter().map(|r| r.claim.claimed_countries).collect()),
            ),
            (
                "our_workshops",
                Col::Count(rows.iter().map(|r| r.our_workshops).collect()),
            ),
            (
                "our_countries",
                Col::Count(rows.iter().map(|r| r.our_countries).collect()),
            ),
            (
                "workshops_difference",
                Col::Int(rows.iter().map(|r| r.workshops_difference).collect()),
            ),
            (
                "countries_difference",
                Col::Int(rows.iter().map(|r| r.countries_difference).collect()),
            ),
            ("claim", text(&|r| borrowed(&r.claim.claim))),
            ("source_url", text(&|r| borrowed(&r.claim.source_url))),
        ],
    }
}
