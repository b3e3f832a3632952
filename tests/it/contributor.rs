//! The contributor's path, scripted: a branch of a temporary git repository holding the
//! committed data adds reports to `raw/` only (as CONTRIBUTING.md says), `luban check
//! --base main` passes and shows the new workshops, and once merged, the publish
//! workflow's step (`luban run`) gives a dataset that holds every invariant the test
//! suite asserts on the committed data. The same change with a bad cell fails, with the
//! annotation on that cell.

use crate::invariants::assert_published_invariants;
use crate::workdir::Workdir;

/// Two workshops in countries the committed data may lack, as a contributor would add
/// them, each fact from the cited page.
const BENIN: [&str; 2] = [
    // regional.chinadaily.com.cn: "The Benin Luban Workshop is jointly launched by Chinese and
    // Benin educational leaders on April 21, 2023"; Ningbo Polytechnic, Zhejiang province
    "Benin Luban Workshop,Benin,,,Ningbo Polytechnic,2023-04-21,operating,,https://regional.chinadaily.com.cn/tianjin/2024-01/09/c_1044506.htm,\"Luban Workshop boosts ties, business with Benin\",2024-01-09,Launch ceremony on 2023-04-21 (photo caption).,Zhejiang,,",
    // en.nbpt.edu.cn: "in 2023, Ningbo Polytechnic established Benin Luban Workshop in Acasado
    // Sino-Benin Friendship Technical School"
    ",Benin,,Sino-Benin Friendship Technical School,Ningbo Polytechnic,2023,,,https://en.nbpt.edu.cn/2024/0402/c1492a114255/page.htm,,,The page spells the place Acasado.,Zhejiang,,",
];
const TURKMENISTAN: &str =
    // myglobalnews.net, 2024-10-20: a memorandum signed "on Friday in Xi'an", "Shaanxi's first
    // Luban Workshop in Central Asia", and the five institutions named here
    "Turkmenistan Luban Workshop,Turkmenistan,,Yagshygeldi Kakayev International Oil and Gas University,Xi'an Shiyou University; Hebei Petroleum University of Technology; China Education Association for International Exchange; China National Petroleum Corporation,,planned,,https://myglobalnews.net/business/20241020-shaanxi-and-turkmenistan-launch-luban-workshop-to-boost-educational-ties,Shaanxi and Turkmenistan Launch Luban Workshop to Boost Educational Ties,2024-10-20,Memorandum of understanding signed in Xi'an.,Shaanxi,,";

/// `raw/reports/<file>` without the rows about `country`, so that the branch adds the
/// country whatever the committed data holds by then.
fn without_country(wd: &Workdir, file: &str, spellings: &[&str]) {
    let rel = format!("raw/reports/{file}");
    let text = wd.read(&rel);
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !spellings.iter().any(|c| l.contains(&format!(",{c},"))))
        .collect();
    wd.write(&rel, kept.join("\n") + "\n");
}

/// The committed data on `main` without Benin and Turkmenistan, and a branch `pr` that
/// adds them; the files they go in are saved with `line_end` ending every line, as a
/// spreadsheet saves a whole file (Excel: CRLF).
fn repo_with_a_branch_adding_two_workshops(line_end: &str) -> Workdir {
    let wd = Workdir::committed_repo();
    without_country(&wd, "africa.csv", &["Benin", "Bénin"]);
    without_country(&wd, "asia.csv", &["Turkmenistan"]);
    wd.run(&["run", "--quiet"]).expect(0);
    wd.git(&["commit", "-q", "--allow-empty", "-am", "main without the two countries"]);
    wd.git(&["checkout", "-q", "-b", "pr"]);
    let append = |file: &str, rows: &[&str]| {
        let rel = format!("raw/reports/{file}");
        let mut text = wd.read(&rel).replace('\n', line_end);
        for r in rows {
            text.push_str(r);
            text.push_str(line_end);
        }
        wd.write(&rel, text);
    };
    append("africa.csv", &BENIN);
    append("asia.csv", &[TURKMENISTAN]);
    // two new workshops: a new minor version (CONTRIBUTING.md)
    wd.bump_minor_version();
    wd
}

