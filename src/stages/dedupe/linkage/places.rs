//! The place names record linkage reads host names with ([`Places`]): the countries and
//! cities of the reports, and what `raw/` already knows of their other spellings — the
//! Chinese names of those countries in `raw/reference/country_names.csv` ("吉尔吉斯斯坦"
//! is Kyrgyzstan) and every row of `raw/aliases/cities.csv` ("塔那那利佛" is
//! Antananarivo). So "塔那那利佛大學" reads as "Antananarivo University", and a host
//! named after its country or city in Chinese names that place as an English name does.

use std::path::Path;

use anyhow::Result;
use serde::Deserialize;

use crate::layout::Layout;
use crate::model::Reports;
use crate::names::compare::Places;
use crate::table::csvio::read_table;

/// Spellings of places that `raw/` lists, before they are matched with the reports'.
#[derive(Debug, Default, Clone)]
pub struct PlaceNames {
    /// (ISO alpha-3, a Chinese name of the country)
    pub countries: Vec<(String, String)>,
    /// (a spelling of a city, its canonical name)
    pub cities: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct CountryName {
    name: String,
    alpha3: String,
    kind: String,
}

#[derive(Deserialize)]
struct CityAlias {
    alias: String,
    canonical: String,
}

impl PlaceNames {
    /// Reads the Chinese country names and the city alias table of `layout` (a missing
    /// table lists none).
    pub fn load(layout: &Layout) -> Result<PlaceNames> {
        let countries: Vec<(u64, CountryName)> = read_if_present(&layout.reference("country_names"))?;
        let cities: Vec<(u64, CityAlias)> = read_if_present(&layout.aliases("cities"))?;
        Ok(PlaceNames {
            countries: countries
                .into_iter()
                .filter(|(_, c)| c.kind.ends_with(":zho"))
                .map(|(_, c)| (c.alpha3, c.name))
                .collect(),
            cities: cities.into_iter().map(|(_, c)| (c.alias, c.canonical)).collect(),
        })
    }

    /// The places of the reports `r`: their countries (in English, and in Chinese where
    /// listed), their cities, and the city aliases.
    pub fn places(&self, r: &Reports) -> Places {
        let mut p = Places::default();
        for c in &r.dict.countries {
            p.add(&c.name, &c.name);
            for (_, han) in self
                .countries
                .iter()
                .filter(|(code, _)| code.as_str() == c.code.as_str())
            {
                p.add(han, &c.name);
            }
        }
        for id in 0..r.dict.cities.len() as u32 {
            let city = r.dict.cities.text(id);
            p.add(city, city);
        }
        for (alias, canonical) in &self.cities {
            p.add(alias, canonical);
        }
        p
    }
}

/// The rows of a table, none when it is missing.
fn read_if_present<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<(u64, T)>> {
    if path.exists() {
        read_table(path)
    } else {
        Ok(Vec::new())
    }
}
