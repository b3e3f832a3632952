//! `duplicate-row`: a row whose cells are all the same as an earlier row's. Frictionless
//! offers this as an opt-in check; luban always runs it, since a repeated report is a
//! contributor's mistake. Rows are remembered by the 128-bit hash of their cells
//! ([`RowKeys::row`](super::unique::RowKeys)), computed in parallel.
//!
//! Example: the same report pasted twice into `raw/reports/asia.csv`.

use std::collections::hash_map::Entry;

use super::unique::{row32, split, Seen};
use super::Violation;

#[derive(Default)]
pub struct DuplicateState {
    seen: Seen,
}

/// The finding for a row equal to the earlier row `first` (as named by a
/// [`RowName`](super::RowName): "row 3", or "row 3 of raw/reports/a.csv").
pub fn duplicate_of(first: String) -> Violation {
    Violation::new("duplicate-row", None, format!("row is the same as {first}"))
        .expected("a row that differs from every other row")
}

impl DuplicateState {
    pub fn reserve(&mut self, rows: usize) {
        self.seen.reserve(rows);
    }

    pub fn check(&mut self, row: u64, hash: u128, name: super::RowName, out: &mut Vec<Violation>) {
        match self.seen.entry(split(hash)) {
            Entry::Occupied(first) => out.push(duplicate_of(name(*first.get()))),
            Entry::Vacant(e) => {
                e.insert(row32(row));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::unique::hash_record;
    use super::*;

    #[test]
    fn only_whole_row_repeats_count() {
        let mut st = DuplicateState::default();
        let rows: [&[&str]; 4] = [&["a", "b"], &["a", "bb"], &["ab", ""], &["a", "b"]];
        let hits: Vec<bool> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut out = Vec::new();
                st.check(
                    i as u64 + 2,
                    hash_record(r.concat().as_bytes(), r.iter().map(|c| c.len())),
                    &super::super::numbered,
                    &mut out,
                );
                !out.is_empty()
            })
            .collect();
        assert_eq!(hits, vec![false, false, false, true]);
    }
}
