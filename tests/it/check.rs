//! `luban check`, as CI runs it on a data pull request.

use crate::workdir::{laos, Workdir};

#[test]
fn check_passes_on_the_committed_dataset_and_catches_what_a_pr_can_break() {
    let wd = Workdir::with_committed_raw();
    wd.run(&["run", "--quiet"]).expect(0);
    wd.run(&["check"]).expect(0).stderr_has("output/ is up to date");

    // a new report without rerunning the pipeline: output/ is stale
    wd.append("raw/reports/asia.csv", &laos("https://example.org/new"));
    let out = wd.run(&["check"]).expect(1);
    out.stderr_has("error[output-stale]")
        .stderr_has("run `cargo run --release -- run` and commit output/")
        .stderr_has("a pull request that edits raw/ only: run `check --base main` instead");
    // on GitHub the code is the annotation's title, and the text does not repeat it
    let gh = wd.run(&["check", "--format", "github"]).expect(1);
    assert!(
        gh.stdout
            .contains("::error title=output-stale::output/ is not what `luban run` produces"),
        "{gh}"
    );
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
    let serbia = wd
        .csv_rows("output/countries.csv")
        .into_iter()
        .find(|c| c["country_code"] == "SRB")
        .map(|c| c["workshops"].clone())
        .expect("the committed data has a workshop in Serbia");
    let europe = wd.read("raw/reports/europe.csv");
    let kept: Vec<&str> = europe.lines().filter(|l| !l.contains(",Serbia,")).collect();
    wd.write("raw/reports/europe.csv", kept.join("\n") + "\n");
    let out = wd.run(&["check"]).expect(1);
    out.stderr_has(&format!("SRB drops from {serbia} to 0 workshops"));
}

#[test]
fn a_pull_request_is_diffed_against_its_base_in_a_temporary_repository() {
    let wd = Workdir::committed_repo();
    // main already carries a bad row (not this PR's fault)
    let africa = wd.read("raw/reports/africa.csv");
    wd.write(
        "raw/reports/africa.csv",
        format!("{africa}Old,Kenya,Meru,Meru University,,2019,rumoured,,https://example.org/old,,,t,Tianjin,,\n"),
    );
    wd.git(&["commit", "-q", "-am", "main has a bad row"]);
    wd.git(&["checkout", "-q", "-b", "pr"]);
    // the PR: one good report, one bad report, one report deleted
    let asia = wd.read("raw/reports/asia.csv");
    let good = laos("https://example.org/good");
    wd.write("raw/reports/asia.csv", format!("{asia}{good}\nBad,Laos,Vientiane,Other College,,2025-02-30,operating,,https://example.org/bad,,,t,Tianjin,,\n"));
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
        summary.contains("output/ cannot be rebuilt"),
        "the bad row stops the pipeline: {summary}"
    );
    // every error and warning is listed with its place, past GitHub's annotation cap
    assert!(
        summary.contains(&format!("| type-error | raw/reports/asia.csv:{bad_line}:")),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("| constraint-error | raw/reports/africa.csv:{africa_lines}:")),
        "{summary}"
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

