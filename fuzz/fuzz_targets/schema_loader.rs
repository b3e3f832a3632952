//! Any text as a Table Schema: a schema or a schema error with a pointer, never a panic;
//! and a schema that loads reads the same text as a cell of each of its fields.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use luban::schema::TableSchema;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match TableSchema::parse(Path::new("s"), "s", text) {
            Err(e) => {
                let _ = e.render(false);
            }
            Ok(schema) => {
                for w in &schema.warnings {
                    let _ = w.render(false);
                }
                for f in &schema.fields {
                    let _ = luban::schema::typed::read(f, text);
                }
            }
        }
    }
});
