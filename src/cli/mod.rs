//! The command line: argument parsing, one thin module per command, and the mapping from
//! outcomes to exit statuses (0 ok, 1 data rejected, 2 tool failure). Commands call one
//! stage each (`run` calls them all); no CSV is read here.

mod check;
mod context;
mod pipeline;
mod validate;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::report::error_report::Format;
use crate::schema::SchemaError;
use crate::{EXIT_DATA, EXIT_OK, EXIT_TOOL};

pub use context::Ctx;

const AFTER_HELP: &str = "\
Exit status: 0 all data accepted; 1 data rejected (see the diagnostics); 2 luban failed.

Files (under --root): reads raw/reports/*.csv, raw/aliases/*.csv, raw/reference/*.csv,
raw/dataset.json and schemas/*.schema.json; writes build/ (staged artifacts, git-ignored)
and output/ (the published dataset).";

#[derive(Debug, Parser)]
#[command(name = "luban", version, about = "Validate, clean, dedupe and publish the Luban Workshops dataset", after_help = AFTER_HELP)]
pub struct Cli {
    /// Dataset folder (holds raw/, schemas/, output/).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    /// Print only warnings and errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read raw/reports/*.csv, check encoding and headers, stage rows with provenance.
    ///
    /// Writes build/ingested.json: the files read with their content hashes (stages run
    /// alone read the rows again from them). Cost: one pass over the raw files.
    #[command(after_help = "Examples:\n  luban ingest\n  luban ingest --root ../luban-copy")]
    Ingest,
    /// Check every cell against its schema; quarantine bad rows.
    ///
    /// Without FILE: checks the rows build/ingested.json stands for (read again from
    /// raw/reports, refused if a file changed since ingest), writes build/valid.json and
    /// build/quarantine.csv. With FILE(s) and --schema: checks any CSV, like
    /// `frictionless validate`. Diagnostics go to stderr; --format json|github to stdout.
    #[command(
        after_help = "Examples:\n  luban validate\n  luban validate --format json | jq .stats\n  luban validate data.csv --schema schema.json --max-errors 20"
    )]
    Validate(validate::Args),
    /// Resolve countries, map names through alias tables, parse dates, split lists.
    ///
    /// Reads build/valid.json, writes build/reports.arrow; lints the alias tables.
    Normalize,
    /// Merge reports about the same workshop into one record.
    ///
    /// Reads build/reports.arrow and raw/decisions.csv; writes build/workshops.arrow,
    /// build/merges.csv (which report went where, and why) and build/unmerged.csv (reports
    /// set aside). With --review, also build/review.csv: name and workshop pairs to decide.
    #[command(after_help = "Examples:\n  luban dedupe\n  luban dedupe --review && $EDITOR build/review.csv")]
    Dedupe {
        /// Write build/review.csv (candidate merges and unknown names, with evidence).
        #[arg(long)]
        review: bool,
    },
    /// Compute per-country figures. Reads build/workshops.arrow and raw/claims.csv; writes
    /// build/countries.arrow, build/openings_by_year.arrow and build/claims_check.arrow.
    Aggregate,
    /// Write output/*.parquet, output/*.csv and output/datapackage.json atomically.
    Publish,
    /// Check a data pull request: every table valid, output/ up to date.
    ///
    /// Validates raw/reports, the alias, reference, claims and decisions tables against
    /// their schemas; reruns the pipeline on a copy of raw/ and fails when output/ differs;
    /// warns when a country loses workshops. Exit 1 when the change must not merge.
    #[command(
        after_help = "Examples:\n  luban check\n  luban check --base origin/main --format github\n  luban check --base main --summary summary.md"
    )]
    Check(check::Args),
    /// Write the CHANGELOG.md section of this data version, from the keyed diff of the
    /// published workshops against BASE (the previous release's tag).
    ///
    /// Prints the section; with --write, puts it first in CHANGELOG.md (once per version).
    #[command(after_help = "Examples:\n  luban changelog --base v0.1.0\n  luban changelog --base v0.1.0 --write")]
    Changelog {
        /// The revision of the previous release.
        #[arg(long, value_name = "REF")]
        base: String,
        /// Put the section first in CHANGELOG.md instead of printing it.
        #[arg(long)]
        write: bool,
    },
    /// Write N generated reports (deterministic; for benchmarks and tests).
    ///
    /// Realistic spellings, about five reports per workshop and about 0.5% defective
    /// rows. Writes to --out or stdout. Cost: about 300 bytes per row.
    #[command(
        after_help = "Examples:\n  luban generate --rows 1000000 --out /tmp/1m.csv\n  luban generate --rows 100 --seed 7 | head"
    )]
    Generate {
        /// Number of reports.
        #[arg(long, default_value_t = 1000)]
        rows: u64,
        /// Seed of the random generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Leave out the ~0.5% defective rows (for pipeline benchmarks).
        #[arg(long)]
        clean: bool,
        /// standard (~5 agreeing reports per workshop) or conflicts (~14 per workshop,
        /// disagreeing on dates and status).
        #[arg(long, value_enum, default_value_t = crate::generate::Shape::Standard)]
        shape: crate::generate::Shape,
    },
    /// Print a staged artifact (build/) as JSON Lines, one record per line.
    ///
    /// The tables are Arrow IPC files that pandas, polars, pyarrow and DuckDB open too;
    /// this prints one without a notebook.
    #[command(
        after_help = "Examples:\n  luban show build/workshops.arrow | head -1\n  luban show build/valid.json | wc -l"
    )]
    Show {
        /// The artifact, e.g. build/reports.arrow.
        artifact: PathBuf,
    },
    /// Run every stage in order, one status line per stage.
    ///
    /// Skips a stage when nothing it reads changed since it last succeeded (content
    /// hashes in build/state.json); --force reruns all, --explain says why each stage ran.
    #[command(
        after_help = "Examples:\n  luban run\n  luban run --explain\n  luban run --force --root /path/to/dataset --quiet"
    )]
    Run {
        /// Rerun every stage.
        #[arg(long)]
        force: bool,
        /// Say why each stage runs or is skipped.
        #[arg(long)]
        explain: bool,
    },
}

/// `luban changelog`: the section for this version, printed or put in CHANGELOG.md.
fn changelog(ctx: &Ctx, base: &str, write: bool) -> anyhow::Result<Outcome> {
    let layout = ctx.layout()?;
    let section = crate::check::changelog::section(&layout.root, base)?;
    if write {
        let path = layout.root.join("CHANGELOG.md");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        crate::table::csvio::write_atomic(&path, |w| {
            w.write_all(crate::check::changelog::prepend(&text, &section).as_bytes())?;
            Ok(())
        })?;
    } else {
        print!("{section}");
    }
    Ok(Outcome::Accepted)
}

/// Runs the command line and returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_TOOL } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    let color = crate::report::console::color_stderr();
    let result = Ctx::open(&cli.root, cli.quiet, color).and_then(|ctx| match cli.command {
        Command::Ingest => pipeline::ingest(&ctx),
        // the dataset, as a stage run alone; or the files named, each against a schema
        Command::Validate(args) if args.on_dataset() => {
            pipeline::alone(&ctx, "validate", |layout, _| validate::run_dataset(&ctx, layout, args))
        }
        Command::Validate(args) => validate::run_files(&ctx, args),
        Command::Normalize => pipeline::normalize(&ctx),
        Command::Dedupe { review } => pipeline::dedupe(&ctx, review),
        Command::Aggregate => pipeline::aggregate(&ctx),
        Command::Publish => pipeline::publish(&ctx),
        Command::Run { force, explain } => pipeline::run_all(&ctx, force, explain),
        Command::Check(args) => check::run(&ctx, args),
        Command::Changelog { base, write } => changelog(&ctx, &base, write),
        Command::Generate {
            rows,
            seed,
            out,
            clean,
            shape,
        } => generate(rows, seed, out.as_deref(), !clean, shape),
        Command::Show { artifact } => show(&artifact),
    });
    match result {
        Ok(Outcome::Accepted) => EXIT_OK,
        Ok(Outcome::Rejected) => EXIT_DATA,
        Err(e) => {
            if is_broken_pipe(&e) {
                return EXIT_OK;
            }
            print_error(&e, color);
            EXIT_TOOL
        }
    }
}

fn generate(
    rows: u64,
    seed: u64,
    out: Option<&std::path::Path>,
    defects: bool,
    shape: crate::generate::Shape,
) -> anyhow::Result<Outcome> {
    match out {
        Some(path) => {
            crate::table::csvio::write_atomic(path, |w| crate::generate::generate(w, rows, seed, defects, shape))?
        }
        None => crate::generate::generate(
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
            rows,
            seed,
            defects,
            shape,
        )?,
    }
    Ok(Outcome::Accepted)
}

/// `luban show`: prints an artifact of `build/` as JSON Lines (its rows; for
/// `ingested.json` and `valid.json`, the raw rows they stand for).
fn show(path: &std::path::Path) -> anyhow::Result<Outcome> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut print = |item: serde_json::Value| -> anyhow::Result<()> {
        serde_json::to_writer(&mut out, &item)?;
        out.write_all(b"\n")?;
        Ok(())
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    match name {
        "ingested.json" | "valid.json" => {
            // These stand for rows of raw/reports (see `stages::ingest`), read again from
            // the dataset the artifact is in: the folder above its build/.
            let by = if name == "valid.json" { "validate" } else { "ingest" };
            let staged = crate::stages::ingest::read_staged(path, by)?;
            let full = path
                .canonicalize()
                .map_err(|e| anyhow::anyhow!("failed to open `{}`: {e}", path.display()))?;
            let root = full.parent().and_then(std::path::Path::parent).unwrap_or(&full);
            let layout = crate::layout::Layout::open(root)?;
            let schema_path = layout.schema("reports");
            let schema = crate::schema::TableSchema::load(&schema_path, &layout.display(&schema_path))?;
            let rows = crate::stages::ingest::rows_of(
                &layout,
                &staged,
                &schema,
                &crate::report::progress::Progress::hidden(),
            )?;
            for r in &rows {
                print(serde_json::to_value(crate::model::IngestedRowView::from(r))?)?;
            }
        }
        _ if name.ends_with(".arrow") => {
            let by = match name {
                "reports.arrow" => "normalize",
                "workshops.arrow" | "sources.arrow" | "conflicts.arrow" => "dedupe",
                _ => "aggregate",
            };
            let df = crate::table::artifact::read(path, by)?;
            for row in crate::table::artifact::rows_as_json(&df) {
                print(row)?;
            }
        }
        _ => anyhow::bail!(
            "`{}` is not a luban artifact: expected one of build/ingested.json, valid.json, or a build/*.arrow table",
            path.display()
        ),
    }
    out.flush()?;
    Ok(Outcome::Accepted)
}

/// What a command concluded about the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Rejected,
}

impl Outcome {
    fn from_errors(data_errors: bool) -> Outcome {
        if data_errors {
            Outcome::Rejected
        } else {
            Outcome::Accepted
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = c
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            // serde_json wraps the I/O errors of the writer it serializes into
            .or_else(|| {
                c.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// cargo-style: the top message, then "Caused by:" lines; a schema error is shown as a
/// diagnostic pointing into the schema file.
fn print_error(e: &anyhow::Error, color: bool) {
    let mut err = std::io::stderr().lock();
    if let Some(se) = e.chain().find_map(|c| c.downcast_ref::<SchemaError>()) {
        let _ = writeln!(err, "{}", se.render(color));
        return;
    }
    let _ = writeln!(err, "error: {e}");
    let causes: Vec<String> = e.chain().skip(1).map(|c| c.to_string()).collect();
    if !causes.is_empty() {
        let _ = writeln!(err, "\nCaused by:");
        for c in causes {
            let _ = writeln!(err, "  {c}");
        }
    }
}

/// Output format option shared by commands that report findings.
#[derive(Debug, Clone, clap::Args)]
pub struct FormatArg {
    /// human (stderr), json (stdout), github (workflow commands on stdout) or frictionless
    /// (stdout: the report shape of `frictionless validate --json`).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}
