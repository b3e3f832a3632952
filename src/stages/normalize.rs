//! Stage 3, normalize: turns each valid row into a [`Report`]: text trimmed and
//! NFC-normalized; the country resolved to ISO 3166-1 alpha-3 with its English name and
//! UN M49 region/sub-region; city, host institutions and Chinese partners mapped to their
//! canonical names through the alias tables; `opened_on` and `source_date` parsed as
//! partial dates keeping their precision; list cells split on `;`; the organiser province
//! read from the notes' leading tag.
//!
//! The alias tables are linted here, where their use is known: conflicts, chains and
//! aliases equal to another canonical reject the data; unused aliases are warnings. All
//! findings are listed in `build/alias-lint.csv`.
//!
//! At scale the same spellings repeat (a million reports name ~500 000 distinct cells),
//! so each distinct name and country cell is resolved once, in parallel, and the reports
//! are then built from those resolutions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use rayon::prelude::*;

use super::StageReport;
use crate::chunked::{Chunked, CHUNK};
use crate::csvio;
use crate::layout::Layout;
use crate::model::{CountryNames, IngestedRow, Report, ReportAt, Shared, SharedList};
use crate::names::aliases::{AliasTable, Lint, Matched};
use crate::names::countries::{CountryResolver, Resolution};
use crate::names::key::{clean_text, name_key};
use crate::names::matcher::{block, match_unknowns, Decisions, Field, NameMatch};
use crate::partial_date::PartialDate;
use crate::progress::Progress;
use crate::schema::TableSchema;
use crate::sharded::Sharded;

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

/// Reads the organiser from a notes tag: `[Tianjin]`/`[Tianjin college]` → Tianjin,
/// `[non-Tianjin: Hubei]` → Hubei; anything else (unknown organiser) → none.
pub fn organiser_province(notes: &str) -> Option<String> {
    let tag = notes.trim_start().strip_prefix('[')?.split(']').next()?.trim();
    if tag == "Tianjin" || tag == "Tianjin college" {
        return Some("Tianjin".into());
    }
    let province = tag.strip_prefix("non-Tianjin:")?.trim();
    (!province.is_empty()).then(|| province.to_string())
}

/// Where the reports schema's fields are in a row.
struct Columns {
    workshop_name: Option<usize>,
    country: Option<usize>,
    city: Option<usize>,
    host: Option<usize>,
    partner: Option<usize>,
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

impl Resolved {
    /// The names an alias table knows.
    fn known(&self) -> impl Iterator<Item = &Shared> {
        (0u32..)
            .zip(self.names.iter())
            .filter(|(i, _)| !self.unknown.contains(i))
            .map(|(_, n)| n)
    }
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

/// The country cells a name cell appears with (usually one).
type Countries<'r> = smallvec::SmallVec<[&'r str; 2]>;
/// Each distinct name cell, with the country cells it appears with.
type NameCells<'r> = Vec<((Field, &'r str), Seen<'r>)>;
/// The rows' [`RowNames`], one vector per thread's share of the rows, in row order.
type RowNamesByPart = Vec<Vec<RowNames>>;

/// The name columns, in the order of [`RowNames`].
const NAME_FIELDS: [Field; 3] = [Field::City, Field::Institution, Field::Partner];
/// For each name column of a row (see [`NAME_FIELDS`]), the position of its cell among
/// the distinct name cells, or [`NO_NAME`] when the cell is empty.
type RowNames = [u32; 3];
const NO_NAME: u32 = u32::MAX;

/// A distinct name cell as the threads met it: the country cells it appears with, and
/// the number each thread that met it gave it (thread, number).
struct Seen<'r> {
    countries: Countries<'r>,
    numbers: smallvec::SmallVec<[(u32, u32); 2]>,
}

