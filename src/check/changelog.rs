//! `CHANGELOG.md`: one section per data version, generated from the keyed diff of the
//! published workshops between two revisions (the base, usually the previous release's
//! tag, and the working tree), never written by hand. Each section says which workshops
//! were added, merged into another, removed and changed, with the published columns that
//! changed, so that anyone who cited a version can see what the next one did.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use super::version::version_of;
use super::{git, workshop_diff, WorkshopChange};

/// The title every section starts with (`## VERSION`), to find one already written.
fn title(version: &str) -> String {
    format!("## {version}")
}

/// The section for the change from `base` to the working tree at `root`.
pub fn section(root: &Path, base: &str) -> Result<String> {
    let shown = |rel: &str| git::show_text(root, base, rel);
    let read = |rel: &str| -> Result<String> {
        std::fs::read_to_string(root.join(rel)).with_context(|| format!("failed to read `{rel}`"))
    };
    let meta = read("raw/dataset.json")?;
    let (version, _) = version_of(&meta);
    let (before, _) = version_of(&shown("raw/dataset.json")?);
    let created = serde_json::from_str::<serde_json::Value>(&meta)
        .ok()
        .and_then(|m| {
            m.get("created")
                .and_then(|c| c.as_str())
                .map(|c| c.chars().take(10).collect::<String>())
        })
        .unwrap_or_default();
    let (old, new) = (shown("output/workshops.csv")?, read("output/workshops.csv")?);
    let (old_package, new_package) = (shown("output/datapackage.json")?, read("output/datapackage.json")?);
    let shape = Shape::between(&old_package, &new_package);
    let mut changes = workshop_diff(&old, &new);
    // a new column is said once, not as a change of every workshop
    for c in &mut changes {
        c.fields
            .retain(|f| !shape.columns.0.contains(&format!("workshops.{f}")));
    }
    changes.retain(|c| c.change != "changed" || !c.fields.is_empty());
    Ok(render(&version, &created, &before, base, &shape, &changes))
}

/// How the published files' shape changed: the tables of the data package and their
/// columns (`table.column`), each as (added, removed).
#[derive(Default)]
pub struct Shape {
    pub columns: (Vec<String>, Vec<String>),
    pub tables: (Vec<String>, Vec<String>),
}

impl Shape {
    /// The shape change from one data package to another. The columns of a table added
    /// or removed are not listed one by one.
    pub fn between(old: &str, new: &str) -> Shape {
        let (old, new) = (tables_and_columns(old), tables_and_columns(new));
        let tables = added_and_removed(&tables(&old), &tables(&new));
        let (mut added, mut removed) = added_and_removed(&columns(&old), &columns(&new));
        let of_a_new_or_gone_table = |c: &String| {
            let table = c.split('.').next().unwrap_or_default();
            tables.0.iter().chain(&tables.1).any(|t| t == table)
        };
        added.retain(|c| !of_a_new_or_gone_table(c));
        removed.retain(|c| !of_a_new_or_gone_table(c));
        Shape {
            columns: (added, removed),
            tables,
        }
    }
}

/// What is in `new` and not in `old`, and the other way round, in their own orders.
fn added_and_removed(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let not_in = |a: &[String], b: &[String]| a.iter().filter(|x| !b.contains(x)).cloned().collect();
    (not_in(new, old), not_in(old, new))
}

/// The tables of a data package, each once (from its resources' paths), with their
/// columns (from the resources' schemas).
fn tables_and_columns(package: &str) -> Vec<(String, Vec<String>)> {
    let v: serde_json::Value = serde_json::from_str(package).unwrap_or_default();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for r in v["resources"].as_array().into_iter().flatten() {
        let path = r["path"].as_str().unwrap_or_default();
        let table = path.split('.').next().unwrap_or_default().to_string();
        if table.is_empty() || out.iter().any(|(t, _)| *t == table) {
            continue;
        }
        let fields = r["schema"]["fields"].as_array().into_iter().flatten();
        let cols = fields.filter_map(|f| f["name"].as_str().map(str::to_string)).collect();
        out.push((table, cols));
    }
    out
}

fn tables(package: &[(String, Vec<String>)]) -> Vec<String> {
    package.iter().map(|(t, _)| t.clone()).collect()
}

/// `table.column` for every column of every table of a data package.
fn columns(package: &[(String, Vec<String>)]) -> Vec<String> {
    package
        .iter()
        .flat_map(|(t, cols)| cols.iter().map(move |c| format!("{t}.{c}")))
        .collect()
}

