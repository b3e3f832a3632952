//! The records passed between stages: in memory within `luban run`, and through the
//! artifacts in `build/` when a stage runs alone. Rows read from `raw/` carry their
//! provenance (file, line, row, byte); the reports and workshops built from them are
//! tables of columns ([`crate::table`]), and every report keeps its file and line, so
//! that every row can be traced from input to output.

use serde::{Deserialize, Serialize};

use crate::partial_date::PartialDate;
use crate::table::{IdLists, Names, TextLists, Texts};

mod provenance;
pub use provenance::{field_index, workshop_of, ConflictValue, Conflicts, FieldSet, SourceDetails, FIELDS};

/// Text that many rows share: the file of a row, a country's names. One allocation per
/// distinct value, cloned by reference count. Serialized as a plain string.
pub type Shared = arcstr::ArcStr;

/// Where a raw report came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// Path relative to the dataset root, with `/` separators (shared by the rows of a
    /// file: one allocation per file, not per row).
    pub file: Shared,
    /// Physical line where the record starts (header = line 1).
    pub line: u64,
    /// Frictionless row number (header = row 1; counts records, not lines).
    pub row: u64,
    /// Byte offset of the record in the file, to point diagnostics at cells.
    pub byte: u64,
}

/// A raw record as ingest read it: cells in file order (ragged rows keep their length),
/// with the positions of cells that were not valid UTF-8.
///
/// The cells are stored as one string and the end offset of each cell, as the csv crate
/// stores a record: two allocations per row instead of one per cell. At a million rows
/// the per-cell strings cost more in allocation and first-touch page faults than all
/// the checks together. Boxed slices, not vectors: rows never grow, and the 24 bytes
/// of capacities are 240 MB at 10M rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestedRow {
    pub at: Provenance,
    text: Box<str>,
    ends: Box<[u32]>,
    pub bad_utf8: Box<[usize]>,
}

impl IngestedRow {
    /// A row of `cells`: one allocation of the right size for the text, one for the
    /// offsets.
    pub fn new<S: AsRef<str>>(at: Provenance, cells: &[S], bad_utf8: Vec<usize>) -> IngestedRow {
        let mut text = String::with_capacity(cells.iter().map(|c| c.as_ref().len()).sum());
        let mut ends = Vec::with_capacity(cells.len());
        for c in cells {
            text.push_str(c.as_ref());
            ends.push(u32::try_from(text.len()).expect("a CSV record is smaller than 4 GiB"));
        }
        IngestedRow {
            at,
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
            bad_utf8: bad_utf8.into_boxed_slice(),
        }
    }

    /// How many cells the record has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Cell `i` (None past the end; never panics, even on a damaged artifact).
    pub fn cell(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { *self.ends.get(i - 1)? as usize };
        self.text.get(start..end)
    }

    /// Every cell, in order.
    pub fn cells(&self) -> Vec<&str> {
        (0..self.len()).map(|i| self.cell(i).unwrap_or_default()).collect()
    }

    /// The cells' text, one after the other (what the record hash is computed on).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A row at line 2 of file `f`, for rule tests.
    #[cfg(test)]
    pub fn for_test(cells: &[&str]) -> IngestedRow {
        let at = Provenance {
            file: "f".into(),
            line: 2,
            row: 2,
            byte: 0,
        };
        IngestedRow::new(at, cells, vec![])
    }
}

/// How `luban show` prints an ingested row: its cells as a list.
#[derive(Serialize)]
pub struct IngestedRowView<'r> {
    pub at: &'r Provenance,
    pub cells: Vec<&'r str>,
    #[serde(skip_serializing_if = "<[usize]>::is_empty")]
    pub bad_utf8: &'r [usize],
}

impl<'r> From<&'r IngestedRow> for IngestedRowView<'r> {
    fn from(r: &'r IngestedRow) -> Self {
        IngestedRowView {
            at: &r.at,
            cells: r.cells(),
            bad_utf8: &r.bad_utf8,
        }
    }
}

/// A country as records carry it: ISO 3166-1 alpha-3 code, English name, and UN M49
/// region and sub-region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryNames {
    pub code: Shared,
    pub name: Shared,
    pub region: Shared,
    pub subregion: Shared,
}

/// The dictionaries that the name columns of [`Reports`] and [`Workshops`] point into.
/// Dedupe hands them on to the workshops it makes, so a workshop's city is the very id
/// its reports gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dictionaries {
    /// report files, as paths relative to the dataset root
    pub files: Names,
    /// countries, by id
    pub countries: Vec<CountryNames>,
    /// canonical names, per kind
    pub cities: Names,
    pub hosts: Names,
    pub partners: Names,
    /// the values of the few-valued columns, as written
    pub statuses: Names,
    pub specialties: Names,
    pub provinces: Names,
    /// workshop, sub-centre
    pub kinds: Names,
    /// partners on the host country's side, as written
    pub host_partners: Names,
}