/// Every distinct (field, cell text) of the name columns, every distinct country cell,
/// and each row's name cells as positions among the distinct ones ([`RowNames`]).
///
/// One pass per thread over its share of the rows numbers the cells it meets; the maps
/// are then combined shard by shard (see [`Sharded`]), and each thread's numbers are
/// translated to positions in the combined list. Building the reports then reads a
/// cell's resolution by position. (It looked each cell up again by its text: at 10M
/// reports those lookups in maps of millions of names were a sixth of normalize's CPU
/// time, and the cause of most of its growth faster than the row count.)
fn distinct_cells<'r>(
    schema: &TableSchema,
    cols: &Columns,
    rows: &'r [IngestedRow],
) -> (NameCells<'r>, Vec<&'r str>, RowNamesByPart) {
    let share = rows.len() / rayon::current_num_threads().max(1) + 1;
    type Part<'r> = (
        Sharded<(Field, &'r str), Seen<'r>>,
        ahash::AHashSet<&'r str>,
        Vec<RowNames>,
        u32,
    );
    let parts: Vec<Part> = rows
        .par_chunks(share)
        .enumerate()
        .map(|(part, chunk)| {
            let mut names: Sharded<(Field, &str), Seen> = Sharded::default();
            let mut countries = ahash::AHashSet::default();
            let mut row_names = Vec::with_capacity(chunk.len());
            let mut next = 0u32;
            for row in chunk {
                let country = cell(schema, row, cols.country).unwrap_or("");
                countries.insert(country);
                let mut numbers = [NO_NAME; 3];
                for (slot, at) in [cols.city, cols.host, cols.partner].into_iter().enumerate() {
                    if let Some(text) = cell(schema, row, at) {
                        let seen = names.entry((NAME_FIELDS[slot], text)).or_insert_with(|| {
                            next += 1;
                            Seen {
                                countries: Countries::new(),
                                numbers: smallvec::smallvec![(part as u32, next - 1)],
                            }
                        });
                        if !seen.countries.contains(&country) {
                            seen.countries.push(country);
                        }
                        numbers[slot] = seen.numbers[0].1;
                    }
                }
                row_names.push(numbers);
            }
            (names, countries, row_names, next)
        })
        .collect();
    let mut maps = Vec::with_capacity(parts.len());
    let mut countries = ahash::AHashSet::default();
    let mut numbered = Vec::with_capacity(parts.len());
    for (names, c, row_names, count) in parts {
        maps.push(names);
        countries.extend(c);
        numbered.push((row_names, count));
    }
    let names: NameCells = Sharded::combine(maps, |seen, more| {
        for c in more.countries {
            if !seen.countries.contains(&c) {
                seen.countries.push(c);
            }
        }
        seen.numbers.extend(more.numbers);
    })
    .into_entries()
    .collect();
    // each thread's numbers, as positions in `names`
    let mut position: Vec<Vec<u32>> = numbered.iter().map(|(_, n)| vec![NO_NAME; *n as usize]).collect();
    for (at, (_, seen)) in names.iter().enumerate() {
        for &(part, number) in &seen.numbers {
            position[part as usize][number as usize] = at as u32;
        }
    }
    // translated in place, each thread's share on its own core
    let row_names: RowNamesByPart = numbered
        .into_par_iter()
        .zip(position)
        .map(|((mut row_names, _), position)| {
            for r in &mut row_names {
                *r = r.map(|n| if n == NO_NAME { NO_NAME } else { position[n as usize] });
            }
            row_names
        })
        .collect();
    (names, countries.into_iter().collect(), row_names)
}

/// Normalizes the valid rows: each distinct name cell and country cell is resolved once
/// (in parallel), then the reports are built from those resolutions in parallel chunks.
/// Returns the reports in row order, the names no alias table knows, and the alias keys
/// used per table (cities, institutions, partners).
fn normalize_rows(
    schema: &TableSchema,
    countries: &CountryResolver,
    aliases: &Aliases,
    rows: Vec<IngestedRow>,
    progress: &Progress,
) -> Result<(Chunked<Report>, Found)> {
    let cols = Columns::new(schema);
    progress.set_total(rows.len() as u64);
    progress.note("resolving distinct names");
    let (resolved, row_names, country_of, found) = resolve_distinct(schema, &cols, countries, aliases, &rows);
    // Rows are turned into reports a round at a time and dropped, so that the memory of
    // one round's rows is reused for the next round's reports (in chunks: see
    // [`Chunked`]).
    const ROUND: usize = 64 * 1024;
    let mut reports = Chunked::new();
    let mut rows = rows.into_iter();
    let mut row_names = row_names.into_iter().flatten();
    loop {
        let round: Vec<IngestedRow> = rows.by_ref().take(ROUND).collect();
        if round.is_empty() {
            break;
        }
        let names: Vec<RowNames> = row_names.by_ref().take(round.len()).collect();
        let parts = round
            .par_chunks(CHUNK)
            .zip(names.par_chunks(CHUNK))
            .map(|(chunk, names)| {
                let mut repeats = Repeats::new();
                chunk
                    .iter()
                    .zip(names)
                    .map(|(row, names)| build_report(schema, &cols, &resolved, &country_of, &mut repeats, row, names))
                    .collect()
            })
            .collect::<Result<Vec<Vec<Report>>>>()?;
        parts.into_iter().for_each(|p| reports.push_chunk(p));
        progress.set(reports.len() as u64);
        progress.note("");
    }
    Ok((reports, found))
}

