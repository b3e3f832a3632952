use crate::workdir::{repo, Workdir};

const FILES: [&str; 6] = [
    "workshops.csv",
    "countries.csv",
    "workshops.parquet",
    "countries.parquet",
    "datapackage.json",
    "workshops.geojson",
];

/// Every file of `dir` and its subfolders, by path relative to `base`, in path order.
fn tree(base: &std::path::Path, dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            tree(base, &p, out);
        } else {
            let rel = p.strip_prefix(base).unwrap().display().to_string();
            out.push((rel, std::fs::read(&p).unwrap()));
        }
    }
}

/// The published files compared, then every file of the site.
fn outputs(wd: &Workdir) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = FILES
        .iter()
        .map(|f| (f.to_string(), wd.read_bytes(&format!("output/{f}"))))
        .collect();
    let site = wd.path("output/site");
    let before = out.len();
    tree(&site, &site, &mut out);
    assert!(out.len() > before + 3, "output/site/ has no pages");
    out
}

#[test]
fn rerun_gives_byte_identical_output() {
    let wd = Workdir::with_committed_raw();
    wd.run(&["run", "--quiet"]).expect(0);
    let first = outputs(&wd);
    wd.run(&["run", "--quiet"]).expect(0);
    assert!(first == outputs(&wd), "second run changed output/");
}

#[test]
fn shuffled_and_regrouped_raw_rows_give_byte_identical_output() {
    let base = Workdir::with_committed_raw();
    base.run(&["run", "--quiet"]).expect(0);
    // Same reports, reversed and redistributed over differently named files.
    let wd = Workdir::with_places();
    wd.append("raw/reference/places.csv", Workdir::VIENTIANE);
    // (the maintainers' decisions are part of the data: two pairs of workshops are
    // decided different)
    std::fs::copy(repo().join("raw/decisions.csv"), wd.path("raw/decisions.csv")).unwrap();
    let mut rows: Vec<String> = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(repo().join("raw/reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let mut rdr = csv::Reader::from_path(&p).unwrap();
        for r in rdr.records() {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(&r.unwrap()).unwrap();
            rows.push(
                String::from_utf8(w.into_inner().unwrap())
                    .unwrap()
                    .trim_end()
                    .to_string(),
            );
        }
    }
    rows.reverse();
    let (a, b) = rows.split_at(rows.len() / 3);
    wd.reports("zz-first.csv", &a.iter().map(String::as_str).collect::<Vec<_>>());
    wd.reports("aa-second.csv", &b.iter().map(String::as_str).collect::<Vec<_>>());
    wd.run(&["run", "--quiet"]).expect(0);
    let (x, y) = (outputs(&base), outputs(&wd));
    assert_eq!(x.len(), y.len(), "not the same files");
    for ((f, x), (g, y)) in x.iter().zip(&y) {
        assert_eq!(f, g);
        assert!(x == y, "output/{f} depends on the order of raw rows");
    }
}
