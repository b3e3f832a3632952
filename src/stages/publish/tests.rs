use std::ops::Range;

use super::parquet::{frame, parquet_writer, write_parquet};
use super::*;
use crate::model::Workshops;
use crate::names::places::Location;

fn workshops(n: usize) -> Workshops {
    let mut w = Workshops::default();
    for i in 0..n {
        w.push_for_test(crate::model::WorkshopTexts {
            id: &format!("KEN-{i:08x}"),
            name: &format!("Luban Workshop {}", i % 977),
            country: ("KEN", "Kenya", "Africa", "Eastern Africa"),
            city: (i % 3 != 1).then_some("Machakos"),
            host: Some(&format!("College No. {i}")),
            partners: &vec!["Tianjin Vocational Institute"; i % 3],
            opened: Some(&format!("{}", 2016 + i % 9)),
            status: Some("operating"),
            specialties: &["CNC"],
            urls: &(0..1 + i % 4)
                .map(|k| format!("https://example.org/{i}/{k}"))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            ..Default::default()
        });
    }
    w
}

/// The groups are those polars' own one-shot writer made: `len / ROW_GROUP_SIZE`
/// of them (one for a smaller table), equal but for the last, covering every row.
#[test]
fn row_groups_cover_every_row_as_polars_splits_them() {
    let items = vec![0u8; 5 * ROW_GROUP_SIZE + 123];
    for len in [
        0,
        1,
        ROW_GROUP_SIZE - 1,
        ROW_GROUP_SIZE,
        2 * ROW_GROUP_SIZE - 1,
        2 * ROW_GROUP_SIZE,
        items.len(),
    ] {
        let rows = Rows::of(&items[..len], |_| Table {
            name: "t",
            columns: vec![],
            rows: 0,
        });
        let groups = rows.groups();
        assert_eq!(groups.len(), (len / ROW_GROUP_SIZE).max(1), "{len}");
        assert_eq!(groups[0].start, 0);
        assert_eq!(groups.last().unwrap().end, len);
        assert!(groups.windows(2).all(|w| w[0].end == w[1].start), "{len}: {groups:?}");
        let size = groups[0].len();
        assert!(
            groups.iter().rev().skip(1).all(|g| g.len() == size),
            "{len}: {groups:?}"
        );
        if groups.len() > 1 {
            assert!(groups.iter().all(|g| g.len() >= ROW_GROUP_SIZE), "{len}: {groups:?}");
        }
    }
}

/// A table of several row groups, written group by group, reads back whole: every
/// row, in the groups above, and the same CSV rows as one pass over the records.
#[test]
fn a_table_of_several_row_groups_is_written_group_by_group() {
    let ws = workshops(2 * ROW_GROUP_SIZE + 4321);
    let locs: Vec<Option<Location>> = (0..ws.len())
        .map(|i| {
            (i % 3 > 0).then_some(Location {
                latitude: i as f64 / 1e5,
                longitude: -(i as f64) / 1e5,
                precision: crate::names::places::Precision::City,
            })
        })
        .collect();
    let rows = Rows::workshops(&ws, &locs);
    let dir = tempfile::tempdir().unwrap();
    let schema_text = std::fs::read_to_string("schemas/workshops.schema.json").unwrap();
    let schema = TableSchema::parse(Path::new("w"), "w", &schema_text).unwrap();
    let path = dir.path().join("w.parquet");
    let (bytes, _) = write_parquet(&path, &rows, &schema, &serde_json::json!({"version": "test"})).unwrap();
    assert_eq!(bytes, std::fs::metadata(&path).unwrap().len());
    let meta = polars_parquet::read::read_metadata(&mut File::open(&path).unwrap()).unwrap();
    assert_eq!(meta.num_rows, ws.len());
    let sizes: Vec<usize> = meta.row_groups.iter().map(|g| g.num_rows()).collect();
    let want: Vec<usize> = rows.groups().iter().map(Range::len).collect();
    assert_eq!(sizes, want);
    assert_eq!(sizes.len(), 2);
    // the pages are polars' own: the same groups through its `write_batch`, which
    // compresses on the writing thread, give the same bytes
    let reference = dir.path().join("ref.parquet");
    {
        let empty = frame(&(rows.slice)(0..0)).unwrap();
        let mut out = File::create(&reference).unwrap();
        let (mut writer, _) = parquet_writer(
            &mut out,
            &empty,
            rows.name,
            &schema,
            &serde_json::json!({"version": "test"}),
        )
        .unwrap();
        for range in rows.groups() {
            writer.write_batch(&frame(&(rows.slice)(range)).unwrap()).unwrap();
        }
        writer.finish().unwrap();
    }
    assert!(std::fs::read(&path).unwrap() == std::fs::read(&reference).unwrap());
    // the CSV: a header and one line per workshop, the last one the last workshop's
    let csv_path = dir.path().join("w.csv");
    write_csv(&csv_path, &rows).unwrap();
    let mut rdr = csv::Reader::from_path(&csv_path).unwrap();
    let ids: Vec<String> = rdr.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(ids.len(), ws.len());
    assert!(ids.iter().enumerate().all(|(i, id)| id == ws.workshop_id.str(i)));
}

#[test]
fn formula_like_cells_are_prefixed() {
    for (cell, want) in [
        ("=1+1", "'=1+1"),
        ("+7", "'+7"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Kenya", "Kenya"),
        ("a=b", "a=b"),
    ] {
        assert_eq!(csv_safe(cell), want);
    }
}