/// `--format json` is one document on stdout with everything the check found: the
/// errors on the change's lines, the warnings on others', what becomes of output/, and
/// the keyed diff.
#[test]
fn check_format_json_prints_one_document_with_errors_output_and_diff() {
    let wd = Workdir::committed_repo();
    wd.git(&["checkout", "-q", "-b", "pr"]);
    let good = laos("https://example.org/good");
    wd.append("raw/reports/asia.csv", &good);
    // a new workshop needs a new minor version, asked for on the version's own line
    let out = wd.run(&["check", "--base", "main", "--format", "json"]).expect(1);
    let doc = out.json();
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{out}");
    assert_eq!(errors[0]["code"], "version-not-bumped", "{out}");
    assert_eq!(errors[0]["file"], "raw/dataset.json");
    let version_line = wd
        .read("raw/dataset.json")
        .lines()
        .position(|l| l.contains("\"version\""))
        .unwrap()
        + 1;
    assert_eq!(errors[0]["line"], version_line, "{out}");
    assert_eq!(errors[0]["cell_line"], version_line, "{out}");
    assert!(errors[0]["column"].as_u64().is_some_and(|c| c >= 1), "{out}");
    let new = wd.bump_minor_version();
    assert!(
        errors[0]["help"]
            .as_str()
            .unwrap()
            .contains(&format!("\"version\": \"{new}\"")),
        "{out}"
    );
    let out = wd.run(&["check", "--base", "main", "--format", "json"]).expect(0);
    let doc = out.json();
    assert_eq!(doc["valid"], true, "{out}");
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0);
    // a change to raw/ alone: output/ is rebuilt on merge, not by the contributor
    assert_eq!(doc["output"]["state"], "rebuilt-on-merge", "{out}");
    let ws = doc["diff"]["workshops"].as_array().unwrap();
    let added: Vec<&serde_json::Value> = ws.iter().filter(|w| w["change"] == "added").collect();
    assert_eq!(added.len(), 1, "{out}");
    assert_eq!(added[0]["country_code"], "LAO");
    let reports = doc["diff"]["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["line"], wd.read("raw/reports/asia.csv").lines().count());

    // a bad cell on the change's own line
    wd.append(
        "raw/reports/asia.csv",
        "Bad,Laos,Vientiane,Other College,,2025-02-30,operating,,https://example.org/bad,,,t,Tianjin,,",
    );
    let out = wd.run(&["check", "--base", "main", "--format", "json"]).expect(1);
    let doc = out.json();
    assert_eq!(doc["valid"], false);
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{out}");
    assert_eq!(errors[0]["code"], "type-error");
    assert_eq!(errors[0]["file"], "raw/reports/asia.csv");
    assert_eq!(errors[0]["line"], wd.read("raw/reports/asia.csv").lines().count());
    assert_eq!(doc["output"]["state"], "cannot-be-rebuilt");
    assert!(doc["diff"]["workshops"].is_null(), "{out}");
}

/// output/ is generated: a change that edits it by hand fails, and says how to undo it;
/// a change that edits raw/ only does not have to touch it.
#[test]
fn a_change_that_edits_output_by_hand_fails_and_one_that_leaves_it_passes() {
    let wd = Workdir::committed_repo();
    wd.git(&["checkout", "-q", "-b", "pr"]);
    wd.append("raw/reports/asia.csv", &laos("https://example.org/good"));
    wd.bump_minor_version();
    wd.run(&["check", "--base", "main"])
        .expect(0)
        .stderr_has("output/ will be rebuilt from raw/ when this change merges");
    // the same change with a hand edit of output/
    let ws = wd.read("output/workshops.csv");
    wd.write(
        "output/workshops.csv",
        ws.replace("Operating", "operating").replace(",operating,", ",closed,"),
    );
    let out = wd.run(&["check", "--base", "main"]).expect(1);
    out.stderr_has("error[output-edited]: this change edits output/ (workshops.csv)")
        .stderr_has("git restore --source=main --staged --worktree output/");
    // a page a local `luban run` left behind, committed with the rest: it is named, and
    // the commands the message gives undo the edits
    wd.write("output/site/workshops/LAO-00000000.html", "<p>stray</p>");
    wd.git(&["add", "-A"]);
    wd.git(&["commit", "-qm", "with output/"]);
    wd.run(&["check", "--base", "main"])
        .expect(1)
        .stderr_has("this change edits output/ (site/workshops/LAO-00000000.html, workshops.csv)")
        .stderr_has("git clean -fd output/");
    wd.git(&["restore", "--source=main", "--staged", "--worktree", "output/"]);
    wd.git(&["clean", "-fdq", "output/"]);
    wd.git(&["commit", "-qm", "undo output/"]);
    wd.run(&["check", "--base", "main"])
        .expect(0)
        .stderr_has("output/ will be rebuilt from raw/ when this change merges");
    // with the output/ that `luban run` makes, the change passes too
    wd.run(&["run", "--quiet"]).expect(0);
    wd.run(&["check", "--base", "main"])
        .expect(0)
        .stderr_has("output/ is up to date");
}

