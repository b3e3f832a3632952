//! `luban check`: what CI runs on a data pull request, gathered into one
//! [`CheckReport`] that [`render`] prints for people (stderr), for GitHub (annotations
//! and a step summary that lists every error) or as one JSON document.
//!
//! It validates every table of the dataset (the report files together, as one table, as
//! `luban run` does; the side tables with [`crate::stages::tables`], as every command
//! does), reruns the whole pipeline on a copy of `raw/`, compares what that makes with
//! `output/`, and flags countries that lose workshops.
//!
//! With `--base REF` it also diffs the data against that git revision (report rows and
//! published workshops added, removed and changed, per-country counts), and judges a
//! contributor only on their own lines: validation errors on lines the change did not
//! touch are warnings. `output/` is generated: a change that edits only `raw/` leaves it
//! to the publish workflow, which rebuilds it when the change merges, so a stale
//! `output/` fails the check only when the change edits `output/` itself (by hand, or with
//! a different luban), or when there is no base (on `main`, where it must be current).

pub mod changelog;
pub mod diff;
pub mod render;
mod touched;
pub mod version;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::check::diff::{diff, has_columns, read_rows, report_key, Change, REPORT_KEY};
use crate::layout::Layout;
use crate::names::countries::CountryResolver;
use crate::report::error_report::ErrorRecord;
use crate::report::error_report::Stats;
use crate::report::progress::Progress;
use crate::schema::TableSchema;
use crate::stages::dedupe::Unmerged;
use crate::stages::{ingest, tables, validate};

/// Everything `luban check` found.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// The change may merge: no error, the pipeline runs, `output/` is not wrong.
    pub valid: bool,
    pub stats: Stats,
    /// Validation errors (on the change's own lines, with a base).
    pub errors: Vec<ErrorRecord>,
    /// Validation errors on lines the change did not touch (only with a base).
    pub warnings: Vec<ErrorRecord>,
    pub output: OutputCheck,
    /// Countries with fewer workshops than the committed `output/countries.csv` says.
    pub country_drops: Vec<CountDelta>,
    /// The keyed diff against the base (only with a base).
    pub diff: Option<DataDiff>,
    /// What `luban run` noted about placing the reports (its `note:` lines, as printed):
    /// hosts record linkage merged, each with the alias line to add, and Chinese partners
    /// no alias names. (The reports it could not place are [`Self::errors`], at their
    /// file and line.)
    pub placing: Vec<String>,
}

/// What rerunning the pipeline says of `output/`.
#[derive(Debug, Serialize)]
pub struct OutputCheck {
    pub state: OutputState,
    /// The files of `output/` that differ from what `luban run` makes of `raw/`.
    pub files: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputState {
    UpToDate,
    /// The change edits `raw/` only; the publish workflow rebuilds `output/` on merge.
    RebuiltOnMerge,
    /// No base, and `output/` is not what `luban run` makes (an error).
    Stale,
    /// The change edits `output/`, and not into what `luban run` makes (an error).
    Edited,
    /// `luban run` rejects `raw/` (an error; the validation errors say why).
    CannotBeRebuilt,
}

impl OutputState {
    /// The error code of a state that fails the check; `CannotBeRebuilt` has none of its
    /// own (the errors of `luban run` are the reasons).
    pub fn code(self) -> Option<&'static str> {
        match self {
            OutputState::Stale => Some("output-stale"),
            OutputState::Edited => Some("output-edited"),
            _ => None,
        }
    }

    pub fn is_error(self) -> bool {
        matches!(
            self,
            OutputState::Stale | OutputState::Edited | OutputState::CannotBeRebuilt
        )
    }
}

/// A country's workshop count before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountDelta {
    pub country_code: String,
    pub before: i64,
    pub after: i64,
}

/// The data a change adds, removes and changes, keyed (not by position).
#[derive(Debug, Serialize)]
pub struct DataDiff {
    pub base: String,
    pub reports: Vec<ReportChange>,
    /// None when `luban run` rejects `raw/` (nothing to compare).
    pub workshops: Option<Vec<WorkshopChange>>,
    pub countries: Option<Vec<CountDelta>>,
}

#[derive(Debug, Serialize)]
pub struct ReportChange {
    pub change: &'static str,
    pub file: String,
    /// The row's line: in the change for an added or changed row, in the base for a
    /// removed one.
    pub line: u64,
    pub source_url: String,
    pub country: String,
    pub workshop_name: String,
    pub cells: Vec<CellChange>,
}

