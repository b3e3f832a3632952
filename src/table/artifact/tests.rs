use super::*;
use polars::prelude::Column;

/// Lists of dictionary entries come back with the ids and dictionary they were
/// written with, over several batches and whatever width polars gives the ids.
#[test]
fn dictionary_lists_read_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.arrow");
    for size in [3usize, 300, 70_000] {
        let dict: Names = (0..size)
            .map(|i| format!("name {i}"))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect();
        let mut lists = IdLists::new();
        for row in 0..2_000u32 {
            let ids: Vec<u32> = (0..row % 4).map(|k| (row * 7 + k * 13) % size as u32).collect();
            lists.push(&ids);
        }
        let list_dict = ListDict::of(dict.iter()).unwrap();
        let batch = |rows: Range<usize>| {
            let n = rows.len();
            let col = names_in_lists("partners", &lists, &list_dict, rows).unwrap();
            Ok(DataFrame::new(n, vec![col]).unwrap())
        };
        // 2,000 rows of about 40 MB of text each: the smallest batches, 1,024 rows
        write(&path, lists.len(), 80_000_000_000, batch).unwrap();
        let (back, dict_back) = Columns::new(&path, "normalize").dict_lists("partners").unwrap();
        assert_eq!(dict_back, dict, "{size}");
        assert_eq!(back, lists, "{size}");
    }
}

#[test]
fn a_table_reads_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.arrow");
    let dict: Names = ["Kenya", "Egypt", "Öskemen"].into_iter().collect();
    let mut lists = IdLists::new();
    lists.push(&[2, 0]);
    lists.push(&[]);
    lists.push(&[1]);
    let mut urls = TextLists::default();
    urls.push(["https://a", "https://b"]);
    urls.push([]);
    urls.push(["https://c"]);
    let texts: Texts = [Some("x"), None, Some("科特迪瓦")].into_iter().collect();
    let dates = [
        PartialDate::parse("2017-05").ok(),
        None,
        PartialDate::parse("2019-12-14").ok(),
    ];
    let build = || {
        let [d, p] = dates_cols(&dates);
        DataFrame::new(
            3,
            vec![
                names("country", &[1, NONE, 0], &dict).unwrap(),
                name_lists("hosts", &lists, &dict, 0..3),
                text_lists("urls", &urls, 0..3),
                super::texts("name", &texts, 0..3),
                counts("n", &[1, 2, 3]),
                d,
                p,
            ],
        )
        .unwrap()
    };
    let df = build();
    write(&path, 3, 0, |_| Ok(df.clone())).unwrap();
    let back = read(&path, "normalize").unwrap();
    let (ids, names_back) = get_names(&back, "country").unwrap();
    assert_eq!(ids, [1, NONE, 0]);
    assert_eq!(names_back, dict);
    let mut d2 = Names::new();
    let l = get_name_lists(&back, "hosts", &mut d2).unwrap();
    assert_eq!(
        l.iter()
            .map(|l| l.iter().map(|&i| d2.text(i)).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        [vec!["Öskemen", "Kenya"], vec![], vec!["Egypt"]]
    );
    assert_eq!(get_text_lists(&back, "urls").unwrap(), urls);
    assert_eq!(get_texts(&back, "name").unwrap(), texts);
    assert_eq!(get_counts(&back, "n").unwrap(), [1, 2, 3]);
    assert_eq!(get_dates(&back, "opened").unwrap(), dates);
    // read a column at a time: only the columns asked for, the same values
    let cols = Columns::new(&path, "normalize");
    assert_eq!(cols.frame(&["n", "name"]).unwrap().get_column_names(), ["n", "name"]);
    assert_eq!(cols.texts("name").unwrap(), texts);
    assert_eq!(cols.text_lists("urls").unwrap(), urls);
    assert_eq!(cols.names("country").unwrap(), (vec![1, NONE, 0], dict.clone()));
    assert_eq!(cols.dates("opened").unwrap(), dates);
    let missing = format!("{:#}", cols.texts("nope").unwrap_err());
    assert!(
        missing.contains("t.arrow") && missing.contains("rerun `luban normalize`"),
        "{missing}"
    );
    // the same table, the same bytes
    let first = std::fs::read(&path).unwrap();
    write(&path, 3, 0, |_| Ok(build())).unwrap();
    assert!(std::fs::read(&path).unwrap() == first, "a table written twice differs");
    assert!(read(&dir.path().join("missing.arrow"), "dedupe")
        .unwrap_err()
        .to_string()
        .contains("rerun `luban dedupe`"));
}