/// The reports normalize makes: one per valid row, in row order, which is (file, line)
/// order. Names are ids into [`Dictionaries`] ([`NONE`] for an empty cell); list cells are
/// split, and each list holds an id once.
///
/// [`NONE`]: crate::table::NONE
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reports {
    pub dict: Dictionaries,
    pub file: Vec<u32>,
    /// the physical line where the raw row starts
    pub line: Vec<u64>,
    pub country: Vec<u32>,
    pub workshop_name: Texts,
    pub city: Vec<u32>,
    pub host_institutions: IdLists,
    pub chinese_partners: IdLists,
    pub opened_on: Vec<Option<PartialDate>>,
    pub status: Vec<u32>,
    pub specialties: IdLists,
    pub source_url: Texts,
    pub source_title: Texts,
    pub source_date: Vec<Option<PartialDate>>,
    pub notes: Texts,
    pub organiser_province: Vec<u32>,
    pub kind: Vec<u32>,
    pub host_partners: IdLists,
}

impl Reports {
    pub fn len(&self) -> usize {
        self.country.len()
    }

    pub fn is_empty(&self) -> bool {
        self.country.is_empty()
    }

    /// Report `i`'s file.
    pub fn file_of(&self, i: usize) -> &str {
        self.dict.files.text(self.file[i])
    }

    /// Report `i`'s country.
    pub fn country_of(&self, i: usize) -> &CountryNames {
        &self.dict.countries[self.country[i] as usize]
    }

    /// The reports at `rows`, in that order, cut into parts at `bounds` (positions in
    /// `rows`, ascending, from 0 to `rows.len()`): part `k` holds the reports at
    /// `rows[bounds[k]..bounds[k + 1]]` and no dictionaries (they are returned once,
    /// beside the parts). One column at a time, each column's old copy freed once its
    /// parts are gathered, so that the table is never held twice; and each part can be
    /// freed once used (see dedupe's `merge`). A column dropped before (dedupe drops
    /// the notes) stays empty.
    pub fn permute_in_parts(self, rows: &[u32], bounds: &[usize]) -> (Dictionaries, Vec<Reports>) {
        let parts: Vec<&[u32]> = bounds.windows(2).map(|w| &rows[w[0]..w[1]]).collect();
        fn take<T: Copy>(v: Vec<T>, parts: &[&[u32]]) -> std::vec::IntoIter<Vec<T>> {
            let part = |p: &[u32]| p.iter().map(|&i| v[i as usize]).collect();
            let out: Vec<Vec<T>> = parts
                .iter()
                .map(|p| if v.is_empty() { Vec::new() } else { part(p) })
                .collect();
            out.into_iter()
        }
        fn texts(t: Texts, parts: &[&[u32]]) -> std::vec::IntoIter<Texts> {
            let out: Vec<Texts> = parts
                .iter()
                .map(|p| if t.is_empty() { Texts::new() } else { t.gather(p) })
                .collect();
            out.into_iter()
        }
        fn lists(l: IdLists, parts: &[&[u32]]) -> std::vec::IntoIter<IdLists> {
            let out: Vec<IdLists> = parts.iter().map(|p| l.gather(p)).collect();
            out.into_iter()
        }
        let p = &parts;
        let (mut file, mut line, mut country) = (take(self.file, p), take(self.line, p), take(self.country, p));
        let (mut workshop_name, mut city) = (texts(self.workshop_name, p), take(self.city, p));
        let mut host_institutions = lists(self.host_institutions, p);
        let mut chinese_partners = lists(self.chinese_partners, p);
        let (mut opened_on, mut status) = (take(self.opened_on, p), take(self.status, p));
        let mut specialties = lists(self.specialties, p);
        let (mut source_url, mut source_title) = (texts(self.source_url, p), texts(self.source_title, p));
        let (mut source_date, mut notes) = (take(self.source_date, p), texts(self.notes, p));
        let mut organiser_province = take(self.organiser_province, p);
        let (mut kind, mut host_partners) = (take(self.kind, p), lists(self.host_partners, p));
        let next = || -> Option<Reports> {
            Some(Reports {
                dict: Dictionaries::default(),
                file: file.next()?,
                line: line.next()?,
                country: country.next()?,
                workshop_name: workshop_name.next()?,
                city: city.next()?,
                host_institutions: host_institutions.next()?,
                chinese_partners: chinese_partners.next()?,
                opened_on: opened_on.next()?,
                status: status.next()?,
                specialties: specialties.next()?,
                source_url: source_url.next()?,
                source_title: source_title.next()?,
                source_date: source_date.next()?,
                notes: notes.next()?,
                organiser_province: organiser_province.next()?,
                kind: kind.next()?,
                host_partners: host_partners.next()?,
            })
        };
        (self.dict, std::iter::from_fn(next).collect())
    }
}

