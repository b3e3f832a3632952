//! The workshops as a table: `build/workshops.arrow`, read back by aggregate and
//! publish when they run alone.

use anyhow::Result;
use polars::prelude::DataFrame;

use std::ops::Range;

use crate::model::{Dictionaries, Workshops};
use crate::stages::normalize::CountryColumns;
use crate::table::artifact::*;
use crate::table::Texts;

/// Writes the workshops to `build/workshops.arrow`, a batch of rows at a time.
pub fn write_workshops(path: &std::path::Path, w: &Workshops) -> Result<()> {
    let countries = CountryColumns::of(&w.dict.countries);
    let text = [
        &w.workshop_name,
        &w.host_institution,
        &w.source_urls.texts,
        &w.conflicts.texts,
        &w.former_ids.texts,
    ]
    .map(Texts::bytes);
    write(path, w.len(), text.iter().sum(), |rows| frame(w, &countries, rows))
}

/// The workshops at `rows` as a table (the published columns, names as dictionaries).
fn frame(w: &Workshops, countries: &CountryColumns, rows: Range<usize>) -> Result<DataFrame> {
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
        name_lists("chinese_partners", &w.chinese_partners, &d.partners, rows.clone()),
        names("organiser_province", &w.organiser_province[rows.clone()], &d.provinces)?,
        opened,
        opened_precision,
        names("status", &w.status[rows.clone()], &d.statuses)?,
        name_lists("specialties", &w.specialties, &d.specialties, rows.clone()),
        text_lists("source_urls", &w.source_urls, rows.clone()),
        text_lists("conflicts", &w.conflicts, rows.clone()),
        text_lists("former_ids", &w.former_ids, rows),
    ]);
    Ok(DataFrame::new(n, cols)?)
}

/// Reads `build/workshops.arrow` back.
pub fn read_workshops(layout: &crate::layout::Layout) -> Result<Workshops> {
    let df = read(&layout.build_file("workshops.arrow"), "dedupe")?;
    let mut dict = Dictionaries::default();
    let (country, countries) = crate::stages::normalize::read_countries(&df)?;
    dict.countries = countries;
    let (city, cities) = get_names(&df, "city")?;
    dict.cities = cities;
    let (status, statuses) = get_names(&df, "status")?;
    dict.statuses = statuses;
    let (organiser_province, provinces) = get_names(&df, "organiser_province")?;
    dict.provinces = provinces;
    let chinese_partners = get_name_lists(&df, "chinese_partners", &mut dict.partners)?;
    let specialties = get_name_lists(&df, "specialties", &mut dict.specialties)?;
    Ok(Workshops {
        dict,
        workshop_id: get_texts(&df, "workshop_id")?,
        workshop_name: get_texts(&df, "workshop_name")?,
        country,
        city,
        host_institution: get_texts(&df, "host_institution")?,
        chinese_partners,
        organiser_province,
        opened_on: get_dates(&df, "opened_on")?,
        status,
        specialties,
        source_urls: get_text_lists(&df, "source_urls")?,
        conflicts: get_text_lists(&df, "conflicts")?,
        former_ids: get_text_lists(&df, "former_ids")?,
    })
}
