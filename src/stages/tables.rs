//! The dataset's tables besides the reports: alias, reference, claims and decisions
//! tables, each with its Table Schema. They are small, and every command that reads them
//! (`luban run`, each stage run alone, `luban check`) validates all of them first with
//! [`check`], so a table is judged the same way, with the same diagnostics, whichever
//! command reads it. Before this, `run` read them with the loaders alone: an alias with
//! an empty `source_url` was published by `run` and rejected by `check`, and a ragged
//! `raw/claims.csv` row stopped `run` with a bare csv-crate message.

use anyhow::Result;

use super::{ingest, validate};
use crate::layout::Layout;
use crate::report::error_report::ErrorRecord;
use crate::report::error_report::Stats;
use crate::report::progress::Progress;
use crate::schema::TableSchema;

/// A table of the dataset besides the reports: its file and the schema it must match.
pub struct Table {
    pub file: &'static str,
    pub schema: &'static str,
}

/// Every such table, in the order they are checked. A table that is absent is not an
/// error here (a loader says whether the stage needs it).
pub const TABLES: [Table; 9] = [
    Table {
        file: "raw/reference/countries.csv",
        schema: "reference-countries",
    },
    Table {
        file: "raw/reference/country_names.csv",
        schema: "reference-country_names",
    },
    Table {
        file: "raw/reference/china_provinces.csv",
        schema: "reference-china_provinces",
    },
    Table {
        file: "raw/aliases/countries.csv",
        schema: "aliases-countries",
    },
    Table {
        file: "raw/aliases/cities.csv",
        schema: "aliases-cities",
    },
    Table {
        file: "raw/aliases/institutions.csv",
        schema: "aliases-institutions",
    },
    Table {
        file: "raw/aliases/partners.csv",
        schema: "aliases-partners",
    },
    Table {
        file: "raw/claims.csv",
        schema: "claims",
    },
    Table {
        file: "raw/decisions.csv",
        schema: "decisions",
    },
];

/// What checking the tables found.
#[derive(Debug, Default)]
pub struct Checked {
    pub errors: Vec<ErrorRecord>,
    pub stats: Stats,
}

/// Validates every table of [`TABLES`] that exists against its schema (a broken schema
/// is a tool error, exit 2; bad rows are findings).
pub fn check(layout: &Layout) -> Result<Checked> {
    let mut out = Checked::default();
    for t in &TABLES {
        let path = layout.root.join(t.file);
        if !path.exists() {
            continue;
        }
        let schema_path = layout.schema(t.schema);
        let schema = TableSchema::load(&schema_path, &layout.display(&schema_path))?;
        let mut src = ingest::CsvSource::open(&path, t.file, &schema)?;
        out.errors.append(&mut src.header_errors);
        let errors = &mut out.errors;
        let s = validate::check_source(
            &mut src,
            &schema,
            None,
            validate::Limits::default(),
            1,
            &Progress::hidden(),
            |_, e| {
                errors.extend(e);
                Ok(())
            },
        )?;
        out.stats.files += 1;
        out.stats.rows += s.rows;
        out.stats.valid_rows += s.valid;
        out.stats.rejected_rows += s.rejected;
    }
    out.stats.count(&out.errors);
    Ok(out)
}

#[cfg(test)]
mod tests {
    /// The reports accept exactly the provinces of the generated reference table: the
    /// enum and the table are written together by tools/gen_provinces.sh, and must not
    /// drift apart by a hand edit of either.
    #[test]
    fn the_organiser_province_enum_is_the_reference_table() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("schemas/reports.schema.json")).unwrap()).unwrap();
        let field = schema["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "organiser_province")
            .unwrap();
        let mut enumerated: Vec<String> = field["constraints"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let mut rdr = csv::Reader::from_path(root.join("raw/reference/china_provinces.csv")).unwrap();
        let mut names: Vec<String> = rdr.records().map(|r| r.unwrap()[1].to_string()).collect();
        enumerated.sort();
        names.sort();
        assert_eq!(enumerated, names);
        assert!(names.contains(&"Tianjin".to_string()));
    }
}
