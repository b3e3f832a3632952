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
