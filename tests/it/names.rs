//! Names: the review loop end to end, and variants resolved without their alias rows.

use crate::workdir::Workdir;

fn report(host: &str, city: &str, url: &str) -> String {
    format!("W,Kenya,{city},{host},Tianjin City Vocational College,2019-12-14,operating,,{url},,,t,Tianjin,,")
}

#[test]
fn review_loop_flags_a_probable_duplicate_and_the_suggested_lines_settle_it() {
    let wd = Workdir::new();
    // Two spellings of one host, too far apart to merge on their own: flagged on the
    // line of the less established one, with the lines that settle it.
    wd.reports(
        "a.csv",
        &[
            &report("Machakos University College", "Machakos", "https://example.org/1"),
            &report("Machakos Univ. College of Kenya", "Machakos", "https://example.org/2"),
        ],
    );
    let out = wd.run(&["run", "--quiet"]).expect(1);
    out.stderr_has("error[probable-duplicate]: raw/reports/a.csv:")
        .stderr_has("to raw/aliases/institutions.csv")
        .stderr_has("to raw/decisions.csv");
    let between = |text: &str, from: &str, to: &str| -> String {
        let start = text.find(from).unwrap_or_else(|| panic!("no `{from}` in {text}")) + from.len();
        let len = text[start..].find(to).expect("the end of the suggested line");
        text[start..start + len].to_string()
    };
    // the maintainer says: different, with the suggested decision line
    let decision = "institution,".to_string() + &between(&out.stderr, "add `institution,", "` to raw/decisions.csv");
    let header = "field,country,name,candidate,score,evidence,decision,note\n";
    wd.write(
        "raw/decisions.csv",
        format!("{header}{}\n", decision.replace("<why>", "two colleges (test)")),
    );
    wd.run(&["run", "--quiet"]).expect(0);
    assert_eq!(
        wd.csv_rows("output/workshops.csv").len(),
        2,
        "kept apart after `different`"
    );
    wd.run(&["dedupe", "--review", "--quiet"]).expect(0);
    let again = wd.csv_rows("build/review.csv");
    assert!(
        again
            .iter()
            .all(|r| !r["name"].contains("Machakos Univ") || r["field"] != "institution"),
        "a rejected pair never comes back: {again:?}"
    );
    // the maintainer says: the same, with the suggested alias line
    wd.write("raw/decisions.csv", header);
    let alias = between(&out.stderr, "If it is, add `", "` to raw/aliases/institutions.csv");
    let table = wd.read("raw/aliases/institutions.csv");
    wd.write("raw/aliases/institutions.csv", format!("{table}{alias}\n"));
    wd.run(&["run", "--quiet"]).expect(0);
    assert_eq!(
        wd.csv_rows("output/workshops.csv").len(),
        1,
        "merged after the alias line"
    );
}

/// A new host that compares best with an alias spelling of a known host (Ayutthaya
/// Technical College, an alias of Phra Nakhon Si Ayutthaya Technical College): the lines
/// the error suggests name the canonical host, and each settles it as it is printed. A
/// decision naming the alias spelling was not applied: the flag stayed after it. The
/// checks follow the test report's URL, not today's counts.
#[test]
fn suggested_lines_for_a_host_matched_by_its_alias_settle_it() {
    let wd = Workdir::with_committed_raw();
    let asia = wd.read("raw/reports/asia.csv");
    // a hypothetical report, written only into this test's copy of the data
    let row = "Thailand Luban Workshop (Test),Thailand,Ban Phai,Test Technical College,Tianjin Bohai Vocational Technical College,2024-05-01,operating,mechatronics,https://example.org/test,Test report,2024-05-02,test row,Tianjin,,";
    wd.write("raw/reports/asia.csv", format!("{}\n{row}\n", asia.trim_end()));
    let out = wd.run(&["run", "--quiet"]).expect(1);
    out.stderr_has("error[probable-duplicate]: raw/reports/asia.csv:")
        .stderr_has("`Ayutthaya Technical College`");
    let between = |text: &str, from: &str, to: &str| -> String {
        let start = text.find(from).unwrap_or_else(|| panic!("no `{from}` in {text}")) + from.len();
        let len = text[start..].find(to).expect("the end of the suggested line");
        text[start..start + len].to_string()
    };
    let decision = "institution,".to_string() + &between(&out.stderr, "add `institution,", "` to raw/decisions.csv");
    assert!(
        decision.contains(",Phra Nakhon Si Ayutthaya Technical College,"),
        "{decision}"
    );
    let flagged = between(&out.stderr, "may be a workshop the dataset has: ", " `");
    // the workshop that cites the test report's URL
    let citing = || -> String {
        let rows = wd.csv_rows("output/workshops.csv");
        let ids: Vec<String> = rows
            .iter()
            .filter(|w| w["source_urls"].split(';').any(|u| u == "https://example.org/test"))
            .map(|w| w["workshop_id"].clone())
            .collect();
        assert_eq!(ids.len(), 1, "one workshop cites the test report: {ids:?}");
        ids[0].clone()
    };
    let decisions = wd.read("raw/decisions.csv");
    wd.write(
        "raw/decisions.csv",
        format!(
            "{}\n{}\n",
            decisions.trim_end(),
            decision.replace("<why>", "a test host")
        ),
    );
    wd.run(&["run", "--quiet"]).expect(0);
    assert_ne!(citing(), flagged, "kept apart from the workshop it was flagged against");
    wd.write("raw/decisions.csv", decisions);
    let alias = between(&out.stderr, "If it is, add `", "` to raw/aliases/institutions.csv");
    let table = wd.read("raw/aliases/institutions.csv");
    wd.write(
        "raw/aliases/institutions.csv",
        format!("{}\n{alias}\n", table.trim_end()),
    );
    wd.run(&["run", "--quiet"]).expect(0);
    assert_eq!(citing(), flagged, "merged into the workshop it was flagged against");
}

