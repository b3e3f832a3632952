//! Points schema errors at the JSON text. serde_json keeps no spans for values, so a
//! semantic error (unknown type, bad regex) is located by finding the field's object in
//! the text and the key inside it; invalid JSON uses serde_json's own line and column.

use std::fmt;

use crate::report::diagnostic::{self, Pointer};

/// Where in the schema document an error is.
#[derive(Debug, Clone)]
pub enum At {
    LineCol(usize, usize),
    /// A top-level key.
    Key(String),
    /// A key inside `fields[i]` (searched in its `constraints` too).
    FieldKey(usize, String),
}

/// A keyword that does nothing (unknown, misspelt, meant for another type): the schema
/// still loads, and the warning says where and why.
#[derive(Debug, Clone)]
pub struct SchemaWarning {
    pub message: String,
    pub pointer: Pointer,
}

impl SchemaWarning {
    pub fn new(shown: &str, text: &str, at: At, message: String) -> SchemaWarning {
        let e = SchemaError::new(shown, text, at, message);
        SchemaWarning {
            message: e.message,
            pointer: e.pointer,
        }
    }

    /// The rustc-like rendering of this warning.
    pub fn render(&self, color: bool) -> String {
        diagnostic::render_warning("schema-keyword", &self.message, &self.pointer, "here", color)
    }
}

/// A broken schema: the message and where it points.
#[derive(Debug)]
pub struct SchemaError {
    pub message: String,
    pub pointer: Pointer,
}

impl SchemaError {
    pub fn new(shown: &str, text: &str, at: At, message: String) -> SchemaError {
        let offset = match &at {
            At::LineCol(line, col) => offset_of_line_col(text, *line, *col),
            At::Key(key) => find_key(text, 0, key).unwrap_or(0),
            At::FieldKey(i, key) => {
                let start = nth_field_start(text, *i).unwrap_or(0);
                find_key(text, start, key).unwrap_or(start)
            }
        };
        let end = token_end(text, offset);
        SchemaError {
            message,
            pointer: diagnostic::pointer_in_text(shown, text, offset..end),
        }
    }

    /// The rustc-like rendering of this error.
    pub fn render(&self, color: bool) -> String {
        diagnostic::render(
            "schema-error",
            &self.message,
            Some(&self.pointer),
            "here",
            &[],
            None,
            color,
        )
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at {}:{})", self.message, self.pointer.origin, self.pointer.line)
    }
}

impl std::error::Error for SchemaError {}

fn offset_of_line_col(text: &str, line: usize, col: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return off + col.saturating_sub(1).min(l.len());
        }
        off += l.len();
    }
    text.len().saturating_sub(1)
}

/// Byte offset of the `i`-th object in the top-level `fields` array.
fn nth_field_start(text: &str, i: usize) -> Option<usize> {
    let fields = find_key(text, 0, "fields")?;
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut count = 0usize;
    let mut in_str = false;
    let mut k = fields;
    while k < bytes.len() {
        let b = bytes[k];
        if in_str {
            if b == b'\\' {
                k += 2;
                continue;
            }
            if b == b'"' {
                in_str = false;
            }
        } else {
            match b {
                b'"' => in_str = true,
                b'[' | b'{' => {
                    if b == b'{' && depth == 1 {
                        if count == i {
                            return Some(k);
                        }
                        count += 1;
                    }
                    depth += 1;
                }
                b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return None;
                    }
                }
                _ => {}
            }
        }
        k += 1;
    }
    None
}

/// Offset of `"key"` followed by `:` at or after `from`.
fn find_key(text: &str, from: usize, key: &str) -> Option<usize> {
    let needle = format!("\"{key}\"");
    let mut start = from;
    while let Some(pos) = text[start..].find(&needle) {
        let at = start + pos;
        let rest = text[at + needle.len()..].trim_start();
        if rest.starts_with(':') {
            return Some(at);
        }
        start = at + needle.len();
    }
    None
}

/// The end of the JSON token (or key/value pair's key) starting at `offset`.
fn token_end(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    if offset >= bytes.len() {
        return offset;
    }
    if bytes[offset] == b'"' {
        let mut k = offset + 1;
        while k < bytes.len() && bytes[k] != b'"' {
            k += if bytes[k] == b'\\' { 2 } else { 1 };
        }
        return (k + 1).min(bytes.len());
    }
    offset + 1
}
