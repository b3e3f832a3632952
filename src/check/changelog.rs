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
    let changes = workshop_diff(&shown("output/workshops.csv")?, &read("output/workshops.csv")?);
    Ok(render(&version, &created, &before, base, &changes))
}

/// A section, from the changes of the published workshops.
pub fn render(version: &str, date: &str, before: &str, base: &str, changes: &[WorkshopChange]) -> String {
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
    format!("{header}\n{}\n{rest}", section.trim_end())
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
        let s = render("0.2.0", "2026-12-06", "0.1.0", "v0.1.0", &changes);
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
    fn writing_a_version_twice_changes_nothing_and_new_versions_go_first() {
        let one = prepend("", &render("0.2.0", "", "0.1.0", "a", &[]));
        assert!(one.starts_with("# Changelog\n"), "{one}");
        assert_eq!(prepend(&one, &render("0.2.0", "", "0.1.0", "a", &[])), one);
        let two = prepend(&one, &render("0.3.0", "2027-01-01", "0.2.0", "b", &[]));
        let (a, b) = (two.find("## 0.3.0").unwrap(), two.find("## 0.2.0").unwrap());
        assert!(a < b, "{two}");
        assert_eq!(two.matches("# Changelog").count(), 1, "{two}");
    }
}
