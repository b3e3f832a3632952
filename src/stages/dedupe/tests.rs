use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;
use crate::model::{ReportTexts, FIELDS};

/// A report as a test gives it (owned, so that copies can be made of it).
#[derive(Clone, Debug)]
struct Spec {
    file: String,
    line: u64,
    country: String,
    hosts: Vec<String>,
    city: Option<String>,
    partners: Vec<String>,
    opened: Option<String>,
    url: String,
    status: Option<String>,
    source_date: Option<String>,
    title: Option<String>,
    kind: Option<String>,
    host_partners: Vec<String>,
    specialties: Vec<String>,
}

fn report(
    line: u64,
    country: &str,
    hosts: &[&str],
    city: Option<&str>,
    partners: &[&str],
    opened: Option<&str>,
    url: &str,
) -> Spec {
    Spec {
        file: "raw/reports/t.csv".into(),
        line,
        country: country.into(),
        hosts: hosts.iter().map(|s| s.to_string()).collect(),
        city: city.map(str::to_string),
        partners: partners.iter().map(|s| s.to_string()).collect(),
        opened: opened.map(str::to_string),
        url: url.into(),
        status: None,
        source_date: None,
        title: None,
        kind: None,
        host_partners: Vec::new(),
        specialties: Vec::new(),
    }
}

fn table(specs: &[Spec]) -> Reports {
    let mut r = Reports::default();
    for s in specs {
        let hosts: Vec<&str> = s.hosts.iter().map(String::as_str).collect();
        let partners: Vec<&str> = s.partners.iter().map(String::as_str).collect();
        let specialties: Vec<&str> = s.specialties.iter().map(String::as_str).collect();
        let host_partners: Vec<&str> = s.host_partners.iter().map(String::as_str).collect();
        r.push_for_test(ReportTexts {
            file: &s.file,
            line: s.line,
            country: &s.country,
            city: s.city.as_deref(),
            hosts: &hosts,
            partners: &partners,
            opened: s.opened.as_deref(),
            status: s.status.as_deref(),
            specialties: &specialties,
            url: &s.url,
            source_date: s.source_date.as_deref(),
            title: s.title.as_deref(),
            kind: s.kind.as_deref(),
            host_partners: &host_partners,
            ..Default::default()
        });
    }
    r
}

/// Deduped reports, with the table they came from.
struct Run {
    r: Reports,
    d: Deduped,
}

fn deduped(r: &Reports) -> Deduped {
    let (placement, workshops) = dedupe(r.clone(), &Decisions::default(), &Default::default()).unwrap();
    Deduped {
        placement,
        workshops,
        review_pairs: None,
    }
}

fn run(specs: &[Spec]) -> Run {
    let r = table(specs);
    let d = deduped(&r);
    Run { r, d }
}

/// A workshop as a comparable row: (id, name, city, opened, status, urls, conflicts).
type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Vec<String>,
    Vec<String>,
);

impl Run {
    fn merges(&self) -> Vec<Merge> {
        merges(&self.r, &self.d.placement)
    }

    /// The workshops as comparable rows.
    fn rows(&self) -> Vec<Row> {
        let w = &self.d.workshops;
        (0..w.len())
            .map(|i| {
                (
                    w.workshop_id.str(i).to_string(),
                    w.workshop_name.str(i).to_string(),
                    Workshops::name(&w.dict.cities, w.city[i]).map(str::to_string),
                    w.opened_on[i].map(|d| d.to_string()),
                    Workshops::name(&w.dict.statuses, w.status[i]).map(str::to_string),
                    w.source_urls.get(i).map(str::to_string).collect(),
                    w.conflicts.lines(i, &w.source_urls.texts),
                )
            })
            .collect()
    }

    fn by_city(&self, city: &str) -> usize {
        let w = &self.d.workshops;
        (0..w.len())
            .find(|&i| Workshops::name(&w.dict.cities, w.city[i]) == Some(city))
            .unwrap()
    }

    fn conflicts(&self, i: usize) -> Vec<String> {
        self.d.workshops.conflicts.lines(i, &self.d.workshops.source_urls.texts)
    }
}

