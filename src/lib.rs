//! luban: the open dataset of China's overseas Luban Workshops, and the pipeline that
//! validates, cleans, dedupes and publishes it.
//!
//! # Data flow
//!
//! Every stage is one module of [`stages`] with one entry point that takes a resolved
//! [`layout::Layout`] (and options) and returns a [`stages::StageReport`]. Within
//! `luban run` each stage hands its records to the next in memory, and ingest, validate
//! and normalize run as one pass over the rows ([`stages::stream`]); every stage also
//! writes its artifact under `build/` (git-ignored; Arrow IPC, JSON and CSV files a
//! notebook opens; `luban show` prints one), so each can be rerun alone and `luban run`
//! can skip stages whose inputs did not change.
//!
//! ```text
//!  raw/reports/*.csv ──ingest──▶ build/ingested.json            (the files read, their hashes;
//!    schemas/reports.schema.json                                 rows: cells + file:line)
//!  build/ingested.json ──validate──▶ build/valid.json             (rows that pass every rule:
//!                                                                the files less rejected rows)
//!                                  ▶ build/quarantine.csv       (rejected rows, with codes)
//!    raw/reference/*.csv, raw/aliases/countries.csv (country foreign key)
//!  build/valid.json ──normalize──▶ build/reports.arrow          (ISO country, canonical names,
//!    raw/aliases/*.csv                                           partial dates, split lists)
//!  build/reports.arrow ──dedupe──▶ build/workshops.arrow         (one record per workshop)
//!                                  ▶ build/merges.csv           (which report went where, why)
//!  build/workshops.arrow ──aggregate──▶ build/{countries,openings_by_year,claims_check}.arrow
//!    raw/claims.csv
//!  build/ ──publish──▶ output/*.parquet, output/*.csv, output/datapackage.json,
//!    raw/reference/places.csv          output/workshops.geojson, output/site/ (the website)
//! ```
//!
//! | concern | module |
//! |---|---|
//! | where files live under `--root` | [`layout`] |
//! | CSV dialect, atomic writes, the dataset lock | [`table::csvio`], [`table::lock`] |
//! | Frictionless Table Schema loading and checks | [`schema`] |
//! | one validation rule per file, stable error codes | [`rules`] |
//! | rustc-like diagnostics pointing at a CSV cell | [`report::diagnostic`] |
//! | validation reports: human, JSON, GitHub, Frictionless' shape | [`report::error_report`], [`report::frictionless_report`] |
//! | name keys, country resolution, alias tables | [`names`] |
//! | partial dates (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) | [`partial_date`] |
//! | the records passed between stages | [`model`] |
//! | columnar tables: name dictionaries, text and list columns, Arrow IPC artifacts | [`table`] |
//! | human output on stderr, progress | [`report::console`], [`report::progress`] |
//! | what `luban check` judges, and its data diff | [`check`] |
//!
//! Modules import only modules below them, in layers: `cli`; `check`; `stages`; `rules`;
//! `names`; `model` and `incremental`; `schema`, `table` and `scale`; at the bottom
//! `report`, `layout`, `partial_date` and `generate`. No module imports one above it, and
//! no two files import each other (`farm-studio look` draws it).
//!
//! Polars (with its Arrow) holds the tables in `build/` ([`table::artifact`]; each stage
//! makes its batches' frames) and writes `output/` ([`stages::publish`]), always with
//! explicit column types.
//!
//! These docs are for the people who change luban: `cargo doc --document-private-items
//! --open` renders them with every link, private items included (which is why links to
//! them are allowed). `.ci/run` builds them with warnings as errors, so a link to an item
//! that was renamed or removed fails CI.
#![forbid(unsafe_code)]
#![allow(rustdoc::private_intra_doc_links)]

pub mod check;
pub mod cli;
pub mod generate;
pub mod incremental;
pub mod layout;
pub mod model;
pub mod names;
pub mod partial_date;
pub mod report;
pub mod rules;
pub mod scale;
pub mod schema;
pub mod stages;
pub mod table;

/// Exit status: everything accepted.
pub const EXIT_OK: i32 = 0;
/// Exit status: data was rejected (validation errors, unresolved names, lint errors).
pub const EXIT_DATA: i32 = 1;
/// Exit status: the tool itself failed (I/O, broken schema, bad arguments).
pub const EXIT_TOOL: i32 = 2;
