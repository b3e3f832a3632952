//! `luban validate`: the dataset's validate stage, any CSV against any schema, or a Data
//! Package's CSV resources ([`crate::stages::package`]).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::{Ctx, FormatArg, Outcome};
use crate::report::error_report::ErrorRecord;
use crate::report::error_report::{self, Format, Stats};
use crate::report::frictionless_report::Task;
use crate::schema::TableSchema;
use crate::stages::package::Package;
use crate::stages::validate::Limits;
use crate::stages::{ingest, validate};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV files to check instead of the dataset's staged rows (with --schema), or one
    /// datapackage.json (each CSV resource against its own schema, foreign keys between
    /// resources included).
    files: Vec<PathBuf>,
    /// Table Schema (JSON) for FILE(s).
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Write rejected rows of FILE(s) to this CSV.
    #[arg(long)]
    quarantine: Option<PathBuf>,
    /// Stop after N errors.
    #[arg(long, value_name = "N")]
    max_errors: Option<usize>,
    /// Stop at the first error (same as --max-errors 1).
    #[arg(long)]
    fail_fast: bool,
    /// Worker threads for FILE(s) (default: all cores). Output is the same for any value.
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    #[command(flatten)]
    format: FormatArg,
}

impl Args {
    /// The arguments of a plain `luban validate` on the dataset.
    pub fn dataset() -> Args {
        Args {
            files: Vec::new(),
            schema: None,
            quarantine: None,
            max_errors: None,
            fail_fast: false,
            jobs: None,
            format: FormatArg { format: Format::Human },
        }
    }
}

impl Args {
    /// Whether it validates the dataset (no FILE named) rather than files.
    pub fn on_dataset(&self) -> bool {
        self.files.is_empty()
    }

    fn limits(&self) -> Limits {
        Limits {
            max_errors: if self.fail_fast { Some(1) } else { self.max_errors },
        }
    }
}

/// `luban validate` on the dataset's staged rows (the caller holds the lock).
pub fn run_dataset(ctx: &Ctx, layout: &crate::layout::Layout, args: Args) -> Result<Outcome> {
    // alone: no stage takes the valid rows
    Ok(run_dataset_with(ctx, layout, args, None, crate::stages::ingest::Keep::Count)?.0)
}

/// [`run_dataset`] on ingest's rows when the caller has them (`luban run`); also returns
/// the valid rows, for normalize.
pub fn run_dataset_with(
    ctx: &Ctx,
    layout: &crate::layout::Layout,
    args: Args,
    input: Option<Vec<crate::model::IngestedRow>>,
    keep: crate::stages::ingest::Keep,
) -> Result<(Outcome, Option<Vec<crate::model::IngestedRow>>)> {
    if args.schema.is_some() {
        bail!("--schema goes with FILE arguments; the dataset uses schemas/reports.schema.json");
    }
    let schema = ctx.reports_schema(layout)?;
    let countries = ctx.countries(layout)?;
    let progress = progress_bar(ctx, args.format.format, crate::report::progress::Unit::Rows);
    let mut v = validate::run(layout, &schema, &countries, args.limits(), input, keep, &progress)?;
    drop(progress);
    let outcome = validated(ctx, layout, &v, v.files, args.format.format)?;
    let valid = std::mem::take(&mut v.checked.valid);
    Ok((outcome, (keep == crate::stages::ingest::Keep::Rows).then_some(valid)))
}

/// Reports the dataset's validate stage: the errors, their counts and the status line.
/// `files` is how many files the rows came from.
pub fn validated(
    ctx: &Ctx,
    layout: &crate::layout::Layout,
    v: &validate::Validated,
    files: usize,
    format: Format,
) -> Result<Outcome> {
    let errors = v.checked.errors();
    let mut stats = Stats {
        files,
        rows: v.report.rows_in,
        stopped_early: v.checked.stopped_early,
        valid_rows: v.report.rows_out,
        rejected_rows: v.report.rejected,
        ..Default::default()
    };
    stats.count(&errors);
    let labels: Vec<String> = ctx
        .reports_schema(layout)
        .map(|s| s.field_names().into_iter().map(str::to_string).collect())
        .unwrap_or_default();
    report_with_labels(ctx, &errors, &stats, format, &layout.root, false, &labels)?;
    ctx.console.status(&v.report.to_string());
    Ok(Outcome::from_errors(v.report.data_errors))
}

