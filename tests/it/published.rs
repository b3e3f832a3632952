//! The published Parquet files, read back with polars: real types, not strings.

use polars::prelude::{DataType, ParquetReader, SerReader};

use crate::workdir::Workdir;

#[test]
fn parquet_columns_have_real_types() {
    let wd = Workdir::with_committed_raw();
    wd.run(&["run", "--quiet"]).expect(0);
    let df = ParquetReader::new(std::fs::File::open(wd.path("output/workshops.parquet")).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 42);
    let dtype = |c: &str| df.column(c).unwrap().dtype().clone();
    assert_eq!(dtype("opened_on"), DataType::Date);
    assert_eq!(dtype("source_count"), DataType::UInt32);
    for c in ["chinese_partners", "specialties", "source_urls", "conflicts"] {
        assert_eq!(dtype(c), DataType::List(Box::new(DataType::String)), "{c}");
    }
    assert_eq!(dtype("workshop_name"), DataType::String);
    let df = ParquetReader::new(std::fs::File::open(wd.path("output/countries.parquet")).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 31);
    assert_eq!(df.column("workshops").unwrap().dtype(), &DataType::UInt32);
    assert_eq!(df.column("first_opened_on").unwrap().dtype(), &DataType::Date);
}

#[test]
fn datapackage_lists_every_file_with_its_hash_size_and_rows() {
    let wd = Workdir::with_committed_raw();
    wd.run(&["run", "--quiet"]).expect(0);
    let pkg: serde_json::Value = serde_json::from_str(&wd.read("output/datapackage.json")).unwrap();
    let resources = pkg["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 8, "four tables, each as CSV and Parquet");
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
        assert!(
            r["schema"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["description"].is_string()),
            "{path}"
        );
    }
    assert_eq!(resources[0]["rows"], 42);
    assert_eq!(resources[2]["rows"], 31);
}
