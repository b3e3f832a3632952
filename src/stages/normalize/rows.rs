//! Rows to reports: each valid row becomes a row of the [`Reports`] table. Every distinct
//! cell of a name column (city, host, partner) and every distinct country cell is
//! resolved once, when first met, through the alias tables or the country tables, and its
//! resolution kept by the cell's text: the same spellings repeat from report to report (a
//! million generated reports have ~500 000 distinct name cells), and resolving a name
//! costs its comparison key.
//!
//! Rows come a round at a time ([`Normalizer::push`]), so that `luban run` hands them
//! over as it reads them and never holds every row. Ids are given in row order, so the
//! table does not depend on how the rows were split into rounds.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use rayon::prelude::*;

use super::Aliases;
use crate::model::{CountryNames, IngestedRow, Reports};
use crate::names::aliases::{AliasTable, Matched};
use crate::names::countries::{CountryResolver, Resolution};
use crate::names::key::{clean_text, name_key};
use crate::names::matcher::{block, Field};
use crate::partial_date::PartialDate;
use crate::schema::TableSchema;
use crate::table::{IdLists, Names, NONE};

/// The name columns, in the order of the normalizer's caches.
pub const NAME_FIELDS: [Field; 3] = [Field::City, Field::Institution, Field::Partner];

/// Where the reports schema's fields are in a row.
#[derive(Clone, Copy)]
struct Columns {
    workshop_name: Option<usize>,
    country: Option<usize>,
    names: [Option<usize>; 3],
    opened_on: Option<usize>,
    status: Option<usize>,
    specialties: Option<usize>,
    source_url: Option<usize>,
    source_title: Option<usize>,
    source_date: Option<usize>,
    notes: Option<usize>,
    province: Option<usize>,
    kind: Option<usize>,
    host_partner: Option<usize>,
}

impl Columns {
    fn new(schema: &TableSchema) -> Columns {
        let at = |name: &str| schema.index_of(name);
        Columns {
            workshop_name: at("workshop_name"),
            country: at("country"),
            names: [at("city"), at("host_institution"), at("chinese_partner")],
            opened_on: at("opened_on"),
            status: at("status"),
            specialties: at("specialties"),
            source_url: at("source_url"),
            source_title: at("source_title"),
            source_date: at("source_date"),
            notes: at("notes"),
            province: at("organiser_province"),
            kind: at("kind"),
            host_partner: at("host_partner"),
        }
    }
}

/// A cell's trimmed text, or None when it is empty or a missing value.
fn cell<'r>(schema: &TableSchema, row: &'r IngestedRow, at: Option<usize>) -> Option<&'r str> {
    let c = row.cell(at?)?.trim();
    (!c.is_empty() && !crate::schema::is_missing_value(&schema.missing_values, c)).then_some(c)
}

/// A list cell's items: split on `;`, cleaned, empty items dropped, each item once.
pub fn split_list(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in text.split(';').map(clean_text).filter(|s| !s.is_empty()) {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The distinct cells of one name column, by text, and what each resolves to: canonical
/// name ids (in the column's dictionary), each once.
#[derive(Default)]
struct CellCache {
    texts: Names,
    resolved: IdLists,
    /// by cell: the country of the first row it was met in; the other countries a cell
    /// was met with (few: a cell is nearly always about one country) are in `more`
    country: Vec<u32>,
    more: BTreeSet<(u32, u32)>,
}

impl CellCache {
    /// Notes that cell `c` was met in a row of `country`.
    fn met_in(&mut self, c: u32, country: u32) {
        let first = &mut self.country[c as usize];
        if *first == NONE {
            *first = country;
        } else if *first != country {
            self.more.insert((c, country));
        }
    }

    /// Every (cell, country) pair met.
    fn pairs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0u32..)
            .zip(self.country.iter().copied())
            .filter(|&(_, country)| country != NONE)
            .chain(self.more.iter().copied())
    }
}

/// The names no alias table knows, per (column, country, name), where the column's block
/// has known names; and the known names per (column, block). See `names::matcher`.
pub type Unknown = BTreeSet<(Field, String, String)>;
pub type Known = BTreeMap<(Field, String), BTreeSet<String>>;

