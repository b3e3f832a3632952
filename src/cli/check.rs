//! `luban check`: runs [`crate::check`] and prints its report as diagnostics (human),
//! workflow annotations (github) or one JSON document (json); the Markdown summary goes
//! to `$GITHUB_STEP_SUMMARY` or `--summary FILE` in every format.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use super::validate::report;
use super::{Ctx, Outcome};
use crate::check::{render, CheckReport};
use crate::report::error_report;

/// Output formats of `luban check` (validate's `frictionless` shape has no room for the
/// diff, the output state and the summary, so check keeps its own list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Options of `luban check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Git revision to judge the change against (e.g. origin/main): diffs the data, and
    /// errors on lines the change did not touch become warnings.
    #[arg(long, value_name = "REF")]
    base: Option<String>,
    /// human (stderr), github (workflow annotations on stdout) or json (one document on
    /// stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the Markdown summary here (default: $GITHUB_STEP_SUMMARY when set).
    #[arg(long, value_name = "FILE")]
    summary: Option<std::path::PathBuf>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let layout = ctx.layout()?;
    let countries = ctx.countries(&layout)?;
    let mut r = crate::check::run(&layout, &countries, args.base.as_deref())?;
    let root = &layout.root;
    let texts = error_report::file_texts(root, r.errors.iter().chain(&r.warnings));
    let text_of = |f: &str| texts.get(f).map(String::as_str);
    match args.format {
        Format::Json => {
            let mut out = std::io::stdout().lock();
            error_report::locate(&mut r.errors, &text_of);
            error_report::locate(&mut r.warnings, &text_of);
            serde_json::to_writer_pretty(&mut out, &r).context("failed to write the JSON report")?;
            writeln!(out)?;
        }
        Format::Github => github(&r, &text_of)?,
        Format::Human => human(ctx, &r, root)?,
    }
    let summary_path = args
        .summary
        .clone()
        .or_else(|| std::env::var_os("GITHUB_STEP_SUMMARY").map(std::path::PathBuf::from));
    if let Some(p) = summary_path {
        let md = render::markdown(&r, &|e| error_report::location(e, e.byte, &text_of));
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)
            .with_context(|| format!("failed to write the summary `{}`", p.display()))?;
        f.write_all(md.as_bytes())
            .with_context(|| format!("failed to write the summary `{}`", p.display()))?;
    }
    Ok(Outcome::from_errors(!r.valid))
}

/// Workflow commands: an annotation per error and warning on its line and column, and a
/// warning per removed report.
fn github(r: &CheckReport, text_of: &error_report::TextOf<'_>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for e in &r.errors {
        writeln!(out, "{}", error_report::github(e, e.byte, text_of))?;
    }
    for w in &r.warnings {
        let line = error_report::github(w, w.byte, text_of).replacen("::error ", "::warning ", 1);
        writeln!(out, "{line}")?;
    }
    for c in r.diff.iter().flat_map(|d| &d.reports).filter(|c| c.change == "removed") {
        writeln!(
            out,
            "::warning file={},title=report removed::report removed: {} ({})",
            c.file, c.source_url, c.country
        )?;
    }
    // the annotation's title is the code; the text does not repeat "error"
    let title = r.output.state.code().unwrap_or("output");
    let kind = if r.output.state.is_error() { "error" } else { "notice" };
    writeln!(out, "::{kind} title={title}::{}", render::output_text(r))?;
    Ok(())
}

/// Diagnostics and status lines on stderr.
fn human(ctx: &Ctx, r: &CheckReport, root: &Path) -> Result<()> {
    if !r.errors.is_empty() {
        report(ctx, &r.errors, &r.stats, error_report::Format::Human, root, false)?;
    }
    for w in &r.warnings {
        ctx.console.warn(&format!(
            "[{}] {}:{}: {} (on a line this change did not touch)",
            w.code, w.file, w.line, w.message
        ));
    }
    if r.errors.is_empty() {
        ctx.console
            .status(&format!("check: {} tables, {} rows valid", r.stats.files, r.stats.rows));
    }
    let message = render::output_message(r);
    if r.output.state.is_error() {
        ctx.console.block(&message);
    } else {
        ctx.console.status(&format!("check: {message}"));
    }
    for d in &r.country_drops {
        ctx.console.warn(&format!(
            "{} drops from {} to {} workshops against the committed output/countries.csv: check no report was lost",
            d.country_code, d.before, d.after
        ));
    }
    for c in r.diff.iter().flat_map(|d| &d.reports) {
        if c.change == "removed" {
            ctx.console
                .warn(&format!("{}: report removed: {} ({})", c.file, c.source_url, c.country));
        } else {
            // the contributor's own rows, by line, before what they make of the workshops
            ctx.console.status(&format!(
                "check: report {} at {}:{}: {} ({})",
                c.change, c.file, c.line, c.source_url, c.country
            ));
        }
    }
    if let Some(ws) = r.diff.as_ref().and_then(|d| d.workshops.as_ref()) {
        for w in ws {
            let what = if w.change == "added" { "new" } else { w.change };
            ctx.console
                .status(&format!("check: {what} workshop {} {}", w.workshop_id, w.workshop_name));
            for v in render::shown_values(w) {
                ctx.console
                    .status(&format!("check:     {}: {}", v.field, render::change_text(v)));
            }
        }
    }
    Ok(())
}
