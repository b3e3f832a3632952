use crate::workdir::Workdir;

const SCHEMA: &str = r#"{"fields": [
  {"name": "id", "type": "integer", "constraints": {"required": true, "unique": true}},
  {"name": "status", "constraints": {"enum": ["open", "closed"]}},
  {"name": "url", "format": "uri"}
]}"#;

#[test]
fn any_csv_validates_against_any_schema() {
    let wd = Workdir::empty();
    wd.write("s.json", SCHEMA);
    wd.write("ok.csv", "id,status,url\n1,open,https://example.org/\n2,closed,\n");
    wd.run(&["validate", "ok.csv", "--schema", "s.json"]).expect(0);
    wd.write("bad.csv", "id,status,url\n1,open,https://example.org/\n1,opn,x\n");
    let out = wd
        .run(&["validate", "bad.csv", "--schema", "s.json", "--quarantine", "q.csv"])
        .expect(1);
    out.stderr_has("error[unique-error]")
        .stderr_has("error[constraint-error]")
        .stderr_has("help: did you mean `open`?");
    assert_eq!(wd.csv_rows("q.csv").len(), 3);
}

#[test]
fn json_format_is_one_document_on_stdout() {
    let wd = Workdir::empty();
    wd.write("s.json", SCHEMA);
    wd.write("bad.csv", "id,status,url\nx,open,\n");
    let out = wd
        .run(&["validate", "bad.csv", "--schema", "s.json", "--format", "json"])
        .expect(1);
    let v = out.json();
    assert_eq!(v["valid"], false);
    assert_eq!(v["stats"]["rows"], 1);
    assert_eq!(v["stats"]["by_code"]["type-error"], 1);
    let e = &v["errors"][0];
    assert_eq!(
        (
            e["file"].as_str(),
            e["line"].as_u64(),
            e["row"].as_u64(),
            e["field"].as_str(),
            e["field_position"].as_u64()
        ),
        (Some("bad.csv"), Some(2), Some(2), Some("id"), Some(1))
    );
    assert_eq!(e["cell"], "x");
    assert_eq!((e["cell_line"].as_u64(), e["column"].as_u64()), (Some(2), Some(1)));
    assert!(out.stderr.is_empty(), "json mode keeps stderr quiet{out}");

    // a cell after a quoted cell that spans lines: on its own line, at its column
    wd.write("multi.csv", "id,status,url\n1,\"op\nen\",nota url\n");
    let v = wd
        .run(&["validate", "multi.csv", "--schema", "s.json", "--format", "json"])
        .expect(1)
        .json();
    let at: Vec<(u64, u64, u64, &str)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["cell_line"].as_u64().unwrap(),
                e["column"].as_u64().unwrap(),
                e["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(at, [(2, 2, 3, "status"), (2, 3, 5, "url")], "{v}");
}

#[test]
fn github_format_annotates_the_changed_line() {
    let wd = Workdir::empty();
    wd.write("s.json", SCHEMA);
    wd.write("bad.csv", "id,status,url\n1,shut,\n");
    let out = wd
        .run(&["validate", "bad.csv", "--schema", "s.json", "--format", "github"])
        .expect(1);
    assert_eq!(
        out.stdout.trim(),
        "::error file=bad.csv,line=2,col=3,title=constraint-error::\"shut\" is not an allowed value for status",
        "{out}"
    );
}

#[test]
fn max_errors_stops_early() {
    let wd = Workdir::empty();
    wd.write("s.json", SCHEMA);
    wd.write("bad.csv", "id,status,url\nx,open,\ny,open,\nz,open,\n");
    let out = wd
        .run(&[
            "validate",
            "bad.csv",
            "--schema",
            "s.json",
            "--format",
            "json",
            "--max-errors",
            "1",
        ])
        .expect(1);
    let v = out.json();
    assert_eq!(v["errors"].as_array().unwrap().len(), 1);
    assert_eq!(v["stats"]["rejected_rows"], 1);
    assert_eq!(v["stats"]["rows"], 1, "counts cover the rows checked before the stop");
    assert_eq!(v["stats"]["stopped_early"], true);
}

#[test]
fn multi_line_cells_keep_row_and_line_apart() {
    let wd = Workdir::empty();
    wd.write("s.json", SCHEMA);
    wd.write(
        "bad.csv",
        "id,status,url\n1,open,\"https://example.org/\"\n2,\"clo\nsed\",\n3,wrong,\n",
    );
    let out = wd
        .run(&["validate", "bad.csv", "--schema", "s.json", "--format", "json"])
        .expect(1);
    let v = out.json();
    let errs = v["errors"].as_array().unwrap();
    assert_eq!(errs.len(), 2);
    assert_eq!((errs[0]["row"].as_u64(), errs[0]["line"].as_u64()), (Some(3), Some(3)));
    assert_eq!(
        (errs[1]["row"].as_u64(), errs[1]["line"].as_u64()),
        (Some(4), Some(5)),
        "row 4 starts on line 5"
    );
}

#[test]
fn any_job_count_gives_the_same_report_over_many_batches() {
    let wd = Workdir::empty();
    wd.run(&["generate", "--rows", "30000", "--seed", "3", "--out", "g.csv"])
        .expect(0);
    wd.write("s.json", r#"{"fields": [
      {"name": "workshop_name"}, {"name": "country", "constraints": {"required": true}}, {"name": "city"},
      {"name": "host_institution"}, {"name": "chinese_partner"},
      {"name": "opened_on", "constraints": {"pattern": "[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"}},
      {"name": "status", "constraints": {"enum": ["operating", "announced", "planned"]}},
      {"name": "specialties"}, {"name": "source_url", "format": "uri", "constraints": {"required": true, "unique": true}},
      {"name": "source_title"}, {"name": "source_date", "type": "date"}, {"name": "notes"},
      {"name": "organiser_province"}]}"#);
    let run = |jobs: &str| {
        wd.run(&[
            "validate", "g.csv", "--schema", "s.json", "--format", "json", "--jobs", jobs,
        ])
        .expect(1)
        .stdout
    };
    let one = run("1");
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(v["stats"]["rows"], 30000, "every row of every batch is checked");
    assert!(v["stats"]["errors"].as_u64().unwrap() > 50);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("3"));
    // stopping early is the same too
    let stop = |jobs: &str| {
        wd.run(&[
            "validate",
            "g.csv",
            "--schema",
            "s.json",
            "--format",
            "json",
            "--jobs",
            jobs,
            "--max-errors",
            "7",
        ])
        .expect(1)
        .stdout
    };
    let s1 = stop("1");
    let v: serde_json::Value = serde_json::from_str(&s1).unwrap();
    assert_eq!(v["errors"].as_array().unwrap().len(), 7);
    assert_eq!(v["stats"]["stopped_early"], true);
    assert!(
        v["stats"]["rows"].as_u64().unwrap() < 30000,
        "counts cover the checked rows"
    );
    assert_eq!(s1, stop("2"));
}

