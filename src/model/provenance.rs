//! Provenance of a workshop's fields: what each source gave ([`SourceDetails`]) and where
//! sources disagree ([`Conflicts`]). Dedupe fills both while it merges a workshop's
//! reports; publish writes them as the long `sources` and `conflicts` tables, so that an
//! analyst filters and joins them instead of parsing the text of the `conflicts` column
//! (which is written from the same rows, in the same words as before).

use crate::partial_date::PartialDate;
use crate::table::{IdLists, Texts};

/// The report fields a source can give, in the order of the `workshops` table.
pub const FIELDS: [&str; 11] = [
    "workshop_name",
    "kind",
    "country",
    "city",
    "host_institution",
    "chinese_partners",
    "host_partners",
    "organiser_province",
    "opened_on",
    "status",
    "specialties",
];

/// The index in [`FIELDS`] of a field name.
pub fn field_index(name: &str) -> Option<u8> {
    FIELDS.iter().position(|f| *f == name).map(|i| i as u8)
}

/// The workshop of row `row` of a long table whose rows are grouped workshop by
/// workshop, `starts[k]..starts[k + 1]` being workshop `k`'s.
pub fn workshop_of(starts: &[u32], row: usize) -> usize {
    starts.partition_point(|&s| s as usize <= row) - 1
}

/// A set of [`FIELDS`], one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldSet(pub u16);

impl FieldSet {
    /// The set with field `name` added.
    pub fn with(self, name: &str) -> FieldSet {
        let i = field_index(name).expect("a known field");
        FieldSet(self.0 | 1 << i)
    }

    pub fn union(self, other: FieldSet) -> FieldSet {
        FieldSet(self.0 | other.0)
    }

    /// The fields in the set, in [`FIELDS`] order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        self.indices().map(|i| FIELDS[i as usize])
    }

    /// The indices into [`FIELDS`] of the fields in the set, in order.
    pub fn indices(self) -> impl Iterator<Item = u32> {
        (0..FIELDS.len() as u32).filter(move |i| self.0 & (1 << i) != 0)
    }
}

/// What each source of a workshop gave: one row per item of
/// [`super::Workshops::source_urls`], in the same order (workshop by workshop, URLs
/// sorted). When several reports cite one URL, the title and date most of them give
/// are kept, and the fields are the union of theirs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceDetails {
    pub title: Texts,
    pub date: Vec<Option<PartialDate>>,
    pub fields: Vec<FieldSet>,
}

impl SourceDetails {
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn push(&mut self, title: Option<&str>, date: Option<PartialDate>, fields: FieldSet) {
        self.title.push(title);
        self.date.push(date);
        self.fields.push(fields);
    }
}

/// Where a workshop's sources disagree: one row per (workshop, field, value), with the
/// sources that give that value. A workshop's rows are `starts[i]..starts[i + 1]`,
/// grouped by field (in the order the merge policy decides them), the published value
/// first for every field but `status` (the most recent report's status is published;
/// the values are listed alphabetically).
///
/// A row names its sources by their rows in the sources table (items of
/// [`super::Workshops::source_urls`]), not by their URLs: in the heavy-conflicts shape
/// (`luban generate --shape conflicts`) nearly every URL is in two conflict rows, and
/// holding the URLs twice more took ~1 GB at 10M reports: `luban run` peaked at
/// 4,227 MiB with them and 3,388 MiB with rows (one run each).
#[derive(Debug, Clone, PartialEq)]
pub struct Conflicts {
    pub starts: Vec<u32>,
    /// an index into [`FIELDS`]
    pub field: Vec<u8>,
    pub value: Texts,
    /// per row: the rows of its sources in the sources table, in URL order
    pub sources: IdLists,
}

impl Default for Conflicts {
    fn default() -> Conflicts {
        Conflicts {
            starts: vec![0],
            field: Vec::new(),
            value: Texts::new(),
            sources: IdLists::new(),
        }
    }
}

