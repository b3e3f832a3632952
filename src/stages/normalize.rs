//! Stage 3, normalize: turns each valid row into a [`Report`]: text trimmed and
//! NFC-normalized; the country resolved to ISO 3166-1 alpha-3 with its English name and
//! UN M49 region/sub-region; city, host institutions and Chinese partners mapped to their
//! canonical names through the alias tables; `opened_on` and `source_date` parsed as
//! partial dates keeping their precision; list cells split on `;`. Nothing is read from
//! the free-text notes.
//!
//! The alias tables are linted here, where their use is known: conflicts, chains and
//! aliases equal to another canonical reject the data; unused aliases are warnings. All
//! findings are listed in `build/alias-lint.csv`.
//!
//! At scale the same spellings repeat (a million reports name ~500 000 distinct cells),
//! so each distinct name and country cell is resolved once, when first met, and the
//! reports are built from those resolutions. Rows go through a round at a time
//! ([`Normalizer`]), so that `luban run` can hand them over as it reads them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use rayon::prelude::*;

use super::StageReport;
use crate::chunked::{Chunked, CHUNK};
use crate::csvio;
use crate::layout::Layout;
use crate::model::{CountryNames, FreeText, IngestedRow, Report, ReportAt, Shared, SharedList};
use crate::names::aliases::{AliasTable, Lint, Matched};
use crate::names::countries::{CountryResolver, Resolution};
use crate::names::key::{clean_text, name_key};
use crate::names::matcher::{block, match_unknowns, Decisions, Field, NameMatch};
use crate::partial_date::PartialDate;
use crate::progress::Progress;
use crate::read_ahead;
use crate::schema::TableSchema;

/// The alias tables a run uses.
pub struct Aliases {
    pub cities: AliasTable,
    pub institutions: AliasTable,
    pub partners: AliasTable,
}

impl Aliases {
    pub fn load(layout: &Layout) -> Result<Aliases> {
        let load = |kind: &str, table: &str| {
            let path = layout.aliases(table);
            AliasTable::load(kind, &path, &layout.display(&path))
        };
        Ok(Aliases {
            cities: load("city", "cities")?,
            institutions: load("institution", "institutions")?,
            partners: load("partner", "partners")?,
        })
    }
}

/// Names no alias table knows, per (field, country), in the blocks that have known names
/// to match them against (by similarity, afterwards).
type Unknown = BTreeSet<(Field, String, String)>;

/// Names the alias tables resolved, per (field, block): the country, or "" for partners.
type Known = BTreeMap<(Field, String), BTreeSet<String>>;

/// What normalizing the rows found besides the reports.
struct Found {
    unknown: Unknown,
    known: Known,
    /// keys of the aliases used, per table (cities, institutions, partners)
    used: [BTreeSet<String>; 3],
}

fn split_list(cell: Option<&str>) -> Vec<String> {
    let text = cell.unwrap_or("");
    if !text.contains(';') {
        let one = clean_text(text);
        return if one.is_empty() { Vec::new() } else { vec![one] };
    }
    let items = text.split(';').map(clean_text).filter(|s| !s.is_empty());
    dedup(items)
}

/// Where the reports schema's fields are in a row.
struct Columns {
    workshop_name: Option<usize>,
    country: Option<usize>,
    city: Option<usize>,
    host: Option<usize>,
    partner: Option<usize>,
    province: Option<usize>,
    opened_on: Option<usize>,
    status: Option<usize>,
    specialties: Option<usize>,
    source_url: Option<usize>,
    source_title: Option<usize>,
    source_date: Option<usize>,
    notes: Option<usize>,
}

impl Columns {
    fn new(schema: &TableSchema) -> Columns {
        let at = |name: &str| schema.index_of(name);
        Columns {
            workshop_name: at("workshop_name"),
            country: at("country"),
            city: at("city"),
            host: at("host_institution"),
            partner: at("chinese_partner"),
            province: at("organiser_province"),
            opened_on: at("opened_on"),
            status: at("status"),
            specialties: at("specialties"),
            source_url: at("source_url"),
            source_title: at("source_title"),
            source_date: at("source_date"),
            notes: at("notes"),
        }
    }
}

/// A cell's trimmed text, or None when it is empty or a missing value.
fn cell<'r>(schema: &TableSchema, row: &'r IngestedRow, at: Option<usize>) -> Option<&'r str> {
    let c = row.cell(at?)?.trim();
    (!c.is_empty() && !schema.missing_values.iter().any(|m| m == c)).then_some(c)
}

/// What one distinct name cell resolves to through its alias table: the canonical name
/// of each item (list cells split on `;`), without repeats.
struct Resolved {
    names: SharedList,
    /// positions in `names` of the items no alias table knows (kept as cleaned)
    unknown: smallvec::SmallVec<[u32; 2]>,
    /// keys of the aliases used, for the unused-alias lint
    alias_keys: Vec<String>,
}

