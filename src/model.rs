//! The records passed between stages: in memory within `luban run`, and through the
//! artifacts in `build/` when a stage runs alone. Each carries its provenance (file
//! and line of the raw report) so that every row can be traced from input to output.

use serde::{Deserialize, Serialize};

use crate::partial_date::PartialDate;

/// Text that many records share: the file of a row, the country fields of a report. One
/// allocation per distinct value, cloned by reference count; a million reports of a dozen
/// countries would otherwise hold five million copies. Serialized as a plain string.
///
/// A one-word pointer (the length lives in the allocation, beside the count): a report
/// holds five of these and three [`SharedList`]s, and `Arc<str>`'s two words made
/// 64 bytes of every report pointer lengths (0.6 GiB at 10M reports).
pub type Shared = arcstr::ArcStr;

/// A list of [`Shared`] names that many records share whole: the canonical names of one
/// distinct cell, the items of one distinct specialties cell. One reference count per
/// record instead of a vector and its own allocation, in one word like [`Shared`].
/// Serialized as a plain list.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedList(triomphe::ThinArc<(), Shared>);

impl SharedList {
    /// Whether both are the same allocation (not only equal lists).
    pub fn ptr_eq(a: &SharedList, b: &SharedList) -> bool {
        a.0.ptr() == b.0.ptr()
    }
}

impl std::ops::Deref for SharedList {
    type Target = [Shared];

    fn deref(&self) -> &[Shared] {
        &self.0.slice
    }
}

impl Default for SharedList {
    fn default() -> SharedList {
        SharedList::from([])
    }
}

impl From<Vec<Shared>> for SharedList {
    fn from(items: Vec<Shared>) -> SharedList {
        SharedList(triomphe::ThinArc::from_header_and_iter((), items.into_iter()))
    }
}

impl<const N: usize> From<[Shared; N]> for SharedList {
    fn from(items: [Shared; N]) -> SharedList {
        SharedList(triomphe::ThinArc::from_header_and_iter((), items.into_iter()))
    }
}

impl FromIterator<Shared> for SharedList {
    fn from_iter<I: IntoIterator<Item = Shared>>(items: I) -> SharedList {
        SharedList::from(items.into_iter().collect::<Vec<Shared>>())
    }
}

impl std::fmt::Debug for SharedList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for SharedList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for SharedList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SharedList, D::Error> {
        Vec::<Shared>::deserialize(d).map(SharedList::from)
    }
}

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

/// A report after normalization: canonical names, ISO country, parsed date, split lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// File and line of the raw row (the row number and byte offset that diagnostics
    /// need stay with the ingested row).
    pub at: ReportAt,
    /// The workshop name, source title and notes, in one allocation (see [`FreeText`]).
    pub free_text: FreeText,
    /// One reference per report, not four (serialized as the four names in a row).
    pub country: std::sync::Arc<CountryNames>,
    /// City, host institutions and partners are canonical names, shared by every report
    /// that names them; so are status, specialties and the organiser province, which
    /// take few distinct values.
    pub city: Option<Shared>,
    pub host_institutions: SharedList,
    pub chinese_partners: SharedList,
    pub opened_on: Option<PartialDate>,
    pub status: Option<Shared>,
    pub specialties: SharedList,
    /// Shared with the workshop it is merged into (its `source_urls`).
    pub source_url: Shared,
    pub source_date: Option<PartialDate>,
    /// "Tianjin", another province, or none (the `organiser_province` column).
    pub organiser_province: Option<Shared>,
}

impl Report {
    pub fn workshop_name(&self) -> Option<&str> {
        self.free_text.get(0)
    }

    pub fn source_title(&self) -> Option<&str> {
        self.free_text.get(1)
    }

    pub fn notes(&self) -> Option<&str> {
        self.free_text.get(2)
    }
}

/// A report as `luban show` prints it: its fields in order, the free text as three.
impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut r = s.serialize_struct("Report", 15)?;
        r.serialize_field("at", &self.at)?;
        r.serialize_field("workshop_name", &self.workshop_name())?;
        r.serialize_field("country", &self.country)?;
        r.serialize_field("city", &self.city)?;
        r.serialize_field("host_institutions", &self.host_institutions)?;
        r.serialize_field("chinese_partners", &self.chinese_partners)?;
        r.serialize_field("opened_on", &self.opened_on)?;
        r.serialize_field("status", &self.status)?;
        r.serialize_field("specialties", &self.specialties)?;
        r.serialize_field("source_url", &self.source_url)?;
        r.serialize_field("source_title", &self.source_title())?;
        r.serialize_field("source_date", &self.source_date)?;
        r.serialize_field("notes", &self.notes())?;
        r.serialize_field("organiser_province", &self.organiser_province)?;
        r.end()
    }
}

/// A report's free text: workshop name, source title and notes, one after the other in
/// one string, with the ends of the first two. Three boxed strings were three
/// allocations and 48 bytes of pointers per report (0.24 GB more at 10M reports). A
/// part is None when it is empty: normalize never keeps an empty text (a cell that
/// trims to nothing is a missing value).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FreeText {
    text: Box<str>,
    ends: [u32; 2],
}

