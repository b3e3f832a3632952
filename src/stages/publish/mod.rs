//! Stage 6, publish: writes the published dataset into `output/`:
//! `workshops`, its long `sources` and `conflicts` tables, `countries`,
//! `openings_by_year`, `openings_worldwide` and `claims_check`, each as Parquet and CSV, and `datapackage.json`
//! (a Frictionless Data Package: one resource per file, with its Table Schema from
//! `schemas/`, byte size, sha256 and row count); each workshop's place ([`geo`]:
//! `workshops.geojson` and three columns), and the website, `output/site/` ([`site`]).
//!
//! Parquet gets real types, always set explicitly (never inferred): dates are Date32,
//! lists are `list<string>`, counts are UInt32; zstd compression, full statistics, a fixed
//! row-group size, each field's description in its Arrow field metadata, and the dataset
//! version, licences, sources and field descriptions in the key-value
//! metadata. CSV is UTF-8, RFC 4180, lists joined with `;`, ISO dates; a text cell that
//! starts with `=`, `+`, `-` or `@` is prefixed with `'` so that spreadsheets do not run it
//! as a formula.
//!
//! Atomic: everything is written into a fresh `.output.tmp-*` folder in the root, then
//! swapped in with two renames; a crash before the swap leaves the previous `output/`
//! intact, and a crash between the renames is repaired by the next publish.

use std::borrow::Cow;
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::{
    get_encodings, ArrayRef, Column, CompatLevel, DataFrame, DataType, IntoSeries, KeyValueMetadata, ListBuilderTrait,
    ListStringChunkedBuilder, NamedFrom, NewChunkedArray, ParquetCompression, ParquetWriter, PlSmallStr, PolarsResult,
    SchemaExt, Series, StatisticsOptions, StringChunked,
};
use polars_parquet::write::{array_to_columns, compress, CompressedPage, Encoding, ParquetType, Version, WriteOptions};
use rayon::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub mod chart;
pub mod geo;
mod parquet;
mod readme;
pub mod site;

use parquet::{write_parquet, Hashed};

use super::StageReport;
use crate::layout::Layout;
use crate::model::{ClaimCheck, CountrySummary, OpeningsByYear, OpeningsWorldwide, Tables, Workshops};
use crate::names::places::Location;
use crate::partial_date::PartialDate;
use crate::report::progress::Progress;
use crate::schema::TableSchema;
use crate::table::csvio;
use crate::table::{Names, TextLists, Texts};

/// The most workshops publish writes `output/site/` for. The site has a page per
/// workshop, for a curated dataset (tens of workshops); on a generated 1M reports
/// (~200 000 workshops) it was 198 624 pages, 1.3 GB and 37 s of publish's 38 s. Above
/// this, publish writes no site and says so.
pub const SITE_MAX_WORKSHOPS: usize = 5_000;

/// Rows per Parquet row group (fixed, so files do not depend on the machine).
pub const ROW_GROUP_SIZE: usize = 65_536;

/// One typed column of a published table, in a form both writers understand. Cells
/// borrow from the tables.
enum Col<'a> {
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
enum Items<'a> {
    Names(&'a [u32], &'a Names),
    Texts(&'a TextLists, usize),
    /// rows of a text column
    TextRows(&'a [u32], &'a Texts),
    Owned(&'a [String]),
    /// the names of a set of fields
    Fields(crate::model::FieldSet),
}

impl<'a> Items<'a> {
    fn len(self) -> usize {
        match self {
            Items::Names(v, _) => v.len(),
            Items::Texts(l, i) => l.count(i),
            Items::TextRows(v, _) => v.len(),
            Items::Owned(v) => v.len(),
            Items::Fields(f) => f.0.count_ones() as usize,
        }
    }

    fn iter(self) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        match self {
            Items::Names(v, d) => Box::new(v.iter().map(move |&id| d.text(id))),
            Items::Texts(l, i) => Box::new(l.get(i)),
            Items::TextRows(v, t) => Box::new(v.iter().map(move |&row| t.str(row as usize))),
            Items::Owned(v) => Box::new(v.iter().map(String::as_str)),
            Items::Fields(f) => Box::new(f.names().map(|n| -> &'a str { n })),
        }
    }
}

struct Table<'a> {
    name: &'static str,
    columns: Vec<(&'static str, Col<'a>)>,
    rows: usize,
}

/// A table to publish, built one Parquet row group at a time: `slice(range)` is the
/// [`Table`] of the rows in `range`. Both files are written group by group, so only one
/// group's columns and frame exist at a time; the whole workshops table's columns and
/// frame had taken ~1.1 GiB of fresh memory at 10M reports, the largest step of the run.
struct Rows<'a> {
    name: &'static str,
    len: usize,
    slice: Box<dyn Fn(Range<usize>) -> Table<'a> + Sync + 'a>,
}