fn sample() -> Vec<Spec> {
    vec![
        report(
            2,
            "KAZ",
            &["EKTU"],
            Some("Oskemen"),
            &["Tianjin Vocational Institute"],
            Some("2023-12"),
            "https://a/1",
        ),
        report(
            3,
            "KAZ",
            &["Gumilyov University"],
            Some("Astana"),
            &["Tianjin Vocational Institute"],
            Some("2025-08-30"),
            "https://a/2",
        ),
        report(
            4,
            "KAZ",
            &["ALT"],
            Some("Almaty"),
            &["Urumqi Vocational University"],
            Some("2025-08-30"),
            "https://a/3",
        ),
        report(5, "KAZ", &["ALT"], None, &[], Some("2025-11-01"), "https://a/4"),
        report(6, "KAZ", &[], Some("Oskemen"), &[], Some("2023-12-15"), "https://a/5"),
        report(
            7,
            "KAZ",
            &[],
            None,
            &["Urumqi Vocational University"],
            None,
            "https://a/6",
        ),
        report(8, "NPL", &[], Some("Lalitpur"), &[], Some("2025-09"), "https://a/7"),
        report(
            9,
            "KAZ",
            &[],
            None,
            &["Tianjin Vocational Institute"],
            None,
            "https://a/8",
        ),
        report(10, "KAZ", &["ektu"], None, &[], Some("2023"), "https://a/9"),
    ]
}

#[test]
fn same_host_merges_and_hostless_reports_attach_or_group() {
    let t = run(&sample());
    let w = &t.d.workshops;
    assert_eq!(w.len(), 4, "{w:#?}");
    let osk = t.by_city("Oskemen");
    assert_eq!(
        w.source_urls.count(osk),
        3,
        "EKTU twice (case differs) plus the Oskemen city report"
    );
    assert_eq!(
        w.opened_on[osk].unwrap().to_string(),
        "2023-12-15",
        "most precise of agreeing dates"
    );
    assert!(t.conflicts(osk).is_empty(), "{:?}", t.conflicts(osk));
    let alm = t.by_city("Almaty");
    assert_eq!(w.source_urls.count(alm), 3);
    assert_eq!(w.opened_on[alm].unwrap().to_string(), "2025-08-30");
    assert_eq!(t.conflicts(alm).len(), 1);
    assert!(
        t.conflicts(alm)[0].starts_with("opened_on: 2025-08-30 (https://a/3) vs 2025-11-01 (https://a/4)"),
        "{:?}",
        t.conflicts(alm)
    );
    assert_eq!(&*w.country_of(t.by_city("Lalitpur")).code, "NPL");
    // TVI partners two Kazakh workshops: a report naming only TVI is not guessed at
    assert_eq!(t.d.placement.unmerged.len(), 1);
    assert_eq!(t.d.placement.unmerged[0].line, 9);
    assert_eq!(t.d.placement.unmerged[0].code, "ambiguous-workshop");
    // every report is placed exactly once
    assert_eq!(t.merges().len() + t.d.placement.unmerged.len(), sample().len());
}

#[test]
fn a_city_contradiction_blocks_attachment() {
    let t = run(&[
        report(2, "GHA", &["UENR"], Some("Sunyani"), &["Liaoning"], None, "https://a/1"),
        report(3, "GHA", &[], Some("Accra"), &["Liaoning"], None, "https://a/2"),
    ]);
    assert_eq!(t.d.workshops.len(), 2, "a different city means a different workshop");
}

#[test]
fn disagreeing_dates_keep_the_majority_then_the_more_precise() {
    let t = run(&[
        report(2, "GBR", &["CCG"], None, &[], Some("2017-05"), "https://a/1"),
        report(3, "GBR", &["CCG"], None, &[], Some("2016"), "https://a/2"),
    ]);
    assert_eq!(t.d.workshops.opened_on[0].unwrap().to_string(), "2017-05");
    assert_eq!(
        t.conflicts(0),
        vec!["opened_on: 2017-05 (https://a/1) vs 2016 (https://a/2)"]
    );
    let t = run(&[
        report(2, "PRT", &["IPS"], None, &[], Some("2018-12-06"), "https://a/1"),
        report(3, "PRT", &["IPS"], None, &[], Some("2018-12-05"), "https://a/2"),
        report(4, "PRT", &["IPS"], None, &[], Some("2018-12-06"), "https://a/3"),
    ]);
    assert_eq!(t.d.workshops.opened_on[0].unwrap().to_string(), "2018-12-06");
}