/// The validate stage's progress bar: none with machine output (`--format json|github`).
fn progress_bar(ctx: &Ctx, format: Format, unit: crate::report::progress::Unit) -> crate::report::progress::Progress {
    match format {
        Format::Human => ctx.progress("validate", unit),
        _ => crate::report::progress::Progress::hidden(),
    }
}

/// `luban validate FILE… --schema S`: any CSV, streamed.
/// Writes what `validate FILE…` found: the quarantine file if asked for, and the report
/// in the chosen format.
fn write_findings(
    ctx: &Ctx,
    args: &Args,
    errors: &[ErrorRecord],
    rejected: &[(Vec<String>, Vec<ErrorRecord>)],
    stats: &Stats,
    tasks: &[Task],
    started: std::time::Instant,
) -> Result<()> {
    if let Some(q) = &args.quarantine {
        crate::table::csvio::write_atomic(q, |w| {
            let mut qw = validate::QuarantineWriter::new(w)?;
            for (cells, errs) in rejected {
                qw.write(cells, errs)?;
            }
            qw.flush()
        })?;
    }
    if args.format.format == Format::Frictionless {
        let cells: BTreeMap<(&str, u64), &Vec<String>> = rejected
            .iter()
            .filter_map(|(cells, errs)| errs.first().map(|e| ((e.file.as_str(), e.row), cells)))
            .collect();
        let cells_of = |f: &str, row: u64| cells.get(&(f, row)).map(|c| c.to_vec());
        let seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
        let doc = crate::report::frictionless_report::report(stats, tasks, errors, &cells_of, seconds);
        writeln!(std::io::stdout().lock(), "{doc}")?;
    } else {
        report(ctx, errors, stats, args.format.format, Path::new("."), true)?;
    }
    Ok(())
}

/// Prints the schemas' warnings (human format), and loads the countries if a schema
/// resolves names against them.
fn schema_notes_and_countries(
    ctx: &Ctx,
    args: &Args,
    targets: &[(&Path, String, &TableSchema)],
) -> Result<Option<crate::names::countries::CountryResolver>> {
    if args.format.format == Format::Human {
        for (_, _, schema) in targets {
            for w in &schema.warnings {
                ctx.console.block(&format!("{}\n", w.render(ctx.color)));
            }
        }
    }
    Ok(
        if targets
            .iter()
            .any(|(_, _, s)| s.fields.iter().any(|f| f.resolve.is_some()))
        {
            Some(ctx.countries(&ctx.layout()?)?)
        } else {
            None
        },
    )
}

