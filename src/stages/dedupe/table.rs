//! The workshops as tables: `build/workshops.arrow`, with the long tables of their
//! sources (`build/sources.arrow`) and conflicts (`build/conflicts.arrow`), read back
//! when dedupe did not just make the workshops: by `luban aggregate` alone (the
//! workshops' own columns only) and by publish (all three).

use anyhow::Result;
use polars::prelude::DataFrame;

use std::ops::Range;

use crate::model::{field_index, workshop_of, Conflicts, Dictionaries, FieldSet, SourceDetails, Workshops, FIELDS};
use crate::stages::normalize::{CountryColumns, ListDicts, NameLists};
use crate::table::artifact::*;
use crate::table::{TextLists, Texts};

/// Writes the workshops to `build/workshops.arrow`, and their sources and conflicts
/// beside it, a batch of rows at a time.
pub fn write_workshops(path: &std::path::Path, w: &Workshops) -> Result<()> {
    let countries = CountryColumns::of(&w.dict.countries);
    let text = [
        &w.workshop_name,
        &w.host_institution,
        &w.source_urls.texts,
        &w.former_ids.texts,
    ]
    .map(Texts::bytes);
    let lists = ListDicts::of(&w.dict)?;
    write(path, w.len(), text.iter().sum(), |rows| {
        frame(w, &countries, &lists, rows)
    })?;
    let sources = w.source_urls.texts.bytes() + w.sources.title.bytes();
    let fields = ListDict::of(FIELDS)?;
    write(
        &path.with_file_name("sources.arrow"),
        w.sources.len(),
        sources,
        |rows| sources_frame(w, &fields, rows),
    )?;
    let c = &w.conflicts;
    let url_bytes: usize = (0..c.rows())
        .flat_map(|i| c.urls(i, &w.source_urls.texts))
        .map(str::len)
        .sum();
    let conflicts = c.value.bytes() + url_bytes;
    write(&path.with_file_name("conflicts.arrow"), c.rows(), conflicts, |rows| {
        conflicts_frame(w, rows)
    })
}

/// The workshop id of each row at `rows` of a long table (see [`workshop_of`]).
fn workshop_ids(w: &Workshops, starts: &[u32], rows: Range<usize>) -> Texts {
    rows.map(|row| w.workshop_id.get(workshop_of(starts, row))).collect()
}