#[test]
fn the_latest_report_sets_the_status_and_others_are_conflicts() {
    let mut a = report(2, "RUS", &["UAII"], None, &[], None, "https://a/1");
    a.status = Some("announced".into());
    a.source_date = Some("2024-02-21".into());
    let mut b = report(3, "RUS", &["UAII"], None, &[], None, "https://a/2");
    b.status = Some("planned".into());
    b.source_date = Some("2025-07".into());
    let t = run(&[a, b]);
    assert_eq!(t.rows()[0].4.as_deref(), Some("planned"));
    assert_eq!(
        t.conflicts(0),
        vec!["status: announced (https://a/1) vs planned (https://a/2)"]
    );
}

#[test]
fn an_undated_report_is_older_than_any_dated_one_for_the_status() {
    // the undated report comes last in the file and would win if "undated" meant newest
    let mut a = report(2, "RUS", &["UAII"], None, &[], None, "https://a/1");
    a.status = Some("operating".into());
    a.source_date = Some("2016".into());
    let mut b = report(3, "RUS", &["UAII"], None, &[], None, "https://a/2");
    b.status = Some("announced".into());
    let t = run(&[a, b]);
    assert_eq!(t.rows()[0].4.as_deref(), Some("operating"));
    assert_eq!(
        t.conflicts(0),
        vec!["status: announced (https://a/2) vs operating (https://a/1)"]
    );
}

#[test]
fn each_source_keeps_the_title_and_date_most_of_its_reports_give_and_the_union_of_their_fields() {
    let mut a = report(2, "RUS", &["UAII"], None, &["Tianjin A"], None, "https://a/1");
    a.title = Some("Opening".into());
    a.source_date = Some("2024-02-21".into());
    let mut b = report(3, "RUS", &["UAII"], Some("Kazan"), &[], Some("2024"), "https://a/1");
    b.title = Some("Opening".into());
    let mut c = report(4, "RUS", &["UAII"], None, &[], None, "https://a/1");
    c.title = Some("Opening (updated)".into());
    c.source_date = Some("2024-02-21".into());
    let d = report(5, "RUS", &["UAII"], None, &[], None, "https://a/2");
    let t = run(&[a, b, c, d]);
    let w = &t.d.workshops;
    assert_eq!(w.source_urls.get(0).collect::<Vec<_>>(), ["https://a/1", "https://a/2"]);
    assert_eq!(w.sources.len(), 2);
    assert_eq!(w.sources.title.get(0), Some("Opening"));
    assert_eq!(w.sources.date[0].map(|d| d.to_string()).as_deref(), Some("2024-02-21"));
    assert_eq!(
        w.sources.fields[0].names().collect::<Vec<_>>(),
        ["country", "city", "host_institution", "chinese_partners", "opened_on"]
    );
    assert_eq!((w.sources.title.get(1), w.sources.date[1]), (None, None));
    assert_eq!(
        w.sources.fields[1].names().collect::<Vec<_>>(),
        ["country", "host_institution"]
    );
}

#[test]
fn the_kind_is_what_most_reports_that_say_give_else_workshop_and_host_partners_are_kept() {
    let mut a = report(2, "KEN", &["MUST"], None, &[], None, "https://a/1");
    a.kind = Some("sub-centre".into());
    a.host_partners = vec!["Safaricom".into()];
    let b = report(3, "KEN", &["MUST"], None, &[], None, "https://a/2");
    let c = report(4, "EGY", &["ASU"], None, &[], None, "https://a/3");
    let t = run(&[a, b, c]);
    let w = &t.d.workshops;
    let kind = |i: usize| w.dict.kinds.text(w.kind[i]);
    let ken = (0..w.len()).find(|&i| w.country_of(i).code.as_str() == "KEN").unwrap();
    let egy = 1 - ken;
    assert_eq!((kind(ken), kind(egy)), ("sub-centre", "workshop"));
    let partners: Vec<&str> = w
        .host_partners
        .get(ken)
        .iter()
        .map(|&p| w.dict.host_partners.text(p))
        .collect();
    assert_eq!(partners, ["Safaricom"]);
    assert!(w.host_partners.get(egy).is_empty());
    assert!(t.conflicts(ken).is_empty(), "a report that does not say is no conflict");
    let mut d = report(5, "KEN", &["MUST"], None, &[], None, "https://a/4");
    d.kind = Some("workshop".into());
    let mut e = report(2, "KEN", &["MUST"], None, &[], None, "https://a/1");
    e.kind = Some("sub-centre".into());
    let mut f = e.clone();
    f.line = 6;
    f.url = "https://a/5".into();
    let t = run(&[d, e, f]);
    assert_eq!(t.d.workshops.dict.kinds.text(t.d.workshops.kind[0]), "sub-centre");
    assert_eq!(
        t.conflicts(0),
        ["kind: sub-centre (https://a/1, https://a/5) vs workshop (https://a/4)"]
    );
}

