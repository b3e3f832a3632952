use super::*;

fn parse(text: &str) -> Result<TableSchema, SchemaError> {
    TableSchema::parse(Path::new("s.json"), "schemas/s.json", text)
}

#[test]
fn broken_schemas_fail_with_a_pointer_into_the_file() {
    let cases = [
        ("{\"fields\": [", "invalid schema JSON", 1),
        ("{\n \"fields\": [\n  {\"name\": \"a\", \"type\": \"strng\"}\n ]\n}", "unknown type `strng`", 3),
        ("{\n \"fields\": [\n  {\"name\": \"a\"},\n  {\"name\": \"b\",\n   \"constraints\": {\"pattern\": \"(\"}}\n ]\n}", "invalid pattern", 5),
        ("{\n \"fields\": [{\"name\": \"a\"}],\n \"primaryKey\": [\"id\"]\n}", "primaryKey names `id`", 3),
        ("{\"fields\": [{\"name\": \"a\", \"constraints\": {\"minLength\": 5, \"maxLength\": 2}}]}", "minLength 5 is greater", 1),
        ("{\"fields\": [{\"name\": \"a\", \"type\": \"integer\", \"constraints\": {\"minimum\": 5, \"maximum\": 2}}]}", "minimum 5 is greater", 1),
        ("{\"fields\": []}", "at least one field", 1),
        ("{\"fields\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}", "declared twice", 1),
    ];
    for (text, want, line) in cases {
        let e = parse(text).expect_err(text);
        assert!(e.message.contains(want), "{text}: got {}", e.message);
        assert_eq!(e.pointer.line, line, "{text}: {}", e.message);
        let shown = e.render(false);
        assert!(shown.contains(&format!("--> schemas/s.json:{line}:")), "{shown}");
    }
}

#[test]
fn a_good_schema_compiles_anchored_patterns_and_keeps_titles() {
    let s = parse(
        r#"{"fields": [
            {"name": "code", "title": "Code", "description": "d", "constraints": {"required": true, "pattern": "[A-Z]{3}"}},
            {"name": "tags", "type": "list", "delimiter": ";"}
        ], "primaryKey": "code"}"#,
    )
    .unwrap();
    let (_, re) = s.fields[0].pattern.as_ref().unwrap();
    assert!(re.is_match("KAZ"));
    assert!(!re.is_match("KAZX"), "patterns must match the whole cell");
    assert_eq!(s.fields[0].title.as_deref(), Some("Code"));
    assert_eq!(s.fields[1].ftype, FieldType::List);
    assert_eq!(s.fields[1].delimiter, ";");
    assert_eq!(s.primary_key, vec!["code"]);
    assert_eq!(s.missing_values, vec![String::new()]);
}

/// Regression (found by the property test `arbitrary_schema_text_never_panics`): an
/// error offset inside a multi-byte character made the diagnostic slice mid-character.
#[test]
fn schema_error_pointers_snap_to_character_boundaries() {
    let text = "\"𞋿nhᚥѨ*{ு🯵g🠆0}`𐮁,/🂩꧕4흍Ѩ";
    let e = parse(text).expect_err("not a schema");
    assert!(e.render(false).contains("--> schemas/s.json:1:"));
}

/// The repository's own schemas use no keyword that does nothing.
#[test]
fn every_committed_schema_loads_without_warnings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let s = TableSchema::load(&p, &p.display().to_string()).unwrap();
        let w: Vec<&str> = s.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(w.is_empty(), "{}: {w:?}", p.display());
        n += 1;
    }
    assert!(n >= 10, "{n} schemas");
}

/// Issue 28: nothing in a schema is ignored without a word, and no message shows the
/// deserializer's internals.
#[test]
fn unknown_keywords_warn_with_a_suggestion_and_unsupported_ones_are_refused() {
    let warn = [
        (
            r#"{"fields": [{"name": "a", "constraints": {"maxLenght": 3}}]}"#,
            "did you mean `maxLength`?",
        ),
        (
            r#"{"fields": [{"name": "a", "bareNumber": false}]}"#,
            "applies to integer, number fields",
        ),
        (
            r#"{"fields": [{"name": "a"}], "primaryKeys": ["a"]}"#,
            "did you mean `primaryKey`?",
        ),
        (
            r#"{"fields": [{"name": "a", "tpye": "integer"}]}"#,
            "did you mean `type`?",
        ),
    ];
    for (text, want) in warn {
        let s = parse(text).unwrap_or_else(|e| panic!("{text}: {}", e.message));
        assert!(
            s.warnings.iter().any(|w| w.message.contains(want)),
            "{text}: {:?}",
            s.warnings
        );
        assert!(s.warnings[0].render(false).contains("--> schemas/s.json:1:"));
    }
    let refuse = [
        (
            r#"{"fields": [{"name": "a", "type": "integer", "constraints": {"pattern": "[0-9]"}}]}"#,
            "does not apply to a integer field",
        ),
        (
            r#"{"fields": [{"name": "a", "type": "integer", "constraints": {"minLength": 1}}]}"#,
            "`minLength` does not apply",
        ),
        (
            r#"{"fields": [{"name": "a", "type": "date", "constraints": {"minimum": "someday"}}]}"#,
            "minimum must be a date value",
        ),
        (r#"{"fields": [{"name": "a", "format": "wkt"}]}"#, "does not read WKT"),
        (
            r#"{"fields": [{"name": "a", "type": "array", "arrayItem": {"type": "integer"}}]}"#,
            "does not support `arrayItem`",
        ),
        (
            r#"{"fields": [{"name": "a", "required": true}]}"#,
            "`required` goes in `constraints`",
        ),
        (
            r#"{"fields": [{"name": "a", "type": "integer", "constraints": {"exclusiveMinimum": 1}}]}"#,
            "is Table Schema v2",
        ),
        (r#"{"fields": [{"name": "a"}], "primaryKey": 3}"#, "`primaryKey`"),
        (
            r#"{"fields": [{"name": "a"}], "foreignKeys": [{"fields": "b", "reference": {"resource": "", "fields": "a"}}]}"#,
            "foreignKeys names `b`",
        ),
    ];
    for (text, want) in refuse {
        let e = parse(text).expect_err(text);
        assert!(e.message.contains(want), "{text}: {}", e.message);
        for internal in ["untagged", "serde", "invalid type:", "expected a"] {
            assert!(!e.message.contains(internal), "{text}: {}", e.message);
        }
    }
    let v2 = r#"{"$schema": "https://datapackage.org/profiles/2.0/tableschema.json", "fields": [{"name": "a", "type": "integer", "constraints": {"exclusiveMinimum": 1}}]}"#;
    assert!(parse(v2).is_ok());
}

#[test]
fn a_missing_value_is_the_whole_cell_byte_for_byte() {
    let values: Vec<String> = ["", "-", "n/a", "unknown"].map(String::from).to_vec();
    for cell in ["", "-", "n/a", "unknown"] {
        assert!(is_missing_value(&values, cell), "{cell:?}");
    }
    // same length or same first byte is not enough; case counts, as in Frictionless
    for cell in ["NER", "N/A", "n/b", "nan", "--", " -", "Unknown", "unknowns"] {
        assert!(!is_missing_value(&values, cell), "{cell:?}");
    }
    assert!(!is_missing_value(&[], ""));
}
