//! Names: the review loop end to end, and variants resolved without their alias rows.

use crate::workdir::Workdir;

fn report(host: &str, city: &str, url: &str) -> String {
    format!("W,Kenya,{city},{host},Tianjin City Vocational College,2019-12-14,operating,,{url},,,t,Tianjin")
}

#[test]
fn review_loop_same_merges_different_stops_asking() {
    let wd = Workdir::new();
    // Two spellings of one host, too far apart to merge on their own (grey zone).
    wd.reports(
        "a.csv",
        &[
            &report("Machakos University College", "Machakos", "https://example.org/1"),
            &report("Machakos Univ. College of Kenya", "Machakos", "https://example.org/2"),
        ],
    );
    wd.run(&["run", "--quiet"]).expect(0);
    assert_eq!(
        wd.csv_rows("output/workshops.csv").len(),
        2,
        "not merged without a decision"
    );
    wd.run(&["dedupe", "--review"])
        .expect(0)
        .stderr_has("pairs to review in build/review.csv");
    let review = wd.csv_rows("build/review.csv");
    assert!(!review.is_empty(), "the pair must be offered for review");
    // the maintainer says: same
    let mut text = wd.read("build/review.csv");
    text = text.replacen(",,\n", ",same,one university (test)\n", 1);
    wd.write("raw/decisions.csv", &text);
    wd.run(&["run", "--quiet"]).expect(0);
    assert_eq!(wd.csv_rows("output/workshops.csv").len(), 1, "merged after `same`");
    wd.run(&["dedupe", "--review", "--quiet"]).expect(0);
    assert!(
        wd.csv_rows("build/review.csv").is_empty(),
        "a decided pair is not offered again"
    );
    // the maintainer says: different
    wd.write("raw/decisions.csv", text.replace(",same,", ",different,"));
    wd.run(&["run", "--quiet"]).expect(0);
    assert_eq!(wd.csv_rows("output/workshops.csv").len(), 2);
    wd.run(&["dedupe", "--review", "--quiet"]).expect(0);
    let again = wd.csv_rows("build/review.csv");
    assert!(
        again
            .iter()
            .all(|r| r["field"] != review[0]["field"] || r["name"] != review[0]["name"]),
        "a rejected pair never comes back: {again:?}"
    );
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
