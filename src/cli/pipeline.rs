//! The stage commands and `run`: each calls one stage and prints its status line; `run`
//! calls them in order and stops at the first stage that rejects data. Within `run`, each
//! stage hands its records to the next in memory ([`Carry`]); the artifacts in `build/`
//! are still written, for stages run alone and for incremental runs, and are read only
//! when the stage that wrote them was skipped.

use anyhow::{Context, Result};

use super::validate::report;
use super::{Ctx, Outcome};
use crate::layout::Layout;
use crate::model::{IngestedRow, Reports, Tables, Workshops};
use crate::report::error_report::{Format, Stats};
use crate::report::progress::Unit;
use crate::schema::TableSchema;
use crate::stages::dedupe::SourceTables;
use crate::stages::{self, StageReport};

fn done(ctx: &Ctx, r: &StageReport) -> Outcome {
    ctx.console.status(&r.to_string());
    if !ctx.console.quiet {
        for note in &r.notes {
            ctx.console.warn(note);
        }
    }
    Outcome::from_errors(r.data_errors)
}

/// Runs one stage alone, on the artifacts the stages before it wrote. First the
/// dataset's side tables are validated (as `luban run` and `luban check` do), and
/// artifacts that are stale or foreign are refused, naming the stage to rerun; the stage
/// is then recorded in `build/state.json`, so that the next stage run alone (or `luban
/// run`) knows what its artifacts were made from. What the stage would hand the next one
/// is freed on another thread (see [`stages::discard`]): the command ends without waiting
/// for a million records to be freed.
pub fn alone(
    ctx: &Ctx,
    stage: &'static str,
    body: impl FnOnce(&Layout, &mut Carry) -> Result<Outcome>,
) -> Result<Outcome> {
    let (layout, _lock) = ctx.layout_locked()?;
    if check_tables(ctx, &layout)? == Outcome::Rejected {
        return Ok(Outcome::Rejected);
    }
    let files = crate::incremental::Tracker::files_of(stage).context("internal error: no such stage")?;
    let mut tracker = crate::incremental::Tracker::open(&layout, false);
    tracker.refuse_stale_inputs(stage)?;
    let mut carry = Carry::default();
    let outcome = body(&layout, &mut carry);
    for (file, hash) in carry.hashes.drain(..) {
        tracker.remember(file, hash);
    }
    stages::discard(carry);
    match outcome {
        // validate quarantines what it rejects: its artifacts are whole, and the stages
        // after it may run on the valid rows
        Ok(Outcome::Rejected) if stage == "validate" => tracker.record_outcome(&files, true)?,
        Ok(Outcome::Accepted) => tracker.record(&files)?,
        _ => {
            tracker.forget(stage);
            tracker.save()?;
        }
    }
    outcome
}

/// Validates the dataset's tables besides the reports ([`stages::tables`]) and prints
/// what is wrong with them; every command that reads them calls this first.
fn check_tables(ctx: &Ctx, layout: &Layout) -> Result<Outcome> {
    let checked = stages::tables::check(layout)?;
    if checked.errors.is_empty() {
        return Ok(Outcome::Accepted);
    }
    report(ctx, &checked.errors, &checked.stats, Format::Human, &layout.root, false)?;
    ctx.console
        .block("error: data rejected; nothing was run (fix the tables above and rerun)");
    Ok(Outcome::Rejected)
}

/// Records one stage hands the next within `luban run` (None: read the artifact).
#[derive(Default)]
pub struct Carry {
    rows: Option<Vec<IngestedRow>>,
    reports: Option<Reports>,
    workshops: Option<Workshops>,
    tables: Option<Tables>,
    /// validate's and normalize's results when ingest ran them in its pass over the
    /// rows (see [`stages::stream`]); validate's with the number of files that had rows
    validated: Option<(stages::validate::Validated, usize)>,
    normalized: Option<stages::normalize::Normalized>,
    /// the wall time of that pass, printed after normalize's line (the three stage
    /// times overlap)
    pass: Option<std::time::Duration>,
    /// files a stage read and hashed as it read them, for the incremental tracker
    hashes: Vec<(std::path::PathBuf, String)>,
}

