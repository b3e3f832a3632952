//! luban: the open dataset of China's overseas Luban Workshops, and the pipeline that
//! validates, cleans, dedupes and publishes it.
//!
//! # Data flow
//!
//! Every stage is one module of [`stages`] with one entry point that takes a resolved
//! [`layout::Layout`] (and options) and returns a [`stages::StageReport`]. Within
//! `luban run` each stage hands its records to the next in memory, and ingest, validate
//! and normalize run as one pass over the rows ([`stages::stream`]); every stage also
//! writes its artifact under `build/` (git-ignored, binary; `luban show` prints one), so
//! each can be rerun alone and `luban run` can skip stages whose inputs did not change.
//!
//! ```text
//!  raw/reports/*.csv ──ingest──▶ build/ingested.bin            (the files read, their hashes;
//!    schemas/reports.schema.json                                 rows: cells + file:line)
//!  build/ingested.bin ──validate──▶ build/valid.bin             (rows that pass every rule:
//!                                                                the files less rejected rows)
//!                                  ▶ build/quarantine.csv       (rejected rows, with codes)
//!    raw/reference/*.csv, raw/aliases/countries.csv (country foreign key)
//!  build/valid.bin ──normalize──▶ build/normalized.bin          (ISO country, canonical names,
//!    raw/aliases/*.csv                                           partial dates, split lists)
//!  build/normalized.bin ──dedupe──▶ build/workshops.bin         (one record per workshop)
//!                                  ▶ build/merges.csv           (which report went where, why)
//!  build/workshops.bin ──aggregate──▶ build/{countries,openings_by_year,claims_check}.bin
//!    raw/claims.csv
//!  build/*.bin ──publish──▶ output/*.parquet, output/*.csv, output/datapackage.json
//! ```
//!
//! | concern | module |
//! |---|---|
//! | where files live under `--root` | [`layout`] |
//! | CSV dialect, binary artifacts, atomic writes | [`csvio`] |
//! | Frictionless Table Schema loading and checks | [`schema`] |
//! | one validation rule per file, stable error codes | [`rules`] |
//! | rustc-like diagnostics pointing at a CSV cell | [`diagnostic`] |
//! | validation reports: human, JSON, GitHub, Frictionless' shape | [`error_report`], [`frictionless_report`] |
//! | name keys, country resolution, alias tables | [`names`] |
//! | partial dates (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) | [`partial_date`] |
//! | the records passed between stages | [`model`] |
//! | millions of records in chunks that reuse freed memory | [`chunked`] |
//! | loops over millions of records that read a block ahead | [`read_ahead`] |
//! | human output on stderr | [`console`] |
//!
//! Polars is used only by [`stages::publish`], always with explicit column types.
#![forbid(unsafe_code)]

pub mod chart;
pub mod check;
pub mod chunked;
pub mod cli;
pub mod console;
pub mod csvio;
pub mod diagnostic;
pub mod diff;
pub mod error_report;
pub mod frictionless_report;
pub mod generate;
pub mod incremental;
pub mod layout;
pub mod lock;
pub mod model;
pub mod names;
pub mod partial_date;
pub mod progress;
pub mod read_ahead;
pub mod report_frames;
pub mod rules;
pub mod scale;
pub mod schema;
pub mod stages;

/// Exit status: everything accepted.
pub const EXIT_OK: i32 = 0;
/// Exit status: data was rejected (validation errors, unresolved names, lint errors).
pub const EXIT_DATA: i32 = 1;
/// Exit status: the tool itself failed (I/O, broken schema, bad arguments).
pub const EXIT_TOOL: i32 = 2;