#[test]
fn conflicts_are_rows_of_field_value_and_sources_with_the_published_value_first() {
    let t = run(&[
        report(
            2,
            "KAZ",
            &["EKTU"],
            Some("Oskemen"),
            &[],
            Some("2025-08-30"),
            "https://a/1",
        ),
        report(
            3,
            "KAZ",
            &["EKTU"],
            Some("Oskemen"),
            &[],
            Some("2025-08-30"),
            "https://a/2",
        ),
        report(
            4,
            "KAZ",
            &["EKTU"],
            Some("Almaty"),
            &[],
            Some("2025-11-01"),
            "https://a/3",
        ),
    ]);
    let c = &t.d.workshops.conflicts;
    let rows: Vec<(&str, &str, Vec<&str>)> = c
        .of(0)
        .map(|k| {
            (
                FIELDS[c.field[k] as usize],
                c.value.str(k),
                c.urls(k, &t.d.workshops.source_urls.texts).collect(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("city", "Oskemen", vec!["https://a/1", "https://a/2"]),
            ("city", "Almaty", vec!["https://a/3"]),
            ("opened_on", "2025-08-30", vec!["https://a/1", "https://a/2"]),
            ("opened_on", "2025-11-01", vec!["https://a/3"]),
        ]
    );
    assert_eq!(t.rows()[0].2.as_deref(), Some("Oskemen"));
    assert_eq!(t.rows()[0].3.as_deref(), Some("2025-08-30"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn dedupe_does_not_depend_on_input_order(perm in Just((0..9usize).collect::<Vec<_>>()).prop_shuffle()) {
        let base = run(&sample());
        let shuffled: Vec<Spec> = perm.iter().map(|&i| sample()[i].clone()).collect();
        let t = run(&shuffled);
        prop_assert_eq!(t.rows(), base.rows());
        prop_assert_eq!(&t.d.workshops.sources, &base.d.workshops.sources);
        prop_assert_eq!(&t.d.workshops.conflicts, &base.d.workshops.conflicts);
        prop_assert_eq!(t.merges(), base.merges());
        prop_assert_eq!(&t.d.placement.unmerged, &base.d.placement.unmerged);
    }

    #[test]
    fn every_report_lands_in_exactly_one_workshop_or_is_set_aside(keep in proptest::collection::vec(any::<bool>(), 9)) {
        let specs: Vec<Spec> = sample().into_iter().zip(&keep).filter(|(_, k)| **k).map(|(r, _)| r).collect();
        let n = specs.len();
        let t = run(&specs);
        let merges = t.merges();
        let mut placed: Vec<u64> = merges.iter().map(|m| m.line).chain(t.d.placement.unmerged.iter().map(|u| u.line)).collect();
        placed.sort();
        let before = placed.len();
        placed.dedup();
        prop_assert_eq!(before, placed.len(), "a report placed twice");
        prop_assert_eq!(placed.len(), n);
        // every workshop has its reports, and every merge names a workshop
        let ids: BTreeSet<&str> = (0..t.d.workshops.len()).map(|i| t.d.workshops.workshop_id.str(i)).collect();
        let merged_into: BTreeSet<&str> = merges.iter().map(|m| m.workshop_id.as_str()).collect();
        prop_assert_eq!(ids.len(), t.d.workshops.len(), "two workshops with one id");
        prop_assert_eq!(ids, merged_into);
    }
}

/// `copies` copies of the sample, each about hosts, cities, partners and URLs of its own.
fn many_samples(copies: usize) -> Vec<Spec> {
    (0..copies)
        .flat_map(|k| {
            sample().into_iter().map(move |r| {
                let own = |s: &str| format!("{s} {k}");
                Spec {
                    line: r.line + 100 * k as u64,
                    city: r.city.as_deref().map(own),
                    hosts: r.hosts.iter().map(|h| own(h)).collect(),
                    partners: r.partners.iter().map(|p| own(p)).collect(),
                    url: own(&r.url),
                    ..r
                }
            })
        })
        .collect()
}

/// In any input order, the copies dedupe as the sample does, each on its own.
#[test]
fn many_reports_dedupe_as_few_in_any_order() {
    let copies = 40;
    let one = run(&sample());
    let all = many_samples(copies);
    let t = run(&all);
    assert_eq!(t.d.workshops.len(), copies * one.d.workshops.len());
    assert_eq!(t.merges().len(), copies * one.merges().len());
    assert_eq!(t.d.placement.unmerged.len(), copies * one.d.placement.unmerged.len());
    let sizes = |t: &Run| {
        let mut v: Vec<usize> = (0..t.d.workshops.len())
            .map(|i| t.d.workshops.source_urls.count(i))
            .collect();
        v.sort();
        v
    };
    assert_eq!(sizes(&t).chunks(copies).map(|c| c[0]).collect::<Vec<_>>(), sizes(&one));
    // reversed, then every third report first: the same result
    let mut shuffled: Vec<Spec> = all.iter().rev().cloned().collect();
    shuffled.sort_by_key(|r| r.line % 3);
    let e = run(&shuffled);
    assert_eq!(e.rows(), t.rows());
    assert_eq!(e.merges(), t.merges());
    assert_eq!(e.d.placement.unmerged, t.d.placement.unmerged);
}

#[test]
fn specialties_union_ignores_case_and_keeps_one_spelling_in_a_stable_order() {
    let items = [
        "robotics",
        "Automation",
        "ROBOTICS",
        "Robotics",
        "automation",
        "logistics",
    ];
    let dict: crate::table::Names = items.into_iter().collect();
    let ids: Vec<u32> = items.iter().map(|i| dict.get(i).unwrap()).collect();
    let texts = |v: Vec<u32>| v.into_iter().map(|i| dict.text(i)).collect::<Vec<_>>();
    let got = texts(union_ignoring_case(&dict, ids.iter()));
    assert_eq!(got, vec!["Automation", "logistics", "ROBOTICS"]);
    let reversed = texts(union_ignoring_case(&dict, ids.iter().rev()));
    assert_eq!(reversed, got, "input order must not matter");
}

#[test]
fn workshops_whose_short_ids_collide_both_get_long_ids() {
    // find two host names in one country whose 8-digit ids collide (a 32-bit birthday
    // search: ~80 000 names on average)
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let short = |i: u32| ids::both_ids("KAZ", &format!("KAZ|host|h{i}"))[0].clone();
    let (a, b) = (0u32..).find_map(|i| seen.insert(short(i), i).map(|j| (j, i))).unwrap();
    let (ha, hb) = (format!("h{a}"), format!("h{b}"));
    let t = run(&[
        report(2, "KAZ", &[&ha], None, &[], None, "https://a/1"),
        report(3, "KAZ", &[&hb], None, &[], None, "https://a/2"),
        report(4, "KAZ", &["other"], None, &[], None, "https://a/3"),
    ]);
    let ids: Vec<String> = t.rows().into_iter().map(|r| r.0).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    let long: Vec<&String> = ids.iter().filter(|id| id.len() == "KAZ-".len() + 16).collect();
    assert_eq!(long.len(), 2, "both colliding workshops get 16 digits: {ids:?}");
    assert_eq!(long[0][..12], long[1][..12], "they share their first 8 digits");
    assert!(
        ids.contains(&ids::both_ids("KAZ", "KAZ|host|other")[0]),
        "others keep 8 digits"
    );
    let pattern = regex::Regex::new("^[A-Z]{3}-[0-9a-f]{8}([0-9a-f]{8})?$").unwrap();
    assert!(ids.iter().all(|id| pattern.is_match(id)), "{ids:?}");
}

#[test]
fn each_merge_names_its_own_reports_rule() {
    // One workshop (the hosts share EKTU) whose reports give three different host lists,
    // plus a host-less report attached by city.
    let hosts: [&[&str]; 5] = [&["EKTU"], &["EKTU", "Tianjin College"], &["EKTU"], &["EKTU"], &[]];
    let specs: Vec<Spec> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let line = i as u64 + 2;
            report(line, "KAZ", h, Some("Oskemen"), &[], None, &format!("https://m/{line}"))
        })
        .collect();
    let t = run(&specs);
    assert_eq!(t.d.workshops.len(), 1);
    let merges = t.merges();
    let rules: Vec<(u64, &str)> = merges.iter().map(|m| (m.line, m.rule.as_str())).collect();
    assert_eq!(
        rules,
        vec![
            (2, "host: EKTU"),
            (3, "host: EKTU; Tianjin College"),
            (4, "host: EKTU"),
            (5, "host: EKTU"),
            (6, "attached: matches city Oskemen"),
        ]
    );
    assert!(merges.iter().all(|m| m.workshop_id == t.d.workshops.workshop_id.str(0)));
}

/// Rule 1 chains: a report naming two hosts joins their reports into one workshop, whose
/// id comes from its smallest host key; the same host in another country is another
/// workshop, and a report naming no host is in none of them. In either input order.
#[test]
fn reports_sharing_a_host_key_chain_into_one_workshop_per_country() {
    let hosts: [(&str, &[&str]); 9] = [
        ("KAZ", &["Bravo College"]),
        ("KAZ", &["Bravo College", "Alpha Polytechnic"]),
        ("KAZ", &["alpha polytechnic", "Alpha Polytechnic"]),
        ("UZB", &["Alpha Polytechnic"]),
        ("KAZ", &["Zulu Academy"]),
        ("KAZ", &["Zulu Academy", "Delta Institute"]),
        ("KAZ", &["Delta Institute", "Charlie School"]),
        ("KAZ", &["charlie school"]),
        ("KAZ", &[]),
    ];
    let specs: Vec<Spec> = hosts
        .iter()
        .enumerate()
        .map(|(k, (country, h))| {
            let line = k as u64 + 2;
            report(line, country, h, None, &[], None, &format!("https://c/{line}"))
        })
        .collect();
    let id = |host: &str| ids::both_ids("KAZ", &format!("KAZ|host|{}", name_key(host)))[0].clone();
    for specs in [specs.clone(), specs.into_iter().rev().collect()] {
        let t = run(&specs);
        let mut by_id: Vec<(String, Vec<u64>)> = Vec::new();
        for m in t.merges() {
            match by_id.iter_mut().find(|(id, _)| *id == m.workshop_id) {
                Some((_, lines)) => lines.push(m.line),
                None => by_id.push((m.workshop_id.clone(), vec![m.line])),
            }
        }
        by_id.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(by_id.len(), 3, "{by_id:?}");
        assert_eq!(by_id[0], (id("Alpha Polytechnic"), vec![2, 3, 4]));
        assert!(by_id[1].0.starts_with("UZB-") && by_id[1].1 == [5], "{by_id:?}");
        assert_eq!(by_id[2], (id("Charlie School"), vec![6, 7, 8, 9]));
        // it gives no city, partner or date either: set aside, not a workshop of its own
        let unmerged = &t.d.placement.unmerged;
        assert_eq!(unmerged.len(), 1, "{unmerged:?}");
        assert_eq!((unmerged[0].line, unmerged[0].code), (10, super::UNIDENTIFIED));
    }
}

/// merges.csv lists the reports by (file, line), whatever order they came in.
#[test]
fn merges_list_the_reports_by_file_and_line() {
    let mut specs = sample();
    // two files, read in reverse order
    for r in &mut specs[..4] {
        r.file = "raw/reports/u.csv".into();
    }
    specs.reverse();
    let t = run(&specs);
    let at: Vec<(String, u64)> = t.merges().iter().map(|m| (m.file.clone(), m.line)).collect();
    let mut sorted = at.clone();
    sorted.sort();
    assert_eq!(at, sorted);
    assert_eq!(at.len() + t.d.placement.unmerged.len(), sample().len());
    assert!(at.iter().any(|(f, _)| f.ends_with("u.csv")) && at.iter().any(|(f, _)| f.ends_with("t.csv")));
}

/// An empty dataset folder (raw/ and build/) for tables written and read back; the
/// folder lives as long as the returned guard.
fn scratch_layout() -> (tempfile::TempDir, crate::layout::Layout) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("raw")).unwrap();
    std::fs::create_dir_all(dir.path().join("build")).unwrap();
    let layout = crate::layout::Layout::open(dir.path()).unwrap();
    (dir, layout)
}

