//! One validation of every table, whichever command runs it: `luban run`, a stage run
//! alone and `luban check` judge the alias, reference, claims and decisions tables with
//! the same rules and the same diagnostics; and a stage run alone refuses artifacts that
//! are stale or come from another dataset, naming the stage to rerun.

use crate::workdir::{machakos, row, Output, Workdir};

/// The diagnostic blocks (`error[...]` up to the blank line after it) of a run's stderr.
fn diagnostics(out: &Output) -> Vec<String> {
    out.stderr
        .split("\n\n")
        .filter_map(|b| b.find("error[").map(|i| b[i..].trim_end().to_string()))
        .filter(|b| b.contains("-->"))
        .collect()
}

#[test]
fn an_alias_without_its_source_is_rejected_by_run_exactly_as_by_check() {
    let wd = Workdir::new();
    wd.reports("a.csv", &[&machakos()]);
    wd.append("raw/aliases/institutions.csv", "Machakos Univ.,Machakos University,");
    let lines = wd.read("raw/aliases/institutions.csv").lines().count();
    let run = wd.run(&["run"]).expect(1);
    run.stderr_has(&format!("--> raw/aliases/institutions.csv:{lines}:"))
        .stderr_has("nothing was run");
    assert!(
        !wd.path("output").exists(),
        "run published a dataset with a bad alias table"
    );
    let check = wd.run(&["check"]).expect(1);
    let (from_run, from_check) = (diagnostics(&run), diagnostics(&check));
    assert!(!from_run.is_empty(), "{run}");
    assert_eq!(from_run, from_check, "run and check must say the same{run}{check}");
    // a stage run alone that reads the tables says it too
    let alone = wd.run(&["normalize"]).expect(1);
    assert_eq!(diagnostics(&alone), from_run, "{alone}");
}

#[test]
fn a_ragged_claims_row_is_a_missing_cell_on_its_line_for_run() {
    let wd = Workdir::new();
    wd.reports("a.csv", &[&machakos()]);
    wd.append("raw/claims.csv", "2025-07-01,July 2025,34");
    let lines = wd.read("raw/claims.csv").lines().count();
    let out = wd.run(&["run"]).expect(1);
    out.stderr_has("error[missing-cell]")
        .stderr_has(&format!("--> raw/claims.csv:{lines}:"));
    assert!(!out.stderr.contains("CSV error"), "a bare csv-crate message{out}");
    let check = wd.run(&["check"]).expect(1);
    assert_eq!(diagnostics(&out), diagnostics(&check), "{out}{check}");
}

/// The issue's own steps: add an alias, run, revert the alias, review from dedupe
/// alone. reports.arrow was made with the alias, so dedupe must refuse it.
#[test]
fn a_stage_run_alone_refuses_artifacts_made_from_tables_that_changed_since() {
    let wd = Workdir::new();
    wd.reports(
        "a.csv",
        &[
            &machakos(),
            &row(
                "Kenya",
                "Machakos Uni",
                "Machakos",
                "2019-12-14",
                "https://example.org/2",
            ),
        ],
    );
    let aliases = wd.read("raw/aliases/institutions.csv");
    wd.append(
        "raw/aliases/institutions.csv",
        "Machakos Uni,Machakos University,https://example.org/2",
    );
    wd.run(&["run", "--quiet"]).expect(0);
    wd.run(&["dedupe", "--review"]).expect(0);
    wd.write("raw/aliases/institutions.csv", &aliases);
    let out = wd.run(&["dedupe", "--review"]).expect(2);
    out.stderr_has("raw/aliases/institutions.csv changed since `luban normalize` ran")
        .stderr_has("rerun `luban normalize`");
    for later in ["aggregate", "publish"] {
        wd.run(&[later]).expect(2).stderr_has("rerun `luban normalize`");
    }
    // rerunning what it names makes the chain fresh again, stage by stage
    wd.run(&["normalize", "--quiet"]).expect(0);
    wd.run(&["dedupe", "--review", "--quiet"]).expect(0);
    wd.run(&["aggregate", "--quiet"]).expect(0);
    wd.run(&["publish", "--quiet"]).expect(0);
    assert_eq!(
        wd.csv_rows("output/workshops.csv").len(),
        2,
        "without the alias: two workshops"
    );
}

#[test]
fn a_stage_run_alone_refuses_an_artifact_copied_from_another_dataset() {
    let other = Workdir::new();
    other.reports(
        "a.csv",
        &[&row(
            "Egypt",
            "Ain Shams University",
            "Cairo",
            "2020-11-30",
            "https://example.org/e",
        )],
    );
    other.run(&["run", "--quiet"]).expect(0);
    let wd = Workdir::new();
    wd.reports("a.csv", &[&machakos()]);
    wd.run(&["run", "--quiet"]).expect(0);
    wd.write("build/workshops.arrow", other.read_bytes("build/workshops.arrow"));
    let out = wd.run(&["aggregate"]).expect(2);
    out.stderr_has("build/workshops.arrow changed since `luban dedupe` wrote it")
        .stderr_has("rerun `luban dedupe`");
    // with no record at all of the stage that wrote an artifact
    std::fs::remove_file(wd.path("build/state.json")).unwrap();
    wd.run(&["publish"])
        .expect(2)
        .stderr_has("has no record of the `luban ingest`");
}

/// Aggregate reads the workshops' own columns, not their sources: a report whose source
/// title changes reruns dedupe and publish, and aggregate only if the workshops changed.
#[test]
fn a_new_source_title_republishes_the_sources_without_rerunning_aggregate() {
    let wd = Workdir::new();
    wd.reports("a.csv", &[&machakos()]);
    wd.run(&["run", "--quiet"]).expect(0);
    let titled = machakos().replace("example.org/1,,", "example.org/1,Machakos opens its workshop,");
    assert_ne!(titled, machakos());
    wd.reports("a.csv", &[&titled]);
    let out = wd.run(&["run", "--explain"]).expect(0);
    out.stderr_has("dedupe: runs")
        .stderr_has("aggregate: skipped")
        .stderr_has("publish: runs");
    assert!(
        wd.read("output/sources.csv").contains("Machakos opens its workshop"),
        "{}",
        wd.read("output/sources.csv")
    );
    // the same as a run of every stage
    let published = wd.read("output/sources.csv");
    wd.run(&["run", "--force", "--quiet"]).expect(0);
    assert_eq!(wd.read("output/sources.csv"), published);
}
