//! Validation rules, one file each, with Frictionless' error codes so that users and tools
//! can map luban's findings one to one: `encoding-error`, `blank-label`, `duplicate-label`,
//! `missing-label`, `extra-label`, `incorrect-label`, `blank-row`, `extra-cell`,
//! `missing-cell`, `type-error`, `constraint-error` (with the constraint), `unique-error`,
//! `primary-key`, `foreign-key`, `duplicate-row`; and two of luban's own,
//! `control-character` (a NUL or another invisible control character in a cell) and
//! `lost-characters` (letters a legacy encoding turned into `?`).
//!
//! Header rules run once per file ([`check_header`]). Every row then goes through the one
//! row-checking loop ([`crate::stages::validate::check`]), which calls two places here:
//! - **per-row rules** (a row alone: shape, types, constraints, encoding, control
//!   characters) are called from [`RowChecker::check_cells`], on any core;
//! - **cross-row rules** (a row against the rows before it: unique, primary key, duplicate
//!   row) keep their state in [`CrossRowState`] and are called from
//!   [`CrossRowState::check`], in row order. Foreign keys ([`ForeignKeyState`]) are the
//!   one rule that also needs the rows after: the loop reports them at the end.
//!
//! A new rule is one file here, with its code, doc and tests, called from one of those two
//! places. The checks keep going after errors; the caller decides the exit status at the
//! end.

mod blank_row;
mod control_character;
mod country_key;
mod date_hint;
mod delimiter;
mod duplicate_row;
mod encoding_error;
mod enum_constraint;
mod fields_match;
mod foreign_key;
mod header_labels;
mod length_constraint;
mod lost_characters;
mod pattern_constraint;
mod place_key;
mod range_constraint;
mod required;
mod row_shape;
mod type_error;
mod unique;

use crate::names::countries::CountryResolver;
use crate::schema::{Field, TableSchema, Value};

/// The help for a cell that would pass without the spaces around it (`operating `,
/// ` https://…`): a difference a spreadsheet does not show.
fn spaces_hint(cell: &str, passes: impl Fn(&str) -> bool) -> Option<String> {
    let t = cell.trim();
    (t != cell && !t.is_empty() && passes(t)).then(|| format!("remove the spaces around `{t}`"))
}

pub use fields_match::arrange;
pub use foreign_key::{ForeignKeyState, Pending, References, RowInfo};
pub use header_labels::check_header;
pub use unique::{cell_key, hash_cells, hash_keys, hash_record, split, FirstUnique, KeyFields, RowKeys};

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: &'static str,
    /// For `constraint-error`: which constraint (required, enum, pattern, …).
    pub constraint: Option<&'static str>,
    /// 0-based index of the field (or cell) concerned.
    pub field_index: Option<usize>,
    pub message: String,
    pub expected: Option<String>,
    pub help: Option<String>,
}

impl Violation {
    pub fn new(code: &'static str, field_index: Option<usize>, message: String) -> Violation {
        Violation {
            code,
            constraint: None,
            field_index,
            message,
            expected: None,
            help: None,
        }
    }
    pub fn constraint(mut self, c: &'static str) -> Violation {
        self.constraint = Some(c);
        self
    }
    pub fn expected(mut self, e: impl Into<String>) -> Violation {
        self.expected = Some(e.into());
        self
    }
    pub fn help(mut self, h: Option<String>) -> Violation {
        self.help = h;
        self
    }
}

/// Runs the row rules of one schema. The per-row rules ([`RowChecker::check_cells`]) need
/// no state and run in parallel; the cross-row rules ([`CrossRowState`]: unique, primary
/// key, duplicate row) run in row order.
pub struct RowChecker<'a> {
    schema: &'a TableSchema,
    countries: Option<&'a CountryResolver>,
    /// the field naming the row's country (for the city rule)
    country_field: Option<usize>,
    /// per field: which rules can fire, decided once from the schema
    plan: Vec<FieldPlan>,
}

/// The rules that apply to one field (so the hot loop calls only those).
#[derive(Debug, Clone, Copy, Default)]
struct FieldPlan {
    typed: bool,
    /// a rule compares the typed value (enum, bounds, the length of a list or JSON)
    keep_value: bool,
    enumeration: bool,
    pattern: bool,
    length: bool,
    range: bool,
    country: bool,
    place: bool,
}