/// The reports table written to `build/` and read back dedupes as the table in memory:
/// a stage run alone gives what it gives inside `luban run`.
#[test]
fn reports_and_workshops_read_back_from_their_tables_give_the_same() {
    let t = run(&many_samples(3));
    let (_dir, layout) = scratch_layout();
    crate::stages::normalize::write_reports(&layout.build_file("reports.arrow"), &t.r).unwrap();
    let back = crate::stages::normalize::read_reports(&layout).unwrap();
    let again = Run {
        d: deduped(&back),
        r: back,
    };
    assert_eq!(again.rows(), t.rows());
    assert_eq!(again.merges(), t.merges());
    write_workshops(&layout.build_file("workshops.arrow"), &t.d.workshops).unwrap();
    let ws = read_workshops(&layout, SourceTables::Read).unwrap();
    assert_eq!(ws.len(), t.d.workshops.len());
    assert_eq!(ws.workshop_id, t.d.workshops.workshop_id);
    assert_eq!(ws.source_urls, t.d.workshops.source_urls);
    assert_eq!(ws.sources, t.d.workshops.sources);
    assert_eq!(ws.conflicts, t.d.workshops.conflicts);
    assert!(ws.conflicts.rows() > 0, "the sample has conflicts to round-trip");
    assert_eq!(ws.opened_on, t.d.workshops.opened_on);
}