/// One row's cells as a report needs them, parsed and cleaned (on any core).
struct Parsed<'r> {
    country: &'r str,
    names: [Option<&'r str>; 3],
    workshop_name: Option<String>,
    opened_on: Option<PartialDate>,
    status: Option<&'r str>,
    specialties: Option<&'r str>,
    source_url: Option<&'r str>,
    source_title: Option<String>,
    source_date: Option<PartialDate>,
    notes: Option<String>,
    province: Option<&'r str>,
    kind: Option<&'r str>,
    host_partner: Option<&'r str>,
}

impl<'r> Parsed<'r> {
    fn of(schema: &TableSchema, cols: Columns, row: &'r IngestedRow) -> Result<Parsed<'r>> {
        let cell = |at: Option<usize>| cell(schema, row, at);
        let date = |at: Option<usize>| -> Result<Option<PartialDate>> {
            cell(at)
                .map(|s| {
                    PartialDate::parse(s)
                        .map_err(|e| anyhow::anyhow!("internal error: {}:{}: {e}", row.at.file, row.at.line))
                })
                .transpose()
        };
        Ok(Parsed {
            country: cell(cols.country).unwrap_or_default(),
            names: cols.names.map(cell),
            workshop_name: cell(cols.workshop_name).map(clean_text),
            opened_on: date(cols.opened_on)?,
            status: cell(cols.status),
            specialties: cell(cols.specialties),
            source_url: cell(cols.source_url),
            source_title: cell(cols.source_title).map(clean_text),
            source_date: date(cols.source_date)?,
            notes: cell(cols.notes).map(clean_text),
            province: cell(cols.province),
            kind: cell(cols.kind),
            host_partner: cell(cols.host_partner),
        })
    }
}

/// Turns valid rows into [`Reports`] (see the module doc).
pub struct Normalizer<'a> {
    schema: &'a TableSchema,
    cols: Columns,
    countries: &'a CountryResolver,
    aliases: &'a Aliases,
    pub(super) reports: Reports,
    /// distinct country cells, and the country id each resolves to (None: it does not)
    country_cells: Names,
    country_of_cell: Vec<Option<u32>>,
    /// per name column (see [`NAME_FIELDS`])
    cells: [CellCache; 3],
    /// per name column: whether a canonical name id is one no alias table knows
    unknown: [Vec<bool>; 3],
    /// per name column: keys of the aliases used, for the unused-alias lint
    pub(super) used: [BTreeSet<String>; 3],
    /// distinct specialties cells, and their items' ids
    specialty_cells: CellCache,
    /// the file of the last row appended, and its id
    last_file: Option<(crate::model::Shared, u32)>,
}

impl<'a> Normalizer<'a> {
    pub fn new(schema: &'a TableSchema, countries: &'a CountryResolver, aliases: &'a Aliases) -> Normalizer<'a> {
        Normalizer {
            schema,
            cols: Columns::new(schema),
            countries,
            aliases,
            reports: Reports::default(),
            country_cells: Names::new(),
            country_of_cell: Vec::new(),
            cells: Default::default(),
            unknown: Default::default(),
            used: Default::default(),
            specialty_cells: CellCache::default(),
            last_file: None,
        }
    }

    /// Reports built so far.
    pub fn len(&self) -> usize {
        self.reports.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }

    pub fn aliases(&self) -> &'a Aliases {
        self.aliases
    }

    /// Appends the reports of the next valid rows, in row order, in three steps: every
    /// core parses its share of the rows; the name cells met for the first time are
    /// resolved on every core (a name's comparison key is the costly part: ~500 000
    /// distinct name cells in a million generated reports); then the rows' columns are
    /// appended in order, on this thread.
    pub fn push(&mut self, rows: &[IngestedRow]) -> Result<()> {
        let (schema, cols) = (self.schema, self.cols);
        let parsed: Vec<Parsed> = rows
            .par_iter()
            .with_min_len(1024)
            .map(|row| Parsed::of(schema, cols, row))
            .collect::<Result<_>>()?;
        let cells = [0, 1, 2].map(|slot| self.cell_ids(slot, &parsed));
        for (k, (row, p)) in rows.iter().zip(parsed).enumerate() {
            self.append(row, p, cells.each_ref().map(|ids| ids[k]))?;
        }
        Ok(())
    }

