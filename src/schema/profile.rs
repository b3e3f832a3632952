//! The schema document against the Table Schema profile, before anything is compiled: the
//! keywords Frictionless 5.21 knows and the types of their values
//! (`profiles/tableschema.json`, taken from the pinned package), the constraints each field
//! type supports (another is an error, as in Frictionless), and the version gates of
//! Table Schema v2 (`$schema`): exclusive bounds and missing values with labels need v2.
//!
//! A keyword nothing reads is a warning pointing at it, with the closest known keyword
//! when one is close (`maxLenght` → "did you mean `maxLength`?"), or the types it is
//! meant for (`bareNumber` on a string field). Keys starting with `x-` are extensions
//! and pass. A keyword luban does not implement yet is refused by name.

use serde_json::{Map, Value};

use super::json_schema;
use super::locate::At;

/// What the profile check found: the version, and keywords that do nothing.
pub struct Checked {
    pub v2: bool,
    pub warnings: Vec<(At, String)>,
}

type Fail = (At, String);

fn profile() -> &'static Value {
    static P: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    P.get_or_init(|| serde_json::from_str(include_str!("profiles/tableschema.json")).expect("vendored profile"))
}

/// Keywords known beside the profile's: `$schema`, the legacy `profile`, and luban's own.
const SCHEMA_EXTRA: &[&str] = &["$schema", "profile"];
const FIELD_EXTRA: &[&str] = &["x-luban-partial-date", "x-luban-resolve"];
/// Known, and refused: luban does not implement them yet.
const LACKING: &[(&str, &str)] = &[("arrayItem", "`arrayItem` (typed items of an array field)")];
/// Known to Table Schema v2, and checked by neither Frictionless 5.21 nor luban.
const UNCHECKED: &[&str] = &["uniqueKeys", "categories", "categoriesOrdered"];

/// The version a `$schema` declares: Table Schema v2 only for datapackage.org's
/// `/profiles/2.x/` (an unknown profile is lax, as in Frictionless: it gets v2's gates).
fn version(doc: &Map<String, Value>) -> (bool, bool) {
    match doc.get("$schema").and_then(Value::as_str) {
        None => (false, false),
        Some(url) => {
            let standard = url.contains("datapackage.org/profiles/");
            let v1 = standard && url.contains("/profiles/1.");
            (!v1, standard)
        }
    }
}

/// The closest of `known` to `key`, when close enough to suggest.
fn suggestion(key: &str, known: &[&str]) -> String {
    match crate::report::diagnostic::closest(key, known.iter().copied()) {
        Some(k) => format!(": did you mean `{k}`?"),
        None => String::new(),
    }
}

pub fn check(doc: &Value) -> Result<Checked, Fail> {
    let p = profile();
    let Some(top) = doc.as_object() else {
        return Err((
            At::LineCol(1, 1),
            "a Table Schema is a JSON object with a `fields` list".into(),
        ));
    };
    let (v2, _) = version(top);
    let mut warnings = Vec::new();
    let schema_props = p["schema"]["properties"]
        .as_object()
        .expect("profile has schema properties");
    let mut known_top: Vec<&str> = schema_props.keys().map(String::as_str).collect();
    known_top.extend(SCHEMA_EXTRA);
    for (k, v) in top {
        if k.starts_with("x-") {
            continue;
        }
        if UNCHECKED.contains(&k.as_str()) {
            warnings.push((
                At::Key(k.clone()),
                format!("`{k}` is not checked (Frictionless 5.21 does not check it either)"),
            ));
            continue;
        }
        let Some(sub) = schema_props.get(k) else {
            if !SCHEMA_EXTRA.contains(&k.as_str()) {
                let hint = suggestion(k, &known_top);
                warnings.push((
                    At::Key(k.clone()),
                    format!("`{k}` is not a Table Schema keyword; it does nothing{hint}"),
                ));
            }
            continue;
        };
        let v = normalized_top(k, v);
        if let Some((at, why)) = json_schema::check(p, sub, &v) {
            return Err((At::Key(k.clone()), format!("`{k}`{} {why}", pointer_words(&at))));
        }
    }
    let Some(fields) = top.get("fields") else {
        return Err((At::LineCol(1, 1), "a Table Schema needs a `fields` list".into()));
    };
    let fields = fields.as_array().expect("checked by the profile");
    if let Some(mv) = top.get("missingValues") {
        gate_missing_values(mv, v2, At::Key("missingValues".into()))?;
    }
    for (i, f) in fields.iter().enumerate() {
        field(p, i, f, v2, &mut warnings)?;
    }
    Ok(Checked { v2, warnings })
}

/// `primaryKey` and a foreign key's `fields` may be one name: Frictionless makes them
/// lists before checking, and so does this.
fn normalized_top(k: &str, v: &Value) -> Value {
    let list = |v: &Value| {
        if v.is_string() {
            Value::Array(vec![v.clone()])
        } else {
            v.clone()
        }
    };
    match (k, v) {
        ("primaryKey", v) => list(v),
        ("foreignKeys", Value::Array(fks)) => Value::Array(
            fks.iter()
                .map(|fk| {
                    let mut fk = fk.clone();
                    if let Some(o) = fk.as_object_mut() {
                        if let Some(f) = o.get("fields") {
                            o.insert("fields".into(), list(f));
                        }
                        if let Some(r) = o.get_mut("reference").and_then(Value::as_object_mut) {
                            r.entry("resource").or_insert(Value::String(String::new()));
                            if let Some(f) = r.get("fields") {
                                let f = list(f);
                                r.insert("fields".into(), f);
                            }
                        }
                    }
                    fk
                })
                .collect(),
        ),
        _ => v.clone(),
    }
}