/// Runs ingest; `keep` says whether a stage after it in this process takes its rows.
fn ingest_with(
    ctx: &Ctx,
    layout: &Layout,
    schema: &TableSchema,
    keep: stages::ingest::Keep,
    carry: &mut Carry,
) -> Result<Outcome> {
    let ing = stages::ingest::run(layout, schema, &ctx.progress("ingest", Unit::Bytes), keep)?;
    ingested(ctx, layout, ing, carry)
}

/// Reports ingest's result, and hands its rows to validate.
fn ingested(ctx: &Ctx, layout: &Layout, mut ing: stages::ingest::Ingested, carry: &mut Carry) -> Result<Outcome> {
    carry.rows = Some(std::mem::take(&mut ing.rows));
    carry.hashes = std::mem::take(&mut ing.hashes);
    if !ing.file_errors.is_empty() {
        let mut stats = Stats {
            files: ing.files,
            rows: ing.report.rows_in,
            valid_rows: ing.report.rows_out,
            rejected_rows: ing.report.rejected,
            ..Default::default()
        };
        stats.count(&ing.file_errors);
        report(ctx, &ing.file_errors, &stats, Format::Human, &layout.root, false)?;
    }
    Ok(done(ctx, &ing.report))
}

pub fn ingest(ctx: &Ctx) -> Result<Outcome> {
    alone(ctx, "ingest", |layout, carry| {
        let schema = ctx.reports_schema(layout)?;
        // alone, the rows would only be dropped: ingest stages the files, not the rows
        ingest_with(ctx, layout, &schema, stages::ingest::Keep::Count, carry)
    })
}

pub fn normalize(ctx: &Ctx) -> Result<Outcome> {
    alone(ctx, "normalize", |layout, carry| {
        normalize_with(ctx, layout, &ctx.reports_schema(layout)?, carry)
    })
}

fn normalize_with(ctx: &Ctx, layout: &Layout, schema: &TableSchema, carry: &mut Carry) -> Result<Outcome> {
    let countries = ctx.countries(layout)?;
    let aliases = ctx.aliases(layout)?;
    let n = stages::normalize::run(
        layout,
        schema,
        &countries,
        &aliases,
        carry.rows.take(),
        &ctx.progress("normalize", Unit::Rows),
    )?;
    Ok(normalized(ctx, n, carry))
}

/// Reports normalize's result (names matched, alias lints), and hands its reports to
/// dedupe.
fn normalized(ctx: &Ctx, mut n: stages::normalize::Normalized, carry: &mut Carry) -> Outcome {
    carry.reports = Some(std::mem::take(&mut n.reports));
    for m in &n.matches {
        match m.outcome {
            "accepted" => ctx.console.status(&format!(
                "note: {} {} `{}` taken as `{}` (similarity {:.2})",
                m.country,
                m.field.as_str(),
                m.name,
                m.candidate,
                m.score
            )),
            "decided" => ctx.console.status(&format!(
                "note: {} {} `{}` is `{}` (raw/decisions.csv)",
                m.country,
                m.field.as_str(),
                m.name,
                m.candidate
            )),
            _ => {}
        }
    }
    for name in &n.unknown_in_chinese {
        // shown with --quiet, as record linkage's notes: `luban check` lists it
        ctx.console.block(&format!(
            "note: Chinese partner `{name}` is not a partner the dataset knows (its names are English): if it is one, add `{},<its English name>,<the page's URL>` to raw/aliases/partners.csv",
            crate::table::csvio::quoted(name)
        ));
    }
    for line in &n.unused_decisions {
        ctx.console.warn(&format!(
            "raw/decisions.csv:{line}: this decision is about names no report uses now (renamed or removed?)"
        ));
    }
    let candidates = n.matches.iter().filter(|m| m.outcome == "candidate").count();
    if candidates > 0 && !ctx.console.quiet {
        ctx.console.warn(&format!(
            "{candidates} names look like known ones but were not merged; `luban dedupe --review` lists them"
        ));
    }
    for (file, lints) in &n.lints {
        for l in lints.iter().filter(|l| l.error) {
            ctx.console
                .block(&format!("error[{}]: {file}:{}: {}", l.code, l.line, l.message));
        }
        let unused = lints.iter().filter(|l| !l.error).count();
        if unused > 0 && !ctx.console.quiet {
            ctx.console.warn(&format!(
                "{file}: {unused} aliases are not used by any report (listed in build/alias-lint.csv)"
            ));
        }
    }
    done(ctx, &n.report)
}