/// Issue 28: `--format frictionless` is the report shape of `frictionless validate --json`.
#[test]
fn frictionless_format_has_the_report_shape_of_frictionless() {
    let wd = Workdir::empty();
    wd.write("s.json", SCHEMA);
    wd.write("bad.csv", "id,status,url\nx,open,\n\n2,opn,\n");
    let out = wd
        .run(&["validate", "bad.csv", "--schema", "s.json", "--format", "frictionless"])
        .expect(1);
    let v = out.json();
    assert_eq!(v["valid"], false);
    assert_eq!(v["stats"]["tasks"], 1);
    let task = &v["tasks"][0];
    assert_eq!(
        (task["place"].as_str(), task["type"].as_str()),
        (Some("bad.csv"), Some("table"))
    );
    assert_eq!(task["labels"], serde_json::json!(["id", "status", "url"]));
    let got: Vec<(u64, Option<u64>, String)> = task["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["rowNumber"].as_u64().unwrap(),
                e["fieldNumber"].as_u64(),
                e["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (2, Some(1), "type-error".to_string()),
            (3, None, "blank-row".to_string()),
            (4, Some(2), "constraint-error".to_string())
        ]
    );
    assert_eq!(task["errors"][0]["cells"], serde_json::json!(["x", "open", ""]));
    assert_eq!(task["errors"][0]["fieldName"], "id");
    assert_eq!(task["errors"][0]["title"], "Type Error");
}

/// Issue 28: a semicolon file (Excel in much of Europe) is read with its delimiter, as
/// Frictionless reads it, and the caret lands on the cell.
#[test]
fn a_semicolon_file_is_read_with_its_delimiter() {
    let wd = Workdir::empty();
    wd.write("s.json", SCHEMA);
    wd.write(
        "semi.csv",
        "id;status;url\n1;open;\n2;opn;\"https://example.org/a;b\"\n",
    );
    let out = wd
        .run(&["validate", "semi.csv", "--schema", "s.json", "--format", "github"])
        .expect(1);
    assert_eq!(
        out.stdout.trim(),
        "::error file=semi.csv,line=3,col=3,title=constraint-error::\"opn\" is not an allowed value for status%0Ahelp: did you mean `open`?",
        "{out}"
    );
}

/// Issue 28: a data package is validated whole: each resource against its schema (inline
/// or a file), with its dialect's delimiter, foreign keys to another resource compared as
/// typed values, and the file against the size and hash the package declares.
#[test]
fn a_data_package_checks_foreign_keys_between_its_resources() {
    let wd = Workdir::empty();
    wd.write("p/a.csv", "id,name\n1,a\n2,b\n");
    wd.write("p/b.csv", "ref;x\n01;y\n3;z\n;w\n");
    wd.write(
        "p/b.schema.json",
        r#"{"fields": [{"name": "ref", "type": "integer"}, {"name": "x"}],
        "foreignKeys": [{"fields": "ref", "reference": {"resource": "a", "fields": "id"}}]}"#,
    );
    wd.write(
        "p/datapackage.json",
        r#"{"name": "p", "resources": [
          {"name": "a", "path": "a.csv", "bytes": 3, "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name"}]}},
          {"name": "b", "path": "b.csv", "dialect": {"delimiter": ";"}, "schema": "b.schema.json"}]}"#,
    );
    let out = wd
        .run(&["validate", "p/datapackage.json", "--format", "json"])
        .expect(1);
    let v = out.json();
    let got: Vec<(String, u64, String)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["row"].as_u64().unwrap(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("p/a.csv".to_string(), 1, "byte-count".to_string()),
            ("p/b.csv".to_string(), 3, "foreign-key".to_string())
        ],
        "01 refers to 1; 3 is nowhere; an empty reference is not checked{out}"
    );
    assert!(v["errors"][1]["message"].as_str().unwrap().contains("resource `a`"));
    // a foreign key to a resource the package lacks: refused before any data is read
    wd.write(
        "p/bad.json",
        r#"{"resources": [{"name": "b", "path": "b.csv", "schema": "b.schema.json"}]}"#,
    );
    wd.run(&["validate", "p/bad.json"])
        .expect(2)
        .stderr_has("which the package does not have");
}