    /// The id of each row's cell of name column `slot` in its cache (None: no cell),
    /// resolving the cells met for the first time ([`Self::resolve_new_cells`]). The
    /// cells are looked up on every core, and once: with a second lookup on this thread to
    /// append each row, `luban normalize` at 1M generated reports took 1.12× the time
    /// (five interleaved pairs, farm-bench; the caches do not fit in the processor's).
    fn cell_ids(&mut self, slot: usize, parsed: &[Parsed]) -> Vec<Option<u32>> {
        let cache = &self.cells[slot];
        // NONE: a cell not in the cache yet
        let mut ids: Vec<Option<u32>> = parsed
            .par_iter()
            .with_min_len(1024)
            .map(|p| p.names[slot].map(|text| cache.texts.get(text).unwrap_or(NONE)))
            .collect();
        let base = u32::try_from(cache.texts.len()).expect("fewer than 4 billion distinct cells");
        let texts = &mut self.cells[slot].texts;
        for (id, p) in ids.iter_mut().zip(parsed) {
            if let (Some(id), Some(text)) = (id.as_mut(), p.names[slot]) {
                if *id == NONE {
                    *id = texts.id(text);
                }
            }
        }
        self.resolve_new_cells(slot, base);
        ids
    }

    /// Resolves, on every core, the cells of name column `slot` from id `base` on (met for
    /// the first time, numbered in row order), and keeps their resolutions, in that order.
    fn resolve_new_cells(&mut self, slot: usize, base: u32) {
        let table: &AliasTable = match NAME_FIELDS[slot] {
            Field::City => &self.aliases.cities,
            Field::Institution => &self.aliases.institutions,
            _ => &self.aliases.partners,
        };
        let texts = &self.cells[slot].texts;
        let resolved: Vec<Vec<(String, Matched)>> = (base..texts.len() as u32)
            .into_par_iter()
            .with_min_len(64)
            .map(|c| {
                let text = texts.text(c);
                let items = if slot == 0 {
                    vec![clean_text(text)]
                } else {
                    split_list(text)
                };
                items
                    .into_iter()
                    .map(|clean| {
                        let m = table.lookup(&clean);
                        (clean, m)
                    })
                    .collect()
            })
            .collect();
        let dict = match slot {
            0 => &mut self.reports.dict.cities,
            1 => &mut self.reports.dict.hosts,
            _ => &mut self.reports.dict.partners,
        };
        let cache = &mut self.cells[slot];
        for items in resolved {
            let mut ids: Vec<u32> = Vec::with_capacity(items.len());
            for (clean, m) in items {
                let (name, unknown) = match m {
                    Matched::Canonical(c) => (c, false),
                    Matched::Alias(c) => {
                        self.used[slot].insert(name_key(&clean));
                        (c, false)
                    }
                    Matched::Unknown => (clean, true),
                };
                let id = dict.id(&name);
                let flags = &mut self.unknown[slot];
                if flags.len() <= id as usize {
                    flags.resize(id as usize + 1, false);
                }
                flags[id as usize] |= unknown;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            cache.resolved.push(&ids);
            cache.country.push(NONE);
        }
    }

    /// Appends one parsed row's report.
    /// `names`: the ids of its name cells in their caches ([`Self::cell_ids`]).
    fn append(&mut self, row: &IngestedRow, p: Parsed, names: [Option<u32>; 3]) -> Result<()> {
        let Some(country) = self.country(p.country) else {
            bail!(
                "internal error: {}:{}: country passed validation but does not resolve",
                row.at.file,
                row.at.line
            );
        };
        for (cache, c) in self.cells.iter_mut().zip(names) {
            if let Some(c) = c {
                cache.met_in(c, country);
            }
        }
        let r = &mut self.reports;
        // rows come file by file: the file's id is looked up only when it changes
        let file = match &self.last_file {
            Some((f, id)) if *f == row.at.file => *id,
            _ => {
                let id = r.dict.files.id(&row.at.file);
                self.last_file = Some((row.at.file.clone(), id));
                id
            }
        };
        r.file.push(file);
        r.line.push(row.at.line);
        r.country.push(country);
        r.workshop_name.push(p.workshop_name.as_deref());
        // a city cell is one name
        r.city.push(names[0].map_or(NONE, |c| {
            *self.cells[0].resolved.get(c as usize).last().unwrap_or(&NONE)
        }));
        let list = |slot: usize| names[slot].map_or(&[][..], |c| self.cells[slot].resolved.get(c as usize));
        r.host_institutions.push(list(1));
        r.chinese_partners.push(list(2));
        r.opened_on.push(p.opened_on);
        r.status.push(p.status.map_or(NONE, |s| r.dict.statuses.id(s)));
        let specialties = match p.specialties {
            None => &[][..],
            Some(text) => {
                let c = match self.specialty_cells.texts.get(text) {
                    Some(c) => c,
                    None => {
                        let ids: Vec<u32> = split_list(text).iter().map(|s| r.dict.specialties.id(s)).collect();
                        self.specialty_cells.resolved.push(&ids);
                        self.specialty_cells.texts.id(text)
                    }
                };
                self.specialty_cells.resolved.get(c as usize)
            }
        };
        r.specialties.push(specialties);
        r.source_url.push(p.source_url);
        r.source_title.push(p.source_title.as_deref());
        r.source_date.push(p.source_date);
        r.notes.push(p.notes.as_deref());
        r.organiser_province
            .push(p.province.map_or(NONE, |v| r.dict.provinces.id(v)));
        r.kind.push(p.kind.map_or(NONE, |v| r.dict.kinds.id(v)));
        // few reports name host-side partners: split as met, no cache
        let host_partners: Vec<u32> = p
            .host_partner
            .map(split_list)
            .unwrap_or_default()
            .iter()
            .map(|h| r.dict.host_partners.id(h))
            .collect();
        r.host_partners.push(&host_partners);
        Ok(())
    }

    /// The country id of a country cell, resolving it when first met (None: it does not
    /// resolve, which validation rules out).
    fn country(&mut self, text: &str) -> Option<u32> {
        if let Some(c) = self.country_cells.get(text) {
            return self.country_of_cell[c as usize];
        }
        let country = match self.countries.resolve(text) {
            Resolution::Found(c) => {
                let dict = &mut self.reports.dict;
                let id = match dict.countries.iter().position(|k| k.code == c.alpha3) {
                    Some(id) => id,
                    None => {
                        dict.countries.push(CountryNames {
                            code: c.alpha3.clone(),
                            name: c.name.clone(),
                            region: c.region.clone(),
                            subregion: c.subregion.clone(),
                        });
                        dict.countries.len() - 1
                    }
                };
                Some(id as u32)
            }
            _ => None,
        };
        self.country_cells.id(text);
        self.country_of_cell.push(country);
        country
    }

    /// The names each (column, block) knows, and the unknown names to match against
    /// them. Whether a name is known does not depend on the country (alias lookups are by
    /// key only), so the known names of a block are exactly the names its reports use
    /// that are not unknown. Unknown names are gathered only where their block has known
    /// names: at a million generated reports nearly every name is unknown and no block
    /// has any.
    pub fn unknown_and_known(&self) -> (Unknown, Known) {
        let r = &self.reports;
        let dicts = [&r.dict.cities, &r.dict.hosts, &r.dict.partners];
        let is_unknown = |slot: usize, id: u32| self.unknown[slot].get(id as usize).copied().unwrap_or(false);
        let code = |country: u32| &*r.dict.countries[country as usize].code;
        let mut known = Known::new();
        for (slot, cells) in self.cells.iter().enumerate() {
            let field = NAME_FIELDS[slot];
            for (c, country) in cells.pairs() {
                for &id in cells
                    .resolved
                    .get(c as usize)
                    .iter()
                    .filter(|&&id| !is_unknown(slot, id))
                {
                    known
                        .entry((field, block(field, code(country)).to_string()))
                        .or_default()
                        .insert(dicts[slot].text(id).to_string());
                }
            }
        }
        let mut unknown = Unknown::new();
        for (slot, cells) in self.cells.iter().enumerate() {
            let field = NAME_FIELDS[slot];
            for (c, country) in cells.pairs() {
                if !known.contains_key(&(field, block(field, code(country)).to_string())) {
                    continue;
                }
                for &id in cells
                    .resolved
                    .get(c as usize)
                    .iter()
                    .filter(|&&id| is_unknown(slot, id))
                {
                    unknown.insert((field, code(country).to_string(), dicts[slot].text(id).to_string()));
                }
            }
        }
        (unknown, known)
    }
}