fn resolve_cell(table: &AliasTable, text: &str, list: bool) -> Resolved {
    let items = if list {
        split_list(Some(text))
    } else {
        vec![clean_text(text)]
    };
    let mut names: Vec<Shared> = Vec::with_capacity(items.len());
    let (mut unknown, mut alias_keys) = (smallvec::SmallVec::new(), Vec::new());
    for clean in items {
        let (name, is_unknown) = match table.lookup(&clean) {
            Matched::Canonical(c) => (c, false),
            Matched::Alias(c) => {
                alias_keys.push(name_key(&clean));
                (c, false)
            }
            Matched::Unknown => (clean, true),
        };
        let at = match names.iter().position(|n| **n == *name) {
            Some(at) => at,
            None => {
                names.push(name.into());
                names.len() - 1
            }
        } as u32;
        if is_unknown && !unknown.contains(&at) {
            unknown.push(at);
        }
    }
    Resolved {
        names: names.into(),
        unknown,
        alias_keys,
    }
}

/// Values that repeat from report to report (status, organiser province, specialties
/// cells), shared within a chunk of reports: one allocation per distinct value and chunk
/// instead of one per report. (Chunks are a few thousand reports, so the values repeat
/// within each; a map for the whole run would be one more pass for little more sharing.)
struct Repeats<'r> {
    empty: SharedList,
    texts: ahash::AHashMap<&'r str, Shared>,
    provinces: ahash::AHashMap<String, Shared>,
    specialties: ahash::AHashMap<&'r str, SharedList>,
}

impl<'r> Repeats<'r> {
    fn new() -> Repeats<'r> {
        Repeats {
            empty: SharedList::from([]),
            texts: Default::default(),
            provinces: Default::default(),
            specialties: Default::default(),
        }
    }

    fn text(&mut self, text: &'r str) -> Shared {
        self.texts.entry(text).or_insert_with(|| text.into()).clone()
    }

    fn province(&mut self, province: String) -> Shared {
        if let Some(p) = self.provinces.get(&province) {
            return p.clone();
        }
        let shared: Shared = province.as_str().into();
        self.provinces.insert(province, shared.clone());
        shared
    }

    /// The specialties of a cell, split and cleaned (see [`split_list`]).
    fn specialties(&mut self, cell: Option<&'r str>) -> SharedList {
        let Some(text) = cell else {
            return self.empty.clone();
        };
        self.specialties
            .entry(text)
            .or_insert_with(|| split_list(Some(text)).into_iter().map(Shared::from).collect())
            .clone()
    }
}

/// The name columns, in the order of [`RowNames`].
const NAME_FIELDS: [Field; 3] = [Field::City, Field::Institution, Field::Partner];
/// For each name column of a row (see [`NAME_FIELDS`]), the position of its cell among
/// the distinct name cells, or [`NO_NAME`] when the cell is empty.
type RowNames = [u32; 3];
const NO_NAME: u32 = u32::MAX;
/// A cell (or country) not met before this round; given its position in row order.
const NEW: u32 = u32::MAX - 1;

/// One distinct name cell: its column, the countries of the rows it appears in (ids of
/// their country cells; usually one), and what it resolves to through its alias table.
/// 32 bytes: at 10M generated reports there are 5.2M of them (two 24-byte small vectors
/// made it 64).
struct NameCell {
    field: Field,
    countries: Ids,
    /// the canonical name of each item (list cells split on `;`), without repeats
    names: SharedList,
    /// positions in `names` of the items no alias table knows (kept as cleaned)
    unknown: Ids,
}

/// A short list of ids in one word: a cell's countries, the positions of its unknown
/// names. Most cells have one of a few lists (one country; `[]` or `[0]` unknown), which
/// [`IdLists`] shares.
#[derive(Clone)]
struct Ids(triomphe::ThinArc<(), u32>);

impl Ids {
    fn new(ids: &[u32]) -> Ids {
        Ids(triomphe::ThinArc::from_header_and_slice((), ids))
    }

    fn as_slice(&self) -> &[u32] {
        &self.0.slice
    }
}

/// Shared [`Ids`]: the empty list, and the list of each single id below [`IdLists::SINGLES`];
/// any other list gets its own allocation.
struct IdLists {
    empty: Ids,
    singles: Vec<Ids>,
}

impl IdLists {
    const SINGLES: u32 = 1024;

    fn new() -> IdLists {
        IdLists {
            empty: Ids::new(&[]),
            singles: Vec::new(),
        }
    }

    fn get(&mut self, ids: &[u32]) -> Ids {
        match *ids {
            [] => self.empty.clone(),
            [id] if id < Self::SINGLES => {
                for next in self.singles.len() as u32..=id {
                    self.singles.push(Ids::new(&[next]));
                }
                self.singles[id as usize].clone()
            }
            _ => Ids::new(ids),
        }
    }
}

impl NameCell {
    /// The countries of the rows it appears in (those that resolve), by `country_of`.
    fn countries_in<'c>(
        &'c self,
        country_of: &'c [Option<Arc<CountryNames>>],
    ) -> impl Iterator<Item = &'c Arc<CountryNames>> + 'c {
        self.countries
            .as_slice()
            .iter()
            .filter_map(move |&id| country_of.get(id as usize).and_then(Option::as_ref))
    }

    /// The names an alias table knows.
    fn known(&self) -> impl Iterator<Item = &Shared> {
        (0u32..)
            .zip(self.names.iter())
            .filter(|(i, _)| !self.unknown.as_slice().contains(i))
            .map(|(_, n)| n)
    }
}

