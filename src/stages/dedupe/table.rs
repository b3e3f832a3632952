//! The workshops as a table: `build/workshops.arrow`, read back by aggregate and
//! publish when they run alone.

use anyhow::Result;
use polars::prelude::DataFrame;

use crate::model::{CountryNames, Dictionaries, Workshops};
use crate::table::artifact::*;

/// The workshops as a table (the published columns, names as dictionaries).
pub fn frame(w: &Workshops) -> Result<DataFrame> {
    let d = &w.dict;
    let country = |col: &str, f: fn(&CountryNames) -> &str| {
        attribute_names(col, &w.country, &d.countries.iter().map(f).collect::<Vec<_>>())
    };
    let [opened, opened_precision] = dates("opened_on", &w.opened_on)?;
    let cols = vec![
        texts("workshop_id", &w.workshop_id),
        texts("workshop_name", &w.workshop_name),
        country("country_code", |c| &c.code)?,
        country("country_name", |c| &c.name)?,
        country("region", |c| &c.region)?,
        country("subregion", |c| &c.subregion)?,
        names("city", &w.city, &d.cities)?,
        texts("host_institution", &w.host_institution),
        name_lists("chinese_partners", &w.chinese_partners, &d.partners),
        names("organiser_province", &w.organiser_province, &d.provinces)?,
        opened,
        opened_precision,
        names("status", &w.status, &d.statuses)?,
        name_lists("specialties", &w.specialties, &d.specialties),
        text_lists("source_urls", &w.source_urls),
        text_lists("conflicts", &w.conflicts),
    ];
    Ok(DataFrame::new(w.len(), cols)?)
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
    })
}
