//! `luban check`: what CI runs on a data pull request. It validates every table of the
//! dataset against its schema (reports, alias tables, reference tables, claims,
//! decisions), reruns the whole pipeline on a copy of `raw/` and requires `output/` to be
//! exactly what it produces, and flags countries that lose workshops against the
//! committed `output/countries.csv`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

use super::validate::report;
use super::{Ctx, Outcome};
use crate::error_report::{Format, Stats};
use crate::rules::ErrorRecord;
use crate::schema::TableSchema;
use crate::stages::{ingest, validate};

/// Every table of the dataset and its schema.
fn tables(root: &Path) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let reports = root.join("raw").join("reports");
    let mut files: Vec<_> = std::fs::read_dir(&reports)
        .with_context(|| format!("failed to list `{}`", reports.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("csv"))
        .collect();
    files.sort();
    for f in files {
        out.push((
            format!("raw/reports/{}", f.file_name().unwrap_or_default().to_string_lossy()),
            "reports".to_string(),
        ));
    }
    for (file, schema) in [
        ("raw/aliases/cities.csv", "aliases-cities"),
        ("raw/aliases/institutions.csv", "aliases-institutions"),
        ("raw/aliases/partners.csv", "aliases-partners"),
        ("raw/aliases/countries.csv", "aliases-countries"),
        ("raw/reference/countries.csv", "reference-countries"),
        ("raw/reference/country_names.csv", "reference-country_names"),
        ("raw/claims.csv", "claims"),
        ("raw/decisions.csv", "decisions"),
    ] {
        if root.join(file).exists() {
            out.push((file.to_string(), schema.to_string()));
        }
    }
    Ok(out)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("failed to create `{}`", to.display()))?;
    for e in std::fs::read_dir(from).with_context(|| format!("failed to list `{}`", from.display()))? {
        let e = e?;
        let p = e.path();
        if e.file_type()?.is_dir() {
            copy_dir(&p, &to.join(e.file_name()))?;
        } else {
            std::fs::copy(&p, to.join(e.file_name())).with_context(|| format!("failed to copy `{}`", p.display()))?;
        }
    }
    Ok(())
}

fn countries_counts(path: &Path) -> BTreeMap<String, u64> {
    let Ok(mut rdr) = csv::Reader::from_path(path) else {
        return BTreeMap::new();
    };
    rdr.deserialize::<BTreeMap<String, String>>()
        .filter_map(|r| r.ok())
        .filter_map(|r| Some((r.get("country_code")?.clone(), r.get("workshops")?.parse().ok()?)))
        .collect()
}

pub fn run(ctx: &Ctx) -> Result<Outcome> {
    let layout = ctx.layout()?;
    let root = layout.root.clone();
    let countries = ctx.countries(&layout)?;
    let mut failed = false;
    // 1. every table against its schema
    let mut errors: Vec<ErrorRecord> = Vec::new();
    let mut stats = Stats::default();
    for (file, schema_name) in tables(&root)? {
        let schema_path = layout.schema(&schema_name);
        let schema = TableSchema::load(&schema_path, &layout.display(&schema_path))?;
        let mut src = ingest::CsvSource::open(&root.join(&file), &file, &schema)?;
        errors.extend(std::mem::take(&mut src.header_errors));
        let s = validate::check_source(
            &mut src,
            &schema,
            Some(&countries),
            validate::Limits::default(),
            1,
            |_, e| {
                errors.extend(e);
                Ok(())
            },
        )?;
        stats.files += 1;
        stats.rows += s.rows;
        stats.valid_rows += s.valid;
        stats.rejected_rows += s.rejected;
    }
    stats.count(&errors);
    if !errors.is_empty() {
        failed = true;
        report(ctx, &errors, &stats, Format::Human, &root)?;
    } else {
        ctx.console
            .status(&format!("check: {} tables, {} rows valid", stats.files, stats.rows));
    }
    // 2. output/ is what the pipeline produces from raw/
    let tmp = tempfile::Builder::new()
        .prefix("luban-check-")
        .tempdir()
        .context("failed to create a temp folder")?;
    copy_dir(&root.join("raw"), &tmp.path().join("raw"))?;
    copy_dir(&root.join("schemas"), &tmp.path().join("schemas"))?;
    let exe = std::env::current_exe().context("failed to find the luban executable")?;
    let out = std::process::Command::new(exe)
        .args(["--root", &tmp.path().to_string_lossy(), "run", "--quiet"])
        .output()
        .context("failed to run the pipeline on a copy of raw/")?;
    if !out.status.success() {
        ctx.console.block(&String::from_utf8_lossy(&out.stderr));
        ctx.console.block("error: `luban run` rejects raw/ (see above)");
        return Ok(Outcome::Rejected);
    }
    let fresh = tmp.path().join("output");
    let committed = root.join("output");
    let list = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .map(|it| {
                it.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let mut stale = Vec::new();
    for name in list(&fresh).into_iter().chain(list(&committed)) {
        let a = std::fs::read(fresh.join(&name)).ok();
        let b = std::fs::read(committed.join(&name)).ok();
        if a != b && !stale.contains(&name) {
            stale.push(name);
        }
    }
    if !stale.is_empty() {
        failed = true;
        ctx.console.block(&format!(
            "error[output-stale]: output/ is not what `luban run` produces from raw/ ({}): run `cargo run --release -- run` and commit output/",
            stale.join(", ")
        ));
    } else {
        ctx.console.status("check: output/ is up to date");
    }
    // 3. countries that lose workshops
    let before = countries_counts(&committed.join("countries.csv"));
    let after = countries_counts(&fresh.join("countries.csv"));
    for (code, n) in &before {
        let m = after.get(code).copied().unwrap_or(0);
        if m < *n {
            ctx.console.warn(&format!("{code} drops from {n} to {m} workshops against the committed output/countries.csv: check no report was lost"));
        }
    }
    Ok(Outcome::from_errors(failed))
}
