//! Country resolution: any spelling a source uses → one ISO 3166-1 country with its UN M49
//! region and sub-region.
//!
//! The names come from `raw/reference/` (generated from maintained packages by
//! `tools/gen_countries.sh`: codes, English, official, native and translated names) plus
//! the small curated `raw/aliases/countries.csv` for what that data lacks. Matching is by
//! exact [`name_key`] or exact code, never by substring: "Niger" is not "Nigeria". A name
//! listed for two countries (or declared ambiguous in the alias file, like "Congo") is
//! ambiguous and rejected with its candidates, as is an unknown name, which gets the
//! closest known names as suggestions.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use serde::Deserialize;

use super::key::name_key;
use crate::layout::Layout;
use crate::table::csvio::read_table;

/// One country of the reference table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Country {
    pub alpha2: String,
    /// Shared with every report of the country ([`crate::model::Shared`]).
    pub alpha3: crate::model::Shared,
    pub numeric: String,
    pub name: crate::model::Shared,
    pub official_name: String,
    pub region: crate::model::Shared,
    pub subregion: crate::model::Shared,
}

#[derive(Debug, Deserialize)]
struct NameRow {
    name: String,
    alpha3: String,
}

#[derive(Debug, Deserialize)]
struct AliasRow {
    alias: String,
    alpha3: String,
}