#[derive(Debug, Serialize)]
pub struct CellChange {
    pub column: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Serialize)]
pub struct WorkshopChange {
    /// added (a new workshop), removed, merged (into another) or changed
    pub change: &'static str,
    pub workshop_id: String,
    pub workshop_name: String,
    pub country_code: String,
    /// the published columns that changed
    pub fields: Vec<String>,
    /// each changed column with its value before and after (published CSV text), so that
    /// a reviewer sees what one new report did to a workshop, not only which columns moved
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<FieldChange>,
    /// the workshop it was merged into (which now holds all of its sources)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    #[serde(skip)]
    pub source_urls: String,
}

/// One changed column of a workshop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// Runs every check on the dataset at `layout`; `base` is the git revision to judge the
/// change against.
pub fn run(layout: &Layout, countries: &CountryResolver, base: Option<&str>) -> Result<CheckReport> {
    let root = &layout.root;
    let (mut errors, mut stats) = validate_all(layout, countries)?;
    let mut warnings = Vec::new();
    if let Some(base) = base {
        let reports: Vec<String> = layout
            .report_files()?
            .iter()
            .map(|p| layout.display(p).replace('\\', "/"))
            .collect();
        (errors, warnings) = touched::split_by_touched_lines(root, base, errors, &reports)?;
    }
    let tmp = tempfile::Builder::new()
        .prefix("luban-check-")
        .tempdir()
        .context("failed to create a temp folder")?;
    let Rebuilt {
        output: fresh,
        placing,
        set_aside,
    } = rebuild(root, tmp.path())?;
    // a report dedupe set aside fails the change, on that report's line, even one the
    // change did not touch: the change made it ambiguous, and `luban run` rejects it. It
    // is a rejected row, though every rule of validation passed it.
    let set_aside_rows = set_aside.len() as u64;
    stats.valid_rows = stats.valid_rows.saturating_sub(set_aside_rows);
    stats.rejected_rows += set_aside_rows;
    errors.extend(set_aside);
    let output = compare_output(root, base, fresh.as_deref())?;
    let committed = root.join("output");
    let country_drops = match &fresh {
        Some(f) => counts_delta(
            &read_or_empty(&committed.join("countries.csv")),
            &read_or_empty(&f.join("countries.csv")),
        )
        .into_iter()
        .filter(|d| d.after < d.before)
        .collect(),
        None => Vec::new(),
    };
    errors.extend(version::citation(
        &read_or_empty(&root.join("raw/dataset.json")),
        &read_or_empty(&root.join("CITATION.cff")),
    ));
    let diff = base.map(|b| data_diff(root, b, fresh.as_deref())).transpose()?;
    if let (Some(base), Some(ws)) = (base, diff.as_ref().and_then(|d| d.workshops.as_ref())) {
        errors.extend(version_rule(root, base, ws)?);
    }
    stats.count(&errors);
    Ok(CheckReport {
        valid: errors.is_empty() && !output.state.is_error(),
        stats,
        errors,
        warnings,
        output,
        country_drops,
        diff,
        placing,
    })
}

/// Validates the report files together (as `luban run` does: duplicate rows, unique
/// values and foreign keys span the files) and every side table.
fn validate_all(layout: &Layout, countries: &CountryResolver) -> Result<(Vec<ErrorRecord>, Stats)> {
    let hidden = Progress::hidden();
    let schema_path = layout.schema("reports");
    let schema = TableSchema::load(&schema_path, &layout.display(&schema_path))?;
    let read = ingest::read_report_files(layout, &schema, &hidden, ingest::Keep::Rows)?;
    let mut stats = Stats {
        files: read.files,
        rows: read.rows_in,
        rejected_rows: read.rejected,
        ..Default::default()
    };
    let mut errors = read.file_errors;
    let checked = validate::check_rows(
        &schema,
        Some(countries),
        schema.fields.len(),
        read.rows,
        validate::Limits::default(),
        &hidden,
    );
    stats.valid_rows += checked.valid.len() as u64;
    stats.rejected_rows += checked.rejected.len() as u64;
    errors.extend(checked.errors());
    drop(checked);
    let side = tables::check(layout)?;
    errors.extend(side.errors);
    stats.files += side.stats.files;
    stats.rows += side.stats.rows;
    stats.valid_rows += side.stats.valid_rows;
    stats.rejected_rows += side.stats.rejected_rows;
    Ok((errors, stats))
}