#[test]
fn variants_resolve_without_their_alias_rows() {
    let wd = Workdir::with_committed_raw();
    wd.run(&["run", "--quiet"]).expect(0);
    let before = wd.read("output/workshops.csv");
    // Hold out aliases that the key (accents, brackets, "named after") or the similarity
    // match must recover on their own.
    let held_out = [
        (
            "raw/aliases/partners.csv",
            "Tianjin Bohai Vocational Technological College",
        ),
        (
            "raw/aliases/institutions.csv",
            "Serikbayev East Kazakhstan Technical University",
        ),
        ("raw/aliases/institutions.csv", "Polytechnic Institute of Setubal (IPS)"),
        ("raw/aliases/institutions.csv", "Uganda Technical College-Elgon"),
        (
            "raw/aliases/institutions.csv",
            "Tajik technical University named after academician M. Osimi",
        ),
        ("raw/aliases/institutions.csv", "Gumilyov Eurasian National University"),
        (
            "raw/aliases/partners.csv",
            "Tianjin Railway Vocational and Technical College",
        ),
    ];
    for (file, alias) in held_out {
        let text = wd.read(file);
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with(&format!("{alias},")) && !l.starts_with(&format!("\"{alias}\",")))
            .collect();
        assert!(kept.len() < text.lines().count(), "{alias} is not in {file}");
        wd.write(file, kept.join("\n") + "\n");
    }
    let out = wd.run(&["run"]).expect(0);
    assert!(out.stderr.contains("taken as"), "similarity matches are reported{out}");
    assert_eq!(
        wd.read("output/workshops.csv"),
        before,
        "the same 42 workshops, no duplicate, no false merge"
    );
    // build/reports.arrow holds the renamed reports too, not those before the matches
    // rewrote them: the later stages run alone from it publish the same
    for stage in ["dedupe", "aggregate", "publish"] {
        wd.run(&[stage]).expect(0);
    }
    assert_eq!(wd.read("output/workshops.csv"), before, "from build/reports.arrow");
}

/// A decision about two hosts the reports name is in use (record linkage reads it in
/// dedupe); one about names no report uses any more is pointed at by its line.
#[test]
fn a_decision_about_names_no_report_uses_is_pointed_at() {
    let wd = Workdir::new();
    wd.reports(
        "a.csv",
        &[
            &report("Machakos University College", "Machakos", "https://example.org/1"),
            &report("Machakos Univ. College of Kenya", "Machakos", "https://example.org/2"),
        ],
    );
    wd.write(
        "raw/decisions.csv",
        "field,country,name,candidate,score,evidence,decision,note\n\
         institution,KEN,Machakos Univ. College of Kenya,Machakos University College,0.8,t,different,two colleges (test)\n\
         institution,KEN,Nairobi Gone College,Nairobi Old College,0.8,t,different,renamed since (test)\n",
    );
    let out = wd.run(&["run"]).expect(0);
    out.stderr_has("raw/decisions.csv:3: this decision is about names no report uses now");
    assert!(!out.stderr.contains("raw/decisions.csv:2:"), "{out}");
    assert_eq!(wd.csv_rows("output/workshops.csv").len(), 2, "kept apart: {out}");
}

/// A Chinese partner written in Chinese that no alias names: the known partners are
/// English, so no similarity finds it, and it would be published as a second partner
/// beside its English name. The run says so, with the alias line to fill in; once the
/// alias is added, the note is gone and the partner is the English one.
#[test]
fn a_chinese_partner_in_chinese_gets_a_note_with_the_alias_line() {
    let wd = Workdir::new();
    let row = |partner: &str, url: &str| {
        format!("W,Kenya,Machakos,Machakos University,{partner},2019-12-14,operating,,{url},,,t,Tianjin,,")
    };
    wd.reports(
        "a.csv",
        &[
            &row("Tianjin City Vocational College", "https://example.org/1"),
            &row("天津城市职业学院", "https://example.org/2"),
        ],
    );
    let note = "note: Chinese partner `天津城市职业学院` is not a partner the dataset knows";
    wd.run(&["run", "--quiet"])
        .expect(0)
        .stderr_has(note)
        .stderr_has("add `天津城市职业学院,<its English name>,<the page's URL>` to raw/aliases/partners.csv");
    wd.append(
        "raw/aliases/partners.csv",
        "天津城市职业学院,Tianjin City Vocational College,https://example.org/2",
    );
    let out = wd.run(&["run", "--quiet"]).expect(0);
    assert!(!out.stderr.contains(note), "{out}");
    let partners = wd.csv_rows("output/workshops.csv")[0]["chinese_partners"].clone();
    assert_eq!(partners, "Tianjin City Vocational College");
}