/// A section, from the changes of the published workshops.
pub fn render(
    version: &str,
    date: &str,
    before: &str,
    base: &str,
    shape: &Shape,
    changes: &[WorkshopChange],
) -> String {
    let mut s = title(version);
    if !date.is_empty() {
        let _ = write!(s, " ({date})");
    }
    let count = |kind: &str| changes.iter().filter(|c| c.change == kind).count();
    let _ = writeln!(
        s,
        "\n\nAgainst {before} (`{base}`): {} workshops added, {} merged into another, {} removed, {} changed.",
        count("added"),
        count("merged"),
        count("removed"),
        count("changed")
    );
    let list = |names: &[String]| names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    for (names, what) in [
        (&shape.tables.0, "New tables"),
        (&shape.tables.1, "Tables removed"),
        (&shape.columns.0, "New columns"),
        (&shape.columns.1, "Columns removed"),
    ] {
        if !names.is_empty() {
            let _ = writeln!(s, "\n{what}: {}.", list(names));
        }
    }
    for (kind, heading) in [
        ("added", "Added"),
        ("merged", "Merged"),
        ("removed", "Removed"),
        ("changed", "Changed"),
    ] {
        let of_kind: Vec<&WorkshopChange> = changes.iter().filter(|c| c.change == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n### {heading}\n");
        for c in of_kind {
            let _ = write!(s, "- `{}` {} ({})", c.workshop_id, c.workshop_name, c.country_code);
            if let Some(into) = &c.merged_into {
                let _ = write!(s, " into `{into}`");
            }
            if !c.fields.is_empty() {
                let _ = write!(s, ": {}", c.fields.join(", "));
            }
            s.push('\n');
        }
    }
    s
}

/// `text` (a CHANGELOG.md, maybe empty) with `section` first, unless a section for its
/// version is already there: writing twice changes nothing.
pub fn prepend(text: &str, section: &str) -> String {
    let first_line = section.lines().next().unwrap_or_default();
    let version_title = first_line.split(" (").next().unwrap_or(first_line);
    if text
        .lines()
        .any(|l| l == version_title || l.starts_with(&format!("{version_title} (")))
    {
        return text.to_string();
    }
    let header = "# Changelog\n\nOne section per data version, written by `luban changelog --base PREVIOUS --write`.\n";
    let rest = text.strip_prefix(header).unwrap_or(text).trim_start();
    format!("{header}\n{}\n\n{rest}", section.trim_end())
        .trim_end()
        .to_string()
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: &'static str, id: &str, fields: &[&str], into: Option<&str>) -> WorkshopChange {
        WorkshopChange {
            change: kind,
            workshop_id: id.into(),
            workshop_name: format!("{id} Luban Workshop"),
            country_code: id[..3].into(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
            values: Vec::new(),
            merged_into: into.map(str::to_string),
            source_urls: String::new(),
        }
    }

    #[test]
    fn a_section_lists_each_kind_of_change_with_its_fields() {
        let changes = [
            change("added", "BEN-1", &[], None),
            change("changed", "KEN-2", &["status", "conflicts"], None),
            change("merged", "KEN-3", &[], Some("KEN-2")),
        ];
        let s = render("0.2.0", "2026-12-06", "0.1.0", "v0.1.0", &Shape::default(), &changes);
        assert!(s.starts_with("## 0.2.0 (2026-12-06)\n"), "{s}");
        assert!(
            s.contains("1 workshops added, 1 merged into another, 0 removed, 1 changed"),
            "{s}"
        );
        assert!(s.contains("### Added\n\n- `BEN-1` BEN-1 Luban Workshop (BEN)\n"), "{s}");
        assert!(s.contains("- `KEN-3` KEN-3 Luban Workshop (KEN) into `KEN-2`"), "{s}");
        assert!(
            s.contains("- `KEN-2` KEN-2 Luban Workshop (KEN): status, conflicts"),
            "{s}"
        );
        assert!(!s.contains("### Removed"), "{s}");
    }

    #[test]
    fn new_columns_and_tables_are_said_once() {
        let fields = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!(r#"{{"name":"{n}"}}"#))
                .collect::<Vec<_>>()
                .join(",")
        };
        let resource =
            |path: &str, cols: &[&str]| format!(r#"{{"path":"{path}","schema":{{"fields":[{}]}}}}"#, fields(cols));
        let old = format!(
            r#"{{"resources":[{},{},{}]}}"#,
            resource("workshops.csv", &["workshop_id", "status"]),
            resource("workshops.parquet", &["workshop_id", "status"]),
            resource("openings.csv", &["year", "cumulative"])
        );
        let new = format!(
            r#"{{"resources":[{},{},{}]}}"#,
            resource("workshops.csv", &["workshop_id", "kind", "status"]),
            resource("openings.csv", &["year"]),
            resource("sources.csv", &["workshop_id"])
        );
        let shape = Shape::between(&old, &new);
        let s = render("0.3.0", "", "0.2.0", "b", &shape, &[]);
        assert!(s.contains("\nNew tables: `sources`.\n"), "{s}");
        assert!(s.contains("\nNew columns: `workshops.kind`.\n"), "{s}");
        assert!(s.contains("\nColumns removed: `openings.cumulative`.\n"), "{s}");
        assert!(!s.contains("Tables removed"), "{s}");
    }

    #[test]
    fn writing_a_version_twice_changes_nothing_and_new_versions_go_first() {
        let one = prepend("", &render("0.2.0", "", "0.1.0", "a", &Shape::default(), &[]));
        assert!(one.starts_with("# Changelog\n"), "{one}");
        assert_eq!(
            prepend(&one, &render("0.2.0", "", "0.1.0", "a", &Shape::default(), &[])),
            one
        );
        let two = prepend(
            &one,
            &render("0.3.0", "2027-01-01", "0.2.0", "b", &Shape::default(), &[]),
        );
        let (a, b) = (two.find("## 0.3.0").unwrap(), two.find("## 0.2.0").unwrap());
        assert!(a < b, "{two}");
        assert_eq!(two.matches("# Changelog").count(), 1, "{two}");
    }
}