/// The sources at `rows`: one row per source URL of a workshop.
fn sources_frame(w: &Workshops, fields: &ListDict, rows: Range<usize>) -> Result<DataFrame> {
    let s = &w.sources;
    let ids = workshop_ids(w, &w.source_urls.starts, rows.clone());
    let [date, precision] = dates("source_date", &s.date[rows.clone()])?;
    let cols = vec![
        texts("workshop_id", &ids, 0..ids.len()),
        texts("source_url", &w.source_urls.texts, rows.clone()),
        texts("source_title", &s.title, rows.clone()),
        date,
        precision,
        dict_lists("fields", rows.clone().map(|i| s.fields[i].indices()), fields)?,
    ];
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// The conflicts at `rows`: one row per workshop, field and value.
fn conflicts_frame(w: &Workshops, rows: Range<usize>) -> Result<DataFrame> {
    let c = &w.conflicts;
    let ids = workshop_ids(w, &c.starts, rows.clone());
    let fields: Texts = rows.clone().map(|i| Some(FIELDS[c.field[i] as usize])).collect();
    let cols = vec![
        texts("workshop_id", &ids, 0..ids.len()),
        texts("field", &fields, 0..fields.len()),
        texts("value", &c.value, rows.clone()),
        str_lists("source_urls", rows.clone().map(|i| c.urls(i, &w.source_urls.texts))),
    ];
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// The workshops at `rows` as a table (the published columns, names as dictionaries).
fn frame(w: &Workshops, countries: &CountryColumns, lists: &ListDicts, rows: Range<usize>) -> Result<DataFrame> {
    let d = &w.dict;
    let n = rows.len();
    let [opened, opened_precision] = dates("opened_on", &w.opened_on[rows.clone()])?;
    let mut cols = vec![
        texts("workshop_id", &w.workshop_id, rows.clone()),
        texts("workshop_name", &w.workshop_name, rows.clone()),
    ];
    cols.extend(countries.columns(&w.country[rows.clone()])?);
    cols.extend([
        names("city", &w.city[rows.clone()], &d.cities)?,
        texts("host_institution", &w.host_institution, rows.clone()),
        names_in_lists("chinese_partners", &w.chinese_partners, &lists.partners, rows.clone())?,
        names_in_lists("host_partners", &w.host_partners, &lists.host_partners, rows.clone())?,
        names("organiser_province", &w.organiser_province[rows.clone()], &d.provinces)?,
        names("kind", &w.kind[rows.clone()], &d.kinds)?,
        opened,
        opened_precision,
        names("status", &w.status[rows.clone()], &d.statuses)?,
        names_in_lists("specialties", &w.specialties, &lists.specialties, rows.clone())?,
        text_lists("source_urls", &w.source_urls, rows.clone()),
        text_lists("former_ids", &w.former_ids, rows),
    ]);
    Ok(DataFrame::new(n, cols)?)
}

/// Whether [`read_workshops`] reads the sources and conflicts tables beside the workshops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceTables {
    /// read them: publish writes them out
    Read,
    /// leave every workshop with no source details and no conflict: aggregate counts the
    /// workshops' own columns only. At 10M reports that disagree (the conflicts shape),
    /// `luban aggregate` alone took 4.0 s against 14.5-20 s reading them, and peaked at
    /// 1,135 against 3,239 MiB. Workshops read so are never published (see
    /// [`crate::stages::aggregate::run`]).
    Skip,
}

/// Reads `build/workshops.arrow` back, with its sources and conflicts or without.
pub fn read_workshops(layout: &crate::layout::Layout, tables: SourceTables) -> Result<Workshops> {
    let path = layout.build_file("workshops.arrow");
    let table = Columns::new(&path, "dedupe");
    let mut dict = Dictionaries::default();
    let (country, countries) = crate::stages::normalize::read_countries(&table)?;
    dict.countries = countries;
    let (city, cities) = table.names("city")?;
    dict.cities = cities;
    let (status, statuses) = table.names("status")?;
    dict.statuses = statuses;
    let (organiser_province, provinces) = table.names("organiser_province")?;
    dict.provinces = provinces;
    let (kind, kinds) = table.names("kind")?;
    dict.kinds = kinds;
    let lists = NameLists::read(&table, &mut dict)?;
    let workshop_id = table.texts("workshop_id")?;
    let source_urls = table.text_lists("source_urls")?;
    let (sources, conflicts) = match tables {
        SourceTables::Read => (
            read_sources(layout, &source_urls)?,
            read_conflicts(layout, &workshop_id, &source_urls)?,
        ),
        SourceTables::Skip => (
            SourceDetails::default(),
            Conflicts {
                starts: vec![0; workshop_id.len() + 1],
                ..Conflicts::default()
            },
        ),
    };
    Ok(Workshops {
        dict,
        workshop_id,
        workshop_name: table.texts("workshop_name")?,
        country,
        city,
        host_institution: table.texts("host_institution")?,
        chinese_partners: lists.partners,
        organiser_province,
        kind,
        host_partners: lists.host_partners,
        opened_on: table.dates("opened_on")?,
        status,
        specialties: lists.specialties,
        source_urls,
        sources,
        conflicts,
        former_ids: table.text_lists("former_ids")?,
    })
}

/// Reads `build/sources.arrow` back: a row per item of the workshops' `source_urls`.
fn read_sources(layout: &crate::layout::Layout, urls: &TextLists) -> Result<SourceDetails> {
    let path = layout.build_file("sources.arrow");
    let table = Columns::new(&path, "dedupe");
    if table.texts("source_url")? != urls.texts {
        anyhow::bail!("`build/sources.arrow` does not list the sources of `build/workshops.arrow`; run `luban dedupe`");
    }
    let (lists, names) = table.dict_lists("fields")?;
    // each dictionary entry as the set of its one field
    let one: Vec<FieldSet> = names
        .iter()
        .map(|name| {
            field_index(name)
                .map(|i| FieldSet(1 << i))
                .ok_or_else(|| anyhow::anyhow!("`build/sources.arrow` has an unknown field `{name}`"))
        })
        .collect::<Result<_>>()?;
    let fields = lists
        .iter()
        .map(|l| l.iter().fold(FieldSet::default(), |set, &i| set.union(one[i as usize])))
        .collect();
    Ok(SourceDetails {
        title: table.texts("source_title")?,
        date: table.dates("source_date")?,
        fields,
    })
}

/// Reads `build/conflicts.arrow` back: rows grouped by workshop, in the workshops' order,
/// each naming its sources among its workshop's `urls`.
fn read_conflicts(layout: &crate::layout::Layout, ids: &Texts, urls: &TextLists) -> Result<Conflicts> {
    let path = layout.build_file("conflicts.arrow");
    let table = Columns::new(&path, "dedupe");
    let of = table.texts("workshop_id")?;
    let names = table.texts("field")?;
    let stale =
        || anyhow::anyhow!("`build/conflicts.arrow` does not follow `build/workshops.arrow`; run `luban dedupe`");
    let mut c = Conflicts {
        starts: Vec::with_capacity(ids.len() + 1),
        field: Vec::with_capacity(of.len()),
        value: table.texts("value")?,
        sources: Default::default(),
    };
    c.starts.push(0);
    let mut row = 0;
    for k in 0..ids.len() {
        while row < of.len() && of.get(row) == ids.get(k) {
            let field = field_index(names.str(row))
                .ok_or_else(|| anyhow::anyhow!("`build/conflicts.arrow` has an unknown field `{}`", names.str(row)))?;
            c.field.push(field);
            row += 1;
        }
        c.starts.push(row as u32);
    }
    if row != of.len() {
        return Err(stale());
    }
    // each URL is found among its workshop's, which are sorted
    let mut k = 0;
    c.sources = table.id_lists("source_urls", |row, url| {
        while c.starts[k + 1] as usize <= row {
            k += 1;
        }
        urls.find_sorted(k, url).map(|at| at as u32).ok_or_else(stale)
    })?;
    Ok(c)
}
