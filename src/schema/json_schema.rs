//! The part of JSON Schema (draft 4) that the vendored profiles use (`profiles/`): the
//! GeoJSON and TopoJSON profiles Frictionless checks `geojson` cells against, and the Table
//! Schema profile luban checks every schema against. Keywords: `type`, `enum`,
//! `required`, `properties`, `additionalProperties`, `items` (one schema or a tuple),
//! `additionalItems`, `minItems`, `maxItems`, `oneOf`, `anyOf`, `allOf`, `pattern` and
//! local `$ref`s (`#/definitions/…`). `format` and other keywords are annotations here,
//! as they are for Frictionless' validator.
//!
//! A crate would do all of JSON Schema; these profiles need a hundred lines, and a cell
//! check must not allocate on success.

use serde_json::Value;

/// Checks `value` against `schema`, whose `$ref`s resolve within `root`. Returns where and
/// why the first failure is (a JSON pointer into `value`, and a message), or None.
pub fn check(root: &Value, schema: &Value, value: &Value) -> Option<(String, String)> {
    check_at(root, schema, value, "", 0)
}

fn check_at(root: &Value, schema: &Value, value: &Value, at: &str, depth: usize) -> Option<(String, String)> {
    if depth > 64 {
        return Some((at.to_string(), "nested too deeply".into()));
    }
    let Some(s) = schema.as_object() else {
        return None; // `true`, `{}` …: anything goes
    };
    let fail = |msg: String| Some((at.to_string(), msg));
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return match resolve(root, r) {
            Some(target) => check_at(root, target, value, at, depth + 1),
            None => fail(format!("the profile's reference `{r}` does not resolve")),
        };
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => has_type(value, t),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|t| has_type(value, t)),
            _ => true,
        };
        if !ok {
            return fail(format!("must be {}", type_words(t)));
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(value) {
            let list: Vec<String> = e.iter().map(Value::to_string).collect();
            return fail(format!("must be one of {}", list.join(", ")));
        }
    }
    if let (Some(p), Some(text)) = (s.get("pattern").and_then(Value::as_str), value.as_str()) {
        if regex::Regex::new(p).is_ok_and(|re| !re.is_match(text)) {
            return fail(format!("must match `{p}`"));
        }
    }
    if let Some(f) = check_object(root, s, value, at, depth).or_else(|| check_array(root, s, value, at, depth)) {
        return Some(f);
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for sub in all {
            if let Some(f) = check_at(root, sub, value, at, depth + 1) {
                return Some(f);
            }
        }
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
        if !any
            .iter()
            .any(|sub| check_at(root, sub, value, at, depth + 1).is_none())
        {
            return fail("matches none of the allowed forms".into());
        }
    }
    if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
        let n = one
            .iter()
            .filter(|sub| check_at(root, sub, value, at, depth + 1).is_none())
            .count();
        if n != 1 {
            return fail(if n == 0 {
                "matches none of the allowed forms".into()
            } else {
                "matches more than one of the allowed forms".into()
            });
        }
    }
    None
}

type Fail = Option<(String, String)>;

/// `required`, `properties` and `additionalProperties` of an object value.
fn check_object(root: &Value, s: &serde_json::Map<String, Value>, value: &Value, at: &str, depth: usize) -> Fail {
    let fail = |msg: String| Some((at.to_string(), msg));
    if let Some(obj) = value.as_object() {
        for r in s.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(k) = r.as_str() {
                if !obj.contains_key(k) {
                    return fail(format!("needs `{k}`"));
                }
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, v) in obj {
            let here = format!("{at}/{k}");
            match props.and_then(|p| p.get(k)) {
                Some(ps) => {
                    if let Some(f) = check_at(root, ps, v, &here, depth + 1) {
                        return Some(f);
                    }
                }
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => return Some((here, format!("`{k}` is not allowed here"))),
                    Some(extra @ Value::Object(_)) => {
                        if let Some(f) = check_at(root, extra, v, &here, depth + 1) {
                            return Some(f);
                        }
                    }
                    _ => {}
                },
            }
        }
    }
    None
}

/// `minItems`, `maxItems`, `items` and `additionalItems` of an array value.
fn check_array(root: &Value, s: &serde_json::Map<String, Value>, value: &Value, at: &str, depth: usize) -> Fail {
    let fail = |msg: String| Some((at.to_string(), msg));
    if let Some(items) = value.as_array() {
        let n = items.len() as u64;
        if s.get("minItems").and_then(Value::as_u64).is_some_and(|m| n < m) {
            return fail(format!("needs at least {} items", s["minItems"]));
        }
        if s.get("maxItems").and_then(Value::as_u64).is_some_and(|m| n > m) {
            return fail(format!("takes at most {} items", s["maxItems"]));
        }
        match s.get("items") {
            Some(Value::Array(tuple)) => {
                for (i, v) in items.iter().enumerate() {
                    let sub = tuple.get(i).or(s.get("additionalItems"));
                    if let Some(Value::Bool(false)) = sub {
                        return fail(format!("takes at most {} items", tuple.len()));
                    }
                    if let Some(f) = sub.and_then(|sub| check_at(root, sub, v, &format!("{at}/{i}"), depth + 1)) {
                        return Some(f);
                    }
                }
            }
            Some(one) => {
                for (i, v) in items.iter().enumerate() {
                    if let Some(f) = check_at(root, one, v, &format!("{at}/{i}"), depth + 1) {
                        return Some(f);
                    }
                }
            }
            None => {}
        }
    }
    None
}

fn resolve<'a>(root: &'a Value, r: &str) -> Option<&'a Value> {
    let path = r.split_once('#')?.1;
    root.pointer(path)
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn type_words(t: &Value) -> String {
    let word = |t: &str| match t {
        "object" => "an object",
        "array" => "an array",
        "string" => "a string",
        "number" => "a number",
        "integer" => "an integer",
        "boolean" => "true or false",
        "null" => "null",
        _ => "of another type",
    };
    match t {
        Value::String(t) => word(t).to_string(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(word)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "of another type".into(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_keywords_the_profiles_use_are_checked() {
        let root = json!({
            "definitions": {"pos": {"type": "array", "minItems": 2, "items": {"type": "number"}}},
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": ["Point"]}, "coordinates": {"$ref": "#/definitions/pos"}},
            "additionalProperties": false
        });
        let cases = [
            (json!({"type": "Point", "coordinates": [1, 2]}), None),
            (json!({"type": "Point", "coordinates": [1]}), Some("/coordinates")),
            (
                json!({"type": "Point", "coordinates": [1, "a"]}),
                Some("/coordinates/1"),
            ),
            (json!({"type": "Line"}), Some("/type")),
            (json!({"coordinates": [1, 2]}), Some("")),
            (json!({"type": "Point", "x": 1}), Some("/x")),
            (json!([1]), Some("")),
        ];
        for (value, at) in cases {
            assert_eq!(
                check(&root, &root, &value).map(|(p, _)| p),
                at.map(str::to_string),
                "{value}"
            );
        }
        let one = json!({"oneOf": [{"type": "string"}, {"type": "number"}, {"type": ["number", "null"]}]});
        assert!(check(&one, &one, &json!("a")).is_none());
        assert!(check(&one, &one, &json!(1)).is_some(), "matches two forms");
        assert!(check(&one, &one, &json!(null)).is_none());
    }
}
