//! `luban check`: what CI runs on a data pull request. It validates every table of the
//! dataset against its schema (the report files together, as one table, as `luban run`
//! does; alias tables, reference tables, claims, decisions), reruns the whole pipeline
//! on a copy of `raw/` and requires `output/` to be exactly what it produces, and flags
//! countries that lose workshops against the committed `output/countries.csv`.
//!
//! With `--base REF` it also diffs the data against that git revision: report rows and
//! published workshops added, removed and changed (cell by cell), per-country count
//! changes; and it reports validation errors on lines the change did not touch as
//! warnings, so a contributor answers only for their own rows. `--format github` prints
//! workflow annotations; a Markdown summary goes to `$GITHUB_STEP_SUMMARY` or `--summary`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

use super::validate::report;
use super::{Ctx, Outcome};
use std::io::Write as _;

use crate::error_report::{Format, Stats};
use crate::rules::ErrorRecord;
use crate::schema::TableSchema;
use crate::stages::{ingest, validate};

/// Every table of the dataset but the reports (checked together, see [`run`]), with
/// its schema.
fn other_tables(layout: &crate::layout::Layout) -> Result<Vec<(String, String)>> {
    let root = &layout.root;
    let mut out: Vec<(String, String)> = Vec::new();
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

/// Workshops per country in the text of a published `countries.csv` (empty when absent).
fn countries_counts(text: &str) -> BTreeMap<String, i64> {
    crate::diff::read_rows(text)
        .into_iter()
        .filter_map(|r| {
            Some((
                r.cells.get("country_code")?.clone(),
                r.cells.get("workshops")?.parse().ok()?,
            ))
        })
        .collect()
}

/// Options of `luban check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Git revision to diff against (e.g. origin/main).
    #[arg(long, value_name = "REF")]
    base: Option<String>,
    /// human (stderr) or github (workflow annotations on stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the Markdown summary here (default: $GITHUB_STEP_SUMMARY when set).
    #[arg(long, value_name = "FILE")]
    summary: Option<std::path::PathBuf>,
}

/// A file's text at a git revision; None when it did not exist there.
fn git_show(root: &Path, rev: &str, rel: &str) -> Result<Option<String>> {
    let out = std::process::Command::new("git")
        .current_dir(root)
        .args(["show", &format!("{rev}:./{rel}")])
        .output()
        .context("failed to run git (needed by --base)")?;
    if out.status.success() {
        return Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()));
    }
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("does not exist") || err.contains("exists on disk, but not in") {
        return Ok(None);
    }
    anyhow::bail!("git show {rev}:./{rel} failed: {}", err.trim())
}

