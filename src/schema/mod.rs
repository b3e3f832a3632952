//! Frictionless Table Schema: loading, checking and compiling a schema before any data is
//! read ("parse, resolve, then run"). A broken schema (invalid JSON, unknown type, invalid
//! regex, a primary key naming a missing field, min > max) is reported with a diagnostic
//! pointing into the schema file, and the command stops with exit status 2.
//!
//! Supported: field types string, integer, number, boolean, date, datetime, time, year,
//! yearmonth, any, and v2 `list` (with `delimiter`); formats `uri` and `email` on strings;
//! constraints required, unique, minLength, maxLength, minimum, maximum, pattern, enum;
//! `missingValues`, `primaryKey`, `foreignKeys`. Two luban extensions, ignored by other
//! Frictionless tools: `x-luban-partial-date` (a string holding `YYYY[-MM[-DD]]`) and
//! `x-luban-resolve: "country"` (the cell must name one country; see `names::countries`).

mod locate;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use regex::Regex;
use serde::{Deserialize, Serialize};
use validator::Validate;

pub use locate::SchemaError;

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
    Any,
    List,
}

impl FieldType {
    fn parse(s: &str) -> Option<FieldType> {
        Some(match s {
            "string" => FieldType::String,
            "integer" => FieldType::Integer,
            "number" => FieldType::Number,
            "boolean" => FieldType::Boolean,
            "date" => FieldType::Date,
            "datetime" => FieldType::Datetime,
            "time" => FieldType::Time,
            "year" => FieldType::Year,
            "yearmonth" => FieldType::YearMonth,
            "any" => FieldType::Any,
            "list" => FieldType::List,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Time => "time",
            FieldType::Year => "year",
            FieldType::YearMonth => "yearmonth",
            FieldType::Any => "any",
            FieldType::List => "list",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Validate)]
struct RawSchema {
    #[validate(length(min = 1, message = "a schema needs at least one field"), nested)]
    fields: Vec<RawField>,
    #[serde(rename = "missingValues", default = "default_missing")]
    missing_values: Vec<String>,
    #[serde(rename = "primaryKey", default)]
    primary_key: Option<OneOrMany>,
    #[serde(rename = "foreignKeys", default)]
    foreign_keys: Vec<RawForeignKey>,
    title: Option<String>,
    description: Option<String>,
}

fn default_missing() -> Vec<String> {
    vec![String::new()]
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
struct RawForeignKey {
    fields: OneOrMany,
    reference: RawReference,
}

#[derive(Debug, Clone, Deserialize)]
struct RawReference {
    #[serde(default)]
    resource: String,
    fields: OneOrMany,
}

#[derive(Debug, Clone, Deserialize, Serialize, Validate)]
struct RawField {
    #[validate(length(min = 1, message = "a field name must not be empty"))]
    name: String,
    #[serde(rename = "type", default = "default_type")]
    ftype: String,
    format: Option<String>,
    title: Option<String>,
    description: Option<String>,
    #[serde(default)]
    constraints: RawConstraints,
    delimiter: Option<String>,
    #[serde(rename = "x-luban-partial-date", default)]
    partial_date: bool,
    #[serde(rename = "x-luban-resolve")]
    resolve: Option<String>,
}

fn default_type() -> String {
    "string".into()
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct RawConstraints {
    #[serde(default)]
    required: bool,
    #[serde(default)]
    unique: bool,
    #[serde(rename = "minLength")]
    min_length: Option<usize>,
    #[serde(rename = "maxLength")]
    max_length: Option<usize>,
    minimum: Option<serde_json::Value>,
    maximum: Option<serde_json::Value>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    enumeration: Option<Vec<serde_json::Value>>,
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
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    /// The pattern as written, and compiled anchored at both ends (Frictionless patterns
    /// match the whole cell). Rust's regex engine runs in linear time.
    pub pattern: Option<(String, Regex)>,
    pub enumeration: Option<Vec<String>>,
    pub delimiter: String,
    pub partial_date: bool,
    pub resolve: Option<String>,
}

/// A foreign key of this table.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub fields: Vec<String>,
    pub resource: String,
    pub reference_fields: Vec<String>,
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
        let raw: RawSchema = serde_json::from_str(text).map_err(|e| {
            err(
                locate::At::LineCol(e.line(), e.column()),
                format!("invalid schema JSON: {e}"),
            )
        })?;
        if let Err(e) = raw.validate() {
            return Err(err(locate::At::Key("fields".into()), format!("invalid schema: {e}")));
        }
        let mut fields = Vec::with_capacity(raw.fields.len());
        for (i, f) in raw.fields.iter().enumerate() {
            let at = |key: &str| locate::At::FieldKey(i, key.to_string());
            let ftype = FieldType::parse(&f.ftype)
                .ok_or_else(|| err(at("type"), format!("field `{}` has unknown type `{}`", f.name, f.ftype)))?;
            if fields.iter().any(|g: &Field| g.name == f.name) {
                return Err(err(at("name"), format!("field `{}` is declared twice", f.name)));
            }
            let c = &f.constraints;
            let pattern = match &c.pattern {
                None => None,
                Some(p) => {
                    let re = regex::RegexBuilder::new(&format!("^(?:{p})$"))
                        .size_limit(1 << 22)
                        .build()
                        .map_err(|e| err(at("pattern"), format!("field `{}` has an invalid pattern: {e}", f.name)))?;
                    Some((p.clone(), re))
                }
            };
            if let (Some(lo), Some(hi)) = (c.min_length, c.max_length) {
                if lo > hi {
                    return Err(err(
                        at("minLength"),
                        format!("field `{}`: minLength {lo} is greater than maxLength {hi}", f.name),
                    ));
                }
            }
            let num = |v: &Option<serde_json::Value>, key: &str| -> Result<Option<f64>, SchemaError> {
                match v {
                    None => Ok(None),
                    Some(v) => v
                        .as_f64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                        .map(Some)
                        .ok_or_else(|| err(at(key), format!("field `{}`: {key} must be a number", f.name))),
                }
            };
            let (minimum, maximum) = (num(&c.minimum, "minimum")?, num(&c.maximum, "maximum")?);
            if let (Some(lo), Some(hi)) = (minimum, maximum) {
                if lo > hi {
                    return Err(err(
                        at("minimum"),
                        format!("field `{}`: minimum {lo} is greater than maximum {hi}", f.name),
                    ));
                }
            }
            if let Some(fmt) = &f.format {
                let known = matches!(fmt.as_str(), "default" | "any" | "uri" | "email" | "uuid" | "binary")
                    || matches!(ftype, FieldType::Date | FieldType::Datetime | FieldType::Time);
                if !known {
                    return Err(err(
                        at("format"),
                        format!("field `{}` has unknown format `{fmt}`", f.name),
                    ));
                }
            }
            if let Some(r) = &f.resolve {
                if r != "country" {
                    return Err(err(
                        at("x-luban-resolve"),
                        format!("field `{}`: x-luban-resolve must be \"country\", not `{r}`", f.name),
                    ));
                }
            }
            let enumeration = c.enumeration.as_ref().map(|vs| {
                vs.iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect()
            });
            fields.push(Field {
                name: f.name.clone(),
                ftype,
                format: f.format.clone(),
                title: f.title.clone(),
                description: f.description.clone(),
                required: c.required,
                unique: c.unique,
                min_length: c.min_length,
                max_length: c.max_length,
                minimum,
                maximum,
                pattern,
                enumeration,
                delimiter: f.delimiter.clone().unwrap_or_else(|| ",".into()),
                partial_date: f.partial_date,
                resolve: f.resolve.clone(),
            });
        }
        let primary_key = raw.primary_key.clone().map(OneOrMany::into_vec).unwrap_or_default();
        for name in &primary_key {
            if !fields.iter().any(|f| &f.name == name) {
                return Err(err(
                    locate::At::Key("primaryKey".into()),
                    format!("primaryKey names `{name}`, which is not a field"),
                ));
            }
        }
        let mut foreign_keys = Vec::new();
        for fk in &raw.foreign_keys {
            let fk_fields = fk.fields.clone().into_vec();
            for name in &fk_fields {
                if !fields.iter().any(|f| &f.name == name) {
                    return Err(err(
                        locate::At::Key("foreignKeys".into()),
                        format!("foreignKeys names `{name}`, which is not a field"),
                    ));
                }
            }
            foreign_keys.push(ForeignKey {
                fields: fk_fields,
                resource: fk.reference.resource.clone(),
                reference_fields: fk.reference.fields.clone().into_vec(),
            });
        }
        Ok(TableSchema {
            path: path.to_path_buf(),
            title: raw.title,
            description: raw.description,
            fields,
            missing_values: raw.missing_values,
            primary_key,
            foreign_keys,
        })
    }

    pub fn field_names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests;
