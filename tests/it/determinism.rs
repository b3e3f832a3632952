use crate::workdir::{repo, Workdir};

const FILES: [&str; 5] = [
    "workshops.csv",
    "countries.csv",
    "workshops.parquet",
    "countries.parquet",
    "datapackage.json",
];

fn outputs(wd: &Workdir) -> Vec<Vec<u8>> {
    FILES.iter().map(|f| wd.read_bytes(&format!("output/{f}"))).collect()
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
    let wd = Workdir::new();
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
    for (f, (x, y)) in FILES.iter().zip(outputs(&base).iter().zip(outputs(&wd).iter())) {
        assert!(x == y, "output/{f} depends on the order of raw rows");
    }
}
