//! One integration-test binary; every test runs the real `luban` binary in a fresh
//! temporary dataset folder.
//!
//! - `workdir`: the harness (fixture dataset folders, running the binary, dumping
//!   cwd/status/stdout/stderr on failure)
//! - `pipeline`: each stage on small fixtures, and `run` end to end on the committed raw/
//! - `contributor`: a contributor's branch in a temporary git repository, from edit to
//!   merge and rebuilt output/
//! - `bad_input`: missing folders, unreadable files, ragged rows, unknown columns and
//!   countries, bad encodings: clear messages, exit 1 or 2, never a panic
//! - `validate`: generic `validate FILE --schema S`, the JSON and GitHub formats, jobs
//! - `tables`: one validation of the side tables for run, check and stages alone; stale
//!   artifacts refused
//! - `determinism`: byte-identical output on rerun and for shuffled input
//! - `places`: the gazetteer: an unknown city is `unknown-place` at its cell, fixed by
//!   an alias or a place row; coordinates, GeoJSON and the site's pages
//! - `invariants`: what holds for any valid dataset (the committed raw/ is checked with
//!   these, never with today's counts), the Parquet files read back with real types

mod bad_input;
mod check;
mod contributor;
mod corpus;
mod determinism;
mod hostile;
mod invariants;
mod linkage;
mod names;
mod pipeline;
mod places;
mod tables;
mod validate;
mod workdir;