/// The workshops dedupe makes, in `workshop_id` order: one row per workshop, the merge
/// of its reports. Which reports those are is in `build/merges.csv`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Workshops {
    pub dict: Dictionaries,
    pub workshop_id: Texts,
    pub workshop_name: Texts,
    pub country: Vec<u32>,
    pub city: Vec<u32>,
    /// the host institutions, most often named first, joined with "; "
    pub host_institution: Texts,
    pub chinese_partners: IdLists,
    /// ids into `dict.host_partners`, the most often named first
    pub host_partners: IdLists,
    pub organiser_province: Vec<u32>,
    /// an id into `dict.kinds`: what most reports that say call it, else `workshop`
    pub kind: Vec<u32>,
    pub opened_on: Vec<Option<PartialDate>>,
    pub status: Vec<u32>,
    /// ids into `dict.specialties`, sorted ignoring case
    pub specialties: IdLists,
    pub source_urls: TextLists,
    /// what each of `source_urls` gave, item by item
    pub sources: SourceDetails,
    pub conflicts: Conflicts,
    /// the ids of the workshops it absorbed (a `same` decision, record linkage), sorted
    pub former_ids: TextLists,
}

impl Workshops {
    pub fn len(&self) -> usize {
        self.country.len()
    }

    pub fn is_empty(&self) -> bool {
        self.country.is_empty()
    }

    pub fn country_of(&self, i: usize) -> &CountryNames {
        &self.dict.countries[self.country[i] as usize]
    }

    /// The text of a name id of `names`, None for [`crate::table::NONE`].
    pub fn name(names: &Names, id: u32) -> Option<&str> {
        (id != crate::table::NONE).then(|| names.text(id))
    }
}

/// Per-country figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountrySummary {
    pub country_code: String,
    pub country_name: String,
    pub region: String,
    pub subregion: String,
    pub workshops: u32,
    pub operating: u32,
    pub announced: u32,
    pub planned: u32,
    pub suspended: u32,
    pub closed: u32,
    pub first_opened_on: Option<PartialDate>,
    pub latest_opened_on: Option<PartialDate>,
    pub host_institutions: u32,
    pub chinese_partners: Vec<String>,
    pub specialties: Vec<String>,
    pub sources: u32,
}

/// Workshops opened per year and country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpeningsByYear {
    pub year: i32,
    pub country_code: String,
    pub region: String,
    pub openings: u32,
}

/// Workshops opened per year worldwide, with the running total: a table of its own, so
/// that no column of a per-country table repeats a world figure that summing would
/// multiply.
#[derive(Debug, Clone, PartialEq)]
pub struct OpeningsWorldwide {
    pub year: i32,
    pub openings: u32,
    /// Workshops opened worldwide up to the end of `year`.
    pub cumulative: u32,
}

/// The tables publish writes: dedupe's workshops and aggregate's three tables.
#[derive(Debug, Default)]
pub struct Tables {
    pub workshops: Workshops,
    pub countries: Vec<CountrySummary>,
    pub openings: Vec<OpeningsByYear>,
    pub claims: Vec<ClaimCheck>,
}

/// A published claim about how many workshops exist (raw/claims.csv), as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub claim_date: Option<PartialDate>,
    pub date_text: String,
    pub claimed_workshops: Option<u32>,
    pub claimed_countries: Option<u32>,
    pub qualifier: String,
    pub scope: String,
    pub scope_text: String,
    pub claim: String,
    pub source_url: String,
}

/// A claim next to what the dataset counts for the same scope as of the same date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimCheck {
    pub claim: Claim,
    /// The end of the claim's date (its day, month or year), at day precision.
    pub as_of: Option<PartialDate>,
    pub our_workshops: Option<u32>,
    pub our_countries: Option<u32>,
    pub workshops_difference: Option<i32>,
    pub countries_difference: Option<i32>,
}

/// A workshop given by its texts, for tests ([`Workshops::push_for_test`]).
#[cfg(test)]
#[derive(Default)]
pub struct WorkshopTexts<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// code, name, region, subregion
    pub country: (&'a str, &'a str, &'a str, &'a str),
    pub city: Option<&'a str>,
    pub host: Option<&'a str>,
    pub partners: &'a [&'a str],
    pub province: Option<&'a str>,
    pub opened: Option<&'a str>,
    pub status: Option<&'a str>,
    pub specialties: &'a [&'a str],
    pub urls: &'a [&'a str],
    pub conflicts: &'a [ConflictValue<'a>],
}

