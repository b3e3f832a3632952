//! Any text as a Table Schema: a schema or a schema error with a pointer, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use luban::schema::TableSchema;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = TableSchema::parse(Path::new("s"), "s", text) {
            let _ = e.render(false);
        }
    }
});
