//! Stage 6, publish: writes the published dataset into `output/`:
//! `workshops`, its long `sources` and `conflicts` tables, `countries`,
//! `openings_by_year`, `openings_worldwide` and `claims_check`, each as Parquet and CSV, and `datapackage.json`
//! (a Frictionless Data Package: one resource per file, with its Table Schema from
//! `schemas/`, byte size, sha256 and row count); each workshop's place ([`geo`]:
//! `workshops.geojson` and three columns), and the website, `output/site/` ([`site`]).
//! What each table holds, column by column, is in [`tables`].
//!
//! Parquet gets real types, always set explicitly (never inferred): dates are Date32,
//! lists are `list<string>`, integers (counts and differences) are Int64; zstd compression, full statistics, a fixed
//! row-group size, each field's description in its Arrow field metadata, and the dataset
//! version, licences, sources and field descriptions in the key-value
//! metadata. CSV is UTF-8, RFC 4180, lists joined with `;`, ISO dates; a text cell that
//! starts with `=`, `+`, `-` or `@` is prefixed with `'` so that spreadsheets do not run it
//! as a formula.
//!
//! Atomic: everything is written into a fresh `.output.tmp-*` folder in the root, then
//! swapped in with two renames; a crash before the swap leaves the previous `output/`
//! intact, and a crash between the renames is repaired by the next publish.

use std::fs::File;
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
mod tables;

use parquet::{write_parquet, Hashed};
pub use tables::ROW_GROUP_SIZE;
use tables::{claims_table, countries_table, openings_table, worldwide_table, Col, Rows, Table};

use super::StageReport;
use crate::layout::Layout;
use crate::model::Tables;
use crate::report::progress::Progress;
use crate::schema::TableSchema;
use crate::table::csvio;

/// The most workshops publish writes `output/site/` for. The site has a page per
/// workshop, for a curated dataset (tens of workshops); on a generated 1M reports
/// (~200 000 workshops) it was 198 624 pages, 1.3 GB and 37 s of publish's 38 s. Above
/// this, publish writes no site and says so.
pub const SITE_MAX_WORKSHOPS: usize = 5_000;

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
    geo::write(&dir.join("workshops.geojson"), &data.workshops, &locs)?;
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
        None => super::aggregate::read_tables(layout, || {
            super::dedupe::read_workshops(layout, super::dedupe::SourceTables::Read)
        })?,
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