pub fn dedupe(ctx: &Ctx, review: bool) -> Result<Outcome> {
    alone(ctx, "dedupe", |layout, carry| dedupe_with(ctx, layout, review, carry))
}

fn dedupe_with(ctx: &Ctx, layout: &Layout, review: bool, carry: &mut Carry) -> Result<Outcome> {
    let (r, mut d) = stages::dedupe::run(
        layout,
        review,
        carry.reports.take(),
        &ctx.progress("dedupe", Unit::Rows),
    )?;
    carry.workshops = Some(std::mem::take(&mut d.workshops));
    if let Some(n) = d.review_pairs {
        ctx.console.block(&format!(
            "{n} pairs to review in build/review.csv: set `decision` to `same` or `different` and copy the rows to raw/decisions.csv; every run replays them"
        ));
    }
    for l in &d.placement.links {
        ctx.console.block(&format!(
            "note: host `{}` is taken as `{}` ({}, probability {:.3}; {}); to make it explicit, add `{}` to raw/aliases/institutions.csv",
            l.scored.name, l.scored.matched, l.target_id, l.scored.probability, l.scored.evidence, l.alias_line
        ));
    }
    for u in d.placement.unmerged.iter().chain(&d.placement.related) {
        ctx.console.block(&u.error_line());
    }
    Ok(done(ctx, &r))
}

pub fn aggregate(ctx: &Ctx) -> Result<Outcome> {
    // alone, it publishes nothing: the workshops' sources and conflicts are not read
    alone(ctx, "aggregate", |layout, carry| {
        aggregate_with(ctx, layout, SourceTables::Skip, carry)
    })
}

/// Aggregate on the workshops dedupe just made, else on `build/` (`read`).
fn aggregate_with(ctx: &Ctx, layout: &Layout, read: SourceTables, carry: &mut Carry) -> Result<Outcome> {
    let (r, tables) = stages::aggregate::run(layout, carry.workshops.take(), read)?;
    carry.tables = tables;
    Ok(done(ctx, &r))
}

/// What publish writes, when the stages before it ran in this `luban run`: aggregate's
/// tables, or dedupe's workshops with aggregate's tables from `build/` when aggregate was
/// skipped (its inputs had not changed); None when neither ran.
fn tables_to_publish(layout: &Layout, carry: &mut Carry) -> Result<Option<Tables>> {
    if let Some(tables) = carry.tables.take() {
        return Ok(Some(tables));
    }
    let Some(workshops) = carry.workshops.take() else {
        return Ok(None);
    };
    stages::aggregate::read_tables(layout, || Ok(workshops)).map(Some)
}

pub fn publish(ctx: &Ctx) -> Result<Outcome> {
    alone(ctx, "publish", |layout, _| {
        Ok(done(
            ctx,
            &stages::publish::run(layout, None, &ctx.progress("publish", Unit::Rows))?,
        ))
    })
}

