//! Bad input never panics: a clear message naming file, line and field, a stable code,
//! exit 1 when data is rejected and 2 when luban cannot work.

use crate::workdir::{machakos, row, Workdir, HEADER};

fn no_panic(out: &crate::workdir::Output) {
    assert!(!out.stderr.contains("panicked"), "luban panicked{out}");
}

#[test]
fn missing_raw_folder_is_a_tool_failure_with_a_hint() {
    let wd = Workdir::empty();
    let out = wd.run(&["run"]).expect(2);
    out.stderr_has("error: no `raw/` folder").stderr_has("--root");
    no_panic(&out);
}

#[test]
fn missing_root_shows_the_cause_chain() {
    let wd = Workdir::empty();
    let out = wd.run(&["--root", "does/not/exist", "ingest"]).expect(2);
    out.stderr_has("error: failed to open dataset root `does/not/exist`")
        .stderr_has("Caused by:");
}

#[test]
fn unreadable_report_file_is_a_tool_failure_naming_it() {
    let wd = Workdir::new();
    // a folder named like a CSV cannot be read as a file, even by root
    std::fs::create_dir_all(wd.path("raw/reports/broken.csv")).unwrap();
    let out = wd.run(&["ingest"]).expect(2);
    out.stderr_has("failed to read `raw/reports/broken.csv`");
    no_panic(&out);
}

#[test]
fn ragged_rows_are_quarantined_with_file_line_and_field() {
    let wd = Workdir::new();
    wd.reports(
        "a.csv",
        &[
            &machakos(),
            "Short,Kenya,Machakos",
            &format!(
                "{},extra",
                row(
                    "Kenya",
                    "Machakos University",
                    "Machakos",
                    "2019",
                    "https://example.org/2"
                )
            ),
        ],
    );
    wd.run(&["ingest"]).expect(0);
    let out = wd.run(&["validate"]).expect(1);
    out.stderr_has("error[missing-cell]")
        .stderr_has("--> raw/reports/a.csv:3:");
    out.stderr_has("error[extra-cell]")
        .stderr_has("--> raw/reports/a.csv:4:");
    let q = wd.csv_rows("build/quarantine.csv");
    assert!(
        q.iter()
            .any(|r| r["code"] == "missing-cell" && r["line"] == "3" && r["field"] == "host_institution"),
        "{q:?}"
    );
    assert!(
        q.iter()
            .any(|r| r["code"] == "extra-cell" && r["line"] == "4" && r["field_position"] == "16"),
        "{q:?}"
    );
    // the good row goes on; rejected + valid = all rows
    let valid = wd.run(&["show", "build/valid.json"]).expect(0);
    assert_eq!(valid.stdout.lines().count(), 1, "{}", valid.stdout);
    no_panic(&out);
}

#[test]
fn an_unknown_column_rejects_the_file_before_any_row_is_checked() {
    let wd = Workdir::new();
    wd.write(
        "raw/reports/a.csv",
        format!(
            "{},rumour\n{},x\n",
            HEADER,
            row("Kenya", "M", "", "", "https://example.org/1")
        ),
    );
    let out = wd.run(&["run"]).expect(1);
    out.stderr_has("error[extra-label]: header `rumour` is not a field of the schema")
        .stderr_has("--> raw/reports/a.csv:1:");
    out.stderr_has("nothing was published");
    assert!(!wd.path("build/ingested.json").exists());
    // a file ingest refuses is not streamed: the stages go one by one, and stop at ingest
    assert!(
        !out.stderr.contains("validate:") && !out.stderr.contains("pass:"),
        "{out}"
    );
    let wd = Workdir::new();
    wd.write("raw/reports/a.csv", HEADER.replace("country", "contry") + "\n");
    let out = wd.run(&["ingest"]).expect(1);
    out.stderr_has("error[incorrect-label]")
        .stderr_has("help: did you mean `country`?");
}