/// The distinct name cell texts, by position (the position of their [`NameCell`]), and
/// a table per name column to find a text's position: the texts are kept end to end in
/// one string, and the tables hold only positions (4 bytes a bucket). At 10M generated
/// reports there are 5.2M distinct name cells; a map per column from a boxed text to its
/// position took a 24-byte bucket and an allocation per text, held until the end of the
/// pass, where the run peaks.
#[derive(Default)]
struct CellTexts {
    /// the texts, end to end, in position order
    text: String,
    /// by position: where its text starts in `text`
    starts: Vec<usize>,
    /// per name column: positions, by the hash of their text
    tables: [hashbrown::HashTable<u32>; 3],
    hasher: ahash::RandomState,
}

impl CellTexts {
    fn text_of(&self, position: u32) -> &str {
        text_at(&self.text, &self.starts, position)
    }

    /// The position of a text of column `slot`, if it was inserted.
    fn get(&self, slot: usize, text: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(text);
        self.tables[slot].find(hash, |&p| self.text_of(p) == text).copied()
    }

    /// Records the next position: `text`, of column `slot`, not inserted before.
    fn insert(&mut self, slot: usize, text: &str) -> Result<u32> {
        let p = position(self.starts.len())?;
        let CellTexts {
            text: all,
            starts,
            tables,
            hasher,
        } = self;
        starts.push(all.len());
        all.push_str(text);
        // (a table that grows is rehashed from the texts)
        tables[slot].insert_unique(hasher.hash_one(text), p, |&q| hasher.hash_one(text_at(all, starts, q)));
        Ok(p)
    }
}

/// The text at `position` among texts kept end to end in `all`, starting at `starts`.
fn text_at<'t>(all: &'t str, starts: &[usize], position: u32) -> &'t str {
    let start = starts[position as usize];
    let end = starts.get(position as usize + 1).map_or(all.len(), |&e| e);
    &all[start..end]
}

/// A row's cells by position: its country cell's id and its name cells' positions.
#[derive(Debug, Clone, Copy)]
struct RowCells {
    country: u32,
    names: RowNames,
    /// a cell is new, or a name appears with a country it was not seen with before
    new: bool,
}

/// Normalizes rows round by round, in row order: each distinct name cell and country
/// cell is resolved once, when it is first met, and the reports are built from those
/// resolutions. Rows can be dropped once their round is done, so the rows of a dataset
/// need never be held all at once (`luban run` streams them: [`super::stream`]).
///
/// A round goes in four steps. Every core looks the round's cells up among the cells
/// met before (read only); the cells met for the first time are then given positions
/// in row order on one thread (they are few after the first rounds: ~3M distinct name
/// cells in 30M at 10M reports), resolved on every core, and the reports are built on
/// every core. Positions are internal: what the stage writes depends only on the rows,
/// not on the rounds or the thread count. (Resolving each cell once, and finding a
/// row's resolution by position rather than by its text again, is what keeps normalize
/// linear: at 10M reports looking each cell up by text in maps of millions of names
/// was a sixth of its CPU time.)
pub struct Normalizer<'a> {
    schema: &'a TableSchema,
    cols: Columns,
    countries: &'a CountryResolver,
    aliases: &'a Aliases,
    /// the position of each distinct name cell text
    positions: CellTexts,
    /// the distinct name cells, by position
    cells: Vec<NameCell>,
    /// the id of each distinct country cell, and its country (None: does not resolve)
    country_ids: ahash::AHashMap<Box<str>, u32>,
    country_of: Vec<Option<Arc<CountryNames>>>,
    /// one shared record per country, whatever spelling its cells use
    by_code: ahash::AHashMap<Shared, Arc<CountryNames>>,
    /// keys of the aliases used, per table (cities, institutions, partners)
    used: [BTreeSet<String>; 3],
    reports: Chunked<Report>,
    empty: SharedList,
    ids: IdLists,
}

impl<'a> Normalizer<'a> {
    pub fn new(schema: &'a TableSchema, countries: &'a CountryResolver, aliases: &'a Aliases) -> Normalizer<'a> {
        Normalizer {
            schema,
            cols: Columns::new(schema),
            countries,
            aliases,
            positions: Default::default(),
            cells: Vec::new(),
            country_ids: Default::default(),
            country_of: Vec::new(),
            by_code: Default::default(),
            used: Default::default(),
            reports: Chunked::new(),
            empty: SharedList::from([]),
            ids: IdLists::new(),
        }
    }

    /// Reports built so far.
    pub fn len(&self) -> usize {
        self.reports.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }

    fn table(&self, field: Field) -> &'a AliasTable {
        match field {
            Field::City => &self.aliases.cities,
            Field::Institution => &self.aliases.institutions,
            _ => &self.aliases.partners,
        }
    }

