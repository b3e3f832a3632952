//! What must hold for ANY valid dataset, checked on a folder after `luban run`: every
//! report accounted for, ids unique, the tables consistent with each other, the Data
//! Package true to its files, real types in Parquet. The committed `raw/` is checked with
//! these and nothing else, so that a pull request that adds, corrects or removes valid
//! rows passes every test; exact counts belong to fixtures. The contributor scenario
//! (`contributor.rs`) runs the same checks on a branch that adds workshops.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::{DataType, ParquetReader, SerReader};

use crate::workdir::Workdir;

/// Every table publish writes as Parquet and CSV.
const PUBLISHED_TABLES: [&str; 7] = [
    "workshops",
    "sources",
    "conflicts",
    "countries",
    "openings_by_year",
    "openings_worldwide",
    "claims_check",
];

type Rows = Vec<BTreeMap<String, String>>;

/// Rows of every raw report file (`raw/reports/*.csv`) of the dataset in `wd`.
fn raw_report_rows(wd: &Workdir) -> usize {
    std::fs::read_dir(wd.path("raw/reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .map(|n| wd.csv_rows(&format!("raw/reports/{n}")).len())
        .sum()
}

fn count_by(rows: &Rows, col: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in rows {
        *out.entry(r[col].clone()).or_default() += 1;
    }
    out
}

fn list(cell: &str) -> Vec<&str> {
    if cell.is_empty() {
        Vec::new()
    } else {
        cell.split(';').collect()
    }
}

/// Asserts every invariant of a published dataset in `wd` (after a successful `run`).
pub fn assert_published_invariants(wd: &Workdir) {
    let ws = wd.csv_rows("output/workshops.csv");
    let cs = wd.csv_rows("output/countries.csv");
    assert!(!ws.is_empty(), "a dataset with reports publishes workshops");

    // every report is accounted for: one line of merges.csv each, none set aside
    let raw = raw_report_rows(wd);
    let merges = wd.csv_rows("build/merges.csv");
    assert_eq!(merges.len(), raw, "merges.csv must list every raw report once");
    assert!(
        wd.csv_rows("build/unmerged.csv").is_empty(),
        "a published dataset sets nothing aside"
    );
    let ids: BTreeSet<&str> = ws.iter().map(|w| w["workshop_id"].as_str()).collect();
    assert_eq!(ids.len(), ws.len(), "workshop ids are unique");
    for m in &merges {
        assert!(
            ids.contains(m["workshop_id"].as_str()),
            "merges.csv names a workshop that is not published: {m:?}"
        );
    }
    // every source URL of a workshop comes from a report merged into it
    let mut urls_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for m in &merges {
        urls_of
            .entry(m["workshop_id"].as_str())
            .or_default()
            .insert(m["source_url"].as_str());
    }
    for w in &ws {
        let id = w["workshop_id"].as_str();
        let urls = list(&w["source_urls"]);
        assert!(!urls.is_empty(), "{id} has no source");
        assert_eq!(w["source_count"], urls.len().to_string(), "{id}: source_count");
        let mine = &urls_of[id];
        assert!(urls.iter().all(|u| mine.contains(u)), "{id}: a source no report gave");
        assert!(
            mine.iter().all(|u| urls.contains(u)),
            "{id}: a report's source is missing"
        );
        // ids are ISO alpha-3 of the country, then hex digits
        let (code, hash) = id.split_once('-').unwrap_or_else(|| panic!("bad id {id}"));
        assert_eq!(code, w["country_code"], "{id}: id and country disagree");
        assert!(
            (hash.len() == 8 || hash.len() == 16) && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "bad id {id}"
        );
    }
    let mut sorted: Vec<&str> = ws.iter().map(|w| w["workshop_id"].as_str()).collect();
    sorted.sort();
    assert!(
        sorted.iter().eq(ws.iter().map(|w| &w["workshop_id"])),
        "workshops are sorted by id"
    );

    // countries agree with workshops, country by country and status by status
    let per_country = count_by(&ws, "country_code");
    assert_eq!(
        cs.len(),
        per_country.len(),
        "one countries row per country with workshops"
    );
    let mut total = 0;
    for c in &cs {
        let code = &c["country_code"];
        let n: usize = c["workshops"].parse().unwrap();
        assert_eq!(n, per_country[code], "{code}: countries.workshops");
        total += n;
        let mine: Rows = ws.iter().filter(|w| &w["country_code"] == code).cloned().collect();
        let statuses = count_by(&mine, "status");
        let mut by_status = 0;
        for s in ["operating", "announced", "planned", "suspended", "closed"] {
            let k: usize = c[s].parse().unwrap();
            assert_eq!(k, statuses.get(s).copied().unwrap_or(0), "{code}: {s}");
            by_status += k;
        }
        assert!(by_status <= n, "{code}: more statuses than workshops");
        let hosts: BTreeSet<&str> = mine
            .iter()
            .flat_map(|w| w["host_institution"].split("; "))
            .filter(|h| !h.is_empty())
            .collect();
        assert_eq!(
            c["host_institutions"],
            hosts.len().to_string(),
            "{code}: host_institutions"
        );
    }
    assert_eq!(total, ws.len(), "countries.workshops sums to the workshops");
    assert_openings_count_each_dated_workshop_once(wd, &ws);
    assert_datapackage_is_true_to_its_files(wd);
    assert_parquet_has_real_types_and_the_csv_rows(wd);
}

/// Openings per year and country count every dated workshop once; the worldwide table's
/// running total is the sum of the openings so far.
fn assert_openings_count_each_dated_workshop_once(wd: &Workdir, ws: &[BTreeMap<String, String>]) {
    let openings = wd.csv_rows("output/openings_by_year.csv");
    let dated = ws.iter().filter(|w| !w["opened_on"].is_empty()).count();
    let mut by_year: BTreeMap<i32, usize> = BTreeMap::new();
    for o in &openings {
        *by_year.entry(o["year"].parse().unwrap()).or_default() += o["openings"].parse::<usize>().unwrap();
    }
    assert_eq!(
        by_year.values().sum::<usize>(),
        dated,
        "every dated workshop opens once"
    );
    let world = wd.csv_rows("output/openings_worldwide.csv");
    assert_eq!(world.len(), by_year.len(), "one worldwide row per year with openings");
    let mut running = 0;
    for ((year, n), w) in by_year.iter().zip(&world) {
        running += n;
        assert_eq!(w["year"], year.to_string());
        assert_eq!(w["openings"], n.to_string(), "{year}: the countries' openings summed");
        assert_eq!(w["cumulative_openings"], running.to_string(), "{year}: running total");
    }
}

/// Every resource of the Data Package: its rows, bytes and sha256 are the file's.
fn assert_datapackage_is_true_to_its_files(wd: &Workdir) {
    let pkg: serde_json::Value = serde_json::from_str(&wd.read("output/datapackage.json")).unwrap();
    let resources = pkg["resources"].as_array().unwrap();
    let paths: BTreeSet<&str> = resources.iter().map(|r| r["path"].as_str().unwrap()).collect();
    for t in PUBLISHED_TABLES {
        for ext in ["csv", "parquet"] {
            assert!(
                paths.contains(format!("{t}.{ext}").as_str()),
                "{t}.{ext} is not in the package"
            );
        }
    }
    for r in resources {
        let path = r["path"].as_str().unwrap();
        let bytes = wd.read_bytes(&format!("output/{path}"));
        let key = |k: &str| {
            if path.ends_with(".parquet") {
                format!("x-luban-{k}")
            } else {
                k.to_string()
            }
        };
        assert_eq!(r[key("bytes")].as_u64(), Some(bytes.len() as u64), "{path}");
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&bytes))
        };
        assert_eq!(
            r[key("hash")].as_str(),
            Some(format!("sha256:{sha}").as_str()),
            "{path}"
        );
        let table = path.rsplit_once('.').unwrap().0;
        let rows = wd.csv_rows(&format!("output/{table}.csv")).len();
        assert_eq!(r["rows"].as_u64(), Some(rows as u64), "{path}: rows");
        let fields = r["schema"]["fields"].as_array().unwrap();
        assert!(fields.iter().all(|f| f["description"].is_string()), "{path}");
    }
    // the website's downloads offer every file of the package (the Pages workflow puts
    // them under data/)
    if wd.path("output/site/index.html").exists() {
        let home = wd.read("output/site/index.html");
        for path in paths.iter().copied().chain(["datapackage.json", "workshops.geojson"]) {
            assert!(
                home.contains(&format!("href=\"data/{path}\"")),
                "the site offers no {path}"
            );
        }
    }
}