/// The country of each country cell's text.
type CountryOf = ahash::AHashMap<String, Arc<CountryNames>>;

/// The canonical names of each distinct name cell, by its position (see [`RowNames`];
/// the rest of [`Resolved`] is not needed once the names are gathered).
type ResolvedCells = Vec<SharedList>;

/// Resolves each distinct name cell and country cell once (in parallel); also returns
/// the names no alias table knows, those it does, and the alias keys used per table.
fn resolve_distinct(
    schema: &TableSchema,
    cols: &Columns,
    countries: &CountryResolver,
    aliases: &Aliases,
    rows: &[IngestedRow],
) -> (ResolvedCells, RowNamesByPart, CountryOf, Found) {
    let (names, country_cells, row_names) = distinct_cells(schema, cols, rows);
    let table = |field: Field| match field {
        Field::City => &aliases.cities,
        Field::Institution => &aliases.institutions,
        _ => &aliases.partners,
    };
    let done: Vec<Resolved> = names
        .par_iter()
        .map(|&((field, text), _)| resolve_cell(table(field), text, field != Field::City))
        .collect();
    // one shared record per country, whatever spelling the cells used
    let mut by_code: ahash::AHashMap<&str, Arc<CountryNames>> = Default::default();
    let mut country_of = CountryOf::default();
    for text in country_cells {
        if let Resolution::Found(c) = countries.resolve(text) {
            let names = by_code.entry(&*c.alpha3).or_insert_with(|| {
                Arc::new(CountryNames {
                    code: c.alpha3.clone(),
                    name: c.name.clone(),
                    region: c.region.clone(),
                    subregion: c.subregion.clone(),
                })
            });
            country_of.insert(text.to_string(), names.clone());
        }
    }
    let mut found = Found {
        unknown: Unknown::new(),
        known: Known::new(),
        used: Default::default(),
    };
    for (((field, _), _), r) in names.iter().zip(&done) {
        let used = &mut found.used[*field as usize];
        for key in &r.alias_keys {
            // few distinct keys, used by many names: look before cloning
            if !used.contains(key) {
                used.insert(key.clone());
            }
        }
    }
    // An unknown name is matched against the known names of its block (see
    // `names::matcher`), so it is gathered only where its block has known names. (At a
    // million generated reports nearly every name is unknown and no block has known
    // names: gathering them all into a set was a fifth of normalize, for nothing.)
    // Whether a name is known does not depend on the country (alias lookups are by key
    // only), so the known names of a block are exactly the names its reports use that
    // are not unknown.
    for (((field, _), seen), r) in names.iter().zip(&done) {
        if r.known().next().is_none() {
            continue;
        }
        for c in seen.countries.iter().filter_map(|c| country_of.get(*c)) {
            let known = found
                .known
                .entry((*field, block(*field, &c.code).to_string()))
                .or_default();
            for n in r.known() {
                if !known.contains(&**n) {
                    known.insert(n.to_string());
                }
            }
        }
    }
    let with_known: BTreeSet<(Field, &str)> = found.known.keys().map(|(f, b)| (*f, b.as_str())).collect();
    if !with_known.is_empty() {
        for (((field, _), seen), r) in names.iter().zip(&done) {
            if r.unknown.is_empty() {
                continue;
            }
            for c in seen.countries.iter().filter_map(|c| country_of.get(*c)) {
                if with_known.contains(&(*field, block(*field, &c.code))) {
                    for &u in &r.unknown {
                        found
                            .unknown
                            .insert((*field, c.code.to_string(), r.names[u as usize].to_string()));
                    }
                }
            }
        }
    }
    let resolved: ResolvedCells = done.into_iter().map(|r| r.names).collect();
    (resolved, row_names, country_of, found)
}

