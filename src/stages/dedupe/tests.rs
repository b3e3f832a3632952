use proptest::prelude::*;

use super::*;
use crate::model::{ReportAt, SharedList};

fn report(
    line: u64,
    country: &str,
    host: &[&str],
    city: Option<&str>,
    partners: &[&str],
    opened: Option<&str>,
    url: &str,
) -> Report {
    Report {
        at: ReportAt {
            file: "raw/reports/t.csv".into(),
            line,
        },
        free_text: Default::default(),
        country: std::sync::Arc::new(crate::model::CountryNames {
            code: country.into(),
            name: country.into(),
            region: "".into(),
            subregion: "".into(),
        }),
        city: city.map(Into::into),
        host_institutions: host.iter().map(|&s| s.into()).collect(),
        chinese_partners: partners.iter().map(|&s| s.into()).collect(),
        opened_on: opened.map(|d| PartialDate::parse(d).unwrap()),
        status: None,
        specialties: SharedList::from([]),
        source_url: url.into(),
        source_date: None,
        organiser_province: None,
    }
}

fn sample() -> Vec<Report> {
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
    let d = dedupe(sample()).unwrap();
    assert_eq!(d.workshops.len(), 4, "{:#?}", d.workshops);
    let by_city = |c: &str| d.workshops.iter().find(|w| w.city.as_deref() == Some(c)).unwrap();
    let osk = by_city("Oskemen");
    assert_eq!(
        osk.source_count, 3,
        "EKTU twice (case differs) plus the Oskemen city report"
    );
    assert_eq!(
        osk.opened_on.unwrap().to_string(),
        "2023-12-15",
        "most precise of agreeing dates"
    );
    assert!(osk.conflicts.is_empty(), "{:?}", osk.conflicts);
    let alm = by_city("Almaty");
    assert_eq!(alm.source_count, 3);
    assert_eq!(alm.opened_on.unwrap().to_string(), "2025-08-30");
    assert_eq!(alm.conflicts.len(), 1);
    assert!(
        alm.conflicts[0].starts_with("opened_on: 2025-08-30 (https://a/3) vs 2025-11-01 (https://a/4)"),
        "{:?}",
        alm.conflicts
    );
    assert_eq!(&*by_city("Lalitpur").country_code, "NPL");
    // TVI partners two Kazakh workshops: a report naming only TVI is not guessed at
    assert_eq!(d.unmerged.len(), 1);
    assert_eq!(d.unmerged[0].line, 9);
    assert_eq!(d.unmerged[0].code, "ambiguous-workshop");
    // every report is placed exactly once
    assert_eq!(d.merges().len() + d.unmerged.len(), sample().len());
}

#[test]
fn a_city_contradiction_blocks_attachment() {
    let rs = vec![
        report(2, "GHA", &["UENR"], Some("Sunyani"), &["Liaoning"], None, "https://a/1"),
        report(3, "GHA", &[], Some("Accra"), &["Liaoning"], None, "https://a/2"),
    ];
    let d = dedupe(rs).unwrap();
    assert_eq!(d.workshops.len(), 2, "a different city means a different workshop");
}

#[test]
fn disagreeing_dates_keep_the_majority_then_the_more_precise() {
    let rs = vec![
        report(2, "GBR", &["CCG"], None, &[], Some("2017-05"), "https://a/1"),
        report(3, "GBR", &["CCG"], None, &[], Some("2016"), "https://a/2"),
    ];
    let w = &dedupe(rs).unwrap().workshops[0];
    assert_eq!(w.opened_on.unwrap().to_string(), "2017-05");
    assert_eq!(
        w.conflicts.to_vec(),
        vec!["opened_on: 2017-05 (https://a/1) vs 2016 (https://a/2)"]
    );
    let rs = vec![
        report(2, "PRT", &["IPS"], None, &[], Some("2018-12-06"), "https://a/1"),
        report(3, "PRT", &["IPS"], None, &[], Some("2018-12-05"), "https://a/2"),
        report(4, "PRT", &["IPS"], None, &[], Some("2018-12-06"), "https://a/3"),
    ];
    assert_eq!(
        dedupe(rs).unwrap().workshops[0].opened_on.unwrap().to_string(),
        "2018-12-06"
    );
}

