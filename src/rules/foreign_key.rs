//! `foreign-key`: the values of a table's `foreignKeys` fields must appear in the
//! referenced fields. References to the same table (`"resource": ""`) are checked here:
//! the referenced values are collected while streaming, and a value still unknown at its
//! row is kept (with its row) until the end, since it may be defined further down — as
//! Frictionless allows. A referencing value whose cells are all missing is not checked.
//! (Country names are the dataset's other foreign key, see `country_key`.)
//!
//! Example: `parent` = 9 where no row has `id` = 9.

use std::collections::{HashMap, HashSet};

use super::unique::{cell_key, hash_keys, split};
use super::Violation;
use crate::schema::TableSchema;

/// The values other resources of a data package hold, by (resource name, referenced
/// fields): the hashes of their typed keys, as [`ForeignKeyState`] looks them up (the
/// package stage reads them).
pub type References = HashMap<(String, Vec<String>), HashSet<[u32; 3]>>;

/// A referencing value not yet found when its row was read.
#[derive(Debug, Clone)]
pub struct Pending {
    /// the caller's index of the row ([`RowInfo::index`])
    pub index: usize,
    pub row: u64,
    pub line: u64,
    pub byte: u64,
    /// the whole row, for the quarantine file
    pub cells: Vec<String>,
    /// whether the row already had other errors
    pub rejected: bool,
    key: usize,
    hash: [u32; 3],
    values: Vec<String>,
}

/// Where a row is and what it is, for [`ForeignKeyState::observe`].
pub struct RowInfo<'a> {
    /// the caller's own index of the row, handed back in [`Pending`]: row numbers
    /// restart in every file of a dataset, so they cannot find the row again
    pub index: usize,
    pub row: u64,
    pub line: u64,
    pub byte: u64,
    pub rejected: bool,
    pub cell: &'a dyn Fn(usize) -> String,
    pub cells: &'a dyn Fn() -> Vec<String>,
}

struct Key {
    fields: Vec<usize>,
    /// the referenced fields in this table (none for another resource's)
    reference: Vec<usize>,
    names: Vec<String>,
    referenced: HashSet<[u32; 3], ahash::RandomState>,
    /// the referenced resource ("" for this table)
    resource: String,
}

/// The self-references of one table.
#[derive(Default)]
pub struct ForeignKeyState {
    keys: Vec<Key>,
    pending: Vec<Pending>,
}

impl ForeignKeyState {
    pub fn new(schema: &TableSchema) -> ForeignKeyState {
        ForeignKeyState::with_references(schema, None)
    }

    /// [`ForeignKeyState::new`], with the values other resources of a data package hold
    /// ([`References`]): their foreign keys are checked too.
    pub fn with_references(schema: &TableSchema, refs: Option<&References>) -> ForeignKeyState {
        let external = schema.foreign_keys.iter().filter_map(|fk| {
            let values = refs?.get(&(fk.resource.clone(), fk.reference_fields.clone()))?;
            let fields = fk
                .fields
                .iter()
                .map(|n| schema.index_of(n))
                .collect::<Option<Vec<_>>>()?;
            Some(Key {
                fields,
                reference: Vec::new(),
                names: fk.fields.clone(),
                referenced: values.iter().copied().collect(),
                resource: fk.resource.clone(),
            })
        });
        let keys = schema
            .foreign_keys
            .iter()
            .filter(|fk| fk.resource.is_empty())
            .filter_map(|fk| {
                let fields = fk
                    .fields
                    .iter()
                    .map(|n| schema.index_of(n))
                    .collect::<Option<Vec<_>>>()?;
                let reference = fk
                    .reference_fields
                    .iter()
                    .map(|n| schema.index_of(n))
                    .collect::<Option<Vec<_>>>()?;
                Some(Key {
                    fields,
                    reference,
                    names: fk.fields.clone(),
                    referenced: HashSet::default(),
                    resource: String::new(),
                })
            })
            .chain(external)
            .collect();
        ForeignKeyState {
            keys,
            pending: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Records this row's referenced values, and remembers its referencing values that
    /// are not known yet. `cell(i)` gives the text of field i.
    pub fn observe(&mut self, schema: &TableSchema, r: &RowInfo<'_>) {
        let cell = r.cell;
        // values compare as their types, as in Frictionless (`01` refers to `1`)
        let keyed = |fields: &[usize], texts: &[String]| {
            let keys: Vec<_> = fields.iter().zip(texts).map(|(&i, c)| cell_key(schema, i, c)).collect();
            keys.iter().any(Option::is_some).then(|| split(hash_keys(&keys)))
        };
        for (k, key) in self.keys.iter_mut().enumerate() {
            let referenced: Vec<String> = key.reference.iter().map(|&i| cell(i)).collect();
            if let Some(h) = keyed(&key.reference, &referenced) {
                key.referenced.insert(h);
            }
            let values: Vec<String> = key.fields.iter().map(|&i| cell(i)).collect();
            let Some(hash) = keyed(&key.fields, &values) else {
                continue;
            };
            if !key.referenced.contains(&hash) {
                self.pending.push(Pending {
                    index: r.index,
                    row: r.row,
                    line: r.line,
                    byte: r.byte,
                    cells: (r.cells)(),
                    rejected: r.rejected,
                    key: k,
                    hash,
                    values,
                });
            }
        }
    }

    /// After the last row: the referencing values never defined, in row order.
    pub fn finish(&mut self) -> Vec<(Pending, Violation)> {
        let pending = std::mem::take(&mut self.pending);
        pending
            .into_iter()
            .filter(|p| !self.keys[p.key].referenced.contains(&p.hash))
            .map(|p| {
                let key = &self.keys[p.key];
                let place = if key.resource.is_empty() {
                    "this table".to_string()
                } else {
                    format!("resource `{}`", key.resource)
                };
                let v = Violation::new(
                    "foreign-key",
                    None,
                    format!(
                        "({}) = ({}) is not found in {place}",
                        key.names.join(", "),
                        p.values.join(", ")
                    ),
                )
                .expected("a value that some row defines");
                (p, v)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn forward_references_resolve_and_missing_ones_are_reported_at_the_end() {
        let s = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"fields":[{"name":"id"},{"name":"parent"}],"foreignKeys":[{"fields":"parent","reference":{"resource":"","fields":"id"}}]}"#,
        )
        .unwrap();
        let mut st = ForeignKeyState::new(&s);
        let rows = [["1", ""], ["2", "1"], ["3", "9"], ["4", "5"], ["5", "1"]];
        for (n, r) in rows.iter().enumerate() {
            let info = RowInfo {
                index: n,
                row: n as u64 + 2,
                line: n as u64 + 2,
                byte: 0,
                rejected: false,
                cell: &|i| r[i].to_string(),
                cells: &|| r.iter().map(|c| c.to_string()).collect(),
            };
            st.observe(&s, &info);
        }
        let found = st.finish();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.row, 4);
        assert_eq!(found[0].0.index, 2);
        assert_eq!(found[0].0.cells, vec!["3", "9"]);
        assert_eq!(found[0].1.message, "(parent) = (9) is not found in this table");
    }
}