/// `luban validate FILE...`: each file against its schema, outside the dataset.
pub fn run_files(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let limits = args.limits();
    let package = match (&args.schema, args.files.as_slice()) {
        (None, [p]) if p.extension().is_some_and(|e| e == "json") => Some(Package::load(p, &p.display().to_string())?),
        _ => None,
    };
    // (file, shown, schema) to check; a package's resources, or FILEs against --schema
    let one_schema;
    let targets: Vec<(&Path, String, &TableSchema)> = match &package {
        Some(pkg) => pkg
            .resources
            .iter()
            .map(|r| (r.path.as_path(), r.shown.clone(), &r.schema))
            .collect(),
        None => {
            let Some(schema_path) = &args.schema else {
                bail!("FILE arguments need --schema SCHEMA.json (or give one datapackage.json)");
            };
            one_schema = TableSchema::load(schema_path, &schema_path.display().to_string())?;
            if let Some(fk) = one_schema.foreign_keys.iter().find(|fk| !fk.resource.is_empty()) {
                bail!(
                    "the schema has a foreign key to the resource `{}`: validate the data package that holds both (luban validate datapackage.json)",
                    fk.resource
                );
            }
            args.files
                .iter()
                .map(|f| (f.as_path(), f.display().to_string(), &one_schema))
                .collect()
        }
    };
    let countries = schema_notes_and_countries(ctx, &args, &targets)?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let started = std::time::Instant::now();
    let mut errors: Vec<ErrorRecord> = Vec::new();
    let mut rejected: Vec<(Vec<String>, Vec<ErrorRecord>)> = Vec::new();
    let mut tasks: Vec<Task> = Vec::new();
    let keep_cells = args.quarantine.is_some() || args.format.format == Format::Frictionless;
    let mut stats = Stats {
        files: targets.len(),
        ..Default::default()
    };
    for (i, &(f, ref shown, schema)) in targets.iter().enumerate() {
        let (mut src, refs) = match &package {
            Some(pkg) => {
                let r = &pkg.resources[i];
                let (integrity, note) = pkg.integrity(r)?;
                errors.extend(integrity);
                if let Some(n) = note {
                    ctx.console.warn(&n);
                }
                (pkg.open(r)?, Some(pkg.references(r)?))
            }
            None => (ingest::CsvSource::open_sniffed(f, shown, schema)?, None),
        };
        let header_errors = std::mem::take(&mut src.header_errors);
        let remaining = Limits {
            max_errors: limits
                .max_errors
                .map(|m| m.saturating_sub(errors.len() + header_errors.len())),
        };
        errors.extend(header_errors);
        let progress = progress_bar(ctx, args.format.format, crate::report::progress::Unit::Bytes);
        let s = validate::check_source_with(
            &mut src,
            schema,
            countries.as_ref(),
            remaining,
            jobs,
            &progress,
            refs.as_ref(),
            |cells, errs| {
                errors.extend(errs.iter().cloned());
                if keep_cells {
                    rejected.push((cells.to_vec(), errs));
                }
                Ok(())
            },
        )?;
        tasks.push(Task {
            file: shown.clone(),
            labels: src.labels.clone(),
            bytes: src.bytes,
            rows: s.rows,
        });
        stats.rows += s.rows;
        stats.valid_rows += s.valid;
        stats.rejected_rows += s.rejected;
        stats.stopped_early |= s.stopped_early;
        if s.stopped_early {
            break;
        }
    }
    stats.count(&errors);
    write_findings(ctx, &args, &errors, &rejected, &stats, &tasks, started)?;
    Ok(Outcome::from_errors(!errors.is_empty()))
}

/// Prints findings in the chosen format; the file texts are read only to draw carets.
pub fn report(
    ctx: &Ctx,
    errors: &[ErrorRecord],
    stats: &Stats,
    format: Format,
    base: &Path,
    always_summary: bool,
) -> Result<()> {
    report_with_labels(ctx, errors, stats, format, base, always_summary, &[])
}

/// [`report`], with the labels a Frictionless report gives each file.
pub fn report_with_labels(
    ctx: &Ctx,
    errors: &[ErrorRecord],
    stats: &Stats,
    format: Format,
    base: &Path,
    always_summary: bool,
    labels: &[String],
) -> Result<()> {
    let texts: BTreeMap<String, String> = if matches!(format, Format::Human | Format::Github | Format::Json) {
        error_report::file_texts(base, errors)
    } else {
        BTreeMap::new()
    };
    let text_of = |f: &str| texts.get(f).map(String::as_str);
    match format {
        Format::Human => {
            for e in errors {
                ctx.console
                    .block(&format!("{}\n", error_report::human(e, e.byte, &text_of, ctx.color)));
            }
            if !errors.is_empty() || (always_summary && !ctx.console.quiet) {
                ctx.console.block(&error_report::summary(stats));
            }
        }
        Format::Json => {
            let mut out = std::io::stdout().lock();
            let mut located = errors.to_vec();
            error_report::locate(&mut located, &text_of);
            writeln!(out, "{}", error_report::json(stats, &located))?;
        }
        Format::Frictionless => {
            // the dataset's files, each with the schema's fields as its labels
            let files: std::collections::BTreeSet<&str> = errors.iter().map(|e| e.file.as_str()).collect();
            let tasks: Vec<Task> = files
                .into_iter()
                .map(|f| Task {
                    file: f.to_string(),
                    labels: labels.to_vec(),
                    ..Default::default()
                })
                .collect();
            let doc = crate::report::frictionless_report::report(stats, &tasks, errors, &|_, _| None, 0.0);
            writeln!(std::io::stdout().lock(), "{doc}")?;
        }
        Format::Github => {
            let mut out = std::io::stdout().lock();
            for e in errors {
                writeln!(out, "{}", error_report::github(e, e.byte, &text_of))?;
            }
        }
    }
    Ok(())
}
