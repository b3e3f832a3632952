//! A schema document that passed the profile ([`super::profile`]) made into a
//! [`TableSchema`]: each field's type, format and reading options, its constraints read
//! as its type (a date field's `minimum` is a date, a number field's `enum` holds
//! numbers), the keys and `fieldsMatch`. Values are taken from the JSON by hand, so that
//! a message names the keyword and never a deserializer's internals.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{Map, Value as Json};

use super::locate::At;
use super::{typed, value};
use super::{Bound, Field, FieldType, FieldsMatch, ForeignKey, ReadOptions, TableSchema};

type Fail = (At, String);

fn strings(v: Option<&Json>) -> Option<Vec<String>> {
    match v? {
        Json::String(s) => Some(vec![s.clone()]),
        Json::Array(a) => Some(
            a.iter()
                .map(|x| match x {
                    Json::String(s) => s.clone(),
                    // a missing value with a label (v2)
                    Json::Object(o) => o.get("value").and_then(Json::as_str).unwrap_or_default().to_string(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// A constraint value as the cell text it stands for (`4` → "4", `"1789-07-14"` as is).
fn as_text(v: &Json) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

pub fn schema(path: &Path, doc: &Json, _v2: bool) -> Result<TableSchema, Fail> {
    let top = doc.as_object().expect("checked by the profile");
    let raw_fields = top["fields"].as_array().expect("checked by the profile");
    if raw_fields.is_empty() {
        // Frictionless takes an empty list; a schema that checks nothing is a mistake here
        return Err((At::Key("fields".into()), "a schema needs at least one field".into()));
    }
    let missing_values = strings(top.get("missingValues")).unwrap_or_else(|| vec![String::new()]);
    let mut fields: Vec<Field> = Vec::with_capacity(raw_fields.len());
    for (i, f) in raw_fields.iter().enumerate() {
        let f = field(i, f.as_object().expect("checked by the profile"))?;
        if fields.iter().any(|g| g.name == f.name) {
            return Err((
                At::FieldKey(i, "name".into()),
                format!("field `{}` is declared twice", f.name),
            ));
        }
        fields.push(f);
    }
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let known = |name: &str, key: &str| -> Result<(), Fail> {
        if names.contains(&name) {
            return Ok(());
        }
        let hint = crate::report::diagnostic::closest(name, names.iter().copied())
            .map_or(String::new(), |c| format!(": did you mean `{c}`?"));
        Err((
            At::Key(key.into()),
            format!("{key} names `{name}`, which is not a field{hint}"),
        ))
    };
    let primary_key = strings(top.get("primaryKey")).unwrap_or_default();
    for name in &primary_key {
        known(name, "primaryKey")?;
    }
    let mut foreign_keys = Vec::new();
    for fk in top.get("foreignKeys").and_then(Json::as_array).into_iter().flatten() {
        let fk_fields = strings(fk.get("fields")).unwrap_or_default();
        let reference = fk.get("reference");
        let resource = reference
            .and_then(|r| r.get("resource"))
            .and_then(Json::as_str)
            .unwrap_or_default();
        let reference_fields = strings(reference.and_then(|r| r.get("fields"))).unwrap_or_default();
        for name in &fk_fields {
            known(name, "foreignKeys")?;
        }
        if fk_fields.is_empty() || fk_fields.len() != reference_fields.len() {
            return Err((
                At::Key("foreignKeys".into()),
                format!(
                    "a foreign key needs as many reference fields as fields ({} and {})",
                    fk_fields.len(),
                    reference_fields.len()
                ),
            ));
        }
        if resource.is_empty() {
            for name in &reference_fields {
                known(name, "foreignKeys")?;
            }
        }
        foreign_keys.push(ForeignKey {
            fields: fk_fields,
            resource: resource.to_string(),
            reference_fields,
        });
    }
    let fields_match = match top.get("fieldsMatch").and_then(Json::as_str) {
        Some("equal") => FieldsMatch::Equal,
        Some("subset") => FieldsMatch::Subset,
        Some("superset") => FieldsMatch::Superset,
        Some("partial") => FieldsMatch::Partial,
        _ => FieldsMatch::Exact,
    };
    Ok(TableSchema {
        path: path.to_path_buf(),
        title: top.get("title").and_then(Json::as_str).map(str::to_string),
        description: top.get("description").and_then(Json::as_str).map(str::to_string),
        fields,
        missing_values,
        primary_key,
        foreign_keys,
        fields_match,
        warnings: Vec::new(),
    })
}

fn field(i: usize, f: &Map<String, Json>) -> Result<Field, Fail> {
    let at = |k: &str| At::FieldKey(i, k.to_string());
    let name = f.get("name").and_then(Json::as_str).unwrap_or_default().to_string();
    if name.is_empty() {
        return Err((at("name"), "a field name must not be empty".into()));
    }
    let ftype =
        FieldType::parse(f.get("type").and_then(Json::as_str).unwrap_or("string")).expect("checked by the profile");
    let format = f
        .get("format")
        .and_then(Json::as_str)
        .map(|s| s.strip_prefix("fmt:").unwrap_or(s).to_string());
    let read = read_options(ftype, f, format.as_deref());
    check_format(ftype, &name, format.as_deref(), &read).map_err(|m| (at("format"), m))?;
    if let Some(r) = f.get("x-luban-resolve") {
        if !matches!(r.as_str(), Some("country" | "place")) {
            return Err((
                at("x-luban-resolve"),
                format!(
                    "field `{name}`: x-luban-resolve must be \"country\" or \"place\", not `{}`",
                    as_text(r)
                ),
            ));
        }
    }
    let c = f
        .get("constraints")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = Field {
        name,
        ftype,
        format,
        title: f.get("title").and_then(Json::as_str).map(str::to_string),
        description: f.get("description").and_then(Json::as_str).map(str::to_string),
        required: c.get("required").and_then(Json::as_bool).unwrap_or(false),
        unique: c.get("unique").and_then(Json::as_bool).unwrap_or(false),
        min_length: c.get("minLength").and_then(Json::as_u64).map(|n| n as usize),
        max_length: c.get("maxLength").and_then(Json::as_u64).map(|n| n as usize),
        minimum: None,
        maximum: None,
        pattern: None,
        enumeration: None,
        enum_keys: None,
        delimiter: read.delimiter.clone(),
        read,
        missing_values: strings(f.get("missingValues")),
        partial_date: f.get("x-luban-partial-date").and_then(Json::as_bool).unwrap_or(false),
        resolve: f.get("x-luban-resolve").and_then(Json::as_str).map(str::to_string),
    };
    constraints(&mut out, &c, &at)?;
    if let Some(example) = f.get("example") {
        let text = as_text(example);
        let empty = text.is_empty() || example.is_null();
        if !empty && !out.ftype.is_text() && typed::read(&out, &text).is_err() {
            return Err((
                at("example"),
                format!(
                    "field `{}`: the example `{text}` is not a valid {}",
                    out.name,
                    ftype.as_str()
                ),
            ));
        }
    }
    Ok(out)
}

/// The constraints of a compiled field: lengths, pattern, bounds and enum, each read as
/// the field's type.
fn constraints(out: &mut Field, c: &Map<String, Json>, at: &dyn Fn(&str) -> At) -> Result<(), Fail> {
    let ftype = out.ftype;
    if let (Some(lo), Some(hi)) = (out.min_length, out.max_length) {
        if lo > hi {
            return Err((
                at("minLength"),
                format!("field `{}`: minLength {lo} is greater than maxLength {hi}", out.name),
            ));
        }
    }
    if let Some(p) = c.get("pattern").and_then(Json::as_str) {
        let re = regex::RegexBuilder::new(&format!("^(?:{p})$"))
            .size_limit(1 << 22)
            .build()
            .map_err(|e| {
                (
                    at("pattern"),
                    format!("field `{}` has an invalid pattern: {}", out.name, regex_words(&e)),
                )
            })?;
        out.pattern = Some((p.to_string(), re));
    }
    for (key, exclusive) in [
        ("minimum", false),
        ("exclusiveMinimum", true),
        ("maximum", false),
        ("exclusiveMaximum", true),
    ] {
        let Some(v) = c.get(key) else { continue };
        let text = as_text(v);
        // a JSON number is a value as it is (Frictionless reads `4` as the year 4)
        let native = match (ftype, v.as_i64(), v.as_f64()) {
            (FieldType::Year, Some(y), _) if (0..=9999).contains(&y) => Some(value::Value::Year(y)),
            (FieldType::Integer, Some(i), _) => Some(value::Value::Int(i128::from(i))),
            (FieldType::Number, _, Some(f)) => Some(value::Value::Num(f)),
            _ => None,
        };
        let value = native.map_or_else(|| typed::read(out, &text), Ok).map_err(|_| {
            (
                at(key),
                format!(
                    "field `{}`: {key} must be a {} value, not `{text}`",
                    out.name,
                    ftype.as_str()
                ),
            )
        })?;
        let bound = Some(Bound { value, text, exclusive });
        if key.ends_with("inimum") {
            out.minimum = bound;
        } else {
            out.maximum = bound;
        }
    }
    if let (Some(lo), Some(hi)) = (&out.minimum, &out.maximum) {
        if lo.value.compare(&hi.value) == Some(std::cmp::Ordering::Greater) {
            return Err((
                at("minimum"),
                format!(
                    "field `{}`: minimum {} is greater than maximum {}",
                    out.name, lo.text, hi.text
                ),
            ));
        }
    }
    if let Some(e) = c.get("enum").and_then(Json::as_array) {
        let texts: Vec<String> = e.iter().map(as_text).collect();
        if !ftype.is_text() && ftype != FieldType::List {
            let mut keys = HashSet::new();
            for t in &texts {
                if let Ok(v) = typed::read(out, t) {
                    let mut k = Vec::new();
                    v.key(&mut k);
                    keys.insert(k);
                }
            }
            out.enum_keys = Some(keys);
        }
        out.enumeration = Some(texts);
    }
    Ok(())
}

fn read_options(ftype: FieldType, f: &Map<String, Json>, format: Option<&str>) -> ReadOptions {
    let mut r = ReadOptions::default();
    let s = |k: &str| f.get(k).and_then(Json::as_str).map(str::to_string);
    if matches!(ftype, FieldType::Number | FieldType::Integer) {
        r.bare_number = f.get("bareNumber").and_then(Json::as_bool).unwrap_or(true);
        r.group_char = s("groupChar");
        r.decimal_char = s("decimalChar");
        r.number_processing = ["bareNumber", "groupChar", "decimalChar"]
            .iter()
            .any(|k| f.contains_key(*k));
    }
    if ftype == FieldType::Boolean {
        if let Some(t) = strings(f.get("trueValues")) {
            r.true_values = t;
        }
        if let Some(v) = strings(f.get("falseValues")) {
            r.false_values = v;
        }
    }
    if ftype == FieldType::List {
        r.delimiter = s("delimiter").unwrap_or_else(|| ",".into());
        r.item_type = s("itemType")
            .and_then(|t| FieldType::parse(&t))
            .unwrap_or(FieldType::String);
    } else if let Some(d) = s("delimiter") {
        r.delimiter = d;
    }
    if matches!(ftype, FieldType::Date | FieldType::Time | FieldType::Datetime) {
        if let Some(f) = format.filter(|f| !matches!(*f, "default" | "any")) {
            r.strptime = super::strptime::Format::new(f);
        }
    }
    r
}

/// Formats are checked per type: the string formats luban reads, the geo formats, and
/// strptime patterns for dates and times.
fn check_format(ftype: FieldType, name: &str, format: Option<&str>, read: &ReadOptions) -> Result<(), String> {
    let Some(f) = format.filter(|f| *f != "default") else {
        return Ok(());
    };
    match ftype {
        FieldType::String => match f {
            "email" | "uri" | "uuid" | "binary" => Ok(()),
            "wkt" => Err(format!(
                "field `{name}`: luban does not read WKT geometries (`format: wkt`) yet"
            )),
            _ => Err(format!(
                "field `{name}` has unknown format `{f}` (string formats: email, uri, uuid, binary, wkt)"
            )),
        },
        FieldType::Date | FieldType::Time | FieldType::Datetime => {
            if f != "any" && read.strptime.is_none() {
                return Err(format!(
                    "field `{name}`: `{f}` is not a date/time pattern (such as %d/%m/%Y)"
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A regex error without the crate's multi-line layout.
fn regex_words(e: &regex::Error) -> String {
    e.to_string().lines().last().unwrap_or_default().trim().to_string()
}