/// What rerunning the pipeline on a copy of the dataset made.
struct Rebuilt {
    /// the folder of what it published, or None when it rejects `raw/`
    output: Option<std::path::PathBuf>,
    /// what it noted about placing the reports ([`CheckReport::placing`])
    placing: Vec<String>,
    /// the reports dedupe could not place, as errors at their lines
    set_aside: Vec<ErrorRecord>,
}

/// Reruns the pipeline on a copy of `raw/` and `schemas/` in `tmp`.
fn rebuild(root: &Path, tmp: &Path) -> Result<Rebuilt> {
    copy_dir(&root.join("raw"), &tmp.join("raw"))?;
    copy_dir(&root.join("schemas"), &tmp.join("schemas"))?;
    let exe = std::env::current_exe().context("failed to find the luban executable")?;
    let out = std::process::Command::new(exe)
        .args(["--root", &tmp.to_string_lossy(), "run", "--quiet"])
        .output()
        .context("failed to run the pipeline on a copy of raw/")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    // names taken as known ones (by record linkage, with the alias line to add) and
    // Chinese partners no alias names
    let placing: Vec<String> = stderr
        .lines()
        .filter(|line| line.starts_with("note: "))
        .map(str::to_string)
        .collect();
    for line in &placing {
        eprintln!("{line}");
    }
    let output = match out.status.code() {
        Some(0) => Some(tmp.join("output")),
        Some(1) => None,
        _ => anyhow::bail!("the pipeline failed on a copy of raw/:\n{}", stderr.trim()),
    };
    Ok(Rebuilt {
        output,
        placing,
        set_aside: set_aside_errors(&stderr),
    })
}

/// The reports dedupe could not place, from the lines the rerun printed for them
/// ([`Unmerged::error_line`]: the reports it set aside, and those of a host that made
/// others ambiguous), as errors at their file and line (their row number is not known
/// here).
fn set_aside_errors(stderr: &str) -> Vec<ErrorRecord> {
    stderr
        .lines()
        .filter_map(Unmerged::parse_error_line)
        .map(|(code, file, line, message)| ErrorRecord::about(file, line, code, message))
        .collect()
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

fn file_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every file under `dir`, by its path relative to `dir` (`site/index.html`).
fn file_paths(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for name in file_names(dir) {
        out.insert(name);
    }
    for e in std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok()) {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            let sub = e.file_name().to_string_lossy().into_owned();
            out.extend(file_paths(&e.path()).into_iter().map(|p| format!("{sub}/{p}")));
        }
    }
    out
}

/// The differing files, with those of the site (`site/…`, one page per workshop) counted
/// as one entry when there are more than three, so that the message stays readable.
fn summarized(files: Vec<String>) -> Vec<String> {
    let site = files.iter().filter(|f| f.starts_with("site/")).count();
    if site <= 3 {
        return files; // a few pages are named, so that a stray one can be found
    }
    let mut out: Vec<String> = files.into_iter().filter(|f| !f.starts_with("site/")).collect();
    out.push(format!("site/ ({site} files)"));
    out
}

/// `output/` against what the pipeline made of `raw/` (`fresh`), and, with a base,
/// whether the change itself edits `output/`. The site's pages (`output/site/`) are
/// compared too.
fn compare_output(root: &Path, base: Option<&str>, fresh: Option<&Path>) -> Result<OutputCheck> {
    let Some(fresh) = fresh else {
        return Ok(OutputCheck {
            state: OutputState::CannotBeRebuilt,
            files: Vec::new(),
        });
    };
    let committed = root.join("output");
    let names: BTreeSet<String> = file_paths(fresh).into_iter().chain(file_paths(&committed)).collect();
    let files: Vec<String> = names
        .into_iter()
        .filter(|n| std::fs::read(fresh.join(n)).ok() != std::fs::read(committed.join(n)).ok())
        .collect();
    let state = match base {
        _ if files.is_empty() => OutputState::UpToDate,
        None => OutputState::Stale,
        Some(base) => {
            // the files of output/ this change edited, added or removed against the base
            let listed: BTreeSet<String> = git::ls_files(root, base, "output")?
                .into_iter()
                .chain(file_paths(&committed))
                .collect();
            let mut edited = Vec::new();
            for n in listed {
                let before = git::show(root, base, &format!("output/{n}"))?;
                if before != std::fs::read(committed.join(&n)).ok() {
                    edited.push(n);
                }
            }
            if !edited.is_empty() {
                // what the contributor has to undo, rather than what a rebuild would change
                return Ok(OutputCheck {
                    state: OutputState::Edited,
                    files: summarized(edited),
                });
            }
            OutputState::RebuiltOnMerge
        }
    };
    Ok(OutputCheck {
        state,
        files: summarized(files),
    })
}