#[cfg(test)]
impl Workshops {
    /// Appends a workshop given by its texts.
    pub fn push_for_test(&mut self, w: WorkshopTexts) {
        let d = &mut self.dict;
        let (code, name, region, subregion) = w.country;
        let country = match d.countries.iter().position(|c| *c.code == *code) {
            Some(c) => c,
            None => {
                d.countries.push(CountryNames {
                    code: code.into(),
                    name: name.into(),
                    region: region.into(),
                    subregion: subregion.into(),
                });
                d.countries.len() - 1
            }
        };
        let opt = |names: &mut Names, t: Option<&str>| t.map_or(crate::table::NONE, |t| names.id(t));
        self.workshop_id.push(Some(w.id));
        self.workshop_name.push(Some(w.name));
        self.country.push(country as u32);
        self.city.push(opt(&mut d.cities, w.city));
        self.host_institution.push(w.host);
        let partners: Vec<u32> = w.partners.iter().map(|p| d.partners.id(p)).collect();
        self.chinese_partners.push(&partners);
        self.host_partners.push(&[]);
        self.organiser_province.push(opt(&mut d.provinces, w.province));
        self.kind.push(d.kinds.id("workshop"));
        self.opened_on
            .push(w.opened.map(|o| PartialDate::parse(o).expect("a test date")));
        self.status.push(opt(&mut d.statuses, w.status));
        let specialties: Vec<u32> = w.specialties.iter().map(|s| d.specialties.id(s)).collect();
        self.specialties.push(&specialties);
        let first = self.source_urls.texts.len();
        self.conflicts.push(w.conflicts, |url| {
            (first
                + w.urls
                    .iter()
                    .position(|u| *u == url)
                    .expect("a conflict's URL is one of the test workshop's")) as u32
        });
        self.source_urls.push(w.urls.iter().copied());
        for _ in w.urls {
            self.sources.push(None, None, FieldSet::default().with("country"));
        }
        self.former_ids.push(std::iter::empty());
    }
}

/// A report given by its texts, for tests ([`Reports::push_for_test`]).
#[cfg(test)]
#[derive(Default, Clone)]
pub struct ReportTexts<'a> {
    pub file: &'a str,
    pub line: u64,
    pub country: &'a str,
    pub workshop_name: Option<&'a str>,
    pub city: Option<&'a str>,
    pub hosts: &'a [&'a str],
    pub partners: &'a [&'a str],
    pub opened: Option<&'a str>,
    pub status: Option<&'a str>,
    pub specialties: &'a [&'a str],
    pub url: &'a str,
    pub source_date: Option<&'a str>,
    pub title: Option<&'a str>,
    pub province: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub host_partners: &'a [&'a str],
}

#[cfg(test)]
impl Reports {
    /// Appends a report given by its texts (its country's names are its code).
    pub fn push_for_test(&mut self, r: ReportTexts) {
        let d = &mut self.dict;
        let country = match d.countries.iter().position(|c| *c.code == *r.country) {
            Some(c) => c,
            None => {
                d.countries.push(CountryNames {
                    code: r.country.into(),
                    name: r.country.into(),
                    region: "".into(),
                    subregion: "".into(),
                });
                d.countries.len() - 1
            }
        };
        let opt = |names: &mut Names, t: Option<&str>| t.map_or(crate::table::NONE, |t| names.id(t));
        let date = |t: Option<&str>| t.map(|t| PartialDate::parse(t).expect("a test date"));
        self.file
            .push(d.files.id(if r.file.is_empty() { "raw/reports/t.csv" } else { r.file }));
        self.line.push(r.line);
        self.country.push(country as u32);
        self.workshop_name.push(r.workshop_name);
        self.city.push(opt(&mut d.cities, r.city));
        let hosts: Vec<u32> = r.hosts.iter().map(|h| d.hosts.id(h)).collect();
        self.host_institutions.push(&hosts);
        let partners: Vec<u32> = r.partners.iter().map(|p| d.partners.id(p)).collect();
        self.chinese_partners.push(&partners);
        self.opened_on.push(date(r.opened));
        self.status.push(opt(&mut d.statuses, r.status));
        let specialties: Vec<u32> = r.specialties.iter().map(|s| d.specialties.id(s)).collect();
        self.specialties.push(&specialties);
        self.source_url.push(Some(r.url));
        self.source_title.push(r.title);
        self.kind.push(opt(&mut d.kinds, r.kind));
        let host_partners: Vec<u32> = r.host_partners.iter().map(|h| d.host_partners.id(h)).collect();
        self.host_partners.push(&host_partners);
        self.source_date.push(date(r.source_date));
        self.notes.push(None);
        self.organiser_province.push(opt(&mut d.provinces, r.province));
    }
}