#[test]
fn the_latest_report_sets_the_status_and_others_are_conflicts() {
    let mut a = report(2, "RUS", &["UAII"], None, &[], None, "https://a/1");
    a.status = Some("announced".into());
    a.source_date = Some(PartialDate::parse("2024-02-21").unwrap());
    let mut b = report(3, "RUS", &["UAII"], None, &[], None, "https://a/2");
    b.status = Some("planned".into());
    b.source_date = Some(PartialDate::parse("2025-07").unwrap());
    let w = &dedupe(vec![a, b]).unwrap().workshops[0];
    assert_eq!(w.status.as_deref(), Some("planned"));
    assert_eq!(
        w.conflicts.to_vec(),
        vec!["status: announced (https://a/1) vs planned (https://a/2)"]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn dedupe_does_not_depend_on_input_order(perm in Just((0..9usize).collect::<Vec<_>>()).prop_shuffle()) {
        let base = dedupe(sample()).unwrap();
        let shuffled: Vec<Report> = perm.iter().map(|&i| sample()[i].clone()).collect();
        let d = dedupe(shuffled).unwrap();
        prop_assert_eq!(&d.workshops, &base.workshops);
        prop_assert_eq!(d.merges(), base.merges());
        prop_assert_eq!(&d.unmerged, &base.unmerged);
    }

    #[test]
    fn every_report_lands_in_exactly_one_workshop_or_is_set_aside(keep in proptest::collection::vec(any::<bool>(), 9)) {
        let rs: Vec<Report> = sample().into_iter().zip(&keep).filter(|(_, k)| **k).map(|(r, _)| r).collect();
        let n = rs.len();
        let d = dedupe(rs).unwrap();
        let mut placed: Vec<u64> = d.merges().iter().map(|m| m.line).chain(d.unmerged.iter().map(|u| u.line)).collect();
        placed.sort();
        let before = placed.len();
        placed.dedup();
        prop_assert_eq!(before, placed.len(), "a report placed twice");
        prop_assert_eq!(placed.len(), n);
        // every workshop has its reports, and every merge names a workshop
        let merges = d.merges();
        let ids: BTreeSet<&str> = d.workshops.iter().map(|w| &*w.workshop_id).collect();
        let merged_into: BTreeSet<&str> = merges.iter().map(|m| &*m.workshop_id).collect();
        prop_assert_eq!(ids.len(), d.workshops.len(), "two workshops with one id");
        prop_assert_eq!(ids, merged_into);
    }
}

/// `copies` copies of the sample, each about hosts, cities, partners and URLs of its own.
fn many_samples(copies: usize) -> Vec<Report> {
    (0..copies)
        .flat_map(|k| {
            sample().into_iter().map(move |r| {
                let own = |s: &str| format!("{s} {k}");
                Report {
                    at: ReportAt {
                        file: r.at.file.clone(),
                        line: r.at.line + 100 * k as u64,
                    },
                    city: r.city.as_deref().map(|c| own(c).into()),
                    host_institutions: r.host_institutions.iter().map(|h| own(h).into()).collect(),
                    chinese_partners: r.chinese_partners.iter().map(|p| own(p).into()).collect(),
                    source_url: own(&r.source_url).into(),
                    ..r
                }
            })
        })
        .collect()
}

/// Past one block of reports read ahead (`crate::read_ahead`), in any input order, the
/// copies dedupe as the sample does, each on its own.
#[test]
fn many_reports_dedupe_as_few_in_any_order() {
    let copies = 40;
    let one = dedupe(sample()).unwrap();
    let all = many_samples(copies);
    assert!(all.len() > 8 * crate::read_ahead::BLOCK);
    let d = dedupe(all.clone()).unwrap();
    assert_eq!(d.workshops.len(), copies * one.workshops.len());
    assert_eq!(d.merges().len(), copies * one.merges().len());
    assert_eq!(d.unmerged.len(), copies * one.unmerged.len());
    // the first copy's workshops are the sample's, but for their own names
    let sizes = |ws: &[Workshop]| {
        let mut v: Vec<u32> = ws.iter().map(|w| w.source_count).collect();
        v.sort();
        v
    };
    assert_eq!(
        sizes(&d.workshops).chunks(copies).map(|c| c[0]).collect::<Vec<_>>(),
        sizes(&one.workshops)
    );
    // reversed, then every third report first: the same result
    let mut shuffled: Vec<Report> = all.iter().rev().cloned().collect();
    shuffled.sort_by_key(|r| r.at.line % 3);
    let e = dedupe(shuffled).unwrap();
    assert_eq!(e.workshops, d.workshops);
    assert_eq!(e.merges(), d.merges());
    assert_eq!(e.unmerged, d.unmerged);
}

#[test]
fn specialties_union_ignores_case_and_keeps_one_spelling_in_a_stable_order() {
    let items: Vec<String> = [
        "robotics",
        "Automation",
        "ROBOTICS",
        "Robotics",
        "automation",
        "logistics",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let got = union_ignoring_case(items.iter());
    assert_eq!(got, vec!["Automation", "logistics", "ROBOTICS"]);
    let reversed = union_ignoring_case(items.iter().rev());
    assert_eq!(reversed, got, "input order must not matter");
}

#[test]
fn workshops_whose_short_ids_collide_both_get_long_ids() {
    // find two host names in one country whose 8-digit ids collide (a 32-bit birthday
    // search: ~80 000 names on average)
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let (a, b) = (0u32..)
        .find_map(|i| {
            let id = workshop_id("KAZ", &format!("KAZ|host|h{i}"));
            seen.insert(id, i).map(|j| (j, i))
        })
        .unwrap();
    let ha = format!("h{a}");
    let hb = format!("h{b}");
    let reports = vec![
        report(2, "KAZ", &[&ha], None, &[], None, "https://a/1"),
        report(3, "KAZ", &[&hb], None, &[], None, "https://a/2"),
        report(4, "KAZ", &["other"], None, &[], None, "https://a/3"),
    ];
    let d = dedupe(reports).unwrap();
    let ids: Vec<&str> = d.workshops.iter().map(|w| &*w.workshop_id).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    let long: Vec<&&str> = ids.iter().filter(|id| id.len() == "KAZ-".len() + 16).collect();
    assert_eq!(long.len(), 2, "both colliding workshops get 16 digits: {ids:?}");
    assert_eq!(long[0][..12], long[1][..12], "they share their first 8 digits");
    assert!(
        ids.contains(&workshop_id("KAZ", "KAZ|host|other").as_str()),
        "others keep 8 digits"
    );
    let pattern = regex::Regex::new("^[A-Z]{3}-[0-9a-f]{8}([0-9a-f]{8})?$").unwrap();
    assert!(ids.iter().all(|id| pattern.is_match(id)), "{ids:?}");
}

#[test]
fn each_merge_names_its_own_reports_rule_though_one_buffer_renders_them() {
    // One workshop (the hosts share EKTU) whose reports give three different host lists,
    // in an order where equal lists are not all next to each other, plus a host-less
    // report attached by city.
    let hosts: [&[&str]; 5] = [&["EKTU"], &["EKTU", "Tianjin College"], &["EKTU"], &["EKTU"], &[]];
    let reports: Vec<Report> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let line = i as u64 + 2;
            report(line, "KAZ", h, Some("Oskemen"), &[], None, &format!("https://m/{line}"))
        })
        .collect();
    let d = dedupe(reports).unwrap();
    assert_eq!(d.workshops.len(), 1, "{:#?}", d.workshops);
    let merges = d.merges();
    let rules: Vec<(u64, &str)> = merges.iter().map(|m| (m.line, &*m.rule)).collect();
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
    let w = &d.workshops[0];
    assert!(merges.iter().all(|m| *m.workshop_id == *w.workshop_id));
    let lines: Vec<u64> = merges
        .iter()
        .filter(|m| *m.workshop_id == *w.workshop_id)
        .map(|m| m.line)
        .collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 6]);
}