fn read_or_empty(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

/// Workshops per country in the text of a published `countries.csv` (empty when absent).
fn countries_counts(text: &str) -> BTreeMap<String, i64> {
    read_rows(text)
        .into_iter()
        .filter_map(|r| {
            Some((
                r.cells.get("country_code")?.clone(),
                r.cells.get("workshops")?.parse().ok()?,
            ))
        })
        .collect()
}

/// Per-country counts that differ between two `countries.csv` texts.
fn counts_delta(before: &str, after: &str) -> Vec<CountDelta> {
    let (a, b) = (countries_counts(before), countries_counts(after));
    let codes: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    codes
        .into_iter()
        .map(|c| CountDelta {
            country_code: c.clone(),
            before: a.get(c).copied().unwrap_or(0),
            after: b.get(c).copied().unwrap_or(0),
        })
        .filter(|d| d.before != d.after)
        .collect()
}

/// The version rule ([`version`]): `raw/dataset.json`'s version against the base's, for
/// the change `workshops` makes to the published workshops.
fn version_rule(root: &Path, base: &str, workshops: &[WorkshopChange]) -> Result<Option<ErrorRecord>> {
    let before = git::show_text(root, base, "raw/dataset.json")?;
    let head = read_or_empty(&root.join("raw/dataset.json"));
    let (before, _) = version::version_of(&before);
    let (after, line, byte) = version::version_at(&head);
    Ok(version::check(
        &before,
        &after,
        version::needed(workshops),
        (line, byte),
    ))
}

/// The keyed diff of report rows, published workshops and per-country counts against
/// `base`; `fresh` is what the pipeline published from the change's `raw/`.
fn data_diff(root: &Path, base: &str, fresh: Option<&Path>) -> Result<DataDiff> {
    let mut files: BTreeSet<String> = git::ls(root, base, "raw/reports")?.into_iter().collect();
    files.extend(file_names(&root.join("raw/reports")));
    let mut reports = Vec::new();
    for f in files.iter().filter(|f| f.ends_with(".csv")) {
        let rel = format!("raw/reports/{f}");
        let before = git::show(root, base, &rel)?.unwrap_or_default();
        let head = std::fs::read(root.join(&rel)).unwrap_or_default();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let head_text = text(&head);
        // a header the reports cannot be keyed by (saved with `;`, a label misspelt) has
        // its own error; read with it, every row would look removed and added again
        if !head.is_empty() && !has_columns(&head_text, &REPORT_KEY) {
            continue;
        }
        let mut changes: Vec<ReportChange> = diff(read_rows(&text(&before)), read_rows(&head_text), report_key)
            .into_iter()
            .map(|c| report_change(&rel, c))
            .collect();
        // in the order of the file, as the contributor reads it (a removed row by its
        // line in the base), rather than by key
        changes.sort_by_key(|c| c.line);
        reports.extend(changes);
    }
    let Some(fresh) = fresh else {
        return Ok(DataDiff {
            base: base.to_string(),
            reports,
            workshops: None,
            countries: None,
        });
    };
    let shown = |rel: &str| git::show_text(root, base, rel);
    let workshops = workshop_diff(
        &shown("output/workshops.csv")?,
        &read_or_empty(&fresh.join("workshops.csv")),
    );
    let countries = counts_delta(
        &shown("output/countries.csv")?,
        &read_or_empty(&fresh.join("countries.csv")),
    );
    Ok(DataDiff {
        base: base.to_string(),
        reports,
        workshops: Some(workshops),
        countries: Some(countries),
    })
}

fn report_change(file: &str, c: Change) -> ReportChange {
    let kind = c.kind();
    let (row, cells) = match c {
        Change::Added(r) | Change::Removed(r) => (r, Vec::new()),
        Change::Changed { after, cells, .. } => (after, cells),
    };
    let cell = |k: &str| row.cells.get(k).cloned().unwrap_or_default();
    ReportChange {
        change: kind,
        file: file.to_string(),
        line: row.line,
        source_url: cell("source_url"),
        country: cell("country"),
        workshop_name: cell("workshop_name"),
        cells: cells
            .into_iter()
            .map(|(column, before, after)| CellChange { column, before, after })
            .collect(),
    }
}

/// The keyed diff of two `workshops.csv` texts, with a removed workshop whose sources
/// another now holds shown as merged into it.
pub fn workshop_diff(before: &str, after: &str) -> Vec<WorkshopChange> {
    let after_rows = read_rows(after);
    let merged_into = merged_into(&after_rows);
    diff(read_rows(before), read_rows(after), |r| {
        r.cells.get("workshop_id").cloned().unwrap_or_default()
    })
    .into_iter()
    .map(workshop_change)
    .map(|mut w| {
        if w.change == "removed" {
            if let Some(into) = merged_into(&w.source_urls) {
                w.change = "merged";
                w.merged_into = Some(into);
            }
        }
        w
    })
    .collect()
}

/// Which of the workshops `after` holds every one of `urls` (a `;`-joined list), if one
/// does.
fn merged_into(after: &[crate::check::diff::Row]) -> impl Fn(&str) -> Option<String> + '_ {
    move |urls: &str| {
        let urls: Vec<&str> = urls.split(';').filter(|u| !u.is_empty()).collect();
        if urls.is_empty() {
            return None;
        }
        after
            .iter()
            .find(|w| {
                let held: Vec<&str> = w
                    .cells
                    .get("source_urls")
                    .map_or(Vec::new(), |s| s.split(';').collect());
                urls.iter().all(|u| held.contains(u))
            })
            .and_then(|w| w.cells.get("workshop_id").cloned())
    }
}