    /// The next valid rows, in row order: their reports are appended.
    pub fn push(&mut self, rows: &[IngestedRow]) -> Result<()> {
        let mut at = self.look_up(rows);
        let first_new = self.cells.len();
        let new_texts = self.place_new(rows, &mut at)?;
        // the new cells resolved, on every core
        let resolved: Vec<Resolved> = new_texts
            .par_iter()
            .zip(&self.cells[first_new..])
            .map(|(text, c)| resolve_cell(self.table(c.field), text, c.field != Field::City))
            .collect();
        for (c, r) in self.cells[first_new..].iter_mut().zip(resolved) {
            self.used[c.field as usize].extend(r.alias_keys);
            c.names = r.names;
            c.unknown = self.ids.get(&r.unknown);
        }
        // the reports, on every core
        let (schema, cols) = (self.schema, &self.cols);
        let (cells, country_of) = (&self.cells, &self.country_of);
        let parts = rows
            .par_chunks(CHUNK)
            .zip(at.par_chunks(CHUNK))
            .map(|(chunk, at)| {
                let mut repeats = Repeats::new();
                chunk
                    .iter()
                    .zip(at)
                    .enumerate()
                    .map(|(k, (row, here))| {
                        if let Some(block) = read_ahead::block_at(k, 0..at.len()) {
                            read_names_ahead(cells, &at[block]);
                        }
                        build_report(schema, cols, cells, country_of, &mut repeats, row, here)
                    })
                    .collect()
            })
            .collect::<Result<Vec<Vec<Report>>>>()?;
        parts.into_iter().for_each(|p| self.reports.push_chunk(p));
        Ok(())
    }

    /// Each row's cells among those met before this round ([`NEW`] if not), on every core.
    ///
    /// A block of rows at a time: first every cell's position (a probe of a table of
    /// millions, then the text it points at), then the countries each was met with
    /// (the cells are scattered too). Done row by row, each step waited on the one
    /// before; done for a block, the cache misses of different cells overlap (see
    /// [`crate::read_ahead`]).
    fn look_up(&self, rows: &[IngestedRow]) -> Vec<RowCells> {
        let (schema, cols) = (self.schema, &self.cols);
        let mut out = vec![
            RowCells {
                country: NEW,
                names: [NO_NAME; 3],
                new: true,
            };
            rows.len()
        ];
        out.par_chunks_mut(read_ahead::BLOCK)
            .zip(rows.par_chunks(read_ahead::BLOCK))
            .with_min_len(32)
            .for_each(|(out, rows)| {
                for (at, row) in out.iter_mut().zip(rows) {
                    let country = cell(schema, row, cols.country).unwrap_or("");
                    at.country = self.country_ids.get(country).copied().unwrap_or(NEW);
                    at.new = at.country == NEW;
                    for (slot, col) in [cols.city, cols.host, cols.partner].into_iter().enumerate() {
                        if let Some(text) = cell(schema, row, col) {
                            at.names[slot] = self.positions.get(slot, text).unwrap_or(NEW);
                        }
                    }
                }
                for at in out.iter_mut() {
                    for &p in &at.names {
                        at.new |= match p {
                            NO_NAME => false,
                            NEW => true,
                            p => !self.cells[p as usize].countries.as_slice().contains(&at.country),
                        };
                    }
                }
            });
        out
    }

    /// Gives the round's new cells and countries their positions, in row order, and
    /// notes the countries each name appears with. Returns the new cells' texts.
    fn place_new<'r>(&mut self, rows: &'r [IngestedRow], at: &mut [RowCells]) -> Result<Vec<&'r str>> {
        let (schema, name_cols) = (self.schema, [self.cols.city, self.cols.host, self.cols.partner]);
        let mut new_texts = Vec::new();
        for (row, at) in rows.iter().zip(at).filter(|(_, at)| at.new) {
            if at.country == NEW {
                at.country = self.country_id(cell(schema, row, self.cols.country).unwrap_or(""))?;
            }
            for (slot, col) in name_cols.into_iter().enumerate() {
                let mut p = at.names[slot];
                if p == NO_NAME {
                    continue;
                }
                if p == NEW {
                    let text = cell(schema, row, col).unwrap_or_default();
                    p = match self.positions.get(slot, text) {
                        Some(p) => p,
                        None => {
                            // (positions are given in step: cells and their texts)
                            let p = self.positions.insert(slot, text)?;
                            debug_assert_eq!(p as usize, self.cells.len());
                            self.cells.push(NameCell {
                                field: NAME_FIELDS[slot],
                                countries: self.ids.get(&[]),
                                names: self.empty.clone(),
                                unknown: self.ids.get(&[]),
                            });
                            new_texts.push(text);
                            p
                        }
                    };
                    at.names[slot] = p;
                }
                let countries = &mut self.cells[p as usize].countries;
                if !countries.as_slice().contains(&at.country) {
                    let mut more: smallvec::SmallVec<[u32; 4]> = countries.as_slice().into();
                    more.push(at.country);
                    *countries = self.ids.get(&more);
                }
            }
        }
        Ok(new_texts)
    }

    /// The id of a country cell's text, resolving it when first met.
    fn country_id(&mut self, text: &str) -> Result<u32> {
        if let Some(&id) = self.country_ids.get(text) {
            return Ok(id);
        }
        let id = position(self.country_of.len())?;
        let country = match self.countries.resolve(text) {
            Resolution::Found(c) => Some(
                self.by_code
                    .entry(c.alpha3.clone())
                    .or_insert_with(|| {
                        Arc::new(CountryNames {
                            code: c.alpha3.clone(),
                            name: c.name.clone(),
                            region: c.region.clone(),
                            subregion: c.subregion.clone(),
                        })
                    })
                    .clone(),
            ),
            _ => None,
        };
        self.country_of.push(country);
        self.country_ids.insert(text.into(), id);
        Ok(id)
    }

    /// The reports in row order, and the names the alias tables know and do not know.
    fn finish(self) -> (Chunked<Report>, Found) {
        let mut found = Found {
            unknown: Unknown::new(),
            known: Known::new(),
            used: self.used,
        };
        // An unknown name is matched against the known names of its block (see
        // `names::matcher`), so it is gathered only where its block has known names. (At a
        // million generated reports nearly every name is unknown and no block has known
        // names: gathering them all into a set was a fifth of normalize, for nothing.)
        // Whether a name is known does not depend on the country (alias lookups are by key
        // only), so the known names of a block are exactly the names its reports use that
        // are not unknown.
        for c in &self.cells {
            if c.known().next().is_none() {
                continue;
            }
            for country in c.countries_in(&self.country_of) {
                let known = found
                    .known
                    .entry((c.field, block(c.field, &country.code).to_string()))
                    .or_default();
                for n in c.known() {
                    if !known.contains(&**n) {
                        known.insert(n.to_string());
                    }
                }
            }
        }
        let with_known: BTreeSet<(Field, &str)> = found.known.keys().map(|(f, b)| (*f, b.as_str())).collect();
        if !with_known.is_empty() {
            for c in self.cells.iter().filter(|c| !c.unknown.as_slice().is_empty()) {
                for country in c.countries_in(&self.country_of) {
                    if with_known.contains(&(c.field, block(c.field, &country.code))) {
                        for &u in c.unknown.as_slice() {
                            found
                                .unknown
                                .insert((c.field, country.code.to_string(), c.names[u as usize].to_string()));
                        }
                    }
                }
            }
        }
        (self.reports, found)
    }
}