fn git_ls(root: &Path, rev: &str, dir: &str) -> Result<Vec<String>> {
    let out = std::process::Command::new("git")
        .current_dir(root)
        .args(["ls-tree", "--name-only", rev, &format!("./{dir}/")])
        .output()
        .context("failed to run git (needed by --base)")?;
    if !out.status.success() {
        anyhow::bail!(
            "git ls-tree {rev} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.ends_with(".csv"))
        .map(|l| l.rsplit('/').next().unwrap_or(l).to_string())
        .collect())
}

pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let layout = ctx.layout()?;
    let root = layout.root.clone();
    let countries = ctx.countries(&layout)?;
    let mut failed = false;
    // 1. every table against its schema
    let mut errors: Vec<ErrorRecord> = Vec::new();
    let mut stats = Stats::default();
    // The report files together, as `luban run` validates them: duplicate rows, unique
    // values and foreign keys span the files. (Checked one file at a time, a row that
    // repeats another file's passed here, and the pipeline run below rejected it with
    // nothing shown.)
    let hidden = crate::progress::Progress::hidden();
    let reports_schema = ctx.reports_schema(&layout)?;
    let read = ingest::read_report_files(&layout, &reports_schema, &hidden, ingest::Keep::Rows)?;
    stats.files += read.files;
    stats.rows += read.rows_in;
    stats.rejected_rows += read.rejected;
    errors.extend(read.file_errors);
    let rows = read.rows;
    let checked = validate::check_rows(
        &reports_schema,
        Some(&countries),
        reports_schema.fields.len(),
        rows,
        validate::Limits::default(),
        &hidden,
    );
    stats.valid_rows += checked.valid.len() as u64;
    stats.rejected_rows += checked.rejected.len() as u64;
    errors.extend(checked.errors());
    drop(checked);
    for (file, schema_name) in other_tables(&layout)? {
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
            &crate::progress::Progress::hidden(),
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
    // With a base, errors on lines the change did not touch are warnings.
    let mut warnings: Vec<ErrorRecord> = Vec::new();
    if let Some(base) = &args.base {
        let mut touched: BTreeMap<String, std::collections::BTreeSet<u64>> = BTreeMap::new();
        for file in errors
            .iter()
            .map(|e| e.file.clone())
            .collect::<std::collections::BTreeSet<_>>()
        {
            let head = std::fs::read_to_string(root.join(&file)).unwrap_or_default();
            let before = git_show(&root, base, &file)?.unwrap_or_default();
            touched.insert(file, crate::diff::touched_lines(&before, &head));
        }
        let (errs, warns): (Vec<_>, Vec<_>) = errors
            .into_iter()
            .partition(|e| e.line <= 1 || touched.get(&e.file).is_some_and(|t| t.contains(&e.line)));
        errors = errs;
        warnings = warns;
    }
    stats.count(&errors);
    if !errors.is_empty() {
        failed = true;
    }
    match args.format {
        Format::Github => {
            let texts: BTreeMap<String, String> = errors
                .iter()
                .chain(&warnings)
                .map(|e| e.file.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .filter_map(|f| Some((f.clone(), std::fs::read_to_string(root.join(&f)).ok()?)))
                .collect();
            let text_of = |f: &str| texts.get(f).map(String::as_str);
            let mut out = std::io::stdout().lock();
            for e in &errors {
                writeln!(out, "{}", crate::error_report::github(e, e.byte, &text_of))?;
            }
            for w in &warnings {
                writeln!(
                    out,
                    "{}",
                    crate::error_report::github(w, w.byte, &text_of).replacen("::error ", "::warning ", 1)
                )?;
            }
        }
        _ => {
            if !errors.is_empty() {
                report(ctx, &errors, &stats, Format::Human, &root, false)?;
            }
            for w in &warnings {
                ctx.console.warn(&format!(
                    "[{}] {}:{}: {} (on a line this change did not touch)",
                    w.code, w.file, w.line, w.message
                ));
            }
        }
    }
    if errors.is_empty() {
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
    let built = out.status.success();
    if !built {
        // the rows it rejects were reported above; the data diff below still runs
        failed = true;
        ctx.console
            .block("error: `luban run` rejects raw/, so output/ cannot be rebuilt (see the errors above)");
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
    for name in list(&fresh).into_iter().chain(list(&committed)).filter(|_| built) {
        let a = std::fs::read(fresh.join(&name)).ok();
        let b = std::fs::read(committed.join(&name)).ok();
        if a != b && !stale.contains(&name) {
            stale.push(name);
        }
    }
    if !built {
        // nothing to compare
    } else if !stale.is_empty() {
        failed = true;
        ctx.console.block(&format!(
            "error[output-stale]: output/ is not what `luban run` produces from raw/ ({}): run `cargo run --release -- run` and commit output/",
            stale.join(", ")
        ));
    } else {
        ctx.console.status("check: output/ is up to date");
    }
    // 3. countries that lose workshops
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let before = countries_counts(&read(&committed.join("countries.csv")));
    let after = countries_counts(&read(&fresh.join("countries.csv")));
    for (code, n) in before.iter().filter(|_| built) {
        let m = after.get(code).copied().unwrap_or(0);
        if m < *n {
            ctx.console.warn(&format!("{code} drops from {n} to {m} workshops against the committed output/countries.csv: check no report was lost"));
        }
    }
    // 4. the data diff against --base, and the summary
    let mut md = String::new();
    md.push_str("## luban check\n\n");
    md.push_str(&format!(
        "- Validation: {} errors, {} warnings (errors on lines this change did not touch), in {} tables and {} rows\n",
        errors.len(),
        warnings.len(),
        stats.files,
        stats.rows
    ));
    let output_state = if !built {
        "**cannot be rebuilt**: `luban run` rejects raw/".to_string()
    } else if stale.is_empty() {
        "up to date".to_string()
    } else {
        format!(
            "**stale** ({}): run `cargo run --release -- run` and commit output/",
            stale.join(", ")
        )
    };
    md.push_str(&format!("- output/: {output_state}\n"));
    if !stats.by_code.is_empty() {
        md.push_str("\n| code | errors |\n|---|---:|\n");
        for (code, n) in &stats.by_code {
            md.push_str(&format!("| {code} | {n} |\n"));
        }
    }
    if let Some(base) = &args.base {
        md.push_str(&data_diff(
            ctx,
            &root,
            base,
            built.then_some(fresh.as_path()),
            args.format,
        )?);
    }
    let summary_path = args
        .summary
        .clone()
        .or_else(|| std::env::var_os("GITHUB_STEP_SUMMARY").map(std::path::PathBuf::from));
    if let Some(p) = summary_path {
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)
            .with_context(|| format!("failed to write the summary `{}`", p.display()))?;
        f.write_all(md.as_bytes())
            .with_context(|| format!("failed to write the summary `{}`", p.display()))?;
    }
    Ok(Outcome::from_errors(failed))
}

/// The keyed diff of reports, workshops and per-country counts against `base`, as
/// Markdown; removals are also printed as warnings (and annotations).
fn data_diff(ctx: &Ctx, root: &Path, base: &str, fresh: Option<&Path>, format: Format) -> Result<String> {
    use crate::diff::{diff, read_rows, report_key, Change};
    let mut md = format!("\n### Changes against `{base}`\n\n");
    // report rows
    let mut files: Vec<String> = git_ls(root, base, "raw/reports")?;
    for e in std::fs::read_dir(root.join("raw/reports")).context("failed to list raw/reports")? {
        let name = e?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".csv") && !files.contains(&name) {
            files.push(name);
        }
    }
    files.sort();
    let mut rows = Vec::new();
    for f in &files {
        let rel = format!("raw/reports/{f}");
        let before = git_show(root, base, &rel)?.unwrap_or_default();
        let head = std::fs::read_to_string(root.join(&rel)).unwrap_or_default();
        for c in diff(read_rows(&before), read_rows(&head), report_key) {
            rows.push((rel.clone(), c));
        }
    }
    let count = |k: &str| rows.iter().filter(|(_, c)| c.kind() == k).count();
    md.push_str(&format!(
        "**Reports:** {} added, {} changed, **{} removed**\n\n",
        count("added"),
        count("changed"),
        count("removed")
    ));
    if !rows.is_empty() {
        md.push_str("| change | file:line | source | detail |\n|---|---|---|---|\n");
        for (file, c) in &rows {
            let (line, url, detail) = match c {
                Change::Added(r) => (
                    r.line,
                    r.cells.get("source_url").cloned().unwrap_or_default(),
                    r.cells.get("workshop_name").cloned().unwrap_or_default(),
                ),
                Change::Removed(r) => (
                    r.line,
                    r.cells.get("source_url").cloned().unwrap_or_default(),
                    format!("**removed** (was line {})", r.line),
                ),
                Change::Changed { after, cells, .. } => (
                    after.line,
                    after.cells.get("source_url").cloned().unwrap_or_default(),
                    cells
                        .iter()
                        .map(|(k, a, b)| format!("{k}: `{a}` → `{b}`"))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            };
            md.push_str(&format!(
                "| {} | {file}:{line} | {url} | {} |\n",
                c.kind(),
                detail.replace('|', "\\|")
            ));
            if let Change::Removed(r) = c {
                let msg = format!(
                    "report removed: {} ({})",
                    r.cells.get("source_url").cloned().unwrap_or_default(),
                    r.cells.get("country").cloned().unwrap_or_default()
                );
                match format {
                    Format::Github => println!("::warning file={file},title=report removed::{msg}"),
                    _ => ctx.console.warn(&format!("{file}: {msg}")),
                }
            }
        }
        md.push('\n');
    }
    // workshops and countries, published (when the pipeline could run)
    let Some(fresh) = fresh else {
        md.push_str("**Workshops:** not compared: `luban run` rejects raw/\n");
        return Ok(md);
    };
    let base_ws = git_show(root, base, "output/workshops.csv")?.unwrap_or_default();
    let head_ws = std::fs::read_to_string(fresh.join("workshops.csv")).unwrap_or_default();
    let ws = diff(read_rows(&base_ws), read_rows(&head_ws), |r| {
        r.cells.get("workshop_id").cloned().unwrap_or_default()
    });
    let wcount = |k: &str| ws.iter().filter(|c| c.kind() == k).count();
    md.push_str(&format!(
        "**Workshops:** {} added, {} changed, **{} removed**\n\n",
        wcount("added"),
        wcount("changed"),
        wcount("removed")
    ));
    for c in &ws {
        let name = match c {
            Change::Added(r) | Change::Removed(r) => r.cells.get("workshop_name").cloned().unwrap_or_default(),
            Change::Changed { after, .. } => after.cells.get("workshop_name").cloned().unwrap_or_default(),
        };
        let detail = match c {
            Change::Changed { cells, .. } => cells.iter().map(|(k, _, _)| k.as_str()).collect::<Vec<_>>().join(", "),
            _ => String::new(),
        };
        md.push_str(&format!(
            "- {} {name}{}\n",
            c.kind(),
            if detail.is_empty() {
                String::new()
            } else {
                format!(" ({detail})")
            }
        ));
    }
    let base_c = git_show(root, base, "output/countries.csv")?.unwrap_or_default();
    let head_c = std::fs::read_to_string(fresh.join("countries.csv")).unwrap_or_default();
    let (cb, ch) = (countries_counts(&base_c), countries_counts(&head_c));
    let codes: std::collections::BTreeSet<&String> = cb.keys().chain(ch.keys()).collect();
    let deltas: Vec<String> = codes
        .into_iter()
        .filter_map(|c| {
            let (a, b) = (cb.get(c).copied().unwrap_or(0), ch.get(c).copied().unwrap_or(0));
            (a != b).then(|| format!("| {c} | {a} | {b} | {:+} |", b - a))
        })
        .collect();
    md.push_str("\n**Per-country workshops:**");
    if deltas.is_empty() {
        md.push_str(" no change\n");
    } else {
        md.push_str("\n\n| country | before | after | change |\n|---|---:|---:|---:|\n");
        for d in deltas {
            md.push_str(&d);
            md.push('\n');
        }
    }
    Ok(md)
}