fn workshop_change(c: Change) -> WorkshopChange {
    let kind = c.kind();
    let (row, values) = match c {
        Change::Added(r) | Change::Removed(r) => (r, Vec::new()),
        Change::Changed { after, cells, .. } => (
            after,
            cells
                .into_iter()
                .map(|(field, before, after)| FieldChange { field, before, after })
                .collect::<Vec<_>>(),
        ),
    };
    let fields = values.iter().map(|v| v.field.clone()).collect();
    let cell = |k: &str| row.cells.get(k).cloned().unwrap_or_default();
    WorkshopChange {
        change: kind,
        workshop_id: cell("workshop_id"),
        workshop_name: cell("workshop_name"),
        country_code: cell("country_code"),
        fields,
        values,
        merged_into: None,
        source_urls: cell("source_urls"),
    }
}

/// The two git questions `--base` asks.
pub(crate) mod git {
    use std::path::Path;

    use anyhow::{Context, Result};

    /// A file's bytes at a git revision; None when it did not exist there.
    pub fn show(root: &Path, rev: &str, rel: &str) -> Result<Option<Vec<u8>>> {
        let out = std::process::Command::new("git")
            .current_dir(root)
            .args(["show", &format!("{rev}:./{rel}")])
            .output()
            .context("failed to run git (needed by --base)")?;
        if out.status.success() {
            return Ok(Some(out.stdout));
        }
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("does not exist") || err.contains("exists on disk, but not in") {
            return Ok(None);
        }
        anyhow::bail!("git show {rev}:./{rel} failed: {}", err.trim())
    }

    /// A file's text at a git revision (lossy UTF-8); empty when it did not exist there.
    pub fn show_text(root: &Path, rev: &str, rel: &str) -> Result<String> {
        Ok(String::from_utf8_lossy(&show(root, rev, rel)?.unwrap_or_default()).into_owned())
    }

    /// Every file under `dir` at `rev`, by its path relative to `dir`.
    pub fn ls_files(root: &Path, rev: &str, dir: &str) -> Result<Vec<String>> {
        let prefix = format!("{dir}/");
        Ok(ls_tree(root, rev, dir, true)?
            .iter()
            .map(|l| l.strip_prefix(&prefix).unwrap_or(l).to_string())
            .collect())
    }

    /// The names of the files in folder `dir` at a git revision.
    pub fn ls(root: &Path, rev: &str, dir: &str) -> Result<Vec<String>> {
        Ok(ls_tree(root, rev, dir, false)?
            .iter()
            .map(|l| l.rsplit('/').next().unwrap_or(l).to_string())
            .collect())
    }

    /// The paths `git ls-tree` lists in folder `dir` at `rev` (`recursive`: every file
    /// below it, not only its entries).
    fn ls_tree(root: &Path, rev: &str, dir: &str, recursive: bool) -> Result<Vec<String>> {
        let folder = format!("./{dir}/");
        let mut args = vec!["ls-tree", "--name-only"];
        if recursive {
            args.push("-r");
        }
        args.extend([rev, folder.as_str()]);
        let out = std::process::Command::new("git")
            .current_dir(root)
            .args(&args)
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
            .map(str::to_string)
            .collect())
    }
}
