//! The gazetteer (`raw/reference/places.csv`): a city it lacks is `unknown-place` at
//! the city's cell, with the nearest city of the country; an alias or a place row (what
//! `tools/gen_places.sh` writes) settles it. Located workshops get their city's point,
//! the others their country's centre, in workshops.csv, the GeoJSON and the site.

use crate::workdir::{laos, machakos, row, Workdir};

fn cell(csv: &str, id_col: &str, col: &str) -> Vec<(String, String)> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let h = r.headers().unwrap().clone();
    let (a, b) = (
        h.iter().position(|x| x == id_col).unwrap(),
        h.iter().position(|x| x == col).unwrap(),
    );
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (x[a].to_string(), x[b].to_string())
        })
        .collect()
}

#[test]
fn a_city_the_gazetteer_lacks_is_an_error_at_its_cell_and_an_alias_settles_it() {
    let wd = Workdir::with_places();
    let typo = row(
        "Kenya",
        "Machakos University",
        "Machakoss",
        "2019-12-14",
        "https://example.org/1",
    );
    wd.reports("africa.csv", &[&machakos(), &typo]);
    wd.run(&["run"])
        .expect(1)
        .stderr_has("error[unknown-place]: \"Machakoss\" is not a known city of Kenya (KEN)\n --> raw/reports/africa.csv:3:21\n")
        .stderr_has("= help: did you mean `Machakos`?");
    wd.append(
        "raw/aliases/cities.csv",
        "Machakoss,Machakos,https://example.org/seen-there",
    );
    wd.run(&["run", "--quiet"]).expect(0);
    let precision = cell(&wd.read("output/workshops.csv"), "workshop_name", "geo_precision");
    assert_eq!(precision, [("Test Workshop".to_string(), "city".to_string())]);
}

#[test]
fn a_new_city_is_located_once_its_place_row_is_added() {
    let wd = Workdir::with_places();
    wd.reports("asia.csv", &[&laos("https://example.org/1")]);
    wd.run(&["run"])
        .expect(1)
        .stderr_has("error[unknown-place]: \"Vientiane\" is not a known city of Lao People's Democratic Republic (LAO)\n --> raw/reports/asia.csv:2:20\n");
    wd.append("raw/reference/places.csv", Workdir::VIENTIANE);
    wd.run(&["run", "--quiet"]).expect(0);
    let out = wd.read("output/workshops.csv");
    let (id, lat) = cell(&out, "workshop_id", "latitude").remove(0);
    assert_eq!(lat, "17.96667");
    assert_eq!(cell(&out, "workshop_id", "longitude")[0].1, "102.6");
    let geojson: serde_json::Value = serde_json::from_str(&wd.read("output/workshops.geojson")).unwrap();
    assert_eq!(
        geojson["features"][0]["geometry"]["coordinates"],
        serde_json::json!([102.6, 17.96667])
    );
    let props = &geojson["features"][0]["properties"];
    assert_eq!(props["geo_precision"], "city");
    // the laos() report: a workshop opened "2025-01", no kind given
    assert_eq!(
        (&props["kind"], &props["opened_on"], &props["opened_precision"]),
        (
            &serde_json::json!("workshop"),
            &serde_json::json!("2025-01"),
            &serde_json::json!("month")
        )
    );
    let page = wd.read(&format!("output/site/workshops/{id}.html"));
    assert!(
        page.contains("<span class=\"source-url\"><a href=\"https://example.org/1\""),
        "{page}"
    );
}

#[test]
fn a_workshop_with_no_city_or_no_gazetteer_is_placed_at_its_country_centre() {
    let centroids = |wd: &Workdir| -> (String, String) {
        let text = wd.read("raw/reference/country_centroids.csv");
        let line = text
            .lines()
            .find(|l| l.starts_with("LAO,"))
            .expect("a centroid for Laos");
        let f: Vec<&str> = line.split(',').collect();
        (f[1].to_string(), f[2].to_string())
    };
    let no_city = Workdir::with_places();
    no_city.reports(
        "asia.csv",
        &[&row(
            "Laos",
            "Vientiane Technical College",
            "",
            "2025-01",
            "https://example.org/1",
        )],
    );
    // no gazetteer at all: the rule is off, every workshop at its country's centre
    let no_gazetteer = Workdir::new();
    no_gazetteer.reports("asia.csv", &[&laos("https://example.org/1")]);
    for wd in [no_city, no_gazetteer] {
        wd.run(&["run", "--quiet"]).expect(0);
        let out = wd.read("output/workshops.csv");
        let (lat, lon) = centroids(&wd);
        let got = |c: &str| cell(&out, "workshop_name", c)[0].1.clone();
        assert_eq!(got("geo_precision"), "country");
        assert_eq!(got("latitude").parse::<f64>().unwrap(), lat.parse::<f64>().unwrap());
        assert_eq!(got("longitude").parse::<f64>().unwrap(), lon.parse::<f64>().unwrap());
    }
}

/// On the committed data: every published city is located or knowingly unlocated, every
/// workshop has its page, a table row and (when located) one marker on the map.
#[test]
fn every_committed_workshop_is_placed_and_has_its_page_row_and_marker() {
    let wd = Workdir::with_committed_raw();
    wd.run(&["run", "--quiet"]).expect(0);
    let out = wd.read("output/workshops.csv");
    let precision = cell(&out, "workshop_id", "geo_precision");
    let cities = cell(&out, "workshop_id", "city");
    let lats = cell(&out, "workshop_id", "latitude");
    let places = wd.read("raw/reference/places.csv");
    let home = wd.read("output/site/index.html");
    let geojson: serde_json::Value = serde_json::from_str(&wd.read("output/workshops.geojson")).unwrap();
    let mut located = 0;
    for (((id, p), (_, city)), (_, lat)) in precision.iter().zip(&cities).zip(&lats) {
        assert!(wd.path(&format!("output/site/workshops/{id}.html")).exists(), "{id}");
        assert_eq!(
            home.matches(&format!("<tr data-workshop-id=\"{id}\"")).count(),
            1,
            "{id}"
        );
        let markers = home.matches(&format!("data-workshop-id=\"{id}\" cx=")).count();
        if lat.is_empty() {
            assert_eq!(
                (p.as_str(), markers),
                ("", 0),
                "{id}: no point, no precision, no marker"
            );
            continue;
        }
        located += 1;
        assert_eq!(markers, 1, "{id}");
        assert!(p == "city" || p == "country", "{id}: {p}");
        if p == "country" && !city.is_empty() {
            let unlocated = format!("\n{city},{},,,,", &id[..3]);
            assert!(places.contains(&unlocated), "{id}: {city} has a point in the gazetteer");
        }
    }
    assert!(located > 0);
    assert_eq!(geojson["features"].as_array().unwrap().len(), located);
    assert_eq!(home.matches("class=\"marker ").count(), located);
}