fn pointer_words(at: &str) -> String {
    if at.is_empty() {
        String::new()
    } else {
        format!(" (at `{at}`)")
    }
}

fn gate_missing_values(mv: &Value, v2: bool, at: At) -> Result<(), Fail> {
    if !v2 && mv.as_array().is_some_and(|a| a.iter().any(Value::is_object)) {
        return Err((
            at,
            "missing values with labels (objects) are Table Schema v2: declare \"$schema\": \"https://datapackage.org/profiles/2.0/tableschema.json\"".into(),
        ));
    }
    Ok(())
}

fn field(p: &Value, i: usize, f: &Value, v2: bool, warnings: &mut Vec<(At, String)>) -> Result<(), Fail> {
    let at = |k: &str| At::FieldKey(i, k.to_string());
    let Some(obj) = f.as_object() else {
        return Err((
            At::FieldKey(i, String::new()),
            format!("field {} must be an object", i + 1),
        ));
    };
    if let Some((ptr, why)) = json_schema::check(p, &p["field"], f) {
        let key = ptr
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("name")
            .to_string();
        let key = if key.is_empty() { "name".to_string() } else { key };
        return Err((at(&key), format!("field {}{} {why}", i + 1, pointer_words(&ptr))));
    }
    let name = obj.get("name").and_then(Value::as_str).unwrap_or_default();
    let ftype = obj.get("type").and_then(Value::as_str).unwrap_or("string");
    let types = p["types"].as_object().expect("profile has types");
    let Some(tp) = types.get(ftype) else {
        let names: Vec<&str> = types.keys().map(String::as_str).collect();
        let hint = suggestion(ftype, &names);
        return Err((at("type"), format!("field `{name}` has unknown type `{ftype}`{hint}")));
    };
    let common = p["field"]["properties"]
        .as_object()
        .expect("profile has field properties");
    let own = tp["properties"].as_object().expect("type properties");
    if let Some(mv) = obj.get("missingValues") {
        gate_missing_values(mv, v2, at("missingValues"))?;
    }
    for (k, v) in obj {
        if k.starts_with("x-") && !k.starts_with("x-luban-") || FIELD_EXTRA.contains(&k.as_str()) {
            continue;
        }
        if let Some((_, what)) = LACKING.iter().find(|(key, _)| key == k) {
            return Err((at(k), format!("luban does not support {what} yet")));
        }
        if k == "required" {
            return Err((
                at(k),
                format!("field `{name}`: `required` goes in `constraints`: \"constraints\": {{\"required\": true}}"),
            ));
        }
        if UNCHECKED.contains(&k.as_str()) {
            warnings.push((
                at(k),
                format!("field `{name}`: `{k}` is not checked (Frictionless 5.21 does not check it either)"),
            ));
            continue;
        }
        if common.contains_key(k) {
            continue;
        }
        if let Some(sub) = own.get(k) {
            if let Some((ptr, why)) = json_schema::check(p, sub, v) {
                return Err((at(k), format!("field `{name}`: `{k}`{} {why}", pointer_words(&ptr))));
            }
            continue;
        }
        let meant: Vec<&str> = types
            .iter()
            .filter(|(_, t)| t["properties"].get(k).is_some())
            .map(|(n, _)| n.as_str())
            .collect();
        if !meant.is_empty() {
            warnings.push((
                at(k),
                format!(
                    "field `{name}`: `{k}` applies to {} fields; it does nothing on a {ftype} field",
                    meant.join(", ")
                ),
            ));
            continue;
        }
        let mut known: Vec<&str> = common.keys().map(String::as_str).collect();
        known.extend(own.keys().map(String::as_str));
        known.extend(FIELD_EXTRA);
        let hint = suggestion(k, &known);
        warnings.push((
            at(k),
            format!("field `{name}`: `{k}` is not a Table Schema keyword; it does nothing{hint}"),
        ));
    }
    field_constraints(p, obj, tp, name, ftype, v2, &at, warnings)
}

/// A field's constraints: each must be one its type supports (as in Frictionless), the
/// exclusive bounds need v2, and an unknown one is a warning.
#[allow(clippy::too_many_arguments)]
fn field_constraints(
    p: &Value,
    obj: &Map<String, Value>,
    tp: &Value,
    name: &str,
    ftype: &str,
    v2: bool,
    at: &dyn Fn(&str) -> At,
    warnings: &mut Vec<(At, String)>,
) -> Result<(), Fail> {
    let supported: Vec<&str> = tp["supportedConstraints"]
        .as_array()
        .expect("supported constraints")
        .iter()
        .filter_map(Value::as_str)
        .chain(["unique"])
        .collect();
    let all: Vec<&str> = p["field"]["properties"]["constraints"]["properties"]
        .as_object()
        .expect("constraint names")
        .keys()
        .map(String::as_str)
        .collect();
    for k in obj
        .get("constraints")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::keys)
    {
        if supported.contains(&k.as_str()) {
            if !v2 && k.starts_with("exclusive") {
                return Err((
                    at(k),
                    format!("field `{name}`: `{k}` is Table Schema v2: declare \"$schema\": \"https://datapackage.org/profiles/2.0/tableschema.json\""),
                ));
            }
            continue;
        }
        if all.contains(&k.as_str()) {
            return Err((
                at(k),
                format!(
                    "field `{name}`: the constraint `{k}` does not apply to a {ftype} field (it takes {})",
                    supported.join(", ")
                ),
            ));
        }
        let hint = suggestion(k, &all);
        warnings.push((
            at(k),
            format!("field `{name}`: `{k}` is not a constraint; it does nothing{hint}"),
        ));
    }
    Ok(())
}
