//! Validation rules, one file each, with Frictionless' error codes so that users and tools
//! can map luban's findings one to one: `encoding-error`, `blank-label`, `duplicate-label`,
//! `missing-label`, `extra-label`, `incorrect-label`, `blank-row`, `extra-cell`,
//! `missing-cell`, `type-error`, `constraint-error` (with the constraint), `unique-error`,
//! `primary-key`, `foreign-key`.
//!
//! [`RowChecker`] runs them over a table: header rules once, then row-shape, per-cell and
//! cross-row rules for every record. It keeps going after errors; the caller decides the
//! exit status at the end.

mod blank_row;
mod country_key;
mod encoding_error;
mod enum_constraint;
mod header_labels;
mod length_constraint;
mod pattern_constraint;
mod range_constraint;
mod required;
mod row_shape;
mod type_error;
mod unique;

use serde::Serialize;

use crate::model::IngestedRow;
use crate::names::countries::CountryResolver;
use crate::schema::TableSchema;

pub use header_labels::check_header;

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

/// A violation placed in its file: what reports and the quarantine file carry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ErrorRecord {
    pub file: String,
    pub line: u64,
    pub row: u64,
    pub field: Option<String>,
    pub field_position: Option<usize>,
    pub code: String,
    pub constraint: Option<String>,
    pub cell: Option<String>,
    pub message: String,
    pub expected: Option<String>,
    pub help: Option<String>,
    /// Byte offset of the record, to draw the caret (not part of reports).
    #[serde(skip)]
    pub byte: Option<u64>,
}

/// Runs the row rules of one schema over a stream of rows.
pub struct RowChecker<'a> {
    schema: &'a TableSchema,
    countries: Option<&'a CountryResolver>,
    unique: unique::UniqueState,
}

impl<'a> RowChecker<'a> {
    pub fn new(schema: &'a TableSchema, countries: Option<&'a CountryResolver>) -> RowChecker<'a> {
        RowChecker {
            schema,
            countries,
            unique: unique::UniqueState::new(schema),
        }
    }

    /// All violations of one row, in field order.
    pub fn check(&mut self, row: &IngestedRow) -> Vec<Violation> {
        let mut out = Vec::new();
        if blank_row::check(row, &mut out) {
            return out;
        }
        row_shape::check(self.schema, row, &mut out);
        for (i, field) in self.schema.fields.iter().enumerate() {
            if row.bad_utf8.contains(&i) {
                encoding_error::check(i, &mut out);
                continue;
            }
            let Some(cell) = row.cells.get(i) else {
                continue;
            };
            if self.schema.missing_values.iter().any(|m| m == cell) {
                required::check(field, i, &mut out);
                continue;
            }
            let before = out.len();
            type_error::check(field, i, cell, &mut out);
            if out.len() > before {
                continue; // constraints apply to typed values only
            }
            enum_constraint::check(field, i, cell, &mut out);
            pattern_constraint::check(field, i, cell, &mut out);
            length_constraint::check(field, i, cell, &mut out);
            range_constraint::check(field, i, cell, &mut out);
            if let Some(resolver) = self.countries {
                country_key::check(field, i, cell, resolver, &mut out);
            }
        }
        self.unique.check(self.schema, row, &mut out);
        out
    }
}

/// The closest of `candidates` to `value`, if close enough to suggest ("did you mean").
pub fn closest<'c>(value: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let v = value.trim().to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&v, &c.to_lowercase()), c))
        .filter(|(s, _)| *s >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(a.1)))
        .map(|(_, c)| c)
}
