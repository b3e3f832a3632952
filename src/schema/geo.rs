//! `geopoint` and `geojson` cells as Frictionless reads them. A geopoint is `lon, lat`
//! (default), `[lon, lat]` (`array`) or `{"lon": …, "lat": …}` (`object`), within
//! ±180 and ±90. A geojson cell is a JSON object valid against the GeoJSON profile
//! (default) or the TopoJSON profile (`topojson`), the profiles Frictionless ships
//! (vendored in `profiles/`).

use serde_json::Value as Json;

use super::value::{parse_json, python_decimal, reject, Reject, Value};

/// Python's `Decimal(x)` on a JSON value (numbers, numeric strings, booleans as 0 and 1).
fn decimal(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => python_decimal(s),
        Json::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

pub fn geopoint(format: Option<&str>, cell: &str) -> Result<Value, Reject> {
    let expected = match format {
        Some("array") => "[lon, lat] such as [90.5, 45.1]",
        Some("object") => "{\"lon\": 90.5, \"lat\": 45.1}",
        _ => "lon, lat such as 90.5, 45.1",
    };
    let point = match format {
        None | Some("default") => {
            let mut parts = cell.split(',');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(lon), Some(lat), None) => python_decimal(lon.trim()).zip(python_decimal(lat.trim())),
                _ => None,
            }
        }
        Some("array") => match parse_json(cell) {
            Some(Json::Array(v)) if v.len() == 2 => decimal(&v[0]).zip(decimal(&v[1])),
            Some(Json::String(s)) if s.chars().count() == 2 => {
                let mut c = s.chars().map(|c| python_decimal(&c.to_string()));
                c.next().flatten().zip(c.next().flatten())
            }
            _ => None,
        },
        Some("object") => match parse_json(cell) {
            Some(Json::Object(o)) if o.len() == 2 => o.get("lon").and_then(decimal).zip(o.get("lat").and_then(decimal)),
            _ => None,
        },
        Some(_) => None,
    };
    match point {
        Some((lon, lat)) if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => {
            Ok(Value::Json(serde_json::json!([lon, lat])))
        }
        Some(_) => reject("is not a point on Earth (lon within ±180, lat within ±90)", expected),
        None => reject("not a geopoint", expected),
    }
}

fn profile(name: &str) -> &'static Json {
    static GEO: std::sync::OnceLock<Json> = std::sync::OnceLock::new();
    static TOPO: std::sync::OnceLock<Json> = std::sync::OnceLock::new();
    let (cell, text) = match name {
        "topojson" => (&TOPO, include_str!("profiles/topojson.json")),
        _ => (&GEO, include_str!("profiles/geojson.json")),
    };
    cell.get_or_init(|| serde_json::from_str(text).expect("the vendored profile is JSON"))
}

pub fn geojson(format: Option<&str>, cell: &str) -> Result<Value, Reject> {
    let Some(j @ Json::Object(_)) = parse_json(cell) else {
        return reject(
            "not a JSON object",
            "a GeoJSON object such as {\"type\": \"Point\", \"coordinates\": [0, 0]}",
        );
    };
    let checked = match format {
        None | Some("default") => Some("geojson"),
        Some("topojson") => Some("topojson"),
        Some(_) => None,
    };
    if let Some(name) = checked {
        let p = profile(name);
        if let Some((at, why)) = super::json_schema::check(p, p, &j) {
            let at = if at.is_empty() {
                String::new()
            } else {
                format!(" at {at}")
            };
            return reject(&format!("not valid {name}{at}: {why}"), &format!("a {name} object"));
        }
    }
    Ok(Value::Json(j))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geopoints_and_geojson_read_as_frictionless_reads_them() {
        for (format, cell, ok) in [
            (None, "90, 45", true),
            (None, "190, 45", false),
            (None, "90,45,1", false),
            (Some("array"), "[90, 45]", true),
            (Some("array"), "[90, 95]", false),
            (Some("object"), "{\"lon\": 90, \"lat\": 45}", true),
            (Some("object"), "{\"lon\": 90, \"lat\": 45, \"x\": 1}", false),
        ] {
            assert_eq!(geopoint(format, cell).is_ok(), ok, "{format:?} {cell}");
        }
        assert!(geojson(None, r#"{"type": "Point", "coordinates": [1, 2]}"#).is_ok());
        assert!(geojson(None, r#"{"type": "Point", "coordinates": 1}"#).is_err());
        assert!(geojson(None, "[1]").is_err());
    }
}
