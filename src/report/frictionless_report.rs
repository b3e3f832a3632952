//! `--format frictionless`: the report in the shape `frictionless validate --json` prints
//! (Frictionless 5), so that tools written for Frictionless reports read luban's: one task
//! per file with its labels and counts, each error with `type`, `title`,
//! `description`, `message`, `tags`, `note`, `rowNumber`, `cells`, and for a cell or a
//! label `fieldName` and `fieldNumber`. luban's own codes (`control-character`,
//! `duplicate-row` where Frictionless has it only as an opt-in check) keep their codes.

use serde_json::{json, Map, Value};

use crate::report::error_report::ErrorRecord;
use crate::report::error_report::Stats;

/// What the report says about one file besides its errors.
#[derive(Debug, Clone, Default)]
pub struct Task {
    /// the file as shown (`place` in the report)
    pub file: String,
    pub labels: Vec<String>,
    pub bytes: u64,
    pub rows: u64,
}

/// Frictionless' title, description and tags of an error code.
fn describe(code: &str) -> (&'static str, &'static str, &'static [&'static str]) {
    const ROW: &[&str] = &["#table", "#row"];
    const CELL: &[&str] = &["#table", "#row", "#cell"];
    const LABEL: &[&str] = &["#table", "#header", "#label"];
    match code {
        "blank-label" => ("Blank Label", "A label in the header row is missing a value. Label should be provided and not be blank.", LABEL),
        "duplicate-label" => ("Duplicate Label", "Two columns in the header row have the same value. Column names should be unique.", LABEL),
        "missing-label" => ("Missing Label", "Based on the schema there should be a label that is missing in the data's header.", LABEL),
        "extra-label" => ("Extra Label", "The header of the data source contains label that does not exist in the provided schema.", LABEL),
        "incorrect-label" => ("Incorrect Label", "One of the data source header does not match the field name defined in the schema.", LABEL),
        "blank-row" => ("Blank Row", "This row is empty. A row should contain at least one value.", ROW),
        "duplicate-row" => ("Duplicate Row", "The row is duplicated.", ROW),
        "primary-key" => ("PrimaryKey Error", "Values in the primary key fields should be unique for every row", ROW),
        "foreign-key" => ("ForeignKey Error", "Values in the foreign key fields should exist in the reference table", ROW),
        "extra-cell" => ("Extra Cell", "This row has more values compared to the header row (the first row in the data source). A key concept is that all the rows in tabular data must have the same number of columns.", CELL),
        "missing-cell" => ("Missing Cell", "This row has less values compared to the header row (the first row in the data source). A key concept is that all the rows in tabular data must have the same number of columns.", CELL),
        "type-error" => ("Type Error", "The value does not match the schema type and format for this field.", CELL),
        "constraint-error" => ("Constraint Error", "A field value does not conform to a constraint.", CELL),
        "unique-error" => ("Unique Error", "This field is a unique field but it contains a value that has been used in another row.", CELL),
        "encoding-error" => ("Encoding Error", "Data reading error because of an encoding problem.", &[]),
        "source-error" => ("Source Error", "Data reading error because of not supported or inconsistent contents.", &[]),
        "byte-count" => ("Byte Count Error", "This error can happen if the data is corrupted.", &["#file"]),
        "hash-count" => ("Hash Count Error", "This error can happen if the data is corrupted.", &["#file"]),
        "control-character" => ("Control Character", "A cell holds a control character other than tab and line breaks (luban).", CELL),
        _ => ("Error", "", &[]),
    }
}

fn error(e: &ErrorRecord, labels: &[String], cells: Option<&[String]>) -> Value {
    let (title, description, tags) = describe(&e.code);
    let mut o = Map::new();
    o.insert("type".into(), json!(e.code));
    o.insert("title".into(), json!(title));
    o.insert("description".into(), json!(description));
    o.insert("message".into(), json!(e.message));
    o.insert("tags".into(), json!(tags));
    o.insert(
        "note".into(),
        json!(e.help.clone().or_else(|| e.expected.clone()).unwrap_or_default()),
    );
    let label = tags.contains(&"#label");
    if label {
        o.insert("labels".into(), json!(labels));
        o.insert("rowNumbers".into(), json!([1]));
        if let Some(p) = e.field_position {
            o.insert("label".into(), json!(labels.get(p - 1).cloned().unwrap_or_default()));
        }
    } else if !tags.is_empty() && tags != ["#file"] {
        o.insert("cells".into(), json!(cells.unwrap_or_default()));
        o.insert("rowNumber".into(), json!(e.row));
    }
    if tags.contains(&"#cell") {
        o.insert("cell".into(), json!(e.cell.clone().unwrap_or_default()));
    }
    if let (Some(p), true) = (e.field_position, label || tags.contains(&"#cell")) {
        let name = e
            .field
            .clone()
            .or_else(|| labels.get(p - 1).cloned())
            .unwrap_or_default();
        o.insert("fieldName".into(), json!(name));
        o.insert("fieldNumber".into(), json!(p));
    }
    Value::Object(o)
}