/// A table written in several record batches reads back as one column per column,
/// rows in order: the batches are read as chunks, never glued.
#[test]
fn a_table_of_many_batches_reads_back_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.arrow");
    let n = 3000;
    let dict: Names = ["Kenya", "Egypt", "Öskemen"].into_iter().collect();
    let ids: Vec<u32> = (0..n).map(|i| if i % 7 == 0 { NONE } else { i as u32 % 3 }).collect();
    let mut lists = IdLists::new();
    let mut urls = TextLists::default();
    let mut texts = Texts::new();
    for i in 0..n {
        lists.push(
            &ids[i..(i + i % 3).min(n)]
                .iter()
                .copied()
                .filter(|&d| d != NONE)
                .collect::<Vec<_>>(),
        );
        let own = [format!("https://a/{i}"), format!("https://b/{i}")];
        urls.push(own.iter().take(i % 3).map(String::as_str));
        texts.push((i % 5 != 0).then(|| format!("row {i}")).as_deref());
    }
    let dates: Vec<Option<PartialDate>> = (0..n)
        .map(|i| PartialDate::parse(&format!("20{:02}-{:02}", i % 30, i % 12 + 1)).ok())
        .map(|d| d.filter(|d| d.to_string() != "2011-06"))
        .collect();
    assert!(dates.iter().any(Option::is_none));
    // a byte count this large makes batches of the fewest rows (1,024)
    write(&path, n, usize::MAX / 2, |rows| {
        let [d, p] = dates_cols(&dates[rows.clone()]);
        Ok(DataFrame::new(
            rows.len(),
            vec![
                names("country", &ids[rows.clone()], &dict)?,
                name_lists("hosts", &lists, &dict, rows.clone()),
                text_lists("urls", &urls, rows.clone()),
                super::texts("name", &texts, rows.clone()),
                d,
                p,
            ],
        )?)
    })
    .unwrap();
    let cols = Columns::new(&path, "normalize");
    assert!(
        cols.frame(&["name"]).unwrap().first_col_n_chunks() > 1,
        "read as one chunk"
    );
    assert_eq!(cols.names("country").unwrap(), (ids, dict.clone()));
    let mut back = Names::new();
    let l = cols.name_lists("hosts", &mut back).unwrap();
    let text_of = |l: &IdLists, d: &Names| -> Vec<Vec<String>> {
        l.iter()
            .map(|l| l.iter().map(|&i| d.text(i).to_string()).collect())
            .collect()
    };
    assert_eq!(text_of(&l, &back), text_of(&lists, &dict));
    assert_eq!(cols.text_lists("urls").unwrap(), urls);
    // each item comes with its row, counted across the batches
    let mut rows = Vec::new();
    let ids = cols
        .id_lists("urls", |row, url| {
            rows.push(row);
            Ok(url.len() as u32)
        })
        .unwrap();
    let expected: Vec<usize> = (0..n).flat_map(|i| std::iter::repeat_n(i, urls.count(i))).collect();
    assert_eq!(rows, expected);
    assert_eq!(
        ids.get(n - 1),
        urls.get(n - 1).map(|u| u.len() as u32).collect::<Vec<_>>()
    );
    assert_eq!(cols.texts("name").unwrap(), texts);
    assert_eq!(cols.dates("opened").unwrap(), dates);
}

fn dates_cols(d: &[Option<PartialDate>]) -> [Column; 2] {
    dates("opened", d).unwrap()
}

#[test]
fn compacting_numbers_names_in_the_order_rows_meet_them() {
    let mut dict: Names = ["unused", "b", "a"].into_iter().collect();
    let mut scalar = vec![2, NONE, 1, 2];
    let mut lists = IdLists::new();
    lists.push(&[1, 0]);
    compact(&mut dict, &mut [&mut scalar], &mut [&mut lists]);
    assert_eq!(dict.iter().collect::<Vec<_>>(), ["a", "b", "unused"]);
    assert_eq!(scalar, [0, NONE, 1, 0]);
    assert_eq!(lists.get(0), &[1, 2]);
}

/// An id past its dictionary is refused when written (polars would write it as an empty
/// entry, and only the next stage would fail, with a misleading message).
#[test]
fn an_id_past_the_dictionary_is_refused() {
    let dict: Names = ["Kenya", "Egypt"].into_iter().collect();
    assert!(names("country", &[1, NONE, 0], &dict).is_ok());
    let err = names("country", &[0, 2], &dict).unwrap_err();
    assert!(err.to_string().contains("past its dictionary"), "{err}");
    let list_dict = ListDict::of(dict.iter()).unwrap();
    assert!(dict_lists("partners", [vec![1u32, 0], vec![]].into_iter(), &list_dict).is_ok());
    let err = dict_lists("partners", [vec![1u32], vec![0, 5]].into_iter(), &list_dict).unwrap_err();
    assert!(err.to_string().contains("past its dictionary"), "{err}");
}