/// A position among the cells or countries, which are fewer than [`NEW`].
fn position(len: usize) -> Result<u32> {
    u32::try_from(len)
        .ok()
        .filter(|&p| p < NEW)
        .ok_or_else(|| anyhow::anyhow!("more than {NEW} distinct name or country cells"))
}

/// Reads the resolutions of the name cells of a block of rows ahead of building their
/// reports: cells are found by position among millions, and their name lists are
/// scattered in memory (see [`crate::read_ahead`]).
fn read_names_ahead(cells: &[NameCell], rows: &[RowCells]) {
    let resolved = || {
        rows.iter()
            .flat_map(|at| at.names)
            .filter_map(|p| cells.get(p as usize))
    };
    let mut sum = resolved().map(|c| c.names.len()).sum::<usize>();
    sum += resolved().flat_map(|c| c.names.iter()).map(|n| n.len()).sum::<usize>();
    std::hint::black_box(sum);
}

/// Builds one report from a valid row and the resolutions of its cells.
fn build_report<'r>(
    schema: &TableSchema,
    cols: &Columns,
    cells: &[NameCell],
    country_of: &[Option<Arc<CountryNames>>],
    repeats: &mut Repeats<'r>,
    row: &'r IngestedRow,
    at: &RowCells,
) -> Result<Report> {
    let here = || format!("{}:{}", row.at.file, row.at.line);
    let Some(country) = country_of.get(at.country as usize).and_then(Option::as_ref) else {
        bail!(
            "internal error: {}: country passed validation but does not resolve",
            here()
        );
    };
    // every name cell was gathered and resolved before the reports are built
    let resolution = |slot: usize| -> Result<Option<&SharedList>> {
        match at.names[slot] {
            NO_NAME => Ok(None),
            p => cells
                .get(p as usize)
                .map(|c| Some(&c.names))
                .ok_or_else(|| anyhow::anyhow!("internal error: {}: a name was not resolved", here())),
        }
    };
    let names =
        |slot: usize| -> Result<SharedList> { Ok(resolution(slot)?.cloned().unwrap_or_else(|| repeats.empty.clone())) };
    let date = |at: Option<usize>| -> Result<Option<PartialDate>> {
        cell(schema, row, at)
            .map(|s| PartialDate::parse(s).map_err(|e| anyhow::anyhow!("internal error: {}: {e}", here())))
            .transpose()
    };
    let text = |at: Option<usize>| cell(schema, row, at).map(clean_text);
    let notes = text(cols.notes);
    Ok(Report {
        at: ReportAt {
            file: row.at.file.clone(),
            line: row.at.line,
        },
        free_text: FreeText::new(
            text(cols.workshop_name).as_deref(),
            text(cols.source_title).as_deref(),
            notes.as_deref(),
        ),
        country: country.clone(),
        city: resolution(0)?.and_then(|c| c.last().cloned()),
        host_institutions: names(1)?,
        chinese_partners: names(2)?,
        opened_on: date(cols.opened_on)?,
        status: cell(schema, row, cols.status).map(|s| repeats.text(s)),
        specialties: repeats.specialties(cell(schema, row, cols.specialties)),
        source_url: cell(schema, row, cols.source_url).unwrap_or_default().into(),
        source_date: date(cols.source_date)?,
        organiser_province: cell(schema, row, cols.province).map(|p| repeats.province(p.to_string())),
    })
}