/// A `same` decision that joins two published workshops: the one named as `candidate`
/// keeps its id, and `check --base` shows the other as merged into it, not as one
/// workshop removed and one added.
#[test]
fn check_base_shows_a_merge_as_a_merge_and_the_candidate_keeps_its_id() {
    let wd = Workdir::committed_repo();
    let ids: Vec<String> = wd
        .csv_rows("output/workshops.csv")
        .into_iter()
        .filter(|w| w["country_code"] == "KEN")
        .map(|w| w["workshop_id"].clone())
        .collect();
    assert!(ids.len() >= 2, "Kenya has several workshops: {ids:?}");
    let (absorbed, kept) = (&ids[0], &ids[1]);
    wd.git(&["checkout", "-q", "-b", "pr"]);
    wd.append(
        "raw/decisions.csv",
        &format!("workshop,KEN,{absorbed},{kept},,,same,test: one workshop"),
    );
    // one workshop fewer: a new minor version
    wd.bump_minor_version();
    let out = wd
        .run(&["check", "--base", "main", "--summary", "summary.md"])
        .expect(0);
    let summary = wd.read("summary.md");
    assert!(
        summary.contains(&format!("merged `{absorbed}`")) && summary.contains(&format!("into `{kept}`")),
        "{summary}{out}"
    );
    assert!(summary.contains("0 new"), "no workshop added: {summary}");
    wd.run(&["run", "--quiet"]).expect(0);
    let rows = wd.csv_rows("output/workshops.csv");
    let after: Vec<&String> = rows.iter().map(|w| &w["workshop_id"]).collect();
    assert!(after.contains(&kept) && !after.contains(&absorbed), "{after:?}");
    // whoever cited the absorbed id finds it
    let survivor = rows
        .iter()
        .find(|w| &w["workshop_id"] == kept)
        .expect("the kept workshop");
    assert_eq!(&survivor["former_ids"], absorbed);
}

/// Issue 29: a release's CHANGELOG.md section comes from the keyed diff of the published
/// workshops against the previous release, once per version.
#[test]
fn changelog_writes_one_section_per_version_from_the_published_diff() {
    let wd = Workdir::committed_repo();
    wd.git(&["checkout", "-q", "-b", "pr"]);
    wd.append("raw/reports/asia.csv", &laos("https://example.org/good"));
    let version = wd.bump_minor_version();
    wd.run(&["run", "--quiet"]).expect(0);
    wd.run(&["changelog", "--base", "main", "--write"]).expect(0);
    let log = wd.read("CHANGELOG.md");
    let title = log
        .lines()
        .find(|l| l.starts_with("## "))
        .unwrap_or_default()
        .to_string();
    assert!(title.starts_with(&format!("## {version}")), "{log}");
    assert!(
        log.contains("1 workshops added, 0 merged into another, 0 removed"),
        "{log}"
    );
    let added = log.split("### Added").nth(1).unwrap_or_default();
    assert!(added.lines().any(|l| l.ends_with("(LAO)")), "{log}");
    // a second write of the same version changes nothing
    wd.run(&["changelog", "--base", "main", "--write"]).expect(0);
    assert_eq!(wd.read("CHANGELOG.md"), log);
}

/// A report whose host record linkage merges: `check --base` says which workshop it
/// joined with the alias line to add, in its output and in the PR summary, and shows the
/// workshop as changed, not a new one.
#[test]
fn check_base_shows_a_linked_host_with_its_alias_line() {
    let wd = Workdir::committed_repo();
    wd.git(&["checkout", "-q", "-b", "pr"]);
    wd.append(
        "raw/reports/africa.csv",
        ",Nigeria,Abuja,Univeristy of Abuja,Tianjin Railway Technical and Vocational College,2020-11-27,operating,,https://example.org/typo,,,t,Tianjin,,",
    );
    wd.run(&["run", "--quiet"]).expect(0);
    let out = wd.run(&["check", "--base", "main", "--summary", "summary.md"]);
    out.stderr_has("note: host `Univeristy of Abuja` is taken as `University of Abuja`");
    let summary = wd.read("summary.md");
    assert!(
        summary.contains("### Placing the reports")
            && summary.contains("add `Univeristy of Abuja,University of Abuja,https://example.org/typo`"),
        "{summary}{out}"
    );
    assert!(summary.contains("0 new, 1 changed"), "{summary}");
}

/// A report that changes a known workshop: the PR summary, the console and the JSON show
/// each changed column with its value before and after, so that a reviewer sees what it
/// did (one precise date can replace a published opening date), not only which columns.
#[test]
fn check_base_shows_what_a_report_changed_in_a_workshop() {
    let wd = Workdir::committed_repo();
    wd.git(&["checkout", "-q", "-b", "pr"]);
    wd.append(
        "raw/reports/africa.csv",
        ",Nigeria,Abuja,University of Abuja,,,,underwater welding,https://example.org/welding,,,t,Tianjin,,",
    );
    wd.run(&["run", "--quiet"]).expect(0);
    let out = wd.run(&["check", "--base", "main", "--summary", "summary.md"]);
    let summary = wd.read("summary.md");
    let line = summary
        .lines()
        .find(|l| l.starts_with("  - `specialties`: "))
        .unwrap_or_else(|| panic!("no specialties line:\n{summary}"));
    assert_eq!(line, "  - `specialties`: added `underwater welding`", "{summary}");
    // the sources are listed with the reports, not again as values
    assert!(!summary.contains("  - `source_urls`"), "{summary}");
    out.stderr_has("check:     specialties: added `underwater welding`");
    let json = wd.run(&["check", "--base", "main", "--format", "json"]).json();
    let changed: Vec<&serde_json::Value> = json["diff"]["workshops"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["values"].as_array().into_iter().flatten())
        .filter(|v| v["field"] == "specialties")
        .collect();
    assert_eq!(changed.len(), 1, "{json}");
    assert!(changed[0]["after"].as_str().unwrap().contains("underwater welding"));
}

