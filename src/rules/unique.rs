//! `unique-error` and `primary-key`: a value of a `unique` field, or a combination of the
//! `primaryKey` fields, seen on an earlier row; the message names that row. As in
//! Frictionless, a row whose primary-key cells are all missing is a `primary-key` error
//! too.
//!
//! Values are remembered by a 128-bit xxh3 hash computed where the row is decoded (in
//! parallel), so the in-order part is one map probe per key and memory is a 16-byte map
//! entry per distinct value (96 bits of the hash and the first row), whatever the cell
//! length, plus 8 bytes per row when a field is unique (see [`UniqueState`]). A false
//! repeat would need a 96-bit collision. The first touch of the map's pages cost as much
//! as the probes in a profile when this was written, so its size matters.
//!
//! Example: two reports with the same `workshop_id` under `"primaryKey": "workshop_id"`.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use xxhash_rust::xxh3::{xxh3_128_with_seed, xxh3_64, Xxh3};

use super::Violation;
use crate::schema::TableSchema;

/// The keys of one row that the cross-row rules need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowKeys {
    /// per unique field (in schema order): the value's hash, or None when missing
    pub unique: smallvec::SmallVec<[Option<u128>; 2]>,
    /// the primary key's hash, or None when all its cells are missing
    pub pk: Option<u128>,
    /// hash of all cells (duplicate-row)
    pub row: u128,
}

/// Hashes a sequence of byte strings, length-prefixed so that ("ab","") ≠ ("a","b").
pub fn hash_cells<'c>(cells: impl IntoIterator<Item = &'c [u8]>) -> u128 {
    let mut h = Xxh3::new();
    for c in cells {
        h.update(&(c.len() as u64).to_le_bytes());
        h.update(c);
    }
    h.digest128()
}

/// The hash of a whole record from its concatenated cell bytes and the cell lengths (one
/// pass over the bytes; equal to no other record's unless the cells are equal).
pub fn hash_record(concat: &[u8], lens: impl Iterator<Item = usize>) -> u128 {
    // the cell lengths, as u32s in a stack buffer for up to 64 cells
    let mut buf = [0u8; 256];
    let mut more = Vec::new();
    let mut n = 0;
    for l in lens {
        let bytes = (l as u32).to_le_bytes();
        if n + 4 <= buf.len() {
            buf[n..n + 4].copy_from_slice(&bytes);
            n += 4;
        } else {
            more.extend_from_slice(&bytes);
        }
    }
    let seed = if more.is_empty() {
        xxh3_64(&buf[..n])
    } else {
        xxh3_64(&[&buf[..n], &more[..]].concat())
    };
    xxh3_128_with_seed(concat, seed)
}

/// Which fields the cross-row rules look at; shared by the parallel workers.
#[derive(Debug, Clone)]
pub struct KeyFields {
    unique: Vec<usize>,
    pk: Vec<usize>,
    /// every unique field is text and the only missing value is `""`: the keys are the
    /// cells' own bytes, found without looking at the fields (this runs on every row)
    plain: bool,
}

impl KeyFields {
    pub fn new(schema: &TableSchema) -> KeyFields {
        KeyFields {
            unique: schema
                .fields
                .iter()
                .enumerate()
                .filter(|(_, f)| f.unique)
                .map(|(i, _)| i)
                .collect(),
            pk: schema.primary_key.iter().filter_map(|n| schema.index_of(n)).collect(),
            plain: schema.only_empty_missing() && schema.fields.iter().filter(|f| f.unique).all(|f| f.ftype.is_text()),
        }
    }

    /// The keys of a row (no state: runs in parallel); `row` is its [`hash_record`].
    pub fn keys(&self, schema: &TableSchema, cells: &[&str], row: u128) -> RowKeys {
        let cell = |i: usize| cells.get(i).copied().unwrap_or("");
        let unique = self
            .unique
            .iter()
            .map(|&i| {
                if self.plain {
                    let c = cell(i);
                    (!c.is_empty()).then(|| xxhash_rust::xxh3::xxh3_128(c.as_bytes()))
                } else {
                    cell_key(schema, i, cell(i)).map(|k| xxhash_rust::xxh3::xxh3_128(&k))
                }
            })
            .collect();
        let pk = if self.pk.is_empty() {
            None
        } else {
            let keys: smallvec::SmallVec<[Option<std::borrow::Cow<[u8]>>; 4]> =
                self.pk.iter().map(|&i| cell_key(schema, i, cell(i))).collect();
            keys.iter().any(Option::is_some).then(|| hash_keys(&keys))
        };
        RowKeys { unique, pk, row }
    }
}