/// A conflict read back names its sources among its own workshop's: a
/// `build/conflicts.arrow` citing a URL its workshop does not cite is stale (an error
/// that says which stage to rerun), never another workshop's source.
#[test]
fn a_conflict_citing_another_workshops_url_reads_back_as_stale() {
    let t = run(&many_samples(3));
    let (_dir, layout) = scratch_layout();
    let mut w = t.d.workshops.clone();
    let k = (0..w.len())
        .find(|&k| !w.conflicts.of(k).is_empty())
        .expect("a workshop with conflicts");
    let theirs = w.source_urls.starts[k]..w.source_urls.starts[k + 1];
    let text = |s: u32| w.source_urls.texts.str(s as usize);
    let other = (0..w.sources.len() as u32)
        .find(|&s| !theirs.clone().any(|t| text(t) == text(s)))
        .expect("another workshop's source");
    let row = w.conflicts.of(k).start;
    let mut sources = crate::table::IdLists::new();
    let elsewhere = [other];
    for (i, ids) in w.conflicts.sources.iter().enumerate() {
        sources.push(if i == row { &elsewhere } else { ids });
    }
    w.conflicts.sources = sources;
    write_workshops(&layout.build_file("workshops.arrow"), &w).unwrap();
    let err = format!("{:#}", read_workshops(&layout, SourceTables::Read).unwrap_err());
    assert!(
        err.contains("`build/conflicts.arrow` does not follow `build/workshops.arrow`; run `luban dedupe`"),
        "{err}"
    );
}