/// The items without repeats, in first-seen order. Lists in a cell are short: they are
/// compared in place (no set, no copies) up to a size past which a hostile cell with
/// thousands of items would make that quadratic.
fn dedup<T: Clone + Eq + std::hash::Hash>(items: impl Iterator<Item = T>) -> Vec<T> {
    const SHORT: usize = 32;
    let mut out: Vec<T> = Vec::new();
    let mut seen: Option<ahash::AHashSet<T>> = None;
    for item in items {
        match &mut seen {
            None if out.contains(&item) => {}
            None => {
                out.push(item);
                if out.len() > SHORT {
                    seen = Some(out.iter().cloned().collect());
                }
            }
            Some(set) => {
                if set.insert(item.clone()) {
                    out.push(item);
                }
            }
        }
    }
    out
}

/// Matches the names no alias table knows against the known names of their country, and
/// rewrites the reports where a match is accepted or decided (see `names::matcher`).
fn resolve_unknown_names(reports: &mut Chunked<Report>, found: &Found, decisions: &Decisions) -> Vec<NameMatch> {
    let (unknown, known) = (&found.unknown, &found.known);
    if unknown.is_empty() {
        return Vec::new();
    }
    let matches = match_unknowns(unknown, known, decisions);
    let rename: BTreeMap<(Field, &str, &str), &str> = matches
        .iter()
        .filter(|m| m.outcome != "candidate")
        .map(|m| ((m.field, m.country.as_str(), m.name.as_str()), m.candidate.as_str()))
        .collect();
    if rename.is_empty() {
        return matches;
    }
    for r in reports.iter_mut() {
        let country = r.country.code.clone();
        let renamed = |field: Field, name: &Shared| rename.get(&(field, &*country, &**name)).copied();
        let to = |field: Field, name: &Shared| renamed(field, name).map_or_else(|| name.clone(), Shared::from);
        // a list no rename touches stays the one its cell's reports share
        let list = |field: Field, names: &SharedList| -> Option<SharedList> {
            names
                .iter()
                .any(|n| renamed(field, n).is_some())
                .then(|| dedup(names.iter().map(|n| to(field, n))).into())
        };
        r.city = r.city.as_ref().map(|c| to(Field::City, c));
        if let Some(hosts) = list(Field::Institution, &r.host_institutions) {
            r.host_institutions = hosts;
        }
        if let Some(partners) = list(Field::Partner, &r.chinese_partners) {
            r.chinese_partners = partners;
        }
    }
    matches
}

/// The result of the normalize stage.
pub struct Normalized {
    pub report: StageReport,
    /// Lint findings per alias file.
    pub lints: BTreeMap<String, Vec<Lint>>,
    /// Unknown names matched by similarity (accepted, decided, or candidates for review).
    pub matches: Vec<NameMatch>,
    /// Lines of raw/decisions.csv about names that no name needed.
    pub unused_decisions: Vec<u64>,
    /// The normalized reports, for dedupe.
    pub reports: Chunked<Report>,
}

/// Runs normalize on validate's valid rows: `input` within `luban run`, else the rows
/// `build/valid.bin` stands for.
pub fn run(
    layout: &Layout,
    schema: &TableSchema,
    countries: &CountryResolver,
    aliases: &Aliases,
    input: Option<Vec<IngestedRow>>,
    progress: &Progress,
) -> Result<Normalized> {
    let start = Instant::now();
    let mut normalizer = Normalizer::new(schema, countries, aliases);
    let rows_in = match input {
        Some(rows) => {
            let rows_in = rows.len() as u64;
            progress.set_total(rows_in);
            // Rows are turned into reports a round at a time and dropped, so that the
            // memory of one round's rows is reused for the next round's reports (in
            // chunks: see [`Chunked`]).
            let mut rows = rows.into_iter();
            loop {
                let round: Vec<IngestedRow> = rows.by_ref().take(ROUND).collect();
                if round.is_empty() {
                    break;
                }
                normalizer.push(&round)?;
                progress.set(normalizer.len() as u64);
            }
            rows_in
        }
        None => {
            // Run alone: the valid rows are read again a batch at a time and pushed in
            // the same rounds. Read whole first, the rows and then the reports built
            // from them peaked at 4.7 GiB at 10M reports (now 3.6 GiB).
            // A reading thread builds the rows while this one pushes the round before.
            let staged = super::ingest::read_staged(&layout.build_file("valid.bin"), "validate")?;
            let mut round: Vec<IngestedRow> = Vec::with_capacity(ROUND + 8 * 1024);
            std::thread::scope(|scope| -> Result<u64> {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<IngestedRow>>(2);
                let staged = &staged;
                let reading = scope.spawn(move || {
                    super::ingest::for_each_staged_batch(layout, staged, schema, progress, |rows| {
                        tx.send(std::mem::take(rows))
                            .map_err(|_| anyhow::anyhow!("normalize stopped reading its rows"))
                    })
                });
                let pushed = (|| -> Result<()> {
                    for mut rows in &rx {
                        round.append(&mut rows);
                        while round.len() >= ROUND {
                            normalizer.push(&round[..ROUND])?;
                            round.drain(..ROUND);
                        }
                    }
                    normalizer.push(&round)
                })();
                drop(rx); // the reading thread stops at its next batch
                let read = reading.join().expect("the reading thread does not panic");
                pushed?; // first: a failed push is why the reading stopped
                read
            })?
        }
    };
    finish_stage(normalizer, layout, rows_in, start.elapsed(), progress)
}

