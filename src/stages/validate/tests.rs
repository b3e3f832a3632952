use std::path::Path;

use proptest::prelude::*;

use super::*;

const SCHEMA: &str = r#"{"fields": [
    {"name": "id", "type": "integer", "constraints": {"required": true, "unique": true}},
    {"name": "status", "constraints": {"enum": ["open", "closed"]}},
    {"name": "url", "format": "uri"}
], "primaryKey": ["id"]}"#;

fn check(bytes: &[u8], jobs: usize) -> (StreamStats, Vec<ErrorRecord>) {
    let schema = TableSchema::parse(Path::new("s"), "s", SCHEMA).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv");
    std::fs::write(&path, bytes).unwrap();
    let mut src = CsvSource::open(&path, "x.csv", &schema).unwrap();
    let mut errors = std::mem::take(&mut src.header_errors);
    let stats = check_source(
        &mut src,
        &schema,
        None,
        Limits::default(),
        jobs,
        &Progress::hidden(),
        |_, e| {
            errors.extend(e);
            Ok(())
        },
    )
    .unwrap();
    (stats, errors)
}

/// Rows checked in memory, over several rounds: the valid rows come out in order and
/// the rejected ones with their own errors; with `max_errors`, the rows past the stop
/// are counted as unchecked. Nothing is lost either way.
#[test]
fn rows_checked_in_memory_are_split_in_order_across_rounds() {
    let schema = TableSchema::parse(Path::new("s"), "s", SCHEMA).unwrap();
    let n = 70_000u64; // more than two rounds
    let bad = |i: u64| i % 1_000 == 7 || i % 25_000 == 11;
    let rows: Vec<IngestedRow> = (0..n)
        .map(|i| {
            let at = crate::model::Provenance {
                file: "x.csv".into(),
                line: i + 2,
                row: i + 2,
                byte: i * 10,
            };
            // every 1000th row has a bad status; a few repeat the id of row 0
            let id = if i % 25_000 == 11 {
                "0".to_string()
            } else {
                i.to_string()
            };
            let status = if i % 1_000 == 7 { "rumour" } else { "open" };
            IngestedRow::new(at, &[id.as_str(), status, "https://example.org/"], vec![])
        })
        .collect();
    let out = check_rows(&schema, None, 3, rows.clone(), Limits::default(), &Progress::hidden());
    let lines = |rs: &mut dyn Iterator<Item = &IngestedRow>| rs.map(|r| r.at.line).collect::<Vec<_>>();
    assert_eq!(
        lines(&mut out.valid.iter()),
        (0..n).filter(|i| !bad(*i)).map(|i| i + 2).collect::<Vec<_>>()
    );
    assert_eq!(
        lines(&mut out.rejected.iter().map(|(r, _)| r)),
        (0..n).filter(|i| bad(*i)).map(|i| i + 2).collect::<Vec<_>>()
    );
    for (r, errors) in &out.rejected {
        assert!(
            !errors.is_empty() && errors.iter().all(|e| e.line == r.at.line),
            "{errors:?}"
        );
        let constraint = if r.cell(1) == Some("rumour") { "enum" } else { "unique" };
        assert!(
            errors.iter().any(|e| e.constraint.as_deref() == Some(constraint)),
            "{errors:?}"
        );
    }
    assert!(!out.stopped_early);

    let limits = Limits { max_errors: Some(40) };
    let out = check_rows(&schema, None, 3, rows, limits, &Progress::hidden());
    assert!(out.stopped_early);
    let rejected = out.rejected.len() as u64;
    assert_eq!(out.valid.len() as u64 + rejected + out.unchecked, n);
    // the check stopped right after the row that took the errors to 40
    let errors: Vec<usize> = out.rejected.iter().map(|(_, e)| e.len()).collect();
    assert!(errors.iter().sum::<usize>() >= 40 && errors.iter().sum::<usize>() - errors.last().unwrap() < 40);
    let stop = out.rejected.last().unwrap().0.at.line;
    assert!(out.valid.iter().all(|r| r.at.line < stop));
    assert_eq!(out.valid.len() as u64 + rejected, stop - 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Any bytes at all: no panic, every row either valid or rejected, the same for
    /// one and two jobs.
    #[test]
    fn arbitrary_bytes_never_panic_and_every_row_is_accounted_for(
        body in proptest::collection::vec(prop_oneof![Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(0u8), Just(0xff), any::<u8>(), b'a'..=b'z', b'0'..=b'9'], 0..400),
        header in prop_oneof![Just(b"id,status,url\n".to_vec()), Just(b"\xef\xbb\xbfid,status,url\n".to_vec()), Just(Vec::new()), Just(b"id,,id\n".to_vec())],
    ) {
        let mut bytes = header;
        bytes.extend(body);
        let (one, e1) = check(&bytes, 1);
        let (two, e2) = check(&bytes, 2);
        prop_assert_eq!(one.rows, one.valid + one.rejected);
        prop_assert_eq!((one.rows, one.valid, one.errors), (two.rows, two.valid, two.errors));
        prop_assert_eq!(e1, e2);
    }

    /// Any text as a schema: an error or a schema, never a panic.
    #[test]
    fn arbitrary_schema_text_never_panics(text in "\\PC{0,200}") {
        let _ = TableSchema::parse(Path::new("s"), "s", &text);
    }

    /// Schema-shaped JSON with random types, patterns and bounds: same.
    #[test]
    fn schema_shaped_json_never_panics(ty in "[a-z]{0,8}", pat in "\\PC{0,12}", lo in any::<i32>(), hi in any::<i32>()) {
        let text = serde_json::json!({"fields": [{"name": "a", "type": ty, "constraints": {"pattern": pat, "minimum": lo, "maximum": hi, "minLength": 3}}]}).to_string();
        let _ = TableSchema::parse(Path::new("s"), "s", &text);
    }

    /// Issue 28: any type, format, option and constraint value (of any JSON type), and
    /// any cell read against the field: an error or a value, never a panic.
    #[test]
    fn every_type_option_and_cell_never_panics(
        ty in prop_oneof![Just("string".to_string()), Just("integer".to_string()), Just("number".to_string()), Just("boolean".to_string()), Just("date".to_string()), Just("time".to_string()), Just("datetime".to_string()), Just("year".to_string()), Just("yearmonth".to_string()), Just("duration".to_string()), Just("object".to_string()), Just("array".to_string()), Just("geopoint".to_string()), Just("geojson".to_string()), Just("list".to_string()), Just("any".to_string()), "[a-z]{1,6}"],
        format in prop_oneof![Just("default".to_string()), Just("any".to_string()), Just("array".to_string()), Just("object".to_string()), Just("topojson".to_string()), Just("%d/%m/%y %H:%M".to_string()), "[%a-zA-Z:/ -]{0,10}"],
        key in prop_oneof![Just("minimum".to_string()), Just("maximum".to_string()), Just("exclusiveMinimum".to_string()), Just("enum".to_string()), Just("minLength".to_string()), Just("pattern".to_string()), Just("bareNumber".to_string()), Just("groupChar".to_string()), Just("decimalChar".to_string()), Just("trueValues".to_string()), Just("itemType".to_string()), Just("missingValues".to_string()), Just("maxLenght".to_string()), "[a-zA-Z]{1,8}"],
        value in prop_oneof![Just(serde_json::json!(null)), Just(serde_json::json!(1.5)), Just(serde_json::json!(-3)), Just(serde_json::json!("2020-01-01")), Just(serde_json::json!(["a", 1])), Just(serde_json::json!({"a": 1})), Just(serde_json::json!(true)), "\\PC{0,8}".prop_map(serde_json::Value::String)],
        v2 in any::<bool>(),
        cell in "\\PC{0,24}",
    ) {
        let mut field = serde_json::json!({"name": "a", "type": ty, "format": format});
        field[key.as_str()] = value.clone();
        field["constraints"] = serde_json::json!({});
        field["constraints"][key.as_str()] = value;
        let mut doc = serde_json::json!({"fields": [field]});
        if v2 {
            doc["$schema"] = "https://datapackage.org/profiles/2.0/tableschema.json".into();
        }
        if let Ok(schema) = TableSchema::parse(Path::new("s"), "s", &doc.to_string()) {
            let checker = RowChecker::new(&schema, None);
            let mut out = Vec::new();
            checker.check_cells(1, &[cell.as_str()], cell.as_bytes(), &[], &mut out);
            let keys = KeyFields::new(&schema).keys(&schema, &[cell.as_str()], 0);
            prop_assert!(keys.unique.len() <= 1);
        }
    }
}