/// A `build/sources.arrow` naming a field luban does not know is an error naming the
/// file and the field, not a panic.
#[test]
fn a_source_with_an_unknown_field_reads_back_as_an_error() {
    use crate::table::artifact;
    let t = run(&many_samples(1));
    let (_dir, layout) = scratch_layout();
    write_workshops(&layout.build_file("workshops.arrow"), &t.d.workshops).unwrap();
    assert!(read_workshops(&layout, SourceTables::Read).is_ok());
    let path = layout.build_file("sources.arrow");
    let mut df = artifact::read(&path, "dedupe").unwrap();
    let n = df.height();
    let dict = artifact::ListDict::of(["country", "town"]).unwrap();
    let fields = (0..n).map(|i| [u32::from(i == n - 1)]);
    df.with_column(artifact::dict_lists("fields", fields, &dict).unwrap())
        .unwrap();
    artifact::write(&path, n, 0, |_| Ok(df.clone())).unwrap();
    let err = format!("{:#}", read_workshops(&layout, SourceTables::Read).unwrap_err());
    assert!(
        err.contains("`build/sources.arrow` has an unknown field `town`"),
        "{err}"
    );
    // an older luban wrote the fields as lists of strings
    let fields = (0..n).map(|_| ["country"].into_iter());
    df.with_column(artifact::str_lists("fields", fields)).unwrap();
    artifact::write(&path, n, 0, |_| Ok(df.clone())).unwrap();
    let err = format!("{:#}", read_workshops(&layout, SourceTables::Read).unwrap_err());
    assert!(
        err.contains("sources.arrow` was not written by this luban: rerun `luban dedupe`")
            && err.contains("`fields` is not a list of dictionary entries"),
        "{err}"
    );
}