impl<'a> RowChecker<'a> {
    pub fn new(schema: &'a TableSchema, countries: Option<&'a CountryResolver>) -> RowChecker<'a> {
        let plan = schema
            .fields
            .iter()
            .map(|f| FieldPlan {
                typed: type_error::applies(f),
                // typed (so not text), and compared by a rule
                keep_value: type_error::applies(f)
                    && !f.ftype.is_text()
                    && (f.enum_keys.is_some()
                        || f.minimum.is_some()
                        || f.maximum.is_some()
                        || f.min_length.is_some()
                        || f.max_length.is_some()),
                enumeration: f.enumeration.is_some(),
                pattern: f.pattern.is_some(),
                length: f.min_length.is_some() || f.max_length.is_some(),
                range: f.minimum.is_some() || f.maximum.is_some(),
                country: countries.is_some() && f.resolve.as_deref() == Some("country"),
                place: countries.is_some() && f.resolve.as_deref() == Some("place"),
            })
            .collect();
        let country_field = schema
            .fields
            .iter()
            .position(|f| f.resolve.as_deref() == Some("country"));
        RowChecker {
            schema,
            countries,
            country_field,
            plan,
        }
    }

    /// The violations of one row that need no other row, in field order. `width` is the
    /// number of header labels: as in Frictionless, a row is compared with its header.
    /// `raw` is the row's cells in one buffer (or any text holding them), scanned once for
    /// control characters. Returns whether the row is blank, too.
    pub fn check_cells(
        &self,
        width: usize,
        cells: &[&str],
        raw: &[u8],
        bad_utf8: &[usize],
        out: &mut Vec<Violation>,
    ) -> bool {
        let schema = self.schema;
        if blank_row::check(schema, cells, bad_utf8, out) {
            return true;
        }
        row_shape::check(schema, width, cells, out);
        let controls = control_character::suspicious(raw);
        let marks = lost_characters::suspicious(raw);
        for (i, (field, plan)) in schema.fields.iter().zip(&self.plan).enumerate() {
            if !bad_utf8.is_empty() && bad_utf8.contains(&i) {
                encoding_error::check(i, out);
                continue;
            }
            let Some(&cell) = cells.get(i) else { continue };
            if controls && control_character::check(i, &field.name, cell, out) {
                continue;
            }
            if marks && lost_characters::check(i, &field.name, cell, out) {
                continue;
            }
            if field.is_missing(schema, cell) {
                required::check(field, i, cell, out);
                continue;
            }
            // constraints apply to typed values only; the value is built only when a
            // rule compares it (two paths, so that the common one moves no value around:
            // that was 4 % of validation's time at 1M rows)
            if plan.keep_value {
                let Ok(value) = type_error::read(field, i, cell, out) else {
                    continue;
                };
                self.constraints(field, plan, i, cell, Some(&value), out);
            } else {
                if plan.typed && !type_error::check(field, i, cell, out) {
                    continue;
                }
                self.constraints(field, plan, i, cell, None, out);
            }
            if plan.place {
                self.place(i, cell, cells, out);
            }
        }
        false
    }

    /// The constraints of one cell that read as its type.
    #[inline(always)]
    fn constraints(
        &self,
        field: &Field,
        plan: &FieldPlan,
        i: usize,
        cell: &str,
        value: Option<&Value>,
        out: &mut Vec<Violation>,
    ) {
        if plan.enumeration {
            enum_constraint::check(field, i, cell, value, out);
        }
        if plan.pattern {
            pattern_constraint::check(field, i, cell, out);
        }
        if plan.length {
            length_constraint::check(field, i, cell, value, out);
        }
        if let (true, Some(v)) = (plan.range, value) {
            range_constraint::check(field, i, v, out);
        }
        if plan.country {
            if let Some(resolver) = self.countries {
                country_key::check(field, i, cell, resolver, out);
            }
        }
    }
}

impl RowChecker<'_> {
    /// The city rule: the cell's city must be in the gazetteer of the row's country.
    fn place(&self, i: usize, cell: &str, cells: &[&str], out: &mut Vec<Violation>) {
        let (Some(resolver), Some(country)) = (self.countries, self.country_field.and_then(|c| cells.get(c))) else {
            return;
        };
        place_key::check(i, cell, country, resolver, out);
    }
}

