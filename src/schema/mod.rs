//! Frictionless Table Schema: loading, checking and compiling a schema before any data is
//! read ("parse, resolve, then run"). A broken schema is reported with a diagnostic
//! pointing into the schema file, and the command stops with exit status 2.
//!
//! Nothing in a schema is ignored without a word ([`profile`]): the document is first
//! checked against the Table Schema profile that the pinned Frictionless enforces (its
//! keywords and their value types, vendored in `profiles/tableschema.json` by
//! `tools/vendor_tableschema_profile.py`); a constraint a type does not support is an
//! error, as in Frictionless; an unknown or misspelt keyword is a warning that points at
//! it and suggests the closest known one; a feature luban lacks is refused by name.
//! Then each field is compiled ([`compile`]): its type, format, reading options and
//! typed constraints.
//!
//! Supported: every Table Schema v1 and v2 field type (string with formats email, uri,
//! uuid, binary; integer, number, boolean, date, time, datetime, year, yearmonth,
//! duration, object, array, geopoint, geojson, any, list), the reading options
//! (`bareNumber`, `groupChar`, `decimalChar`, `trueValues`, `falseValues`, custom
//! date/time formats, `itemType`, `delimiter`, field-level `missingValues`), every
//! constraint including the exclusive bounds, `primaryKey`, `foreignKeys` and
//! `fieldsMatch`. Two luban extensions, ignored by other Frictionless tools:
//! `x-luban-partial-date` (a string holding `YYYY[-MM[-DD]]`) and `x-luban-resolve:
//! "country"` (the cell must name one country; see `names::countries`).

mod compile;
mod geo;
pub mod json_schema;
mod locate;
mod profile;
pub mod strptime;
mod temporal;
pub mod typed;
pub mod value;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use regex::Regex;

pub use locate::{SchemaError, SchemaWarning};
pub use temporal::iso_date;
pub use value::{Reject, Value};

/// A field's declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
    Date,
    Datetime,
    Time,
    Year,
    YearMonth,
    Duration,
    Object,
    Array,
    Geopoint,
    Geojson,
    Any,
    List,
}

/// Every type, by its name in a schema.
pub const TYPES: [(&str, FieldType); 16] = [
    ("string", FieldType::String),
    ("integer", FieldType::Integer),
    ("number", FieldType::Number),
    ("boolean", FieldType::Boolean),
    ("date", FieldType::Date),
    ("datetime", FieldType::Datetime),
    ("time", FieldType::Time),
    ("year", FieldType::Year),
    ("yearmonth", FieldType::YearMonth),
    ("duration", FieldType::Duration),
    ("object", FieldType::Object),
    ("array", FieldType::Array),
    ("geopoint", FieldType::Geopoint),
    ("geojson", FieldType::Geojson),
    ("any", FieldType::Any),
    ("list", FieldType::List),
];

impl FieldType {
    fn parse(s: &str) -> Option<FieldType> {
        TYPES.iter().find(|(n, _)| *n == s).map(|(_, t)| *t)
    }
    pub fn as_str(self) -> &'static str {
        TYPES.iter().find(|(_, t)| *t == self).map_or("any", |(n, _)| n)
    }
    /// Whether cells of this type are text as they are (no reading can fail).
    pub fn is_text(self) -> bool {
        matches!(self, FieldType::String | FieldType::Any)
    }
}

/// How a field's cells are read: the options of its type.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub bare_number: bool,
    /// `bareNumber`, `groupChar` or `decimalChar` is given: number cells are processed
    /// before they are read (as Frictionless does only then)
    pub number_processing: bool,
    pub group_char: Option<String>,
    pub decimal_char: Option<String>,
    pub true_values: Vec<String>,
    pub false_values: Vec<String>,
    /// the type of a list's items
    pub item_type: FieldType,
    pub delimiter: String,
    /// a custom date/time/datetime format, compiled
    pub strptime: Option<strptime::Format>,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            bare_number: true,
            number_processing: false,
            group_char: None,
            decimal_char: None,
            true_values: ["true", "True", "TRUE", "1"].map(String::from).to_vec(),
            false_values: ["false", "False", "FALSE", "0"].map(String::from).to_vec(),
            item_type: FieldType::String,
            delimiter: ",".into(),
            strptime: None,
        }
    }
}