/// Rows per round of [`Normalizer::push`] (a multiple of [`CHUNK`], so that the reports'
/// chunks stay whole).
pub const ROUND: usize = 64 * 1024;

/// The end of the stage, once every valid row (`rows_in` of them) went through
/// `normalizer`: names no alias table knows are matched, the alias tables linted, and
/// `build/` written. `spent` is the time the rows took, for the stage's report.
pub fn finish_stage(
    normalizer: Normalizer,
    layout: &Layout,
    rows_in: u64,
    spent: std::time::Duration,
    progress: &Progress,
) -> Result<Normalized> {
    let start = Instant::now();
    let aliases = normalizer.aliases;
    let (mut reports, found) = normalizer.finish();
    let mut report = StageReport::new("normalize");
    report.rows_in = rows_in;
    let decisions_path = layout.root.join("raw").join("decisions.csv");
    let decisions = Decisions::load(&decisions_path, &layout.display(&decisions_path))?;
    progress.note("matching unknown names");
    let matches = resolve_unknown_names(&mut reports, &found, &decisions);
    progress.note("writing build/normalized.bin");
    report.rows_out = reports.len() as u64;
    let mut lints = BTreeMap::new();
    for (table, used) in [&aliases.cities, &aliases.institutions, &aliases.partners]
        .into_iter()
        .zip(&found.used)
    {
        let found = table.lint(Some(used));
        report.data_errors |= found.iter().any(|l| l.error);
        lints.insert(table.file.clone(), found);
    }
    csvio::write_chunked_with::<_, crate::report_frames::ReportFrames>(&layout.build_file("normalized.bin"), &reports)?;
    csvio::write_staged(&layout.build_file("name-matches.csv"), |w| {
        let mut wtr = csvio::writer(w);
        wtr.write_record(["field", "country", "name", "candidate", "score", "outcome"])?;
        for m in &matches {
            wtr.write_record([
                m.field.as_str(),
                &m.country,
                &m.name,
                &m.candidate,
                &format!("{:.3}", m.score),
                m.outcome,
            ])?;
        }
        wtr.flush()?;
        Ok(())
    })?;
    csvio::write_staged(&layout.build_file("alias-lint.csv"), |w| {
        let mut wtr = csvio::writer(w);
        wtr.write_record(["file", "line", "severity", "code", "message"])?;
        for (file, found) in &lints {
            for l in found {
                wtr.write_record([
                    file.as_str(),
                    &l.line.to_string(),
                    if l.error { "error" } else { "warning" },
                    l.code,
                    &l.message,
                ])?;
            }
        }
        wtr.flush()?;
        Ok(())
    })?;
    report.elapsed = spent + start.elapsed();
    report.check_conservation()?;
    let unused_decisions = decisions.unused(&[Field::City, Field::Institution, Field::Partner]);
    Ok(Normalized {
        report,
        lints,
        matches,
        unused_decisions,
        reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The id lists read back as given; the empty list and single ids are shared, other
    /// lists are not; a cell stays at 32 bytes.
    #[test]
    fn id_lists_share_the_common_lists_and_keep_the_others() {
        let ptr = |ids: &Ids| ids.0.ptr();
        let mut lists = IdLists::new();
        for ids in [&[][..], &[0], &[7], &[3, 1], &[5000], &[2, 2, 9]] {
            assert_eq!(lists.get(ids).as_slice(), ids);
        }
        assert_eq!(ptr(&lists.get(&[])), ptr(&lists.get(&[])));
        assert_eq!(ptr(&lists.get(&[7])), ptr(&lists.get(&[7])));
        assert_ne!(ptr(&lists.get(&[7])), ptr(&lists.get(&[6])));
        assert_ne!(ptr(&lists.get(&[3, 1])), ptr(&lists.get(&[3, 1])));
        assert_ne!(ptr(&lists.get(&[5000])), ptr(&lists.get(&[5000])));
        assert!(std::mem::size_of::<NameCell>() <= 32);
    }

    /// Each text finds the position it was given, per column (the same text in two
    /// columns is two cells), through the table's growth; unknown texts find nothing.
    #[test]
    fn cell_texts_find_each_text_by_column() {
        let mut texts = CellTexts::default();
        let mut given = Vec::new();
        for i in 0..5000u32 {
            let slot = (i % 3) as usize;
            // the empty text, prefixes of one another, and texts in two columns
            let text = match i % 7 {
                0 => String::new(),
                1 => "Öskemen".repeat(1 + (i as usize) % 4),
                n => format!("name {} {n}", i / 3),
            };
            if texts.get(slot, &text).is_none() {
                given.push((slot, text.clone(), texts.insert(slot, &text).unwrap()));
            }
        }
        assert!(given.len() > 3000, "{} distinct", given.len());
        for (k, (slot, text, p)) in given.iter().enumerate() {
            assert_eq!(*p as usize, k);
            assert_eq!(texts.get(*slot, text), Some(*p));
            assert_eq!(texts.text_of(*p), text);
        }
        // a text found in one column is not found in a column it was not given in
        let in_column = |slot: usize, text: &str| given.iter().any(|g| g.0 == slot && g.1 == text);
        let mut elsewhere = 0;
        for (slot, text, _) in &given {
            for other in (0..3).filter(|o| o != slot && !in_column(*o, text)) {
                assert_eq!(texts.get(other, text), None, "{text:?} in column {other}");
                elsewhere += 1;
            }
        }
        assert!(elsewhere > 1000);
        assert_eq!(texts.get(0, "never given"), None);
        assert_ne!(texts.get(0, ""), texts.get(1, ""));
    }

    /// Rows pushed in rounds of any size, on any number of threads, give the reports
    /// and findings of one round on one thread; and each report carries its own row's
    /// cells, resolved (a position pointing at another cell would show here).
    #[test]
    fn reports_do_not_depend_on_rounds_or_threads_and_carry_their_own_cells() {
        let schema = TableSchema::parse(
            std::path::Path::new("s"),
            "s",
            r#"{"fields": [{"name": "country"}, {"name": "city"}, {"name": "host_institution"},
                {"name": "chinese_partner"}, {"name": "source_url"}]}"#,
        )
        .unwrap();
        let layout = Layout::open(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let countries = CountryResolver::load(&layout).unwrap();
        let aliases = Aliases::load(&layout).unwrap();
        let rows: Vec<IngestedRow> = (0..3000)
            .map(|i| {
                let host = if i % 5 == 0 {
                    String::new()
                } else {
                    format!("host {}", i % 300)
                };
                // names the alias tables know, in the cities' and partners' blocks
                let city = match i % 9 {
                    0 => "Oskamen".to_string(),
                    1 => "Oskemen".to_string(),
                    n => format!("city {n}"),
                };
                let partner = if i % 4 == 0 {
                    "Tianjin Bohai Vocational Technological College".to_string()
                } else {
                    format!("partner {}; partner {}", i % 11, i % 3)
                };
                let cells = [
                    ["Kenya", "Egypt", "EG", "Kazakhstan"][i % 4].to_string(),
                    city,
                    host,
                    partner,
                    format!("https://example.org/{i}"),
                ];
                IngestedRow::for_test(&cells.iter().map(String::as_str).collect::<Vec<_>>())
            })
            .collect();
        let normalized = |threads: usize, round: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut n = Normalizer::new(&schema, &countries, &aliases);
                for r in rows.chunks(round) {
                    n.push(r).unwrap();
                }
                let (reports, found) = n.finish();
                (reports.iter().cloned().collect::<Vec<Report>>(), found)
            })
        };
        let (want, want_found) = normalized(1, rows.len());
        assert_eq!(want.len(), rows.len());
        for (row, report) in rows.iter().zip(&want) {
            let names = |table: &AliasTable, col: usize, list: bool| match row.cell(col).unwrap() {
                "" => SharedList::from([]),
                text => resolve_cell(table, text, list).names,
            };
            assert_eq!(report.city.as_ref(), names(&aliases.cities, 1, false).last());
            assert_eq!(report.host_institutions, names(&aliases.institutions, 2, true));
            assert_eq!(report.chinese_partners, names(&aliases.partners, 3, true));
            assert_eq!(&*report.source_url, row.cell(4).unwrap());
            let code = if row.cell(0) == Some("Kenya") {
                "KEN"
            } else {
                &report.country.code
            };
            assert_eq!(&*report.country.code, code);
        }
        assert!(want_found.known.keys().any(|(f, b)| *f == Field::City && b == "KAZ"));
        assert!(!want_found.unknown.is_empty() && want_found.used.iter().any(|u| !u.is_empty()));
        for threads in [1, 2, 3] {
            for round in [1, 7, 1024] {
                let (reports, found) = normalized(threads, round);
                assert!(reports == want, "{threads} threads, rounds of {round}");
                assert_eq!(found.known, want_found.known);
                assert_eq!(found.unknown, want_found.unknown);
                assert_eq!(found.used, want_found.used);
            }
        }
    }

    #[test]
    fn repeated_values_are_shared_and_equal_to_their_own_parse() {
        let mut repeats = Repeats::new();
        let (a, b) = (
            String::from(" robotics ; CNC;robotics"),
            String::from(" robotics ; CNC;robotics"),
        );
        let first = repeats.specialties(Some(&a));
        assert_eq!(&*first, ["robotics", "CNC"].map(Shared::from).as_slice());
        assert!(SharedList::ptr_eq(&first, &repeats.specialties(Some(&b))));
        assert!(repeats.specialties(None).is_empty());
        assert!(Shared::ptr_eq(&repeats.text("operating"), &repeats.text("operating")));
        assert_ne!(repeats.text("operating"), repeats.text("planned"));
        let hubei = repeats.province("Hubei".into());
        assert!(Shared::ptr_eq(&hubei, &repeats.province("Hubei".into())));
        assert_eq!(&*repeats.province("Tianjin".into()), "Tianjin");
    }

    #[test]
    fn list_cells_split_trim_and_drop_repeats() {
        assert_eq!(split_list(Some(" a ; b;;a ;  c ")), vec!["a", "b", "c"]);
        // long lists switch to a set part way: same result, first-seen order
        let long: Vec<String> = (0..100).map(|i| format!("s{}", (i * 7) % 45)).collect();
        let mut want: Vec<String> = Vec::new();
        for s in &long {
            if !want.contains(s) {
                want.push(s.clone());
            }
        }
        assert_eq!(want.len(), 45);
        assert_eq!(split_list(Some(&long.join(";"))), want);
        assert!(split_list(None).is_empty());
    }
}
