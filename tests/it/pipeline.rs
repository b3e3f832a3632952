use sha2::Digest;

use crate::workdir::{machakos, row, Workdir};

#[test]
fn each_stage_runs_alone_in_data_flow_order() {
    let wd = Workdir::new();
    wd.reports(
        "a.csv",
        &[
            &row(
                "Kazakhstan",
                "D. Serikbayev East Kazakhstan Technical University (EKTU)",
                "Oskemen",
                "2023-12",
                "https://example.org/1",
            ),
            &row(
                "KZ",
                "Serikbayev East Kazakhstan Technical University",
                "Öskemen",
                "2023-12-15",
                "https://example.org/2",
            ),
            &row(
                "Côte d'Ivoire",
                "Institut National Polytechnique Félix Houphouët-Boigny (INP-HB)",
                "Yamoussoukro",
                "2020-12-09",
                "https://example.org/3",
            ),
        ],
    );
    wd.reports(
        "b.csv",
        &[&row(
            "科特迪瓦",
            "National Polytechnic Institute Felix Houphouet-Boigny",
            "",
            "",
            "https://example.org/4",
        )],
    );
    let expect = [
        ("ingest", "build/ingested.json", "4 in       4 out"),
        ("validate", "build/valid.json", "4 in       4 out"),
        ("normalize", "build/reports.arrow", "4 in       4 out"),
        ("dedupe", "build/workshops.arrow", "4 in       2 out       2 merged"),
        ("aggregate", "build/countries.arrow", "2 in       2 out"),
        ("publish", "output/datapackage.json", "publish:"),
    ];
    for (stage, artifact, line) in expect {
        let out = wd.run(&[stage]).expect(0);
        out.stderr_has(line);
        assert!(wd.path(artifact).exists(), "{stage} did not write {artifact}{out}");
    }
    let ws = wd.csv_rows("output/workshops.csv");
    assert_eq!(ws.len(), 2);
    let kaz = ws.iter().find(|w| w["country_code"] == "KAZ").unwrap();
    assert_eq!(kaz["city"], "Oskemen");
    assert_eq!(
        kaz["host_institution"],
        "D. Serikbayev East Kazakhstan Technical University (EKTU)"
    );
    assert_eq!(kaz["opened_on"], "2023-12-15");
    assert_eq!(kaz["opened_precision"], "day");
    assert_eq!(kaz["source_count"], "2");
    let civ = ws.iter().find(|w| w["country_code"] == "CIV").unwrap();
    assert_eq!(
        civ["source_count"], "2",
        "the Chinese country name and the English alias merge"
    );
    assert_eq!(civ["region"], "Africa");
    assert_eq!(civ["subregion"], "Western Africa");
    let merges = wd.read("build/merges.csv");
    assert_eq!(merges.lines().count(), 5, "one line per report plus header:\n{merges}");
}

#[test]
fn a_host_less_report_matching_two_workshops_is_set_aside_not_guessed() {
    let wd = Workdir::new();
    let tvi = |host: &str, city: &str, url: &str| {
        format!("W,Kazakhstan,{city},{host},Tianjin Vocational Institute,2024,operating,,{url},,,,,,")
    };
    wd.reports(
        "a.csv",
        &[
            &tvi("Host One", "Astana", "https://example.org/1"),
            &tvi("Host Two", "Almaty", "https://example.org/2"),
            &tvi("", "", "https://example.org/3"),
        ],
    );
    let out = wd.run(&["run"]).expect(1);
    out.stderr_has("error[ambiguous-workshop]: raw/reports/a.csv:4");
    out.stderr_has("nothing was published");
    assert!(!wd.path("output").exists());
    assert!(wd.read("build/unmerged.csv").contains("ambiguous-workshop"));
    // the message names each candidate by the id it is published with
    wd.reports(
        "a.csv",
        &[
            &tvi("Host One", "Astana", "https://example.org/1"),
            &tvi("Host Two", "Almaty", "https://example.org/2"),
            &tvi("Host One", "", "https://example.org/3"),
        ],
    );
    wd.run(&["run", "--quiet"]).expect(0);
    for w in wd.csv_rows("output/workshops.csv") {
        out.stderr_has(&format!("{} ", w["workshop_id"]));
    }
}