/// A cell as the cross-row rules compare it: None when it is missing or not of its type
/// (as in Frictionless, such a cell repeats nothing), its text for text fields, and its
/// typed value's key for the others (`01` and `1` are one integer).
pub fn cell_key<'c>(schema: &TableSchema, i: usize, cell: &'c str) -> Option<std::borrow::Cow<'c, [u8]>> {
    let f = schema.fields.get(i)?;
    if f.is_missing(schema, cell) {
        return None;
    }
    let text = f.ftype.is_text() || (f.ftype == crate::schema::FieldType::List && f.read.item_type.is_text());
    if text {
        return Some(std::borrow::Cow::Borrowed(cell.as_bytes()));
    }
    let v = crate::schema::typed::read(f, cell).ok()?;
    let mut k = Vec::new();
    v.key(&mut k);
    Some(std::borrow::Cow::Owned(k))
}

/// The hash of a tuple of cell keys, a missing one apart from every value.
pub fn hash_keys(keys: &[Option<std::borrow::Cow<[u8]>>]) -> u128 {
    let mut h = Xxh3::new();
    for k in keys {
        match k {
            Some(k) => {
                h.update(&(k.len() as u64).to_le_bytes());
                h.update(k);
            }
            None => h.update(&u64::MAX.to_le_bytes()),
        }
    }
    h.digest128()
}

/// Seen keys → first row. An entry is 16 bytes: 96 bits of the hash as three u32 (a u128
/// key would be 16-byte aligned and pad entries to 32 bytes) and the row as a u32. These
/// maps are the only memory that grows with the input, and the first touch of their pages
/// was a fifth of the time (in a profile at a million rows when
/// this was written; not measured since), so their size matters.
pub type Seen = HashMap<[u32; 3], u32, ahash::RandomState>;

/// The map key of a 128-bit hash (its low 96 bits; a false repeat needs a 96-bit
/// collision, about 1e-17 at ten million rows).
pub fn split(h: u128) -> [u32; 3] {
    [h as u32, (h >> 32) as u32, (h >> 64) as u32]
}

/// What the first unique field said about a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstUnique {
    /// No unique field, or its cell is missing.
    Absent,
    /// A value no earlier row had: the row cannot repeat an earlier one.
    New,
    /// A value an earlier row had: that row and its hash.
    Repeat { first_row: u32, first_hash: u64 },
}

/// A row number as stored (saturating past four billion rows).
pub fn row32(row: u64) -> u32 {
    row.min(u64::from(u32::MAX)) as u32
}

/// The values seen so far.
#[derive(Default)]
pub struct UniqueState {
    /// per unique field: value → first row
    unique: Vec<(usize, Seen)>,
    /// 64 bits of each row's hash, by row number from `first_row`, so that a row repeating
    /// the first unique value's first holder is known to repeat that whole row without a
    /// probe of the duplicate-row map (see `CrossRowState::check`). Kept apart from the map:
    /// this array is written in order, the map's entries are scattered over its memory.
    row_hashes: Vec<u64>,
    first_row: Option<u64>,
    pk: Vec<usize>,
    pk_seen: Seen,
}

impl UniqueState {
    pub fn new(schema: &TableSchema) -> UniqueState {
        let k = KeyFields::new(schema);
        UniqueState {
            unique: k.unique.into_iter().map(|i| (i, Seen::default())).collect(),
            row_hashes: Vec::new(),
            first_row: None,
            pk: k.pk,
            pk_seen: Seen::default(),
        }
    }

    /// Makes room for `rows` more keys at once, so that the maps do not grow (and rehash,
    /// and fault in fresh pages) step by step.
    pub fn has_unique_fields(&self) -> bool {
        !self.unique.is_empty()
    }

    pub fn reserve(&mut self, rows: usize) {
        for (_, seen) in &mut self.unique {
            seen.reserve(rows);
        }
        if !self.unique.is_empty() {
            self.row_hashes.reserve(rows);
        }
        if !self.pk.is_empty() {
            self.pk_seen.reserve(rows);
        }
    }