#[test]
fn a_branch_adding_two_workshops_to_raw_only_goes_green_and_publishes_them_on_merge() {
    let wd = repo_with_a_branch_adding_two_workshops("\n");
    wd.git(&["commit", "-q", "-am", "add Benin and Turkmenistan"]);
    // CI on the pull request: output/ is not the contributor's to rebuild
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
        .expect(0);
    assert!(!out.stdout.contains("::error"), "{out}");
    // run by hand, check names the contributor's own rows, each by file and line
    let asia_lines = wd.read("raw/reports/asia.csv").lines().count();
    wd.run(&["check", "--base", "main"]).expect(0).stderr_has(&format!(
        "check: report added at raw/reports/asia.csv:{asia_lines}: https://myglobalnews.net/"
    ));
    let summary = wd.read("summary.md");
    assert!(
        summary.contains("**Reports:** 3 added, 0 changed, **0 removed**"),
        "{summary}"
    );
    assert!(
        summary.contains("**Workshops:** 2 new, 0 changed, **0 removed**"),
        "{summary}"
    );
    assert!(
        summary.contains("| BEN | 0 | 1 | +1 |") && summary.contains("| TKM | 0 | 1 | +1 |"),
        "{summary}"
    );
    assert!(
        summary.contains("will be rebuilt from raw/ when this change merges"),
        "{summary}"
    );
    // the merge, then the publish workflow's step on main
    wd.git(&["checkout", "-q", "main"]);
    wd.git(&["merge", "-q", "--no-ff", "pr", "-m", "merge"]);
    wd.run(&["run", "--quiet"]).expect(0);
    wd.git(&["commit", "-q", "-am", "output: rebuilt from raw/"]);
    assert_published_invariants(&wd);
    wd.run(&["check"]).expect(0).stderr_has("output/ is up to date");
    let ws = wd.csv_rows("output/workshops.csv");
    let benin: Vec<_> = ws.iter().filter(|w| w["country_code"] == "BEN").collect();
    assert_eq!(benin.len(), 1, "the two Benin reports are one workshop: {benin:?}");
    assert_eq!(benin[0]["organiser_province"], "Zhejiang");
    assert_eq!(benin[0]["source_count"], "2");
    let tkm: Vec<_> = ws.iter().filter(|w| w["country_code"] == "TKM").collect();
    assert_eq!(tkm.len(), 1);
    assert_eq!(tkm[0]["status"], "planned");
    assert_eq!(tkm[0]["organiser_province"], "Shaanxi");
}

#[test]
fn the_organiser_province_is_a_column_checked_against_the_provinces() {
    let wd = repo_with_a_branch_adding_two_workshops("\n");
    // a province written another way is an error on its cell, with the names to use
    let asia = wd.read("raw/reports/asia.csv");
    wd.write(
        "raw/reports/asia.csv",
        asia.replace(",Shaanxi,,\n", ",Shaanxi Province,,\n"),
    );
    let line = wd.read("raw/reports/asia.csv").lines().count();
    let out = wd.run(&["check", "--base", "main"]).expect(1);
    out.stderr_has("error[constraint-error]")
        .stderr_has(&format!("--> raw/reports/asia.csv:{line}:"))
        .stderr_has("organiser_province: enum");
    // a tag in the notes is only text: it does not set the province
    let notes_only = TURKMENISTAN.replace(
        "Memorandum of understanding signed in Xi'an.,Shaanxi",
        "[non-Tianjin: Shaanxi] Memorandum of understanding signed in Xi'an.,",
    );
    wd.write("raw/reports/asia.csv", asia.replace(TURKMENISTAN, &notes_only));
    wd.run(&["run", "--quiet"]).expect(0);
    let ws = wd.csv_rows("output/workshops.csv");
    let tkm = ws.iter().find(|w| w["country_code"] == "TKM").unwrap();
    assert_eq!(tkm["organiser_province"], "", "{tkm:?}");
}

/// The issue form asks for every column of a report, and offers exactly the provinces the
/// reports schema accepts: a column added to the schema must reach the form.
#[test]
fn the_issue_form_asks_for_every_report_column() {
    let form =
        std::fs::read_to_string(crate::workdir::repo().join(".github/ISSUE_TEMPLATE/report-a-workshop.yml")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::workdir::repo().join("schemas/reports.schema.json")).unwrap(),
    )
    .unwrap();
    for f in schema["fields"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        assert!(form.contains(&format!("id: {name}\n")), "the form lacks `{name}`");
        if let Some(values) = f["constraints"]["enum"].as_array() {
            for v in values {
                let v = v.as_str().unwrap();
                assert!(
                    form.lines()
                        .any(|l| l.trim() == format!("- {v}") || l.trim().starts_with(&format!("- {v} ("))),
                    "the form does not offer `{v}` for `{name}`"
                );
            }
        }
    }
}

/// The same branch with one bad cell goes red, and the annotation lands on that cell's
/// line and column, whatever line ends the contributor's editor wrote.
#[test]
fn a_branch_with_a_bad_cell_goes_red_with_the_annotation_on_that_cell() {
    for line_end in ["\n", "\r\n", "\r"] {
        let wd = repo_with_a_branch_adding_two_workshops(line_end);
        let asia = wd.read("raw/reports/asia.csv");
        wd.write(
            "raw/reports/asia.csv",
            asia.replace(",planned,,https://myglobalnews", ",opened,,https://myglobalnews"),
        );
        wd.git(&["commit", "-q", "-am", "add Benin and Turkmenistan"]);
        let text = wd.read("raw/reports/asia.csv");
        let lines: Vec<&str> = text.split_inclusive(['\n', '\r']).filter(|l| *l != "\n").collect();
        let (line, row) = lines.iter().enumerate().find(|(_, l)| l.contains(",opened,")).unwrap();
        let col = row[..row.find(",opened,").unwrap()].chars().count() + 2;
        let out = wd.run(&["check", "--base", "main", "--format", "github"]).expect(1);
        let want = format!(
            "::error file=raw/reports/asia.csv,line={},col={col},title=constraint-error::",
            line + 1
        );
        assert!(out.stdout.contains(&want), "{line_end:?}: wanted {want}{out}");
        assert_eq!(
            out.stdout.matches("::error file=").count(),
            1,
            "{line_end:?}: one error, the contributor's{out}"
        );
    }
}