/// A bound of a `minimum`/`maximum` constraint, read as the field's type.
#[derive(Debug, Clone)]
pub struct Bound {
    pub value: Value,
    /// as the schema writes it, for messages
    pub text: String,
    pub exclusive: bool,
}

/// A checked, compiled field.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ftype: FieldType,
    pub format: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub required: bool,
    pub unique: bool,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    /// The pattern as written, and compiled anchored at both ends (Frictionless patterns
    /// match the whole cell). Rust's regex engine runs in linear time.
    pub pattern: Option<(String, Regex)>,
    /// the allowed values as written (for messages, and compared as text for strings)
    pub enumeration: Option<Vec<String>>,
    /// the allowed values' keys ([`Value::key`]), for the other types
    pub enum_keys: Option<HashSet<Vec<u8>>>,
    pub delimiter: String,
    pub read: ReadOptions,
    /// the field's own `missingValues` (Table Schema v2), replacing the schema's
    pub missing_values: Option<Vec<String>>,
    pub partial_date: bool,
    pub resolve: Option<String>,
}

impl Field {
    /// Whether `cell` is a missing value of this field.
    pub fn is_missing(&self, schema: &TableSchema, cell: &str) -> bool {
        is_missing_value(self.missing_values.as_ref().unwrap_or(&schema.missing_values), cell)
    }
}

/// Whether `cell` is one of `values` (a schema's or a field's `missingValues`). First
/// bytes are compared before texts: with `n/a` among the values, every three-letter
/// country code otherwise cost a call to memcmp (`luban validate` of 1M generated
/// reports: 0.93× the time with this test, farm-bench, 6 pairs).
pub fn is_missing_value(values: &[String], cell: &str) -> bool {
    values
        .iter()
        .any(|m| m.as_bytes().first() == cell.as_bytes().first() && m == cell)
}

/// A foreign key of this table.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub fields: Vec<String>,
    pub resource: String,
    pub reference_fields: Vec<String>,
}

/// How the header must match the fields (`fieldsMatch`, Table Schema v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldsMatch {
    /// the same names in the same order (the default)
    Exact,
    /// the same names in any order
    Equal,
    /// every field is in the header, which may have more
    Subset,
    /// every label is a field, and the schema may have more
    Superset,
    /// at least one label is a field
    Partial,
}

/// A checked, compiled Table Schema.
#[derive(Debug, Clone)]
pub struct TableSchema {
    pub path: PathBuf,
    pub title: Option<String>,
    pub description: Option<String>,
    pub fields: Vec<Field>,
    pub missing_values: Vec<String>,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    pub fields_match: FieldsMatch,
    /// keywords that do nothing here (unknown, misspelt, or meant for another type)
    pub warnings: Vec<SchemaWarning>,
}

impl TableSchema {
    /// Loads and checks a schema file. `shown` is the path as printed in diagnostics.
    pub fn load(path: &Path, shown: &str) -> Result<TableSchema> {
        let text = std::fs::read_to_string(path).with_context(|| format!("failed to read schema `{shown}`"))?;
        Self::parse(path, shown, &text).map_err(anyhow::Error::new)
    }

    /// Parses schema text; every problem is a [`SchemaError`] pointing into `text`.
    pub fn parse(path: &Path, shown: &str, text: &str) -> Result<TableSchema, SchemaError> {
        let err = |at: locate::At, msg: String| SchemaError::new(shown, text, at, msg);
        let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Eof => "the text ends before the JSON does".to_string(),
                _ => e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
            };
            err(
                locate::At::LineCol(e.line(), e.column()),
                format!("invalid schema JSON: {what}"),
            )
        })?;
        let checked = profile::check(&doc).map_err(|(at, msg)| err(at, msg))?;
        let mut schema = compile::schema(path, &doc, checked.v2).map_err(|(at, msg)| err(at, msg))?;
        schema.warnings = checked
            .warnings
            .into_iter()
            .map(|(at, msg)| SchemaWarning::new(shown, text, at, msg))
            .collect();
        Ok(schema)
    }

    pub fn field_names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Whether every field takes the schema's missing values, and they are just `""`.
    pub fn only_empty_missing(&self) -> bool {
        self.missing_values.len() == 1
            && self.missing_values[0].is_empty()
            && self.fields.iter().all(|f| f.missing_values.is_none())
    }
}

#[cfg(test)]
mod tests;