    /// Reports repeated unique values, and says what the first unique field found.
    /// `cell(i)` gives the text of field i, for messages (only called on a repeat).
    pub fn check_unique(
        &mut self,
        schema: &TableSchema,
        row: u64,
        keys: &RowKeys,
        cell: &dyn Fn(usize) -> String,
        name: super::RowName,
        out: &mut Vec<Violation>,
    ) -> FirstUnique {
        let mut first = FirstUnique::Absent;
        if !self.unique.is_empty() {
            // rows come in order; a gap (never seen in practice) is filled with zeros
            let base = *self.first_row.get_or_insert(row);
            let at = (row - base) as usize;
            if at >= self.row_hashes.len() {
                self.row_hashes.resize(at, 0);
                self.row_hashes.push(keys.row as u64);
            }
        }
        for (n, ((i, seen), key)) in self.unique.iter_mut().zip(&keys.unique).enumerate() {
            let Some(key) = key else { continue };
            // one probe: the map is far larger than the cache, so each probe is a miss
            match seen.entry(split(*key)) {
                Entry::Occupied(e) => {
                    let first_row = *e.get();
                    let first_hash = self
                        .first_row
                        .and_then(|base| self.row_hashes.get(u64::from(first_row).checked_sub(base)? as usize))
                        .copied()
                        .unwrap_or_default();
                    if n == 0 {
                        first = FirstUnique::Repeat { first_row, first_hash };
                    }
                    out.push(
                        Violation::new(
                            "unique-error",
                            Some(*i),
                            format!(
                                "\"{}\" in `{}` already appears in {}",
                                cell(*i),
                                schema.fields[*i].name,
                                name(first_row)
                            ),
                        )
                        .constraint("unique")
                        .expected("a value not used by another row")
                        .help(Some(format!(
                            "correct one of the two rows, or delete this one if it repeats {}",
                            name(first_row)
                        ))),
                    )
                }
                Entry::Vacant(e) => {
                    if n == 0 {
                        first = FirstUnique::New;
                    }
                    e.insert(row32(row));
                }
            }
        }
        first
    }

    pub fn check_primary_key(
        &mut self,
        schema: &TableSchema,
        row: u64,
        keys: &RowKeys,
        cell: &dyn Fn(usize) -> String,
        name: super::RowName,
        out: &mut Vec<Violation>,
    ) {
        let pk = &self.pk;
        if pk.is_empty() {
            return;
        }
        let names: Vec<&str> = pk.iter().map(|i| schema.fields[*i].name.as_str()).collect();
        let Some(key) = keys.pk else {
            out.push(
                Violation::new(
                    "primary-key",
                    None,
                    format!("primary key ({}) is empty", names.join(", ")),
                )
                .expected("a key"),
            );
            return;
        };
        match self.pk_seen.entry(split(key)) {
            Entry::Occupied(e) => {
                let first = *e.get();
                let values: Vec<String> = pk.iter().map(|&i| cell(i)).collect();
                out.push(
                    Violation::new(
                        "primary-key",
                        None,
                        format!(
                            "primary key ({}) = ({}) already appears in {}",
                            names.join(", "),
                            values.join(", "),
                            name(first)
                        ),
                    )
                    .expected("a key not used by another row"),
                );
            }
            Entry::Vacant(e) => {
                e.insert(row32(row));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn repeats_and_empty_keys_are_reported_with_the_first_row() {
        let s = TableSchema::parse(Path::new("s"), "s", r#"{"fields":[{"name":"id","constraints":{"unique":true}},{"name":"a"},{"name":"b"}],"primaryKey":["a","b"]}"#).unwrap();
        let kf = KeyFields::new(&s);
        let mut st = UniqueState::new(&s);
        let rows: [&[&str]; 6] = [
            &["1", "x", "y"],
            &["2", "x", "z"],
            &["1", "x", "y"],
            &["", "q", "q"],
            &["", "r", "r"],
            &["3", "", ""],
        ];
        let mut got = Vec::new();
        for (n, cells) in rows.iter().enumerate() {
            let keys = kf.keys(
                &s,
                cells,
                hash_record(cells.concat().as_bytes(), cells.iter().map(|c| c.len())),
            );
            let cell = |i: usize| cells[i].to_string();
            let mut out = Vec::new();
            st.check_unique(&s, n as u64 + 2, &keys, &cell, &super::super::numbered, &mut out);
            st.check_primary_key(&s, n as u64 + 2, &keys, &cell, &super::super::numbered, &mut out);
            got.push(out.iter().map(|v| v.message.clone()).collect::<Vec<_>>());
        }
        assert_eq!(
            got[2],
            vec![
                "\"1\" in `id` already appears in row 2",
                "primary key (a, b) = (x, y) already appears in row 2"
            ]
        );
        assert!(got[0].is_empty() && got[1].is_empty() && got[3].is_empty() && got[4].is_empty());
        assert_eq!(got[5], vec!["primary key (a, b) is empty"]);
    }

    #[test]
    fn cell_boundaries_matter_to_hashes() {
        assert_ne!(hash_cells([&b"ab"[..], b""]), hash_cells([&b"a"[..], b"b"]));
    }
}