/// The outcome of resolving a country cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution<'a> {
    Found(&'a Country),
    Ambiguous(Vec<&'a Country>),
    Unknown { suggestions: Vec<String> },
}

/// Prepared lookup maps; built once per run.
#[derive(Debug, Default)]
pub struct CountryResolver {
    countries: BTreeMap<String, Country>,
    by_key: BTreeMap<String, BTreeSet<String>>,
    by_code: BTreeMap<String, String>,
    /// The country of each spelling the tables list, exactly as written, where it
    /// resolves to one: most cells are written so, and the validator resolves every
    /// row's cell (a name key for each name cell took ~0.3 CPU-s at a million rows).
    /// Filled by [`CountryResolver::load`] with what the full lookup gives for each.
    exact: ahash::AHashMap<String, String>,
    /// The places of the dataset's countries (see [`super::places`]): the city rule
    /// resolves a row's country and then its city.
    places: super::places::Places,
}

impl CountryResolver {
    /// Loads the reference tables and the alias file of a dataset.
    pub fn load(layout: &Layout) -> Result<CountryResolver> {
        let countries: Vec<(u64, Country)> = read_table(&layout.reference("countries"))?;
        let names: Vec<(u64, NameRow)> = read_table(&layout.reference("country_names"))?;
        let alias_path = layout.aliases("countries");
        let aliases: Vec<(u64, AliasRow)> = if alias_path.exists() {
            read_table(&alias_path)?
        } else {
            Vec::new()
        };
        let mut r = CountryResolver {
            places: super::places::Places::load(layout)?,
            ..Default::default()
        };
        let mut spellings: Vec<String> = Vec::new();
        for (_, c) in &countries {
            let texts: [&str; 5] = [&c.name, &c.official_name, &c.alpha2, &c.alpha3, &c.numeric];
            spellings.extend(texts.map(str::to_string));
        }
        spellings.extend(names.iter().map(|(_, n)| n.name.clone()));
        spellings.extend(aliases.iter().map(|(_, a)| a.alias.clone()));
        for (_, c) in countries {
            r.add_name(&c.name.clone(), &c.alpha3);
            r.add_name(&c.official_name.clone(), &c.alpha3);
            for code in [c.alpha2.as_str(), &c.alpha3, c.numeric.as_str()] {
                r.by_code.insert(code.to_ascii_uppercase(), c.alpha3.to_string());
            }
            if let Ok(n) = c.numeric.parse::<u32>() {
                r.by_code.insert(n.to_string(), c.alpha3.to_string());
            }
            r.countries.insert(c.alpha3.to_string(), c);
        }
        for (line, n) in names {
            if !r.countries.contains_key(&n.alpha3) {
                bail!(
                    "`{}` line {line}: unknown country code `{}`",
                    layout.display(&layout.reference("country_names")),
                    n.alpha3
                );
            }
            r.add_name(&n.name, &n.alpha3);
        }
        // The alias file overrides: an alias names exactly the countries it lists, and a
        // `;`-separated list declares the alias ambiguous.
        for (line, a) in aliases {
            let codes: BTreeSet<String> = a.alpha3.split(';').map(|c| c.trim().to_string()).collect();
            for code in &codes {
                if !r.countries.contains_key(code) {
                    bail!(
                        "`{}` line {line}: unknown country code `{code}`",
                        layout.display(&alias_path)
                    );
                }
            }
            r.by_key.insert(name_key(&a.alias), codes);
        }
        for spelling in spellings {
            if let Resolution::Found(c) = r.resolve_by_tables(&spelling) {
                let alpha3 = c.alpha3.to_string();
                r.exact.insert(spelling, alpha3);
            }
        }
        Ok(r)
    }

    fn add_name(&mut self, name: &str, alpha3: &str) {
        let key = name_key(name);
        if !key.is_empty() {
            self.by_key.entry(key).or_default().insert(alpha3.to_string());
        }
    }

    /// The dataset's gazetteer.
    pub fn places(&self) -> &super::places::Places {
        &self.places
    }

    pub fn get(&self, alpha3: &str) -> Option<&Country> {
        self.countries.get(alpha3)
    }

    /// Resolves a cell: a code (alpha-2, alpha-3, numeric) or a name in any listed form.
    pub fn resolve(&self, cell: &str) -> Resolution<'_> {
        match self.exact.get(cell).and_then(|code| self.countries.get(code)) {
            Some(country) => Resolution::Found(country),
            None => self.resolve_by_tables(cell),
        }
    }

    /// [`CountryResolver::resolve`] without the spellings listed as written.
    fn resolve_by_tables(&self, cell: &str) -> Resolution<'_> {
        let trimmed = cell.trim();
        let upper = trimmed.to_ascii_uppercase();
        let is_code = (trimmed.len() == 2 || trimmed.len() == 3) && trimmed.bytes().all(|b| b.is_ascii_alphanumeric());
        if is_code {
            if let Some(code) = self.by_code.get(&upper) {
                return Resolution::Found(&self.countries[code]);
            }
        }
        if let Some(codes) = self.by_key.get(&name_key(trimmed)) {
            let found: Vec<&Country> = codes.iter().map(|c| &self.countries[c]).collect();
            return if found.len() == 1 {
                Resolution::Found(found[0])
            } else {
                Resolution::Ambiguous(found)
            };
        }
        Resolution::Unknown {
            suggestions: self.suggest(trimmed),
        }
    }

    /// Up to three English country names closest to `cell` (Jaro-Winkler on keys).
    fn suggest(&self, cell: &str) -> Vec<String> {
        let key = name_key(cell);
        if key.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(f64, &str)> = self
            .countries
            .values()
            .map(|c| (strsim::jaro_winkler(&key, &name_key(&c.name)), &*c.name))
            .filter(|(s, _)| *s >= 0.8)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.into_iter().take(3).map(|(_, n)| n.to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver() -> CountryResolver {
        let layout = Layout::open(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        CountryResolver::load(&layout).unwrap()
    }

    #[test]
    fn country_spellings_and_traps_table() {
        let r = resolver();
        let found = |cell: &str| match r.resolve(cell) {
            Resolution::Found(c) => c.alpha3.to_string(),
            other => panic!("{cell}: {other:?}"),
        };
        for (cell, want) in [
            ("KZ", "KAZ"),
            ("kaz", "KAZ"),
            ("398", "KAZ"),
            ("Republic of Kazakhstan", "KAZ"),
            ("哈萨克斯坦", "KAZ"),
            ("the UK", "GBR"),
            ("Britain", "GBR"),
            ("United Kingdom", "GBR"),
            ("英国", "GBR"),
            ("Côte d'Ivoire", "CIV"),
            ("cote d'ivoire", "CIV"),
            ("Ivory Coast", "CIV"),
            ("科特迪瓦", "CIV"),
            ("Кот-д’Ивуар", "CIV"),
            ("Costa de Marfil", "CIV"),
            ("Niger", "NER"),
            ("Nigeria", "NGA"),
            ("Guinea", "GIN"),
            ("Papua New Guinea", "PNG"),
            ("Dominica", "DMA"),
            ("Dominican Republic", "DOM"),
            ("Russia", "RUS"),
            ("Россия", "RUS"),
        ] {
            assert_eq!(found(cell), want, "{cell}");
        }
        match r.resolve("Congo") {
            Resolution::Ambiguous(c) => {
                assert_eq!(c.iter().map(|c| &*c.alpha3).collect::<Vec<_>>(), vec!["COD", "COG"])
            }
            other => panic!("Congo: {other:?}"),
        }
        for cell in ["Nigerr", "Narnia", "Kazak", ""] {
            assert!(matches!(r.resolve(cell), Resolution::Unknown { .. }), "{cell}");
        }
        // the spellings listed as written resolve as the tables say, and others too
        assert!(r.exact.len() > 500, "{} spellings", r.exact.len());
        for (spelling, code) in &r.exact {
            assert!(
                matches!(r.resolve_by_tables(spelling), Resolution::Found(c) if c.alpha3 == code.as_str()),
                "{spelling}"
            );
        }
        assert_eq!(found(" kenya "), "KEN");
        assert!(!r.exact.contains_key(" kenya "));
        match r.resolve("Nigerai") {
            Resolution::Unknown { suggestions } => assert_eq!(suggestions.first().map(String::as_str), Some("Nigeria")),
            other => panic!("{other:?}"),
        }
    }
}