/// Builds one report from a valid row and the resolutions of its cells.
fn build_report<'r>(
    schema: &TableSchema,
    cols: &Columns,
    resolved: &ResolvedCells,
    country_of: &CountryOf,
    repeats: &mut Repeats<'r>,
    row: &'r IngestedRow,
    names: &RowNames,
) -> Result<Report> {
    let here = || format!("{}:{}", row.at.file, row.at.line);
    let Some(country) = country_of.get(cell(schema, row, cols.country).unwrap_or("")) else {
        bail!(
            "internal error: {}: country passed validation but does not resolve",
            here()
        );
    };
    // every name cell was gathered and resolved before the reports are built
    let resolution = |slot: usize| -> Result<Option<&SharedList>> {
        match names[slot] {
            NO_NAME => Ok(None),
            at => resolved
                .get(at as usize)
                .map(Some)
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
    let text = |at: Option<usize>| cell(schema, row, at).map(|t| clean_text(t).into_boxed_str());
    let notes = text(cols.notes);
    Ok(Report {
        at: ReportAt {
            file: row.at.file.clone(),
            line: row.at.line,
        },
        workshop_name: text(cols.workshop_name),
        country: country.clone(),
        city: resolution(0)?.and_then(|c| c.last().cloned()),
        host_institutions: names(1)?,
        chinese_partners: names(2)?,
        opened_on: date(cols.opened_on)?,
        status: cell(schema, row, cols.status).map(|s| repeats.text(s)),
        specialties: repeats.specialties(cell(schema, row, cols.specialties)),
        source_url: cell(schema, row, cols.source_url).unwrap_or_default().into(),
        source_title: text(cols.source_title),
        source_date: date(cols.source_date)?,
        organiser_province: notes
            .as_deref()
            .and_then(organiser_province)
            .map(|p| repeats.province(p)),
        notes,
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
    let rows = match input {
        Some(rows) => rows,
        None => super::ingest::load_staged(layout, "valid.bin", "validate", schema, progress)?,
    };
    let mut report = StageReport::new("normalize");
    report.rows_in = rows.len() as u64;
    let (mut reports, found) = normalize_rows(schema, countries, aliases, rows, progress)?;
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
    report.elapsed = start.elapsed();
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

    /// Each row's name cells are found by position, wherever the threads met them first:
    /// the position must name the row's own cell, for any thread count.
    #[test]
    fn every_row_points_at_its_own_name_cells_for_any_thread_count() {
        let schema = TableSchema::parse(
            std::path::Path::new("s"),
            "s",
            r#"{"fields": [{"name": "country"}, {"name": "city"}, {"name": "host_institution"},
                {"name": "chinese_partner"}]}"#,
        )
        .unwrap();
        let cols = Columns::new(&schema);
        let rows: Vec<IngestedRow> = (0..5000)
            .map(|i| {
                let host = if i % 5 == 0 {
                    String::new()
                } else {
                    format!("host {}", i % 300)
                };
                let cells = [
                    ["Kenya", "Egypt", "EG"][i % 3].to_string(),
                    format!("city {}", i % 7),
                    host,
                    format!("partner {}", i % 11),
                ];
                IngestedRow::for_test(&cells.iter().map(String::as_str).collect::<Vec<_>>())
            })
            .collect();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (names, countries, row_names) = pool.install(|| distinct_cells(&schema, &cols, &rows));
            assert_eq!(countries.len(), 3);
            let row_names: Vec<RowNames> = row_names.into_iter().flatten().collect();
            assert_eq!(row_names.len(), rows.len());
            let keys: BTreeSet<(Field, &str)> = names.iter().map(|(k, _)| *k).collect();
            assert_eq!(keys.len(), names.len(), "a distinct cell is listed once");
            // hosts: i % 300 for i not a multiple of 5, so 240 of them
            assert_eq!(names.len(), 7 + 240 + 11);
            for (row, at) in rows.iter().zip(&row_names) {
                for (slot, col) in [cols.city, cols.host, cols.partner].into_iter().enumerate() {
                    match cell(&schema, row, col) {
                        Some(text) => {
                            let (key, seen) = &names[at[slot] as usize];
                            assert_eq!(*key, (NAME_FIELDS[slot], text), "{threads} threads");
                            assert!(seen.countries.contains(&row.cell(0).unwrap()));
                        }
                        None => assert_eq!(at[slot], NO_NAME),
                    }
                }
            }
        }
    }

    #[test]
    fn organiser_tags_table() {
        for (notes, want) in [
            ("[Tianjin] First overseas", Some("Tianjin")),
            ("[Tianjin college] MoU only", Some("Tianjin")),
            ("[non-Tianjin: Hubei] Unveiling", Some("Hubei")),
            ("[non-Tianjin, partner unknown] Xinhua", None),
            ("[unknown organiser] Single source", None),
            ("no tag", None),
        ] {
            assert_eq!(organiser_province(notes).as_deref(), want, "{notes}");
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
        assert!(std::sync::Arc::ptr_eq(&first, &repeats.specialties(Some(&b))));
        assert!(repeats.specialties(None).is_empty());
        assert!(std::sync::Arc::ptr_eq(
            &repeats.text("operating"),
            &repeats.text("operating")
        ));
        assert_ne!(repeats.text("operating"), repeats.text("planned"));
        let hubei = repeats.province("Hubei".into());
        assert!(std::sync::Arc::ptr_eq(&hubei, &repeats.province("Hubei".into())));
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