#[test]
fn an_unknown_country_is_rejected_with_a_suggestion() {
    let wd = Workdir::new();
    wd.reports(
        "a.csv",
        &[&row("Kazakstan", "EKTU", "Oskemen", "2023", "https://example.org/1")],
    );
    let out = wd.run(&["run"]).expect(1);
    out.stderr_has("error[foreign-key]: \"Kazakstan\" is not a known country");
    out.stderr_has("--> raw/reports/a.csv:2:");
    out.stderr_has("help: did you mean `Kazakhstan`?");
    no_panic(&out);
}

#[test]
fn country_traps_never_match_by_substring_and_congo_is_ambiguous() {
    let wd = Workdir::new();
    wd.reports(
        "a.csv",
        &[
            &row("Niger", "H1", "", "", "https://example.org/1"),
            &row("Guinea", "H2", "", "", "https://example.org/2"),
            &row("Dominica", "H3", "", "", "https://example.org/3"),
            &row("the UK", "H4", "", "", "https://example.org/4"),
            &row("398", "H5", "", "", "https://example.org/5"),
            &row("Republic of Kazakhstan", "H6", "", "", "https://example.org/6"),
            &row("Congo", "H7", "", "", "https://example.org/7"),
        ],
    );
    wd.run(&["ingest"]).expect(0);
    let out = wd.run(&["validate"]).expect(1);
    out.stderr_has(
        "\"Congo\" could be more than one country: Congo, The Democratic Republic of the (COD) or Congo (COG)",
    );
    let q = wd.csv_rows("build/quarantine.csv");
    assert_eq!(q.len(), 1, "{q:?}");
    wd.write(
        "raw/reports/a.csv",
        wd.read("raw/reports/a.csv")
            .lines()
            .filter(|l| !l.contains("Congo"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    wd.run(&["run", "--quiet"]).expect(0);
    let codes: Vec<String> = wd
        .csv_rows("output/workshops.csv")
        .iter()
        .map(|w| w["country_code"].clone())
        .collect();
    assert_eq!(codes, vec!["DMA", "GBR", "GIN", "KAZ", "KAZ", "NER"]);
}

#[test]
fn invalid_utf8_cells_and_utf16_files_are_encoding_errors() {
    let wd = Workdir::new();
    let mut bytes = format!("{HEADER}\n").into_bytes();
    bytes.extend_from_slice(b"W,Portugal,Set\xfabal,IPS,,2018,operating,,https://example.org/1,,,,,,\n");
    wd.write("raw/reports/a.csv", bytes);
    wd.run(&["ingest"]).expect(0);
    let out = wd.run(&["validate"]).expect(1);
    out.stderr_has("error[encoding-error]: cell is not valid UTF-8")
        .stderr_has("--> raw/reports/a.csv:2:");
    // the same within luban run's single pass over the rows
    let out = wd.run(&["run", "--force"]).expect(1);
    out.stderr_has("error[encoding-error]: cell is not valid UTF-8")
        .stderr_has("--> raw/reports/a.csv:2:")
        .stderr_has("nothing was published");
    let wd = Workdir::new();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in HEADER.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    wd.write("raw/reports/a.csv", utf16);
    let out = wd.run(&["ingest"]).expect(1);
    out.stderr_has("error[encoding-error]: file is UTF-16");
}

#[test]
fn a_utf8_bom_is_accepted() {
    let wd = Workdir::new();
    wd.write("raw/reports/a.csv", format!("\u{feff}{HEADER}\n{}\n", machakos()));
    wd.run(&["run", "--quiet"]).expect(0);
    assert_eq!(wd.csv_rows("output/workshops.csv").len(), 1);
}

/// A report file Excel saved with semicolons (its CSV where the decimal separator is a
/// comma) gets one finding that says so, not every header label missing.
#[test]
fn a_file_saved_with_semicolons_is_one_wrong_delimiter_error() {
    let wd = Workdir::new();
    let semi = |s: &str| s.replace(',', ";");
    wd.write(
        "raw/reports/a.csv",
        format!("\u{feff}{}\r\n{}\r\n", semi(HEADER), semi(&machakos())),
    );
    let out = wd.run(&["run"]).expect(1);
    out.stderr_has("error[wrong-delimiter]: the header is separated by `;`, not by commas")
        .stderr_has("--> raw/reports/a.csv:1:1")
        .stderr_has("CSV UTF-8 (Comma delimited)")
        .stderr_has("1 error in 1 row");
    assert!(!out.stderr.contains("missing-label"), "{out}");
}

/// A byte order mark is not a character the contributor sees: a header error after one
/// is at column 1, and the snippet does not print it.
#[test]
fn a_header_error_after_a_bom_is_at_column_one() {
    let wd = Workdir::new();
    let header = HEADER.replacen("workshop_name", "workshop_nam", 1);
    wd.write("raw/reports/a.csv", format!("\u{feff}{header}\r\n{}\r\n", machakos()));
    let out = wd.run(&["run"]).expect(1);
    out.stderr_has("error[incorrect-label]")
        .stderr_has("--> raw/reports/a.csv:1:1")
        .stderr_has("1 | workshop_nam,");
    assert!(!out.stderr.contains('\u{feff}'), "{out}");
    let github = wd.validate_report_file("raw/reports/a.csv", &["--format", "github"]);
    assert!(
        github
            .stdout
            .contains("::error file=raw/reports/a.csv,line=1,col=1,title=incorrect-label"),
        "{github}"
    );
}

#[test]
fn bad_cells_point_at_the_cell_with_what_was_expected() {
    let wd = Workdir::new();
    wd.reports("a.csv", &["W,Kenya,Machakos,MU,,2019-02-30,rumoured,,not a url,,,,,,"]);
    wd.run(&["ingest"]).expect(0);
    let out = wd.run(&["validate"]).expect(1);
    out.stderr_has("error[type-error]: `2019-02-30` is not a valid partial date for `opened_on`");
    out.stderr_has("error[constraint-error]: \"rumoured\" is not an allowed value for status");
    out.stderr_has("--> raw/reports/a.csv:2:33");
    out.stderr_has("= note: expected one of: operating, announced, planned, suspended, closed");
    out.stderr_has("error[type-error]: `not a url` is not a valid string (uri)");
    out.stderr_has("3 errors in 1 row");
}

#[test]
fn a_broken_schema_fails_before_any_data_is_read() {
    let wd = Workdir::new();
    wd.reports("a.csv", &[&row("Kenya", "MU", "", "", "https://example.org/1")]);
    let schema = wd
        .read("schemas/reports.schema.json")
        .replace("\"type\": \"list\"", "\"type\": \"lists\"");
    wd.write("schemas/reports.schema.json", schema);
    let out = wd.run(&["run"]).expect(2);
    out.stderr_has("error[schema-error]: field `host_institution` has unknown type `lists`");
    out.stderr_has("--> schemas/reports.schema.json:");
    assert!(
        !wd.path("build").exists(),
        "nothing may be read or written before the schema is checked"
    );
}

#[test]
fn symlinked_report_files_are_refused() {
    let wd = Workdir::new();
    wd.write("elsewhere.csv", format!("{HEADER}\n"));
    std::os::unix::fs::symlink(wd.path("elsewhere.csv"), wd.path("raw/reports/link.csv")).unwrap();
    let out = wd.run(&["ingest"]).expect(2);
    out.stderr_has("refusing to read `raw/reports/link.csv`: symbolic links");
}

#[test]
fn an_empty_reports_folder_is_reported() {
    let wd = Workdir::new();
    let out = wd.run(&["ingest"]).expect(2);
    out.stderr_has("holds no *.csv");
}

/// `build/ingested.json` and `build/valid.json` stand for rows of raw/reports (the files,
/// their hashes, the rejected rows), so a stage run alone reads them again from raw/: it
/// must refuse a file that changed since ingest read it, and it must leave out exactly
/// the rows validate rejected.
#[test]
fn stages_run_alone_read_the_rows_ingest_staged_and_refuse_changed_raw() {
    let wd = Workdir::new();
    let good = row(
        "Kenya",
        "Machakos University",
        "Machakos",
        "2019",
        "https://example.org/1",
    );
    wd.reports("a.csv", &[&good]);
    wd.run(&["ingest"]).expect(0);
    wd.run(&["validate"]).expect(0);
    let shown = wd.run(&["show", "build/valid.json"]).expect(0);
    assert_eq!(shown.stdout.lines().count(), 1, "{}", shown.stdout);

    // a second report, one cell short, appended after ingest: every stage that would read
    // the staged rows refuses, and says what to rerun
    wd.append("raw/reports/a.csv", "Short,Kenya,Machakos");
    for args in [&["validate"][..], &["normalize"]] {
        let out = wd.run(args).expect(2);
        out.stderr_has("raw/reports/a.csv changed since `luban ingest` ran");
        out.stderr_has("rerun `luban ingest`");
    }
    for args in [&["show", "build/ingested.json"][..], &["show", "build/valid.json"]] {
        let out = wd.run(args).expect(2);
        out.stderr_has("`raw/reports/a.csv` is not the file ingest read");
        out.stderr_has("rerun `luban ingest`");
    }

    // ingest again: validate rejects the short row, and the rows staged for normalize
    // are the good one alone
    wd.run(&["ingest"]).expect(0);
    assert_eq!(
        wd.run(&["show", "build/ingested.json"])
            .expect(0)
            .stdout
            .lines()
            .count(),
        2
    );
    wd.run(&["validate"]).expect(1);
    let shown = wd.run(&["show", "build/valid.json"]).expect(0);
    assert_eq!(shown.stdout.lines().count(), 1, "{}", shown.stdout);
    assert!(shown.stdout.contains("Machakos University"), "{}", shown.stdout);
    wd.run(&["normalize"]).expect(0).stderr_has("1 in       1 out");

    // a staged file that is gone
    std::fs::remove_file(wd.path("raw/reports/a.csv")).unwrap();
    let out = wd.run(&["normalize"]).expect(2);
    out.stderr_has("raw/reports/a.csv was removed since `luban ingest` ran");
    let out = wd.run(&["show", "build/valid.json"]).expect(2);
    out.stderr_has("`raw/reports/a.csv` is gone");
}

/// A foreign key within the reports table is checked at the end of the table, over every
/// file of raw/reports. Row numbers restart in each file, so the end-of-table check must
/// find the row it rejects by position, not by row number: here b.csv's row 3 is the
/// dangling one, and a.csv's row 3 (same row number) is fine.
#[test]
fn an_end_of_table_foreign_key_error_lands_on_its_own_file_and_row() {
    let wd = Workdir::new();
    let mut schema: serde_json::Value = serde_json::from_str(&wd.read("schemas/reports.schema.json")).unwrap();
    schema["foreignKeys"] = serde_json::json!([
        {"fields": "source_title", "reference": {"resource": "", "fields": "source_url"}}
    ]);
    wd.write(
        "schemas/reports.schema.json",
        serde_json::to_string_pretty(&schema).unwrap(),
    );
    // a row whose source_title must be the source_url of some row of the table
    let titled = |host: &str, url: &str, title: &str| {
        row("Kenya", host, "Machakos", "2019", url).replace(&format!(",{url},,,"), &format!(",{url},{title},,"))
    };
    wd.reports(
        "a.csv",
        &[
            &titled("Machakos University", "https://example.org/a1", ""),
            // refers forward, to a row of b.csv
            &titled(
                "Machakos University",
                "https://example.org/a2",
                "https://example.org/b1",
            ),
        ],
    );
    wd.reports(
        "b.csv",
        &[
            &titled(
                "Machakos University",
                "https://example.org/b1",
                "https://example.org/a1",
            ),
            &titled(
                "Machakos University",
                "https://example.org/b2",
                "https://nowhere.example/x",
            ),
        ],
    );
    wd.run(&["ingest"]).expect(0);
    let out = wd.run(&["validate"]).expect(1);
    out.stderr_has("error[foreign-key]")
        .stderr_has("--> raw/reports/b.csv:3:");
    assert!(!out.stderr.contains("raw/reports/a.csv:3"), "{out}");
    let q = wd.csv_rows("build/quarantine.csv");
    let fk: Vec<_> = q.iter().filter(|r| r["code"] == "foreign-key").collect();
    assert_eq!(fk.len(), 1, "{q:?}");
    assert_eq!(
        (fk[0]["file"].as_str(), fk[0]["line"].as_str()),
        ("raw/reports/b.csv", "3"),
        "{q:?}"
    );
    // the three other rows go on
    let valid = wd.run(&["show", "build/valid.json"]).expect(0);
    assert_eq!(valid.stdout.lines().count(), 3, "{}", valid.stdout);
    assert!(valid.stdout.contains("https://example.org/a2"), "{}", valid.stdout);
    no_panic(&out);
}

/// Writes `a` and `b` as raw/reports/a.csv and b.csv, ingests them and runs validate,
/// which must reject data.
fn validate_two_files(wd: &Workdir, a: &[String], b: &[String]) -> crate::workdir::Output {
    for (name, rows) in [("a.csv", a), ("b.csv", b)] {
        wd.reports(name, &rows.iter().map(String::as_str).collect::<Vec<_>>());
    }
    wd.run(&["ingest"]).expect(0);
    wd.run(&["validate"]).expect(1)
}

/// Errors come in (file, row) order over the files of raw/reports, on stderr and in the
/// quarantine file: b.csv's row 2 comes after a.csv's row 3 (row numbers restart in
/// every file, so ordering by them alone interleaved the files).
#[test]
fn errors_of_several_files_come_in_file_then_row_order() {
    let wd = Workdir::new();
    let r = |url: &str, opened: &str| row("Kenya", "Machakos University", "Machakos", opened, url);
    let out = validate_two_files(
        &wd,
        &[r("https://example.org/a1", "2019"), r("https://example.org/a2", "20x9")],
        &[r("https://example.org/b1", "19x9"), r("https://example.org/b2", "2019")],
    );
    let a = out.stderr.find("--> raw/reports/a.csv:3:").expect("a.csv:3 reported");
    let b = out.stderr.find("--> raw/reports/b.csv:2:").expect("b.csv:2 reported");
    assert!(a < b, "a.csv's error after b.csv's{out}");
    let q = wd.csv_rows("build/quarantine.csv");
    let at: Vec<(&str, &str)> = q.iter().map(|r| (r["file"].as_str(), r["line"].as_str())).collect();
    assert_eq!(at, vec![("raw/reports/a.csv", "3"), ("raw/reports/b.csv", "2")]);
    no_panic(&out);
}

/// The cross-row rules name the earlier row with its file when it is in another file of
/// raw/reports (row numbers restart in every file: "the same as row 3" from b.csv read
/// as b.csv's own row 3), and as a plain row number within one file.
#[test]
fn a_repeat_of_a_row_in_another_file_names_that_file() {
    let wd = Workdir::new();
    let r = |host: &str, url: &str| row("Kenya", host, "Machakos", "2019", url);
    let out = validate_two_files(
        &wd,
        &[
            r("Machakos University", "https://example.org/a1"),
            r("Machakos University", "https://example.org/a2"),
        ],
        &[
            r("Other", "https://example.org/b1"),
            r("Machakos University", "https://example.org/a2"),
            r("Other", "https://example.org/b1"),
        ],
    );
    let q = wd.csv_rows("build/quarantine.csv");
    let dups: Vec<(&str, &str, &str)> = q
        .iter()
        .filter(|r| r["code"] == "duplicate-row")
        .map(|r| (r["file"].as_str(), r["line"].as_str(), r["message"].as_str()))
        .collect();
    assert_eq!(
        dups,
        vec![
            (
                "raw/reports/b.csv",
                "3",
                "row is the same as row 3 of raw/reports/a.csv"
            ),
            ("raw/reports/b.csv", "4", "row is the same as row 2"),
        ],
        "{out}"
    );
    no_panic(&out);
}

/// A sub-centre and a host-side partner are columns of a report: a kind the schema does
/// not know is an error on its cell, and a workshop no report gives a kind for is
/// published as a workshop.
#[test]
fn kind_and_host_partner_are_checked_on_their_cells_and_published() {
    let wd = Workdir::new();
    let sub_centre = machakos().replace(
        "example.org/1,,,test,Tianjin,,",
        "example.org/1,,,test,Tianjin,sub-centre,Acme Kenya; Acme Kenya",
    );
    let branch = row(
        "Egypt",
        "Ain Shams University",
        "Cairo",
        "2020",
        "https://example.org/2",
    )
    .replace(",Tianjin,,", ",Tianjin,branch,");
    wd.reports("a.csv", &[&sub_centre, &branch]);
    let out = wd.run(&["run"]).expect(1);
    let col = branch.find(",branch,").unwrap() + 2;
    out.stderr_has("error[constraint-error]: \"branch\" is not an allowed value for kind")
        .stderr_has(&format!("--> raw/reports/a.csv:3:{col}"));
    wd.reports("a.csv", &[&sub_centre, &branch.replace(",branch,", ",,")]);
    wd.run(&["run", "--quiet"]).expect(0);
    let ws = wd.csv_rows("output/workshops.csv");
    let kinds: Vec<(&str, &str, &str)> = ws
        .iter()
        .map(|w| {
            (
                w["country_code"].as_str(),
                w["kind"].as_str(),
                w["host_partners"].as_str(),
            )
        })
        .collect();
    assert_eq!(kinds, [("EGY", "workshop", ""), ("KEN", "sub-centre", "Acme Kenya")]);
    let sources = wd.csv_rows("output/sources.csv");
    let ken = sources
        .iter()
        .find(|s| s["source_url"] == "https://example.org/1")
        .unwrap();
    assert!(
        ken["fields"].contains("kind;") && ken["fields"].contains("host_partners"),
        "{ken:?}"
    );
}

/// What a spreadsheet user types for "unknown" ("-", "n/a", "N/A", "unknown") is a
/// missing value (the reports schema's `missingValues`), not a name: two reports whose
/// host is "N/A" are not one workshop of that name, and a country written "-" is a
/// missing required cell on its own line.
#[test]
fn placeholders_for_unknown_are_missing_values_not_names() {
    let wd = Workdir::new();
    wd.reports(
        "a.csv",
        &[
            "W,Kenya,Machakos,N/A,Tianjin A College,2019,operating,,https://example.org/1,,,,,,",
            "W,Kenya,Nairobi,n/a,Tianjin B College,2021,unknown,,https://example.org/2,,,,,,",
        ],
    );
    let out = wd.run(&["run"]).expect(0);
    let ws = wd.csv_rows("output/workshops.csv");
    assert_eq!(ws.len(), 2, "{out}");
    assert!(
        ws.iter()
            .all(|w| w["host_institution"].is_empty() && w["status"] != "unknown"),
        "{ws:?}"
    );

    wd.reports(
        "a.csv",
        &["W,-,Nairobi,Some College,,2021,operating,,https://example.org/3,,,,,,"],
    );
    let out = wd.run(&["run"]).expect(1);
    out.stderr_has("error[constraint-error]: `country` is required but `-` is a missing value")
        .stderr_has("raw/reports/a.csv:2:3");
}