/// The Parquet files hold the CSV's rows, with dates, counts and lists typed.
fn assert_parquet_has_real_types_and_the_csv_rows(wd: &Workdir) {
    let read = |t: &str| {
        ParquetReader::new(std::fs::File::open(wd.path(&format!("output/{t}.parquet"))).unwrap())
            .finish()
            .unwrap()
    };
    let df = read("workshops");
    assert_eq!(df.height(), wd.csv_rows("output/workshops.csv").len());
    let dtype = |c: &str| df.column(c).unwrap().dtype().clone();
    assert_eq!(dtype("opened_on"), DataType::Date);
    assert_eq!(dtype("source_count"), DataType::Int64);
    for c in ["chinese_partners", "specialties", "source_urls", "conflicts"] {
        assert_eq!(dtype(c), DataType::List(Box::new(DataType::String)), "{c}");
    }
    assert_eq!(dtype("workshop_name"), DataType::String);
    let df = read("countries");
    assert_eq!(df.height(), wd.csv_rows("output/countries.csv").len());
    assert_eq!(df.column("workshops").unwrap().dtype(), &DataType::Int64);
    assert_eq!(df.column("first_opened_on").unwrap().dtype(), &DataType::Date);
    for t in ["openings_by_year", "claims_check"] {
        assert_eq!(read(t).height(), wd.csv_rows(&format!("output/{t}.csv")).len(), "{t}");
    }
    // integers are signed Int64 in every table: an unsigned count wraps when subtracted
    for t in PUBLISHED_TABLES {
        for c in read(t).columns() {
            let d = c.dtype();
            assert!(!d.is_integer() || d == &DataType::Int64, "{t}.{}: {d}", c.name());
        }
    }
}