/// Every stage in order; stops at the first one that rejects data (exit 1), so that
/// `output/` never reflects a partly rejected dataset.
/// Whether a stage runs, given why it should (None: nothing it reads changed) and whether
/// ingest's pass already ran it; says so on the console (`--explain`: why).
fn should_run(ctx: &Ctx, explain: bool, ran: bool, why: Option<String>, stage: &str) -> bool {
    match why {
        None if ran => {
            if explain {
                ctx.console
                    .block(&format!("{stage:>9}: runs: in ingest's pass over the rows"));
            }
            true
        }
        None => {
            if explain {
                ctx.console
                    .block(&format!("{stage:>9}: skipped: nothing it reads changed"));
            } else {
                ctx.console.status(&format!("{stage:>9}: skipped (unchanged)"));
            }
            false
        }
        Some(why) => {
            if explain {
                ctx.console.block(&format!("{stage:>9}: runs: {why}"));
            }
            true
        }
    }
}

pub fn run_all(ctx: &Ctx, force: bool, explain: bool) -> Result<Outcome> {
    let layout = ctx.layout()?;
    // resolve everything that can fail before reading any data
    if check_tables(ctx, &layout)? == Outcome::Rejected {
        return Ok(Outcome::Rejected);
    }
    let schema = ctx.reports_schema(&layout)?;
    let countries = ctx.countries(&layout)?;
    let aliases = ctx.aliases(&layout)?;
    let _lock = crate::table::lock::acquire(&layout, &ctx.console)?;
    crate::scale::fit(&layout);
    let mut carry = Carry::default();
    let step = |i: usize, carry: &mut Carry| -> Result<Outcome> {
        match i {
            0 => {
                let start = std::time::Instant::now();
                let streamed = stages::stream::run(
                    &layout,
                    &schema,
                    &countries,
                    &aliases,
                    &ctx.progress("ingest", Unit::Bytes),
                )?;
                match streamed {
                    Some(s) => {
                        carry.validated = Some((s.validated, s.files_with_rows));
                        carry.normalized = s.normalized;
                        carry.pass = Some(start.elapsed());
                        ingested(ctx, &layout, s.ingested, carry)
                    }
                    None => ingest_with(ctx, &layout, &schema, stages::ingest::Keep::Rows, carry),
                }
            }
            1 => match carry.validated.take() {
                Some((v, files)) => super::validate::validated(ctx, &layout, &v, files, Format::Human),
                None => {
                    let rows = carry.rows.take();
                    let (outcome, valid) = super::validate::run_dataset_with(
                        ctx,
                        &layout,
                        super::validate::Args::dataset(),
                        rows,
                        stages::ingest::Keep::Rows,
                    )?;
                    carry.rows = valid;
                    Ok(outcome)
                }
            },
            2 => match carry.normalized.take() {
                Some(n) => {
                    let outcome = normalized(ctx, n, carry);
                    if let Some(pass) = carry.pass.take() {
                        ctx.console.status(&format!(
                            "{:>9}: ingest, validate and normalize as one pass over the rows  ({pass:.2?})",
                            "pass"
                        ));
                    }
                    Ok(outcome)
                }
                None => normalize_with(ctx, &layout, &schema, carry),
            },
            3 => dedupe_with(ctx, &layout, false, carry),
            4 => aggregate_with(ctx, &layout, SourceTables::Read, carry),
            _ => Ok(done(
                ctx,
                &stages::publish::run(
                    &layout,
                    tables_to_publish(&layout, carry)?,
                    &ctx.progress("publish", Unit::Rows),
                )?,
            )),
        }
    };
    let mut tracker = crate::incremental::Tracker::open(&layout, force);
    for (i, files) in crate::incremental::stage_files().into_iter().enumerate() {
        // validate and normalize have run when ingest streamed the rows through them
        let ran = (i == 1 && carry.validated.is_some()) || (i == 2 && carry.normalized.is_some());
        if !should_run(ctx, explain, ran, tracker.reason_to_run(&files)?, files.stage) {
            continue;
        }
        if step(i, &mut carry)? == Outcome::Rejected {
            tracker.forget(files.stage);
            tracker.save()?;
            ctx.console
                .block("error: data rejected; nothing was published (fix the errors above and rerun)");
            return Ok(Outcome::Rejected);
        }
        for (file, hash) in carry.hashes.drain(..) {
            tracker.remember(file, hash);
        }
        tracker.record(&files)?;
    }
    Ok(Outcome::Accepted)
}