impl<'a> Rows<'a> {
    fn of<T: Sync>(items: &'a [T], table: fn(&'a [T]) -> Table<'a>) -> Rows<'a> {
        Rows {
            name: table(&[]).name,
            len: items.len(),
            slice: Box::new(move |range| table(&items[range])),
        }
    }

    fn sources(w: &'a Workshops) -> Rows<'a> {
        Rows {
            name: "sources",
            len: w.sources.len(),
            slice: Box::new(move |range| sources_table(w, range)),
        }
    }

    fn conflicts(w: &'a Workshops) -> Rows<'a> {
        Rows {
            name: "conflicts",
            len: w.conflicts.rows(),
            slice: Box::new(move |range| conflicts_table(w, range)),
        }
    }

    fn workshops(w: &'a Workshops, locs: &'a [Option<Location>]) -> Rows<'a> {
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
    fn groups(&self) -> Vec<Range<usize>> {
        let n = self.len / ROW_GROUP_SIZE;
        if n <= 1 {
            return std::iter::once(0..self.len).collect();
        }
        let size = self.len / n;
        (0..n)
            .map(|k| k * size..if k + 1 == n { self.len } else { (k + 1) * size })
            .collect()
    }

    fn names(&self) -> Vec<&'static str> {
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

fn countries_table(cs: &[CountrySummary]) -> Table<'_> {
    let text = |f: &dyn Fn(&CountrySummary) -> &str| Col::Text(cs.iter().map(|c| borrowed(f(c))).collect());
    let count = |f: &dyn Fn(&CountrySummary) -> u32| Col::Count(cs.iter().map(|c| Some(f(c))).collect());
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
            (
                "latest_opened_on",
                Col::Date(cs.iter().map(|c| c.latest_opened_on).collect()),
            ),
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

fn openings_table(rows: &[OpeningsByYear]) -> Table<'_> {
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

fn worldwide_table(rows: &[OpeningsWorldwide]) -> Table<'_> {
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

fn claims_table(rows: &[ClaimCheck]) -> Table<'_> {
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

/// A text cell made safe for spreadsheets (see the module doc).
pub fn csv_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

fn write_csv(path: &Path, rows: &Rows) -> Result<(u64, String)> {
    let mut out = Hashed::create(path)?;
    {
        let mut w = csvio::writer(&mut out);
        w.write_record(rows.names())?;
        // one buffer for the cells that are built (lists, dates, numbers)
        let mut cell = String::new();
        for range in rows.groups() {
            write_csv_rows(&mut w, &(rows.slice)(range), &mut cell)?;
        }
        w.flush()
            .with_context(|| format!("failed to write `{}`", path.display()))?;
    }
    out.finish(path)
}

/// The rows of `t` as CSV records.
fn write_csv_rows<W: std::io::Write>(w: &mut csv::Writer<W>, t: &Table, cell: &mut String) -> Result<()> {
    use std::fmt::Write as _;
    for i in 0..t.rows {
        for (_, c) in &t.columns {
            cell.clear();
            match c {
                Col::Text(v) => {
                    w.write_field(v[i].as_deref().map(csv_safe).unwrap_or_default().as_bytes())?;
                    continue;
                }
                Col::List(v) => join_cell(cell, v[i].iter()),
                Col::Strings(v) => join_cell(cell, v[i].iter().map(String::as_str)),
                Col::Date(v) => {
                    if let Some(d) = v[i] {
                        write!(cell, "{}", d.first_day()).expect("writing to a String");
                    }
                }
                Col::Count(v) => {
                    if let Some(n) = v[i] {
                        write!(cell, "{n}").expect("writing to a String");
                    }
                }
                Col::Int(v) => {
                    if let Some(n) = v[i] {
                        write!(cell, "{n}").expect("writing to a String");
                    }
                }
                Col::Float(v) => {
                    if let Some(n) = v[i] {
                        write!(cell, "{n}").expect("writing to a String");
                    }
                }
            }
            w.write_field(cell.as_bytes())?;
        }
        w.write_record(std::iter::empty::<&[u8]>())?;
    }
    Ok(())
}

/// A list cell: its items made safe for spreadsheets, joined with `;`.
fn join_cell<'a>(cell: &mut String, items: impl Iterator<Item = &'a str>) {
    for (k, item) in items.enumerate() {
        if k > 0 {
            cell.push(';');
        }
        cell.push_str(&csv_safe(item));
    }
}

/// Dataset metadata kept in `raw/dataset.json` (name, title, version, licences, sources).
fn dataset_meta(layout: &Layout) -> Result<Value> {
    let path = layout.root.join("raw").join("dataset.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("failed to read `{}`", layout.display(&path)))?;
    let v: Value =
        serde_json::from_str(&text).with_context(|| format!("failed to parse `{}`", layout.display(&path)))?;
    for key in ["name", "title", "version", "licenses"] {
        if v.get(key).is_none() {
            bail!("`{}` has no `{key}`", layout.display(&path));
        }
    }
    Ok(v)
}

fn schema_json(layout: &Layout, table: &str) -> Result<(TableSchema, Value)> {
    let path = layout.schema(table);
    let shown = layout.display(&path);
    let schema = TableSchema::load(&path, &shown)?;
    let text = std::fs::read_to_string(&path).with_context(|| format!("failed to read `{shown}`"))?;
    let v: Value = serde_json::from_str(&text).with_context(|| format!("failed to parse `{shown}`"))?;
    Ok((schema, v))
}

/// The Table Schema of a Parquet resource: list columns are real `list<string>` columns
/// there (in CSV they are `list` strings joined with `;`). Frictionless reads Parquet
/// lists as numpy arrays, which neither its `list` nor its `array` type accepts, so they
/// are declared `any`; and it reads nullable integer columns as floats with NaN, so
/// those are declared `number`. `x-luban-parquet-type` says what the columns really are.
fn parquet_schema(csv_schema: &Value) -> Value {
    let mut v = csv_schema.clone();
    if let Some(fields) = v.get_mut("fields").and_then(Value::as_array_mut) {
        for f in fields {
            let required = f.pointer("/constraints/required").and_then(Value::as_bool) == Some(true);
            if f.get("type").and_then(Value::as_str) == Some("integer") && !required {
                // pandas, which Frictionless reads Parquet with, turns nullable integers
                // into floats with NaN
                f["type"] = json!("number");
                f["x-luban-parquet-type"] = json!("integer (nullable)");
                if let Some(o) = f.as_object_mut() {
                    o.remove("constraints"); // NaN fails every bound; the CSV resource keeps them
                }
            }
            if f.get("type").and_then(Value::as_str) == Some("list") {
                f["type"] = json!("any");
                f["x-luban-parquet-type"] = json!("list<string>");
                if let Some(o) = f.as_object_mut() {
                    o.remove("delimiter");
                }
            }
        }
    }
    v
}

/// The Data Package (v2) of the published files: every key of `raw/dataset.json`, in
/// its order, after the profile; then the resources.
fn package(meta: &Value, resources: Vec<Value>) -> Value {
    let mut package = serde_json::Map::new();
    package.insert("$schema".into(), json!(PACKAGE_PROFILE));
    if let Some(m) = meta.as_object() {
        for (k, v) in m {
            if k != "resources" && k != "$schema" {
                package.insert(k.clone(), v.clone());
            }
        }
    }
    package.insert("resources".into(), Value::Array(resources));
    Value::Object(package)
}

/// The Data Package v2 profiles (datapackage.org/standard).
const PACKAGE_PROFILE: &str = "https://datapackage.org/profiles/2.0/datapackage.json";
const RESOURCE_PROFILE: &str = "https://datapackage.org/profiles/2.0/dataresource.json";
const TABLE_SCHEMA_PROFILE: &str = "https://datapackage.org/profiles/2.0/tableschema.json";

/// Writes every published file into `dir`.
fn write_all(layout: &Layout, dir: &Path, data: &Tables) -> Result<()> {
    let meta = dataset_meta(layout)?;
    let locs = geo::locate_all(layout, &data.workshops)?;
    let worldwide = crate::stages::aggregate::openings_worldwide(&data.openings);
    let tables = [
        Rows::workshops(&data.workshops, &locs),
        Rows::sources(&data.workshops),
        Rows::conflicts(&data.workshops),
        Rows::of(&data.countries, countries_table),
        Rows::of(&data.openings, openings_table),
        Rows::of(&worldwide, worldwide_table),
        Rows::of(&data.claims, claims_table),
    ];
    // every table's CSV and Parquet files are written and hashed in parallel; the
    // resources are listed in table order
    let resources: Vec<Vec<Value>> = tables
        .par_iter()
        .map(|t| table_resources(layout, dir, t, &meta))
        .collect::<Result<_>>()?;
    let resources: Vec<Value> = resources.into_iter().flatten().collect();
    let package = package(&meta, resources);
    let svg = crate::stages::publish::chart::openings_svg(&data.openings)?;
    std::fs::write(dir.join("openings.svg"), &svg).context("failed to write `openings.svg`")?;
    std::fs::write(dir.join("workshops.geojson"), geo::geojson(&data.workshops, &locs))
        .context("failed to write `workshops.geojson`")?;
    if data.workshops.len() <= SITE_MAX_WORKSHOPS {
        site::write(layout, dir, data, &locs, &meta, &svg)?;
    }
    let files: Vec<(String, u64, usize)> = package["resources"]
        .as_array()
        .expect("array")
        .iter()
        .map(|r| {
            let bytes = r
                .get("bytes")
                .or_else(|| r.get("x-luban-bytes"))
                .and_then(Value::as_u64)
                .unwrap_or_default();
            (
                r["path"].as_str().unwrap_or_default().to_string(),
                bytes,
                r["rows"].as_u64().unwrap_or_default() as usize,
            )
        })
        .collect();
    std::fs::write(dir.join("README.md"), readme::render(&meta, data, &files))
        .context("failed to write `README.md`")?;
    let text = serde_json::to_string_pretty(&package)? + "\n";
    std::fs::write(dir.join("datapackage.json"), text).context("failed to write `datapackage.json`")?;
    Ok(())
}

/// Writes one table as CSV and Parquet (in parallel) and returns their two Data Package
/// resources.
fn table_resources(layout: &Layout, dir: &Path, t: &Rows, meta: &Value) -> Result<Vec<Value>> {
    let (schema, mut schema_value) = schema_json(layout, t.name)?;
    if let Some(o) = schema_value.as_object_mut() {
        o.insert("$schema".into(), json!(TABLE_SCHEMA_PROFILE));
    }
    let mut resources = Vec::new();
    let names = t.names();
    if schema.field_names() != names {
        bail!(
            "`schemas/{}.schema.json` lists fields {:?}, but luban publishes {:?}",
            t.name,
            schema.field_names(),
            names
        );
    }
    let csv_path = dir.join(format!("{}.csv", t.name));
    let pq_path = dir.join(format!("{}.parquet", t.name));
    let (csv, pq) = rayon::join(|| write_csv(&csv_path, t), || write_parquet(&pq_path, t, &schema, meta));
    let stats = [csv?, pq?];
    let pq_schema = parquet_schema(&schema_value);
    for ((bytes, sha), (format, mediatype, schema_value)) in stats.into_iter().zip([
        ("csv", "text/csv", &schema_value),
        ("parquet", "application/vnd.apache.parquet", &pq_schema),
    ]) {
        let mut r = json!({
            "name": format!("{}-{format}", t.name),
            "path": format!("{}.{format}", t.name),
            "$schema": RESOURCE_PROFILE,
            "type": "table",
            "title": schema_value.get("title").cloned().unwrap_or(Value::Null),
            "description": schema_value.get("description").cloned().unwrap_or(Value::Null),
            "format": format,
            "mediatype": mediatype,
            "bytes": bytes,
            "hash": format!("sha256:{sha}"),
            "rows": t.len,
            "schema": with_foreign_keys(schema_value, t.name, format),
        });
        if format == "csv" {
            r["encoding"] = json!("utf-8");
            r["dialect"] = json!({"delimiter": ",", "doubleQuote": true, "header": true});
        } else if let Some(o) = r.as_object_mut() {
            // Frictionless reads Parquet through pyarrow, not as bytes, so it cannot
            // verify `bytes`/`hash` there and reports them as mismatches: keep them
            // under luban's own keys for Parquet.
            let bytes = o.remove("bytes").expect("set above");
            let hash = o.remove("hash").expect("set above");
            o.insert("x-luban-bytes".into(), bytes);
            o.insert("x-luban-hash".into(), hash);
        }
        resources.push(r);
    }
    Ok(resources)
}

/// A resource's Table Schema with the foreign keys between published tables: each
/// workshop's `country_code` is a row of `countries`, and each source's and conflict's
/// `workshop_id` a row of `workshops`, in the same format.
fn with_foreign_keys(schema: &Value, table: &str, format: &str) -> Value {
    let mut v = schema.clone();
    let key = |field: &str, to: &str| {
        json!([{
            "fields": [field],
            "reference": {"resource": format!("{to}-{format}"), "fields": [field]},
        }])
    };
    match table {
        "workshops" | "openings_by_year" => v["foreignKeys"] = key("country_code", "countries"),
        "sources" | "conflicts" => v["foreignKeys"] = key("workshop_id", "workshops"),
        _ => {}
    }
    v
}

fn sibling(layout: &Layout, kind: &str) -> PathBuf {
    layout.root.join(format!(".output.{kind}-{}", std::process::id()))
}

/// Repairs a publish that died between its two renames: `output/` is missing but a
/// moved-aside `.output.old-*` folder exists.
/// Also removes the temp folders of publishes that died before their swap.
fn recover(layout: &Layout) -> Result<()> {
    let leftovers = |prefix: &str| -> Result<Vec<PathBuf>> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&layout.root)
            .with_context(|| format!("failed to list `{}`", layout.root.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix))
            })
            .collect();
        v.sort();
        Ok(v)
    };
    let mut old = leftovers(".output.old-")?;
    if !layout.output().exists() {
        if let Some(prev) = old.pop() {
            std::fs::rename(&prev, layout.output()).context("failed to restore the previous `output/`")?;
        }
    }
    for stale in old.into_iter().chain(leftovers(".output.tmp-")?) {
        std::fs::remove_dir_all(&stale).with_context(|| format!("failed to remove `{}`", stale.display()))?;
    }
    Ok(())
}