/// The whole report: `errors` by file, in the files' order; `cells_of` gives a rejected
/// row's cells (by file and row) where the caller kept them.
pub fn report(
    stats: &Stats,
    tasks: &[Task],
    errors: &[ErrorRecord],
    cells_of: &dyn Fn(&str, u64) -> Option<Vec<String>>,
    seconds: f64,
) -> String {
    let tasks: Vec<Value> = tasks
        .iter()
        .map(|t| {
            let errs: Vec<Value> = errors
                .iter()
                .filter(|e| e.file == t.file)
                .map(|e| error(e, &t.labels, cells_of(&e.file, e.row).as_deref()))
                .collect();
            let name = std::path::Path::new(&t.file)
                .file_stem()
                .map_or(t.file.clone(), |s| s.to_string_lossy().into_owned());
            json!({
                "name": name,
                "type": "table",
                "valid": errs.is_empty(),
                "place": t.file,
                "labels": t.labels,
                "stats": {"errors": errs.len(), "warnings": 0, "seconds": seconds,
                          "bytes": t.bytes, "fields": t.labels.len(), "rows": t.rows},
                "warnings": [],
                "errors": errs,
            })
        })
        .collect();
    let doc = json!({
        "valid": errors.is_empty(),
        "stats": {"tasks": tasks.len(), "errors": stats.errors, "warnings": 0, "seconds": seconds},
        "warnings": [],
        "errors": [],
        "tasks": tasks,
    });
    serde_json::to_string_pretty(&doc).expect("plain data serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(code: &str, row: u64, pos: Option<usize>) -> ErrorRecord {
        ErrorRecord {
            file: "d.csv".into(),
            line: row,
            row,
            field: pos.map(|_| "id".into()),
            field_position: pos,
            code: code.into(),
            constraint: None,
            cell: pos.map(|_| "x".into()),
            message: "m".into(),
            expected: None,
            help: None,
            cell_line: None,
            column: None,
            byte: None,
            delimiter: b',',
        }
    }

    #[test]
    fn errors_have_the_keys_frictionless_reports_have() {
        let errors = [
            record("type-error", 3, Some(1)),
            record("blank-row", 4, None),
            record("duplicate-label", 1, Some(2)),
        ];
        let task = Task {
            file: "d.csv".into(),
            labels: vec!["id".into(), "id".into()],
            bytes: 10,
            rows: 3,
        };
        let mut stats = Stats::default();
        stats.count(&errors);
        let cells = |_: &str, row: u64| (row == 3).then(|| vec!["x".to_string(), "bad".to_string()]);
        let doc: Value = serde_json::from_str(&report(&stats, &[task], &errors, &cells, 0.0)).unwrap();
        assert_eq!(doc["valid"], false);
        let errs = doc["tasks"][0]["errors"].as_array().unwrap();
        assert_eq!(errs[0]["type"], "type-error");
        assert_eq!(
            (errs[0]["rowNumber"].as_u64(), errs[0]["fieldNumber"].as_u64()),
            (Some(3), Some(1))
        );
        assert_eq!(errs[0]["cells"], json!(["x", "bad"]));
        assert_eq!(errs[0]["title"], "Type Error");
        assert!(errs[1].get("fieldNumber").is_none());
        assert_eq!(errs[1]["rowNumber"], 4);
        assert_eq!(errs[2]["rowNumbers"], json!([1]));
        assert_eq!(errs[2]["label"], "id");
        assert_eq!(doc["tasks"][0]["place"], "d.csv");
        assert_eq!(doc["stats"]["errors"], 3);
    }
}