/// One value of a field in conflict, with its sources (sorted, each once).
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictValue<'a> {
    pub field: u8,
    pub value: String,
    pub urls: Vec<&'a str>,
}

impl Conflicts {
    /// The number of workshops.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of conflict rows, all workshops together.
    pub fn rows(&self) -> usize {
        self.field.len()
    }

    /// Workshop `i`'s rows.
    pub fn of(&self, i: usize) -> std::ops::Range<usize> {
        self.starts[i] as usize..self.starts[i + 1] as usize
    }

    /// Appends the next workshop's rows; `source_row` gives the row in the sources
    /// table of each of its URLs.
    pub fn push<'a>(
        &mut self,
        values: impl IntoIterator<Item = &'a ConflictValue<'a>>,
        source_row: impl Fn(&str) -> u32,
    ) {
        let mut rows = Vec::new();
        for v in values {
            self.field.push(v.field);
            self.value.push(Some(&v.value));
            rows.clear();
            rows.extend(v.urls.iter().map(|u| source_row(u)));
            self.sources.push(&rows);
        }
        self.starts
            .push(u32::try_from(self.field.len()).expect("fewer than 4 billion conflicts"));
    }

    /// The URLs of the sources of row `row`, given the sources table's URLs.
    pub fn urls<'a>(&'a self, row: usize, urls: &'a Texts) -> impl ExactSizeIterator<Item = &'a str> + 'a {
        self.sources.get(row).iter().map(|&s| urls.str(s as usize))
    }

    /// Workshop `i`'s conflicts as text, a line per field, given the sources table's
    /// URLs: `opened_on: 2017-05 (url) vs 2016 (url, url)`.
    pub fn lines(&self, i: usize, urls: &Texts) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut last = None;
        for row in self.of(i) {
            let value = format!(
                "{} ({})",
                self.value.str(row),
                self.urls(row, urls).collect::<Vec<_>>().join(", ")
            );
            if last == Some(self.field[row]) {
                let line = lines.last_mut().expect("a line for this field");
                line.push_str(" vs ");
                line.push_str(&value);
            } else {
                lines.push(format!("{}: {value}", FIELDS[self.field[row] as usize]));
                last = Some(self.field[row]);
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_rows_read_back_as_the_lines_of_the_conflicts_column() {
        let urls: Texts = ["https://x", "https://a", "https://b", "https://c"]
            .map(Some)
            .into_iter()
            .collect();
        let row = |u: &str| (0..urls.len()).find(|&i| urls.str(i) == u).unwrap() as u32;
        let mut c = Conflicts::default();
        c.push(&[], row);
        let f = |name| field_index(name).unwrap();
        c.push(
            &[
                ConflictValue {
                    field: f("opened_on"),
                    value: "2017-05".into(),
                    urls: vec!["https://a", "https://b"],
                },
                ConflictValue {
                    field: f("opened_on"),
                    value: "2016".into(),
                    urls: vec!["https://c"],
                },
                ConflictValue {
                    field: f("status"),
                    value: "operating".into(),
                    urls: vec!["https://a"],
                },
                ConflictValue {
                    field: f("status"),
                    value: "planned".into(),
                    urls: vec!["https://c"],
                },
            ],
            row,
        );
        assert_eq!(c.len(), 2);
        assert!(c.lines(0, &urls).is_empty());
        assert_eq!(c.sources.get(0), [1, 2]);
        assert_eq!(
            c.lines(1, &urls),
            [
                "opened_on: 2017-05 (https://a, https://b) vs 2016 (https://c)",
                "status: operating (https://a) vs planned (https://c)"
            ]
        );
        assert_eq!(c.of(1), 0..4);
    }

    #[test]
    fn a_field_set_lists_its_fields_in_table_order() {
        let s = FieldSet::default().with("status").with("city");
        assert_eq!(s.names().collect::<Vec<_>>(), ["city", "status"]);
        let indices = ["city", "status"].map(|f| u32::from(field_index(f).unwrap()));
        assert_eq!(s.indices().collect::<Vec<_>>(), indices);
    }
}
