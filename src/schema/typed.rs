//! A cell read as its field's type: the one place that picks the parser for a type
//! (numbers and years in [`super::value`], dates and times in `temporal.rs`,
//! geopoints and GeoJSON in `geo.rs`). The parsers share [`Value`] and [`Reject`];
//! they do not call back here.

use serde_json::Value as Json;

use super::value::{integer, number, parse_json, reject, year, yearmonth, Reject, Value};
use super::{geo, temporal, Field, FieldType, ReadOptions};

/// Whether a cell (not a missing value) reads as `field`'s type, for a field whose value
/// nothing compares: an ISO date is checked without building a value (dates are the
/// common typed column; this runs on every cell of it).
pub fn check(field: &Field, cell: &str) -> Result<(), Reject> {
    if field.ftype == FieldType::Date && field.format.as_deref().is_none_or(|f| f == "default") {
        return temporal::iso_date(cell)
            .map(|_| ())
            .ok_or(())
            .or_else(|()| reject("not an ISO date", "YYYY-MM-DD"));
    }
    read(field, cell).map(|_| ())
}

/// Reads a cell (not a missing value) as `field`'s type.
pub fn read(field: &Field, cell: &str) -> Result<Value, Reject> {
    read_as(field.ftype, field.format.as_deref(), &field.read, cell)
}

/// Reads a cell as `ftype` with `format` and the field's reading options.
pub fn read_as(ftype: FieldType, format: Option<&str>, opts: &ReadOptions, cell: &str) -> Result<Value, Reject> {
    let format = format.filter(|f| *f != "default");
    match ftype {
        FieldType::String | FieldType::Any => Ok(Value::Text(cell.to_string())),
        FieldType::Integer => integer(opts, cell),
        FieldType::Number => number(opts, cell),
        FieldType::Boolean => {
            if opts.true_values.iter().any(|t| t == cell) {
                Ok(Value::Bool(true))
            } else if opts.false_values.iter().any(|f| f == cell) {
                Ok(Value::Bool(false))
            } else {
                let expected = format!(
                    "one of {}",
                    [&opts.true_values[..], &opts.false_values[..]].concat().join(", ")
                );
                reject("not a boolean", &expected)
            }
        }
        FieldType::Date => temporal::date(format, opts, cell),
        FieldType::Datetime => temporal::datetime(format, opts, cell),
        FieldType::Time => temporal::time(format, opts, cell),
        FieldType::Year => year(cell),
        FieldType::YearMonth => yearmonth(cell),
        FieldType::Duration => temporal::duration(cell),
        FieldType::Object => match parse_json(cell) {
            Some(j @ Json::Object(_)) => Ok(Value::Json(j)),
            _ => reject("not a JSON object", "a JSON object such as {\"a\": 1}"),
        },
        FieldType::Array => match parse_json(cell) {
            Some(j @ Json::Array(_)) => Ok(Value::Json(j)),
            _ => reject("not a JSON array", "a JSON array such as [1, 2]"),
        },
        FieldType::Geopoint => geo::geopoint(format, cell),
        FieldType::Geojson => geo::geojson(format, cell),
        FieldType::List => {
            let item = opts.item_type;
            let mut items = Vec::new();
            for part in cell.split(opts.delimiter.as_str()) {
                match read_as(item, None, opts, part) {
                    Ok(v) => items.push(v),
                    Err(_) => {
                        return reject(
                            &format!("item `{part}` is not a valid {}", item.as_str()),
                            &format!("items of type {}", item.as_str()),
                        )
                    }
                }
            }
            Ok(Value::List(items))
        }
    }
}
