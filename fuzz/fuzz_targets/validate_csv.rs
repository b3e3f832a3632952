//! Any bytes as a CSV file through ingest + the streaming validator: no panic, and every
//! row is valid or rejected.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use luban::schema::TableSchema;
use luban::stages::{ingest, validate};

const SCHEMA: &str = r#"{"fields": [
    {"name": "id", "type": "integer", "constraints": {"required": true, "unique": true}},
    {"name": "status", "constraints": {"enum": ["open", "closed"]}},
    {"name": "opened", "x-luban-partial-date": true},
    {"name": "url", "format": "uri"},
    {"name": "parent", "type": "integer"}
], "primaryKey": ["id"], "foreignKeys": [{"fields": "parent", "reference": {"resource": "", "fields": "id"}}]}"#;

fuzz_target!(|data: &[u8]| {
    static SCHEMA_ONCE: OnceLock<TableSchema> = OnceLock::new();
    let schema = SCHEMA_ONCE.get_or_init(|| TableSchema::parse(Path::new("s"), "s", SCHEMA).unwrap());
    let path = std::env::temp_dir().join(format!("luban-fuzz-{}.csv", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let mut src = ingest::CsvSource::open(&path, "fuzz.csv", schema).unwrap();
    let hidden = luban::report::progress::Progress::hidden();
    let stats =
        validate::check_source(&mut src, schema, None, validate::Limits::default(), 1, &hidden, |_, _| Ok(())).unwrap();
    assert_eq!(stats.rows, stats.valid + stats.rejected);
});
