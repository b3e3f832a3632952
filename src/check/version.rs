//! The version rule: a change that changes the published workshops changes the dataset's
//! version in `raw/dataset.json`, so that every published state has its own version to
//! cite. A workshop added or removed is a minor version (0.2.0 → 0.3.0); a correction of
//! existing workshops is a patch (0.2.0 → 0.2.1). Judged against `--base`, from the keyed
//! diff of the published workshops that `check` computes anyway.

use crate::check::WorkshopChange;
use crate::report::error_report::ErrorRecord;
use crate::stages::ingest::file_error;

/// How much a change must raise the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    Patch,
    Minor,
}

/// The bump that `workshops` (the diff of the published workshops) needs, if any.
pub fn needed(workshops: &[WorkshopChange]) -> Option<Bump> {
    workshops
        .iter()
        .map(|w| {
            if w.change == "changed" {
                Bump::Patch
            } else {
                Bump::Minor
            }
        })
        .max()
}

/// `major.minor.patch`, or None.
fn parse(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.trim().split('.').map(|p| p.parse::<u64>().ok());
    let out = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(out)
}

/// The version `base` becomes under `bump`.
fn bumped((major, minor, patch): (u64, u64, u64), bump: Bump) -> (u64, u64, u64) {
    match bump {
        Bump::Minor => (major, minor + 1, 0),
        Bump::Patch => (major, minor, patch + 1),
    }
}

/// The error, if the version in `head` (of `raw/dataset.json`) does not follow `base`'s
/// as `bump` asks. `line` is the line of the version in the file.
pub fn check(base: &str, head: &str, bump: Option<Bump>, (line, byte): (u64, u64)) -> Option<ErrorRecord> {
    let bump = bump?;
    let file = "raw/dataset.json";
    let Some(before) = parse(base) else {
        return None; // the base had no version to follow (the table check says so)
    };
    let least = bumped(before, bump);
    let (want, kind) = match bump {
        Bump::Minor => ("a workshop is added or removed", "minor"),
        Bump::Patch => ("published workshops change", "patch"),
    };
    let ok = parse(head).is_some_and(|after| after >= least);
    if ok {
        return None;
    }
    let least = format!("{}.{}.{}", least.0, least.1, least.2);
    let mut e = file_error(
        file,
        "version-not-bumped",
        format!("the version stays {head:?}, but {want}: this change needs a {kind} version, at least {least:?}"),
        Some(&format!(
            "set \"version\": \"{least}\" in raw/dataset.json and version: \"{least}\" in CITATION.cff"
        )),
    );
    e.line = line;
    e.byte = Some(byte);
    e.field = Some("version".into());
    Some(e)
}

/// The error, if `CITATION.cff` (its text `cff`; empty when there is none) cites another
/// version than `raw/dataset.json` (its text `meta`): a citation must name the version
/// the data is.
pub fn citation(meta: &str, cff: &str) -> Option<ErrorRecord> {
    let (version, _) = version_of(meta);
    let mut byte = 0u64;
    for (i, l) in cff.split_inclusive('\n').enumerate() {
        if let Some(v) = l.strip_prefix("version:") {
            let cited = v.trim().trim_matches(|c| c == '"' || c == '\'');
            if cited == version {
                return None;
            }
            let mut e = file_error(
                "CITATION.cff",
                "citation-version",
                format!("CITATION.cff cites version {cited:?}, but the data is version {version:?} (raw/dataset.json)"),
                Some(&format!("set version: \"{version}\" in CITATION.cff")),
            );
            e.line = i as u64 + 1;
            e.byte = Some(byte);
            e.field = Some("version".into());
            return Some(e);
        }
        byte += l.len() as u64;
    }
    None
}

/// The version in a `raw/dataset.json` text, and its line (1 if not found).
pub fn version_of(text: &str) -> (String, u64) {
    let (version, line, _) = version_at(text);
    (version, line)
}

/// [`version_of`], with the byte offset of the version's line (for the snippet).
pub fn version_at(text: &str) -> (String, u64, u64) {
    let version = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("version").and_then(|v| v.as_str()).map(str::to_string))
        .unwrap_or_default();
    let mut byte = 0u64;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if l.trim_start().starts_with("\"version\"") {
            return (version, i as u64 + 1, byte);
        }
        byte += l.len() as u64;
    }
    (version, 1, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citation_cff_must_cite_the_version_the_data_is() {
        let meta = "{\n  \"version\": \"0.3.1\"\n}\n";
        assert!(citation(meta, "cff-version: 1.2.0\nversion: \"0.3.1\"\n").is_none());
        let e = citation(meta, "cff-version: 1.2.0\ntitle: x\nversion: \"0.3.0\"\n").unwrap();
        assert_eq!((e.code.as_ref(), e.line), ("citation-version", 3));
        assert!(
            e.message.contains("\"0.3.0\"") && e.message.contains("\"0.3.1\""),
            "{}",
            e.message
        );
        assert!(citation(meta, "").is_none(), "no CITATION.cff: nothing to compare");
    }

    fn change(kind: &'static str) -> WorkshopChange {
        WorkshopChange {
            change: kind,
            workshop_id: "KEN-1".into(),
            workshop_name: "Kenya Luban Workshop".into(),
            country_code: "KEN".into(),
            fields: Vec::new(),
            values: Vec::new(),
            merged_into: None,
            source_urls: String::new(),
        }
    }

    #[test]
    fn new_or_removed_workshops_need_a_minor_version_and_corrections_a_patch() {
        assert_eq!(needed(&[]), None);
        assert_eq!(needed(&[change("changed")]), Some(Bump::Patch));
        assert_eq!(needed(&[change("changed"), change("added")]), Some(Bump::Minor));
        assert_eq!(needed(&[change("removed")]), Some(Bump::Minor));
        assert_eq!(needed(&[change("merged")]), Some(Bump::Minor));
    }

    #[test]
    fn the_version_must_reach_the_bump() {
        assert!(check("0.2.0", "0.2.0", None, (5, 40)).is_none());
        assert!(check("0.2.0", "0.3.0", Some(Bump::Minor), (5, 40)).is_none());
        assert!(check("0.2.0", "1.0.0", Some(Bump::Minor), (5, 40)).is_none());
        assert!(check("0.2.0", "0.2.1", Some(Bump::Patch), (5, 40)).is_none());
        let e = check("0.2.0", "0.2.1", Some(Bump::Minor), (5, 40)).expect("a patch is not enough");
        assert_eq!((e.code.as_str(), e.line), ("version-not-bumped", 5));
        assert!(e.help.unwrap().contains("\"version\": \"0.3.0\""));
        assert!(check("0.2.0", "0.2.0", Some(Bump::Patch), (5, 40)).is_some());
        assert!(check("0.2.0", "banana", Some(Bump::Patch), (5, 40)).is_some());
    }

    #[test]
    fn the_version_line_is_found() {
        let text = "{\n  \"name\": \"x\",\n  \"version\": \"0.2.0\"\n}\n";
        assert_eq!(version_of(text), ("0.2.0".to_string(), 3));
        let (_, _, byte) = version_at(text);
        assert!(text[byte as usize..].starts_with("  \"version\""));
    }
}