/// A test hook: `LUBAN_FAULT=publish-before-swap` or `publish-between-renames` makes
/// publish abort at that point, as a `kill -9` would, so that tests can check that
/// `output/` survives. Unset in normal use.
fn fault(point: &str) {
    if std::env::var("LUBAN_FAULT").is_ok_and(|v| v == point) {
        std::process::abort();
    }
}

/// Runs publish on the tables of dedupe and aggregate: `input` within `luban run`, else
/// their artifacts in `build/`.
pub fn run(layout: &Layout, input: Option<Tables>, progress: &Progress) -> Result<StageReport> {
    let start = Instant::now();
    let data = match input {
        Some(t) => t,
        None => {
            let (countries, openings, claims) = super::aggregate::read_tables(layout)?;
            Tables {
                workshops: super::dedupe::read_workshops(layout)?,
                countries,
                openings,
                claims,
            }
        }
    };
    progress.note("writing Parquet, CSV, the data package, README and chart");
    recover(layout)?;
    let tmp = sibling(layout, "tmp");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).with_context(|| format!("failed to clear `{}`", tmp.display()))?;
    }
    std::fs::create_dir_all(&tmp).with_context(|| format!("failed to create `{}`", tmp.display()))?;
    if let Err(e) = write_all(layout, &tmp, &data) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    // every file is on disk before the swap (the tables were synced as they were
    // written; syncing them again costs nothing)
    for entry in std::fs::read_dir(&tmp).context("failed to list the new output")? {
        let f = File::open(entry?.path()).context("failed to open a new output file")?;
        f.sync_all().context("failed to sync a new output file")?;
    }
    fault("publish-before-swap");
    let out = layout.output();
    let old = sibling(layout, "old");
    if out.exists() {
        std::fs::rename(&out, &old).context("failed to move the previous `output/` aside")?;
    }
    fault("publish-between-renames");
    std::fs::rename(&tmp, &out).context("failed to move the new `output/` in place")?;
    if old.exists() {
        std::fs::remove_dir_all(&old).context("failed to remove the previous `output/`")?;
    }
    let mut report = StageReport::new("publish");
    if data.workshops.len() > SITE_MAX_WORKSHOPS {
        report.notes.push(format!(
            "{} workshops: no output/site/ (the site has a page per workshop and is written for at most {SITE_MAX_WORKSHOPS})",
            data.workshops.len()
        ));
    }
    report.rows_in = (data.workshops.len()
        + data.workshops.sources.len()
        + data.workshops.conflicts.rows()
        + data.countries.len()
        + data.openings.len()
        + data.claims.len()) as u64;
    report.rows_out = report.rows_in;
    // the last stage: its records are freed on another thread, so that the command can
    // end without waiting for a million strings to be freed one by one
    super::discard(data);
    report.elapsed = start.elapsed();
    Ok(report)
}

#[cfg(test)]
mod tests;
