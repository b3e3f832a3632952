//! `wrong-delimiter`: a header that is one label holding the schema's field names
//! separated by `;`, a tab or `|`. Excel saves "CSV" with semicolons where the decimal
//! separator is a comma (much of Europe and Latin America); read with commas, such a
//! file is one column, and the header rules would report every field missing. This
//! rule reports the cause once instead. (Frictionless sniffs the delimiter of a file it
//! is given; the dataset's reports are always comma-separated, so that they diff and
//! merge line by line.)
//!
//! Example: `workshop_name;country;city;…` in `raw/reports/europe.csv`.

use super::Violation;
use crate::schema::TableSchema;

/// The finding when `labels` is one label that another delimiter splits into the
/// schema's field names (at least two, and at least half of the parts).
pub fn check(schema: &TableSchema, labels: &[String]) -> Option<Violation> {
    let [label] = labels else { return None };
    let delimiter = [';', '\t', '|'].into_iter().find(|&d| {
        let parts: Vec<&str> = label.split(d).map(|p| p.trim().trim_matches('"')).collect();
        let known = parts.iter().filter(|p| schema.index_of(p).is_some()).count();
        known >= 2 && known * 2 >= parts.len()
    })?;
    let shown = if delimiter == '\t' {
        "a tab".to_string()
    } else {
        format!("`{delimiter}`")
    };
    Some(
        Violation::new(
            "wrong-delimiter",
            None, // the whole header, not its first label
            format!("the header is separated by {shown}, not by commas"),
        )
        .expected("comma-separated values")
        .help(Some(
            "save the file as comma-separated CSV: in Excel, \"CSV UTF-8 (Comma delimited)\"; in LibreOffice, `,` as the field delimiter".into(),
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> TableSchema {
        let text = r#"{"fields": [{"name": "workshop_name"}, {"name": "country"}, {"name": "city"}]}"#;
        TableSchema::parse(std::path::Path::new("s"), "s", text).expect("a schema")
    }

    #[test]
    fn a_header_of_field_names_joined_by_another_delimiter_is_one_finding() {
        let s = schema();
        for (label, shown) in [
            ("workshop_name;country;city", "`;`"),
            ("\"workshop_name\";\"country\";\"city\"", "`;`"),
            ("workshop_name\tcountry\tcity", "a tab"),
            ("workshop_name|country", "`|`"),
        ] {
            let v = check(&s, &[label.to_string()]).expect(label);
            assert_eq!(v.code, "wrong-delimiter");
            assert!(v.message.contains(shown), "{}", v.message);
        }
        // a header of one label that is not the fields joined, or a right header
        for labels in [
            vec!["workshop_name"],
            vec!["notes; a b c"],
            vec!["workshop_name;x;y;z"],
            vec!["workshop_name", "country", "city"],
        ] {
            let labels: Vec<String> = labels.into_iter().map(String::from).collect();
            assert!(check(&s, &labels).is_none(), "{labels:?}");
        }
    }
}