impl FreeText {
    pub fn new(workshop_name: Option<&str>, source_title: Option<&str>, notes: Option<&str>) -> FreeText {
        let parts = [workshop_name, source_title, notes].map(Option::unwrap_or_default);
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0u32; 2];
        for (i, p) in parts.into_iter().enumerate() {
            text.push_str(p);
            if i < 2 {
                // a record, and so its text, is smaller than 4 GiB (see `IngestedRow`)
                ends[i] = u32::try_from(text.len()).unwrap_or(u32::MAX);
            }
        }
        FreeText {
            text: text.into_boxed_str(),
            ends,
        }
    }

    /// The workshop name alone, in an allocation of its own size (the source title and
    /// notes dropped).
    pub fn name_only(&self) -> FreeText {
        FreeText::new(self.get(0), None, None)
    }

    /// Whether the source title and notes are empty (as [`FreeText::name_only`] leaves
    /// them).
    pub fn is_name_only(&self) -> bool {
        self.ends[0] as usize == self.text.len()
    }

    /// Part `i` (0: workshop name, 1: source title, 2: notes); None when empty.
    pub fn get(&self, i: usize) -> Option<&str> {
        let start = match i {
            0 => 0,
            _ => *self.ends.get(i - 1)? as usize,
        };
        let end = self.ends.get(i).map_or(self.text.len(), |&e| e as usize);
        self.text.get(start..end).filter(|p| !p.is_empty())
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

/// One workshop: the merge of every report about it. Which reports those are is in
/// `build/merges.csv` (dedupe's trail), not here: a list of them per workshop held
/// every report's file and line a second time (~0.2 GB at 10M reports).
///
/// Its text is boxed and its lists are shared: a workshop took 240 bytes as `String`s
/// and `Vec`s (spare capacity and a third word each), and at 10M generated reports the
/// 2M workshops are built while dedupe holds the reports, where the run peaks. The
/// serialized form is the same (a string, a list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workshop {
    pub workshop_id: Box<str>,
    pub workshop_name: Box<str>,
    pub country_code: Shared,
    pub country_name: Shared,
    pub region: Shared,
    pub subregion: Shared,
    /// Names, status, specialties and URLs are the reports' own shared values: merging
    /// copies no text but the joined host names.
    pub city: Option<Shared>,
    pub host_institution: Option<Box<str>>,
    pub chinese_partners: SharedList,
    pub organiser_province: Option<Shared>,
    pub opened_on: Option<PartialDate>,
    pub status: Option<Shared>,
    pub specialties: SharedList,
    pub source_urls: SharedList,
    pub source_count: u32,
    pub conflicts: Box<[String]>,
}

/// Where a report is: its file (shared by the reports of a file) and line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReportAt {
    pub file: Shared,
    pub line: u64,
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

/// Workshops opened per year and country, with the running total worldwide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpeningsByYear {
    pub year: i32,
    pub country_code: String,
    pub region: String,
    pub openings: u32,
    /// Workshops opened worldwide up to the end of `year`.
    pub cumulative_worldwide: u32,
}

/// The tables publish writes: dedupe's workshops and aggregate's three tables.
#[derive(Debug, Default)]
pub struct Tables {
    pub workshops: Vec<Workshop>,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A report is held per input row all through a run (10M of them at the scale
    /// target), so its size is memory: with two-word `Arc<str>` names it was 184 bytes.
    #[test]
    fn shared_values_are_one_word_and_a_report_stays_small() {
        use std::mem::size_of;
        assert_eq!(size_of::<Shared>(), size_of::<usize>());
        assert_eq!(size_of::<Option<Shared>>(), size_of::<usize>());
        assert_eq!(size_of::<SharedList>(), size_of::<usize>());
        assert!(size_of::<Report>() <= 120, "Report is {} bytes", size_of::<Report>());
        // 2M workshops at 10M reports are built while the reports are held
        assert!(
            size_of::<Workshop>() <= 176,
            "Workshop is {} bytes",
            size_of::<Workshop>()
        );
    }

    /// A list reads back as the names it was made of, and clones share one allocation.
    #[test]
    fn shared_lists_keep_their_items_and_share_on_clone() {
        let names: Vec<Shared> = ["EKTU", "Machakos University", "EKTU"].map(Shared::from).to_vec();
        let list = SharedList::from(names.clone());
        assert_eq!(&*list, names.as_slice());
        assert!(SharedList::ptr_eq(&list, &list.clone()));
        let again: SharedList = names.into_iter().collect();
        assert_eq!(again, list);
        assert!(!SharedList::ptr_eq(&again, &list));
        assert!(SharedList::default().is_empty());
        assert_eq!(format!("{list:?}"), r#"["EKTU", "Machakos University", "EKTU"]"#);
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(json, r#"["EKTU","Machakos University","EKTU"]"#);
        assert_eq!(serde_json::from_str::<SharedList>(&json).unwrap(), list);
    }

    /// Each part comes back as it went in, whether the others are absent, empty or not
    /// ASCII; an empty part is absent.
    #[test]
    fn free_text_parts_come_back_as_they_went_in() {
        fn want(p: Option<&str>) -> Option<&str> {
            p.filter(|p| !p.is_empty())
        }
        let parts = [
            None,
            Some(""),
            Some("Öskemen Luban Workshop"),
            Some("a"),
            Some("科特迪瓦 – note"),
        ];
        for &a in &parts {
            for &b in &parts {
                for &c in &parts {
                    let t = FreeText::new(a, b, c);
                    assert_eq!(
                        [t.get(0), t.get(1), t.get(2)],
                        [want(a), want(b), want(c)],
                        "{a:?} {b:?} {c:?}"
                    );
                    assert_eq!(t.get(3), None);
                }
            }
        }
    }
}