/// A host-less report that gives no city, partner or opening date fits no workshop: it is
/// set aside on its own line, not made a workshop of its own (nor grouped with others like
/// it). One that gives only a partner is grouped, and named without empty brackets.
#[test]
fn a_host_less_report_that_gives_nothing_to_match_is_set_aside() {
    let wd = Workdir::new();
    wd.reports(
        "a.csv",
        &[
            "W,Kazakhstan,Astana,Host One,Tianjin Vocational Institute,2024,operating,,https://example.org/1,,,,,,",
            ",Kazakhstan,,,,,,,https://example.org/2,,,,,,",
            // partners whose comparison keys are empty ("(NBPT)", "-") are as good as none
            ",Kazakhstan,,,(NBPT); -,,,,https://example.org/3,,,,,,",
        ],
    );
    let out = wd.run(&["run"]).expect(1);
    out.stderr_has("error[unidentified-workshop]: raw/reports/a.csv:3: report names no host institution");
    out.stderr_has("error[unidentified-workshop]: raw/reports/a.csv:4:");
    out.stderr_has("nothing was published");
    let unmerged = wd.read("build/unmerged.csv");
    assert_eq!(unmerged.matches("unidentified-workshop").count(), 2, "{unmerged}");

    // a maintainer's `same` decision that joins their group to a workshop still places
    // them (a decision written when such a group was a workshop of its own)
    wd.reports(
        "a.csv",
        &["W,Kazakhstan,Astana,Host One,Tianjin Vocational Institute,2024,operating,,https://example.org/1,,,,,,"],
    );
    wd.run(&["run", "--quiet"]).expect(0);
    let host_one = wd.csv_rows("output/workshops.csv")[0]["workshop_id"].clone();
    let group = format!("KAZ-{}", &hex::encode(sha2::Sha256::digest(b"group|KAZ|||"))[..8]);
    wd.write(
        "raw/decisions.csv",
        format!(
            "field,country,name,candidate,score,evidence,decision,note\n\
             workshop,KAZ,{group},{host_one},,,same,one workshop (test)\n"
        ),
    );
    wd.reports(
        "a.csv",
        &[
            "W,Kazakhstan,Astana,Host One,Tianjin Vocational Institute,2024,operating,,https://example.org/1,,,,,,",
            ",Kazakhstan,,,,,,,https://example.org/2,,,,,,",
        ],
    );
    let out = wd.run(&["run"]).expect(0);
    let ws = wd.csv_rows("output/workshops.csv");
    assert_eq!(ws.len(), 1, "{out}");
    assert_eq!(
        (&ws[0]["workshop_id"], &ws[0]["source_count"]),
        (&host_one, &"2".to_string())
    );

    // with a partner the first workshop does not have, the two are one new workshop
    wd.reports(
        "a.csv",
        &[
            "W,Kazakhstan,Astana,Host One,Tianjin Vocational Institute,2024,operating,,https://example.org/1,,,,,,",
            ",Kazakhstan,,,Tianjin Other College,,,,https://example.org/2,,,,,,",
            ",Kazakhstan,,,Tianjin Other College,,,,https://example.org/3,,,,,,",
        ],
    );
    wd.run(&["run"]).expect(0);
    let ws = wd.csv_rows("output/workshops.csv");
    assert_eq!(ws.len(), 2);
    let grouped = ws
        .iter()
        .find(|w| w["source_count"] == "2")
        .expect("the two host-less reports, grouped");
    assert_eq!(grouped["workshop_name"], "Kazakhstan Luban Workshop");
}

#[test]
fn root_flag_selects_another_dataset_folder() {
    let wd = Workdir::new();
    wd.reports("a.csv", &[&machakos()]);
    let elsewhere = Workdir::empty();
    let out = elsewhere.run(&["--root", wd.root().to_str().unwrap(), "run"]).expect(0);
    assert!(wd.path("output/workshops.parquet").exists(), "{out}");
    assert!(!elsewhere.path("output").exists());
}