/// The state of the cross-row rules over one table.
pub struct CrossRowState {
    unique: unique::UniqueState,
    duplicates: duplicate_row::DuplicateState,
}

impl CrossRowState {
    pub fn new(schema: &TableSchema) -> CrossRowState {
        CrossRowState {
            unique: unique::UniqueState::new(schema),
            duplicates: duplicate_row::DuplicateState::default(),
        }
    }

    /// Makes room for about `rows` more rows in the key sets.
    pub fn reserve(&mut self, rows: usize) {
        self.unique.reserve(rows);
        // with a unique field, only rows whose value is missing or repeated reach the
        // duplicate-row map (see `check`): let it grow on demand
        if !self.unique.has_unique_fields() {
            self.duplicates.reserve(rows);
        }
    }

    /// Checks a row against the rows before it. `row` is the caller's number for it,
    /// one more than the previous row's (the Frictionless row number of a single file, or
    /// a row's place in a dataset of several files); `name` turns such a number into
    /// words for messages about an earlier row. `keys` come from [`KeyFields::keys`];
    /// `cell(i)` gives a cell's text for messages.
    #[allow(clippy::too_many_arguments)]
    pub fn check(
        &mut self,
        schema: &TableSchema,
        row: u64,
        keys: &RowKeys,
        blank: bool,
        cell: &dyn Fn(usize) -> String,
        name: RowName,
        out: &mut Vec<Violation>,
    ) {
        if !blank {
            // A row whose first unique value is new cannot repeat an earlier row, and one
            // that repeats the value's first row is caught by comparing hashes: only rows
            // with that value missing or repeated need the duplicate-row map. (Rows that
            // repeat a later holder of the value are found there too: they are in it.)
            match self.unique.check_unique(schema, row, keys, cell, name, out) {
                FirstUnique::New => {}
                FirstUnique::Repeat { first_row, first_hash } if first_hash == keys.row as u64 => {
                    out.push(duplicate_row::duplicate_of(name(first_row)));
                }
                _ => self.duplicates.check(row, keys.row, name, out),
            }
        }
        self.unique.check_primary_key(schema, row, keys, cell, name, out);
    }
}

/// Names an earlier row, by the number the cross-row rules keep for it, in messages
/// ("already appears in row 3").
pub type RowName<'a> = &'a dyn Fn(u32) -> String;

/// [`RowName`] for one file: the row number as it is.
pub fn numbered(row: u32) -> String {
    format!("row {row}")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Duplicate rows are found through the unique map when they can be, and through the
    /// duplicate-row map otherwise; both paths must find every repeat.
    #[test]
    fn duplicate_rows_are_found_whichever_path_they_take() {
        let schema = TableSchema::parse(
            Path::new("s"),
            "s",
            r#"{"fields":[{"name":"id","constraints":{"unique":true}},{"name":"v"}]}"#,
        )
        .unwrap();
        let kf = KeyFields::new(&schema);
        let mut cross = CrossRowState::new(&schema);
        let rows: [[&str; 2]; 7] = [
            ["1", "x"],
            ["2", "x"],
            ["1", "y"],
            ["1", "y"],
            ["1", "x"],
            ["", "z"],
            ["", "z"],
        ];
        let mut dups = Vec::new();
        for (n, r) in rows.iter().enumerate() {
            let row = n as u64 + 2;
            let keys = kf.keys(
                &schema,
                r,
                hash_record(r.concat().as_bytes(), r.iter().map(|c| c.len())),
            );
            let mut out = Vec::new();
            cross.check(&schema, row, &keys, false, &|i| r[i].to_string(), &numbered, &mut out);
            dups.extend(
                out.iter()
                    .filter(|v| v.code == "duplicate-row")
                    .map(|v| (row, v.message.clone())),
            );
        }
        assert_eq!(
            dups,
            vec![
                (5, "row is the same as row 4".to_string()), // repeats a later holder of id 1
                (6, "row is the same as row 2".to_string()), // repeats the first holder
                (8, "row is the same as row 7".to_string()), // no id: the duplicate-row map
            ]
        );
    }
}