/// A host whose comparison key is empty ("-", "Luban Workshop") names no institution: two
/// workshops that both list it stay two, and a report naming only it is host-less (here
/// it gives nothing else either, so it is set aside).
#[test]
fn a_host_with_an_empty_key_joins_nothing() {
    let specs = [
        report(
            2,
            "KAZ",
            &["Alpha Polytechnic", "-"],
            Some("Astana"),
            &["Tianjin A"],
            Some("2019"),
            "https://c/2",
        ),
        report(
            3,
            "KAZ",
            &["Bravo Academy", "Luban Workshop"],
            Some("Almaty"),
            &["Tianjin B"],
            Some("2023"),
            "https://c/3",
        ),
        report(4, "KAZ", &["-"], None, &[], None, "https://c/4"),
    ];
    let t = run(&specs);
    assert_eq!(t.d.workshops.len(), 2, "{:?} {:?}", t.merges(), t.d.placement.unmerged);
    let unmerged = &t.d.placement.unmerged;
    assert_eq!(unmerged.len(), 1, "{unmerged:?}");
    assert_eq!((unmerged[0].line, unmerged[0].code), (4, super::UNIDENTIFIED));
}

/// A partner whose key is empty ("(NBPT)") is no evidence either: a host-less report
/// that shares only it with a workshop does not join that workshop.
#[test]
fn a_partner_with_an_empty_key_attaches_nothing() {
    let specs = [
        report(2, "KAZ", &["Alpha Polytechnic"], None, &["(NBPT)"], None, "https://c/2"),
        report(3, "KAZ", &[], None, &["(NBPT)"], None, "https://c/3"),
    ];
    let t = run(&specs);
    let merges = t.merges();
    assert_eq!(merges.len(), 1, "{merges:?}");
    let unmerged = &t.d.placement.unmerged;
    assert_eq!(unmerged.len(), 1, "{unmerged:?}");
    assert_eq!((unmerged[0].line, unmerged[0].code), (3, super::UNIDENTIFIED));
}

/// `luban check` reads dedupe's error lines back from the rerun's output: the line it
/// prints parses to what it was made of, and no other line parses.
#[test]
fn an_error_line_reads_back() {
    let u = super::Unmerged {
        file: "raw/reports/a b.csv".into(),
        line: 62,
        source_url: "https://example.org/x".into(),
        code: super::AMBIGUOUS,
        message: "host `X: Y` makes host-less reports fit two workshops: a:1 (city); b:2".into(),
    };
    assert_eq!(
        super::Unmerged::parse_error_line(&u.error_line()),
        Some((u.code.to_string(), u.file.clone(), 62, u.message.clone()))
    );
    for other in [
        "error[duplicate-row]: raw/reports/a.csv:3: row is the same as row 2",
        "note: host `X` is taken as `Y`",
        "error[ambiguous-workshop]: no line here",
    ] {
        assert_eq!(super::Unmerged::parse_error_line(other), None, "{other}");
    }
}