/// merges.csv lists the reports by (file, line), whatever order they came in.
#[test]
fn merges_list_the_reports_by_file_and_line() {
    let mut rs = sample();
    // two files, read in reverse order
    for r in &mut rs[..4] {
        r.at.file = "raw/reports/u.csv".into();
    }
    rs.reverse();
    let d = dedupe(rs).unwrap();
    let at: Vec<(String, u64)> = d.merges().iter().map(|m| (m.file.to_string(), m.line)).collect();
    let mut sorted = at.clone();
    sorted.sort();
    assert_eq!(at, sorted);
    assert_eq!(at.len() + d.unmerged.len(), sample().len());
    assert!(at.iter().any(|(f, _)| f.ends_with("u.csv")) && at.iter().any(|(f, _)| f.ends_with("t.csv")));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// merges.csv is rendered in blocks on several threads: any cut into ranges must
    /// render the same merges, rule texts included.
    #[test]
    fn merges_rendered_in_blocks_are_the_merges_rendered_whole(cuts in proptest::collection::vec(0..9usize, 0..4)) {
        let d = dedupe(sample()).unwrap();
        let whole: Vec<(String, u64, String)> = d
            .merges()
            .into_iter()
            .map(|m| (m.workshop_id.to_string(), m.line, m.rule.to_string()))
            .collect();
        prop_assert!(whole.len() > 2);
        let positions = d.trail.positions();
        let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c.min(positions)).collect();
        bounds.extend([0, positions]);
        bounds.sort_unstable();
        let mut blocks = Vec::new();
        for pair in bounds.windows(2) {
            d.for_each_merge_in(pair[0]..pair[1], |id, r, rule| {
                blocks.push((id.to_string(), r.at.line, rule.to_string()));
                Ok(())
            })
            .unwrap();
        }
        prop_assert_eq!(blocks, whole);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// One pass in index order gives every element the root `find` gives it, whatever
    /// the unions and however far `find` has compressed the paths before.
    #[test]
    fn flattened_roots_are_the_roots_find_gives(
        unions in proptest::collection::vec((0..200usize, 0..200usize), 0..300),
        finds in proptest::collection::vec(0..200usize, 0..50),
    ) {
        let mut dsu = Dsu((0..200).collect());
        for &(a, b) in &unions {
            dsu.union(a, b);
        }
        for &x in &finds {
            dsu.find(x);
        }
        let want: Vec<usize> = (0..200).map(|x| dsu.find(x)).collect();
        // a fresh copy, with only the finds above applied to it
        let mut fresh = Dsu((0..200).collect());
        for &(a, b) in &unions {
            fresh.union(a, b);
        }
        for &x in &finds {
            fresh.find(x);
        }
        prop_assert_eq!(fresh.flatten(), want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Ids are sorted by their first 16 bytes first: that order never contradicts the
    /// texts' own, and equal prefixes of texts that fit in 16 bytes are equal texts.
    #[test]
    fn text_prefixes_order_like_their_texts(a in "[A-Z-]{0,3}[0-9a-f\\x00]{0,20}", b in "[A-Z-]{0,3}[0-9a-f\\x00]{0,20}") {
        let (pa, pb) = (text_prefix(&a), text_prefix(&b));
        if pa != pb {
            prop_assert_eq!(pa.cmp(&pb), a.cmp(&b));
        } else if a.len() < 16 && b.len() < 16 && !a.contains('\0') && !b.contains('\0') {
            prop_assert_eq!(&a, &b);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Host keys as numbers: each report's keys are the name keys of its hosts, in its
    /// order; equal numbers are equal key texts; and a pair's number is the same exactly
    /// when country and key text are. Names are shared allocations or copies, and some
    /// differ only in case (same key, different name).
    #[test]
    fn host_key_numbers_are_the_name_keys(
        picks in proptest::collection::vec((0..3usize, proptest::collection::vec((0..6usize, any::<bool>()), 0..4)), 1..40),
    ) {
        let texts = ["Tianjin College", "TIANJIN COLLEGE", "Nairobi Polytechnic", "EKTU", "Ektu (Oskemen)", "Cairo Univ."];
        let pool: Vec<Shared> = texts.iter().map(|&t| t.into()).collect();
        let countries = ["KAZ", "KEN", "EGY"];
        let reports: Vec<Report> = picks
            .iter()
            .enumerate()
            .map(|(k, (country, hosts))| {
                let mut r = report(k as u64 + 2, countries[*country], &[], None, &[], None, &format!("https://a/{k}"));
                r.host_institutions = hosts
                    .iter()
                    .map(|&(h, shared)| if shared { pool[h].clone() } else { Shared::from(texts[h]) })
                    .collect();
                r
            })
            .collect();
        let records: Chunked<Report> = reports.clone().into();
        let keys = HostKeys::of(&records);
        let content_of: Vec<u32> = (0..reports.len() as u32).rev().collect();
        let pairs = keys.pairs(&content_of);
        let mut want_pairs = Vec::new();
        for (at, r) in reports.iter().enumerate() {
            prop_assert_eq!(keys.country(at), &*r.country.code);
            let got: Vec<&str> = keys.of_report(at).iter().map(|&k| keys.text(k)).collect();
            let want: Vec<String> = r.host_institutions.iter().map(|h| name_key(h)).collect();
            prop_assert_eq!(&got, &want.iter().map(String::as_str).collect::<Vec<_>>());
            for (k, key) in keys.of_report(at).iter().zip(want) {
                want_pairs.push((&*r.country.code, key.clone(), content_of[at]));
                for (at2, r2) in reports.iter().enumerate() {
                    for (k2, h2) in keys.of_report(at2).iter().zip(r2.host_institutions.iter()) {
                        prop_assert_eq!(k == k2, *key == name_key(h2));
                    }
                }
            }
        }
        prop_assert_eq!(pairs.len(), want_pairs.len());
        for (p, (country, key, position)) in pairs.iter().zip(&want_pairs) {
            prop_assert_eq!(*p as u32, *position);
            for (q, (country2, key2, _)) in pairs.iter().zip(&want_pairs) {
                prop_assert_eq!(p >> 32 == q >> 32, country == country2 && key == key2);
            }
        }
    }
}

/// Host lists with the same names, each in its own allocation (as frames decode
/// them) across chunks, end up one list; different lists and empty ones stay what
/// they were; no report's names change.
#[test]
fn equal_host_lists_across_frames_are_shared() {
    let names = |i: usize| -> SharedList {
        match i % 4 {
            0 => SharedList::from([]),
            1 => SharedList::from(vec![Shared::from("EKTU"), Shared::from("Machakos University")]),
            // the same names, in the other order: a different list
            2 => SharedList::from(vec![Shared::from("Machakos University"), Shared::from("EKTU")]),
            // a name that runs into the next one's start, were they not kept apart
            _ => SharedList::from(vec![Shared::from("EKTUMachakos"), Shared::from(" University")]),
        }
    };
    let n = 2 * crate::chunked::CHUNK + 77;
    let texts = |all: &Chunked<Report>| -> Vec<Vec<String>> {
        all.iter()
            .map(|r| r.host_institutions.iter().map(|s| s.to_string()).collect())
            .collect()
    };
    // the real hash, and one under which every list collides with every other
    type Share<'a> = &'a dyn Fn(&mut Chunked<Report>);
    let hashes: [Share; 2] = [&host_keys::share_host_lists, &|all| {
        host_keys::share_host_lists_by(all, |_| 7)
    }];
    for share in hashes {
        let mut all: Chunked<Report> = Chunked::new();
        for i in 0..n {
            let mut r = report(i as u64, "KAZ", &[], None, &[], None, &format!("https://a/{i}"));
            r.host_institutions = names(i);
            all.push(r);
        }
        let before = texts(&all);
        share(&mut all);
        assert_eq!(texts(&all), before);
        for kind in 1..4 {
            // every report of a kind, in every chunk, holds the first one's list
            let first = &all[kind].host_institutions;
            assert!(
                (kind..n)
                    .step_by(4)
                    .all(|i| SharedList::ptr_eq(&all[i].host_institutions, first)),
                "{kind}"
            );
        }
        assert!(!SharedList::ptr_eq(
            &all[1].host_institutions,
            &all[2].host_institutions
        ));
        assert!(!SharedList::ptr_eq(
            &all[1].host_institutions,
            &all[3].host_institutions
        ));
    }
}