/// A spreadsheet that rewrites a report's date on saving (Excel: `2019-12-14` becomes
/// `14/12/2019`, in every row of the file): `check --base` gives the value the base had
/// in that cell of that report, instead of guessing which way day and month go.
#[test]
fn check_base_gives_back_a_date_a_spreadsheet_rewrote() {
    let wd = Workdir::committed_repo();
    wd.git(&["checkout", "-q", "-b", "pr"]);
    // the first report of the committed data with a full opening date
    let full = |d: &str| d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-';
    let mut files: Vec<_> = std::fs::read_dir(wd.path("raw/reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (path, line, date) = files
        .iter()
        .find_map(|p| {
            let mut rdr = csv::Reader::from_path(p).unwrap();
            let at = rdr.headers().unwrap().iter().position(|h| h == "opened_on").unwrap();
            rdr.records().map(Result::unwrap).find_map(|r| {
                let d = r.get(at).unwrap().to_string();
                full(&d).then(|| (p.clone(), r.position().unwrap().line(), d))
            })
        })
        .expect("the committed data has a full opening date");
    let excel = format!("{}/{}/{}", &date[8..10], &date[5..7], &date[..4]);
    let text = std::fs::read_to_string(&path).unwrap();
    let rewritten: Vec<String> = text
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if i as u64 + 1 == line {
                l.replacen(&format!(",{date},"), &format!(",{excel},"), 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&path, rewritten.concat()).unwrap();
    wd.git(&["commit", "-q", "-am", "saved from Excel"]);
    let out = wd.run(&["check", "--base", "main"]).expect(1);
    out.stderr_has("error[type-error]")
        .stderr_has(&format!("`main` has `{date}` in this cell of this report"));
    assert!(!out.stderr.contains("could be either way"), "{out}");
}

/// A contributor's report that names only a country (no host, city, partner or date) is
/// about a workshop luban cannot tell: the PR goes red on that report's line, in every
/// format (the diagnostic shows the line, GitHub annotates it, the summary and the JSON
/// list it with the validation errors), instead of a silent second workshop of the country.
#[test]
fn check_base_sets_aside_a_report_that_names_only_its_country() {
    let wd = Workdir::committed_repo();
    wd.git(&["checkout", "-q", "-b", "pr"]);
    let line = wd.read("raw/reports/africa.csv").lines().count() + 1;
    let row = ",Djibouti,,,,,,,https://example.org/visit,Officials visit the Luban Workshop,2024-05-01,,,,";
    wd.append("raw/reports/africa.csv", row);
    let out = wd
        .run(&["check", "--base", "main", "--summary", "summary.md"])
        .expect(1);
    out.stderr_has("error[unidentified-workshop]: report names no host institution")
        .stderr_has("which workshop in Djibouti it is about")
        .stderr_has(&format!("--> raw/reports/africa.csv:{line}:1"))
        .stderr_has(&format!("{line} | {row}"))
        .stderr_has("if it names none, leave the row out")
        .stderr_has("1 error in 1 row");
    let summary = wd.read("summary.md");
    assert!(
        summary.contains(&format!("| unidentified-workshop | raw/reports/africa.csv:{line}:1 |")),
        "{summary}{out}"
    );
    let github = wd.run(&["check", "--base", "main", "--format", "github"]).expect(1);
    github.stdout_has(&format!(
        "::error file=raw/reports/africa.csv,line={line},col=1,title=unidentified-workshop::report names no host"
    ));
    let json = wd.run(&["check", "--base", "main", "--format", "json"]).expect(1);
    let v = json.json();
    let errors = v["errors"].as_array().expect("errors");
    assert!(
        errors
            .iter()
            .any(|e| e["code"] == "unidentified-workshop" && e["line"] == line as u64),
        "{json}"
    );
}

/// A row copied from another report file into one read first (`africa.csv` before
/// `asia.csv`): the copy is the change's, so the error is on the copy's line, not a
/// warning on the line it repeats.
#[test]
fn check_base_puts_a_copied_row_on_the_copy() {
    let wd = Workdir::committed_repo();
    wd.git(&["checkout", "-q", "-b", "pr"]);
    let asia = wd.read("raw/reports/asia.csv");
    let copied = asia.lines().nth(4).expect("asia.csv has a fifth line");
    let line = wd.read("raw/reports/africa.csv").lines().count() + 1;
    wd.append("raw/reports/africa.csv", copied);
    let out = wd.run(&["check", "--base", "main", "--format", "github"]).expect(1);
    out.stdout_has(&format!(
        "::error file=raw/reports/africa.csv,line={line},col=1,title=duplicate-row::row is the same as raw/reports/asia.csv:5"
    ));
    assert!(!out.stdout.contains("::warning file=raw/reports/asia.csv"), "{out}");
    // the fix is on the pull request too: in the annotation and in the summary
    out.stdout_has("a report the dataset has%0Ahelp: remove this row");
    wd.run(&["check", "--base", "main", "--summary", "summary.md"])
        .expect(1);
    let summary = wd.read("summary.md");
    assert!(
        summary.contains("a report the dataset has — help: remove this row"),
        "{summary}"
    );
}

/// The reports a change adds are listed in the order of their file, as the contributor
/// wrote them, not in the order of their keys.
#[test]
fn check_base_lists_added_reports_by_line() {
    let wd = Workdir::committed_repo();
    wd.git(&["checkout", "-q", "-b", "pr"]);
    let first = wd.read("raw/reports/asia.csv").lines().count() + 1;
    wd.append("raw/reports/asia.csv", &laos("https://example.org/z"));
    wd.append("raw/reports/asia.csv", &laos("https://example.org/a"));
    let out = wd.run(&["check", "--base", "main", "--format", "json"]);
    let v = out.json();
    let added: Vec<(u64, String)> = v["diff"]["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|c| {
            (
                c["line"].as_u64().unwrap(),
                c["source_url"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let first = first as u64;
    assert_eq!(
        added,
        vec![
            (first, "https://example.org/z".to_string()),
            (first + 1, "https://example.org/a".to_string())
        ],
        "{out}"
    );
}

/// A report file re-saved with semicolons: one wrong-delimiter error on its header, and
/// no diff of its rows (read with that header, each would look removed and added).
#[test]
fn check_base_does_not_diff_a_file_whose_header_it_cannot_read() {
    let wd = Workdir::committed_repo();
    wd.git(&["checkout", "-q", "-b", "pr"]);
    let europe = wd.read("raw/reports/europe.csv");
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(europe.as_bytes());
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    for rec in rdr.records() {
        w.write_record(&rec.expect("a record")).expect("written");
    }
    wd.write("raw/reports/europe.csv", w.into_inner().expect("flushed"));
    let out = wd.run(&["check", "--base", "main", "--format", "json"]).expect(1);
    let v = out.json();
    let codes: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["wrong-delimiter"], "{out}");
    assert_eq!(v["diff"]["reports"].as_array().map(Vec::len), Some(0), "{out}");
}

/// A new host that makes a host-less report of the base fit two workshops: the
/// contributor's own line gets the error (with the alias line that settles it if the
/// host is another name of the first), not only the base's host-less line.
#[test]
fn check_base_puts_an_ambiguity_a_new_host_causes_on_its_line() {
    let wd = Workdir::committed_repo();
    let kaz = |city: &str, host: &str, url: &str| {
        format!(",Kazakhstan,{city},{host},Example Partner College,2024,operating,,{url},,,,,,")
    };
    wd.append(
        "raw/reports/asia.csv",
        &kaz("Astana", "Example Host One", "https://example.org/k1"),
    );
    wd.append("raw/reports/asia.csv", &kaz("", "", "https://example.org/k3"));
    wd.git(&["commit", "-qam", "base"]);
    wd.git(&["checkout", "-q", "-b", "pr"]);
    let line = wd.read("raw/reports/asia.csv").lines().count() + 1;
    wd.append(
        "raw/reports/asia.csv",
        &kaz("Almaty", "Example Host Two", "https://example.org/k2"),
    );
    let out = wd.run(&["check", "--base", "main", "--format", "github"]).expect(1);
    out.stdout_has(&format!(
        "::error file=raw/reports/asia.csv,line={line},col=1,title=ambiguous-workshop::host `Example Host Two` makes host-less reports fit two workshops"
    ));
}