#[test]
fn help_says_what_each_command_reads_and_writes() {
    let wd = Workdir::empty();
    let out = wd.run(&["validate", "--help"]).expect(0);
    assert!(
        out.stdout.contains("build/quarantine.csv") && out.stdout.contains("Examples:"),
        "{out}"
    );
    let out = wd.run(&["--help"]).expect(0);
    assert!(out.stdout.contains("Exit status"), "{out}");
}

/// Every file of `output/` (the site's pages too), by path, in path order.
fn snapshot(wd: &Workdir) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &std::path::Path, rel: &str, files: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = format!("{rel}{}", p.file_name().unwrap().to_string_lossy());
            if p.is_dir() {
                walk(&p, &format!("{name}/"), files);
            } else {
                files.push((name, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(&wd.path("output"), "", &mut files);
    files.sort();
    files
}

fn leftovers(wd: &Workdir) -> Vec<String> {
    crate::workdir::stray_output_folders(wd.root())
}

#[test]
fn a_publish_killed_before_its_swap_leaves_the_previous_output_intact() {
    let wd = Workdir::new();
    wd.reports("a.csv", &[&machakos()]);
    wd.run(&["run", "--quiet"]).expect(0);
    let before = snapshot(&wd);
    wd.reports(
        "b.csv",
        &[&row(
            "Egypt",
            "Ain Shams University",
            "Cairo",
            "2020-11-30",
            "https://example.org/2",
        )],
    );
    for stage in ["ingest", "validate", "normalize", "dedupe", "aggregate"] {
        wd.run(&[stage, "--quiet"]).expect(0);
    }
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_luban"));
    let status = cmd
        .arg("publish")
        .current_dir(wd.root())
        .env("LUBAN_FAULT", "publish-before-swap")
        .status()
        .unwrap();
    assert!(!status.success(), "the fault hook must abort publish");
    assert!(
        before == snapshot(&wd),
        "output/ changed although publish died before its swap"
    );
    // the next publish cleans up and publishes the new data
    wd.run(&["publish", "--quiet"]).expect(0);
    assert_eq!(wd.csv_rows("output/workshops.csv").len(), 2);
    assert!(leftovers(&wd).is_empty(), "{:?}", leftovers(&wd));
}

#[test]
fn a_publish_killed_between_its_renames_is_repaired_by_the_next_one() {
    let wd = Workdir::new();
    wd.reports("a.csv", &[&machakos()]);
    wd.run(&["run", "--quiet"]).expect(0);
    let before = snapshot(&wd);
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_luban"))
        .arg("publish")
        .current_dir(wd.root())
        .env("LUBAN_FAULT", "publish-between-renames")
        .status()
        .unwrap();
    assert!(!status.success());
    assert!(
        !wd.path("output").exists(),
        "the crash point is after output/ moved aside"
    );
    wd.run(&["publish", "--quiet"]).expect(0);
    assert!(before == snapshot(&wd), "the repaired output/ is the same publication");
    assert!(leftovers(&wd).is_empty(), "{:?}", leftovers(&wd));
}

fn explain(wd: &Workdir) -> Vec<(String, String)> {
    let out = wd.run(&["run", "--explain"]).expect(0);
    out.stderr
        .lines()
        .filter_map(|l| {
            let (stage, rest) = l.split_once(": ")?;
            let stage = stage.trim();
            ["ingest", "validate", "normalize", "dedupe", "aggregate", "publish"]
                .contains(&stage)
                .then(|| (stage.to_string(), rest.to_string()))
        })
        .filter(|(_, rest)| rest.starts_with("runs") || rest.starts_with("skipped"))
        .collect()
}

fn ran(e: &[(String, String)]) -> Vec<&str> {
    e.iter()
        .filter(|(_, r)| r.starts_with("runs"))
        .map(|(s, _)| s.as_str())
        .collect()
}

#[test]
fn incremental_runs_rerun_exactly_the_stages_whose_inputs_changed() {
    let wd = Workdir::with_committed_raw();
    assert_eq!(ran(&explain(&wd)).len(), 6, "first run: everything");
    let provenance = ["output/sources.csv", "output/conflicts.csv"].map(|f| wd.read(f));
    let again = explain(&wd);
    assert!(ran(&again).is_empty(), "nothing changed: {again:?}");
    // a new claim only concerns aggregate and publish
    let claims = wd.read("raw/claims.csv");
    wd.write(
        "raw/claims.csv",
        format!("{claims}2025-11,2025-11,40,32,exact,china,China,test claim,https://example.org/claim\n"),
    );
    let e = explain(&wd);
    assert_eq!(ran(&e), vec!["aggregate", "publish"], "{e:?}");
    assert!(
        e.iter()
            .any(|(s, r)| s == "aggregate" && r.contains("raw/claims.csv changed")),
        "{e:?}"
    );
    assert_eq!(wd.csv_rows("output/claims_check.csv").len(), 56);
    // aggregate read the workshops without their sources and conflicts; publish read
    // them whole
    assert_eq!(
        ["output/sources.csv", "output/conflicts.csv"].map(|f| wd.read(f)),
        provenance
    );
    // a hand-edited output/ is republished
    let ws = wd.read("output/workshops.csv");
    wd.write("output/workshops.csv", ws.replace("Kenya", "Kenia"));
    let e = explain(&wd);
    assert_eq!(ran(&e), vec!["publish"], "{e:?}");
    assert!(
        e[5].1.contains("output/workshops.csv changed since it was written"),
        "{e:?}"
    );
    assert_eq!(wd.read("output/workshops.csv"), ws);
    // a report change reruns the chain; --force reruns everything
    wd.append(
        "raw/reports/asia.csv",
        &row(
            "Laos",
            "Vientiane College",
            "Vientiane",
            "2025",
            "https://example.org/x",
        ),
    );
    assert_eq!(ran(&explain(&wd)).len(), 6);
    let out = wd.run(&["run", "--force", "--explain"]).expect(0);
    assert_eq!(out.stderr.matches("runs: --force").count(), 6, "{out}");
}

/// Runs luban under a pseudo-terminal (util-linux `script`), so that stderr is a
/// terminal, and returns everything the terminal received.
fn on_a_terminal(wd: &Workdir, args: &str) -> String {
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("{} {args}", env!("CARGO_BIN_EXE_luban")), "/dev/null"])
        .current_dir(wd.root())
        .env("LUBAN_PROGRESS_DELAY_MS", "0")
        .env("NO_COLOR", "1")
        .output()
        .expect("util-linux `script` runs commands under a pseudo-terminal");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn progress_bars_show_on_a_terminal_and_never_with_quiet_or_when_piped() {
    let wd = Workdir::new();
    wd.run(&[
        "generate",
        "--rows",
        "20000",
        "--clean",
        "--out",
        "raw/reports/generated.csv",
    ])
    .expect(0);
    let shown = on_a_terminal(&wd, "run --force");
    // ingest's pass (validate and normalize with it) counts bytes at a rate; the later
    // stages count rows at a rate
    assert!(shown.contains("   ingest: [") && shown.contains("MiB/s"), "{shown}");
    assert!(shown.contains("   dedupe: [") && shown.contains("rows/s"), "{shown}");
    // the status lines still come, after the bars are cleared
    assert!(shown.contains("normalize:  20000 in"), "{shown}");
    // the streaming validator shows MB/s, except with machine output
    let validated = on_a_terminal(
        &wd,
        "validate raw/reports/generated.csv --schema schemas/reports.schema.json",
    );
    assert!(
        validated.contains(" validate: [") && validated.contains("MiB/s"),
        "{validated}"
    );
    let json = on_a_terminal(
        &wd,
        "validate raw/reports/generated.csv --schema schemas/reports.schema.json --format json",
    );
    assert!(!json.contains("MiB/s") && json.trim_start().starts_with('{'), "{json}");
    let quiet = on_a_terminal(&wd, "run --force --quiet");
    assert!(!quiet.contains('[') && !quiet.contains("/s"), "{quiet}");
    // not a terminal: no bar, whatever the delay
    let piped = wd.run(&["run", "--force"]).expect(0);
    assert!(
        !piped.stderr.contains("rows/s") && !piped.stderr.contains("MiB/s"),
        "{piped}"
    );
}

/// Ingest builds rows on every core, a batch of records at a time: the staged rows must
/// still be the file's rows, in the file's order, each with its own line.
#[test]
fn ingest_keeps_every_row_in_file_order_over_many_batches() {
    let wd = Workdir::new();
    wd.run(&[
        "generate",
        "--rows",
        "30000",
        "--clean",
        "--out",
        "raw/reports/generated.csv",
    ])
    .expect(0);
    wd.run(&["ingest"]).expect(0);
    let shown = wd.run(&["show", "build/ingested.json"]).expect(0);
    let rows: Vec<serde_json::Value> = shown.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let file: Vec<csv::StringRecord> = csv::Reader::from_path(wd.path("raw/reports/generated.csv"))
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), file.len());
    assert_eq!(rows.len(), 30000);
    let mut last_line = 1;
    for (row, rec) in rows.iter().zip(&file) {
        let line = row["at"]["line"].as_u64().unwrap();
        assert!(line > last_line, "lines go up: {line} after {last_line}");
        last_line = line;
        assert_eq!(line, rec.position().unwrap().line(), "{row}");
        let cells: Vec<&str> = row["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(cells, rec.iter().collect::<Vec<_>>());
    }

    // `luban show … | head -1`: a reader that stops early is not an error
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_luban"))
        .args(["show", "build/ingested.json"])
        .current_dir(wd.root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut first).unwrap();
    assert!(first.starts_with('{'), "{first}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The files `names` of `wd`, read.
fn files(wd: &Workdir, names: &[&str]) -> Vec<(String, Vec<u8>)> {
    names.iter().map(|n| (n.to_string(), wd.read_bytes(n))).collect()
}

/// `luban run` ingests, validates and normalizes in one pass over the rows (they are
/// never all held); the stages run one by one must leave the same files and report the
/// same errors, with rejected rows (a repeat of another file's row among them) and
/// without. The reports span three frames of `reports.arrow`, so that `luban dedupe`
/// alone reads a workshop's reports from different frames (and shares their host
/// lists again) where `luban run` hands them over in memory.
#[test]
fn run_streams_the_first_stages_to_the_files_the_stages_one_by_one_write() {
    let first = [
        "build/ingested.json",
        "build/valid.json",
        "build/quarantine.csv",
        "build/reports.arrow",
        "build/name-matches.csv",
        "build/alias-lint.csv",
    ];
    // one generated file in two (rows of two seeds can repeat each other)
    let split = |wd: &Workdir, clean: bool| {
        let mut args = vec!["generate", "--rows", "20000", "--seed", "3", "--out", "raw/all.csv"];
        if clean {
            args.push("--clean");
        }
        wd.run(&args).expect(0);
        let all = wd.read("raw/all.csv");
        let lines: Vec<&str> = all.lines().collect();
        let (header, rows) = lines.split_first().unwrap();
        for (name, part) in [("a.csv", &rows[..9000]), ("b.csv", &rows[9000..])] {
            wd.write(
                &format!("raw/reports/{name}"),
                format!("{header}\n{}\n", part.join("\n")),
            );
        }
        std::fs::remove_file(wd.path("raw/all.csv")).unwrap();
    };
    let wd = Workdir::new();
    split(&wd, true);
    for stage in ["ingest", "validate", "normalize", "dedupe", "aggregate", "publish"] {
        wd.run(&[stage]).expect(0);
    }
    let (one_by_one, published) = (files(&wd, &first), snapshot(&wd));
    std::fs::remove_dir_all(wd.path("build")).unwrap();
    let out = wd.run(&["run", "--force"]).expect(0);
    out.stderr_has("normalize:  20000 in   20000 out")
        .stderr_has("     pass: ingest, validate and normalize as one pass over the rows");
    assert!(files(&wd, &first) == one_by_one, "build/ differs{out}");
    assert!(snapshot(&wd) == published, "output/ differs{out}");

    // defects (~0.5 %), and b.csv repeating a row of a.csv: validate rejects
    let wd = Workdir::new();
    split(&wd, false);
    let a = wd.read("raw/reports/a.csv");
    wd.append("raw/reports/b.csv", a.lines().nth(5).unwrap());
    wd.run(&["ingest"]).expect(0);
    let validated = wd.run(&["validate"]).expect(1);
    let one_by_one = files(&wd, &first[..3]);
    std::fs::remove_dir_all(wd.path("build")).unwrap();
    let run = wd.run(&["run", "--force"]).expect(1);
    assert!(files(&wd, &first[..3]) == one_by_one, "build/ differs{run}");
    let errors = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with("error["))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(errors(&validated.stderr).len() > 10, "{validated}");
    assert_eq!(errors(&run.stderr), errors(&validated.stderr));
    assert!(
        run.stderr.contains(" of raw/reports/a.csv"),
        "the repeat names the other file's row{run}"
    );
    assert!(
        !wd.path("build/reports.arrow").exists(),
        "normalize ran on rejected data{run}"
    );
}

/// `luban validate` run alone checks the rows batch by batch and keeps only the rejected
/// ones; with `--max-errors` it reads every row first (to stop at the limit). Both must
/// leave the same files and report the same errors, a repeat of another file's row
/// among them.
#[test]
fn validate_alone_streams_to_what_reading_every_row_first_gives() {
    let wd = Workdir::new();
    wd.run(&[
        "generate",
        "--rows",
        "4000",
        "--seed",
        "5",
        "--out",
        "raw/reports/a.csv",
    ])
    .expect(0);
    let a = wd.read("raw/reports/a.csv");
    let lines: Vec<&str> = a.lines().collect();
    wd.write(
        "raw/reports/b.csv",
        format!("{}\n{}\n{}\n", lines[0], lines[7], lines[11]),
    );
    wd.run(&["ingest"]).expect(0);
    let streamed = wd.run(&["validate"]).expect(1);
    let streamed_json = wd.run(&["validate", "--format", "json"]).expect(1);
    let checked = ["build/valid.json", "build/quarantine.csv"];
    let streamed_files = files(&wd, &checked);
    let whole = wd.run(&["validate", "--max-errors", "1000000"]).expect(1);
    let whole_json = wd
        .run(&["validate", "--max-errors", "1000000", "--format", "json"])
        .expect(1);
    assert!(files(&wd, &checked) == streamed_files, "build/ differs{whole}");
    let errors = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with("error[") || l.contains("-->"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(errors(&streamed.stderr).len() > 10, "{streamed}");
    assert_eq!(errors(&streamed.stderr), errors(&whole.stderr));
    assert_eq!(streamed_json.stdout, whole_json.stdout);
    assert!(
        streamed.stderr.contains("of raw/reports/a.csv"),
        "the repeats name a.csv's rows{streamed}"
    );
    assert!(streamed.stderr.contains("validate:   4002 in "), "{streamed}");
}

/// The site has a page per workshop: it is written for the curated dataset, and a
/// generated dataset of more workshops than the cap gets every table but no site, with
/// a warning that says why.
#[test]
fn a_dataset_over_the_site_cap_is_published_without_a_site_and_says_so() {
    let wd = Workdir::new();
    wd.run(&[
        "generate",
        "--rows",
        "30000",
        "--clean",
        "--seed",
        "1",
        "--out",
        "raw/reports/generated.csv",
    ])
    .expect(0);
    let out = wd.run(&["run"]).expect(0);
    let workshops = wd.csv_rows("output/workshops.csv").len();
    assert!(workshops > 5_000, "the fixture must exceed the cap: {workshops}");
    out.stderr_has(&format!("warning: {workshops} workshops: no output/site/"));
    assert!(!wd.path("output/site").exists());
    assert!(wd.path("output/workshops.geojson").exists());
    // the committed-size fixture still gets its site
    let small = Workdir::new();
    small.reports("a.csv", &[&crate::workdir::machakos()]);
    small.run(&["run", "--quiet"]).expect(0);
    assert!(small.path("output/site/index.html").exists());
}
