//! `luban check`, as CI runs it on a data pull request.

use crate::workdir::{row, Workdir};

#[test]
fn check_passes_on_the_committed_dataset_and_catches_what_a_pr_can_break() {
    let wd = Workdir::with_committed_raw();
    wd.run(&["run", "--quiet"]).expect(0);
    wd.run(&["check"]).expect(0).stderr_has("output/ is up to date");

    // a new report without rerunning the pipeline: output/ is stale
    wd.append(
        "raw/reports/asia.csv",
        &row(
            "Laos",
            "Vientiane Technical College",
            "Vientiane",
            "2025-01",
            "https://example.org/new",
        ),
    );
    let out = wd.run(&["check"]).expect(1);
    out.stderr_has("error[output-stale]")
        .stderr_has("run `cargo run --release -- run` and commit output/");
    wd.run(&["run", "--quiet"]).expect(0);
    wd.run(&["check", "--quiet"]).expect(0);

    // a bad cell in an alias table is caught too, pointing at it
    let aliases = wd.read("raw/aliases/cities.csv");
    wd.write(
        "raw/aliases/cities.csv",
        format!("{aliases}Vientiane City,Vientiane,not-a-url\n"),
    );
    let out = wd.run(&["check"]).expect(1);
    out.stderr_has("error[type-error]")
        .stderr_has("--> raw/aliases/cities.csv:");
    wd.write("raw/aliases/cities.csv", aliases);

    // removing a report: the country's drop is flagged
    let europe = wd.read("raw/reports/europe.csv");
    let kept: Vec<&str> = europe.lines().filter(|l| !l.contains(",Serbia,")).collect();
    wd.write("raw/reports/europe.csv", kept.join("\n") + "\n");
    let out = wd.run(&["check"]).expect(1);
    out.stderr_has("SRB drops from 1 to 0 workshops");
}

fn git(wd: &Workdir, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(wd.root())
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_pull_request_is_diffed_against_its_base_in_a_temporary_repository() {
    let wd = Workdir::with_committed_raw();
    wd.run(&["run", "--quiet"]).expect(0);
    git(&wd, &["init", "-q", "-b", "main"]);
    std::fs::write(wd.path(".gitignore"), "/build/\n").unwrap();
    git(&wd, &["add", "-A"]);
    git(&wd, &["commit", "-q", "-m", "base"]);
    // main already carries a bad row (not this PR's fault)
    let africa = wd.read("raw/reports/africa.csv");
    wd.write(
        "raw/reports/africa.csv",
        format!("{africa}Old,Kenya,Meru,Meru University,,2019,rumoured,,https://example.org/old,,,[Tianjin] t\n"),
    );
    git(&wd, &["commit", "-q", "-am", "main has a bad row"]);
    git(&wd, &["checkout", "-q", "-b", "pr"]);
    // the PR: one good report, one bad report, one report deleted
    let asia = wd.read("raw/reports/asia.csv");
    let good = row(
        "Laos",
        "Vientiane Technical College",
        "Vientiane",
        "2025-01",
        "https://example.org/good",
    );
    wd.write("raw/reports/asia.csv", format!("{asia}{good}\nBad,Laos,Vientiane,Other College,,2025-02-30,operating,,https://example.org/bad,,,[Tianjin] t\n"));
    let europe = wd.read("raw/reports/europe.csv");
    let kept: Vec<&str> = europe
        .lines()
        .filter(|l| !l.contains("University of Chichester (2018 LW cooperation agreement)"))
        .collect();
    wd.write("raw/reports/europe.csv", kept.join("\n") + "\n");
    let asia_lines = wd.read("raw/reports/asia.csv").lines().count();

    let out = wd
        .run(&[
            "check",
            "--base",
            "main",
            "--format",
            "github",
            "--summary",
            "summary.md",
        ])
        .expect(1);
    let bad_line = asia_lines; // the bad row is the last line
    assert!(
        out.stdout
            .contains(&format!("::error file=raw/reports/asia.csv,line={bad_line},")),
        "{out}"
    );
    assert!(out.stdout.contains("title=type-error"), "{out}");
    let africa_lines = wd.read("raw/reports/africa.csv").lines().count();
    assert!(
        out.stdout
            .contains(&format!("::warning file=raw/reports/africa.csv,line={africa_lines},")),
        "an untouched bad row is a warning{out}"
    );
    assert!(
        out.stdout
            .contains("::warning file=raw/reports/europe.csv,title=report removed::"),
        "{out}"
    );
    assert!(!out.stdout.contains("::error file=raw/reports/africa.csv"), "{out}");
    let summary = wd.read("summary.md");
    assert!(
        summary.contains("**Reports:** 2 added, 0 changed, **1 removed**"),
        "{summary}"
    );
    assert!(
        summary.contains("**cannot be rebuilt**"),
        "the bad row stops the pipeline: {summary}"
    );
    assert!(summary.contains("| added | raw/reports/asia.csv:"), "{summary}");
}

/// A report that repeats a row of another report file: `luban run` rejects it (the
/// cross-row rules span raw/reports), so `luban check` must show why, pointing at the
/// row, in human and GitHub output. (Checking one file at a time, check passed every
/// table and then said the pipeline rejects raw/ "see the errors above" with none shown.)
#[test]
fn check_reports_a_row_repeated_across_report_files() {
    let wd = Workdir::with_committed_raw();
    wd.run(&["run", "--quiet"]).expect(0);
    // the last row of africa.csv, pasted into asia.csv
    let africa = wd.read("raw/reports/africa.csv");
    let last = africa.lines().last().unwrap().to_string();
    let africa_line = africa.lines().count();
    wd.append("raw/reports/asia.csv", &last);
    let asia_line = wd.read("raw/reports/asia.csv").lines().count();
    let out = wd.run(&["check"]).expect(1);
    out.stderr_has("error[duplicate-row]")
        .stderr_has(&format!("--> raw/reports/asia.csv:{asia_line}:"))
        .stderr_has(&format!(
            "row is the same as row {africa_line} of raw/reports/africa.csv"
        ));
    let gh = wd.run(&["check", "--format", "github"]).expect(1);
    assert!(
        gh.stdout.lines().any(|l| l.starts_with("::error ")
            && l.contains("file=raw/reports/asia.csv")
            && l.contains(&format!("line={asia_line}"))),
        "{gh}"
    );
}