#[test]
fn the_committed_dataset_holds_every_invariant() {
    let wd = Workdir::with_committed_raw();
    let out = wd.run(&["run"]).expect(0);
    for stage in ["ingest", "validate", "normalize", "dedupe", "aggregate", "publish"] {
        out.stderr_has(&format!("{stage}:"));
    }
    assert_published_invariants(&wd);
    // the binary artifacts hold what was published, and `luban show` reads them
    let shown = wd.run(&["show", "build/workshops.arrow"]).expect(0);
    let shown_ids: Vec<String> = shown
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["workshop_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let ids: Vec<String> = wd
        .csv_rows("output/workshops.csv")
        .into_iter()
        .map(|w| w["workshop_id"].clone())
        .collect();
    assert_eq!(shown_ids, ids);
    // the long tables are shown too, row for row; a damaged one names the stage that
    // writes it
    let shown = wd.run(&["show", "build/conflicts.arrow"]).expect(0);
    assert_eq!(shown.stdout.lines().count(), wd.csv_rows("output/conflicts.csv").len());
    std::fs::write(wd.path("build/sources.arrow"), "not a table").unwrap();
    wd.run(&["show", "build/sources.arrow"])
        .expect(2)
        .stderr_has("rerun `luban dedupe`");
    wd.run(&["show", "raw/claims.csv"])
        .expect(2)
        .stderr_has("is not a luban artifact");
}

/// The checks above can fail: a published table that disagrees with another is caught.
#[test]
fn the_invariants_catch_tables_that_disagree() {
    let wd = Workdir::with_committed_raw();
    wd.run(&["run", "--quiet"]).expect(0);
    let countries = wd.read("output/countries.csv");
    let mut lines: Vec<&str> = countries.lines().collect();
    lines.pop(); // a country whose workshops are no longer counted
    wd.write("output/countries.csv", lines.join("\n") + "\n");
    let caught = std::panic::catch_unwind(|| assert_published_invariants(&wd));
    assert!(
        caught.is_err(),
        "a countries table missing a country passed the invariants"
    );
}
