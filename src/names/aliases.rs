//! Curated alias tables (`raw/aliases/{cities,institutions,partners}.csv`): each row maps
//! a spelling seen in a source (`alias`) to one canonical name, with the URL where it was
//! seen. Lookups go through the [`name_key`] of both sides, so case, accents, brackets and
//! stop-words never need their own rows.
//!
//! The tables are linted on every run: an alias pointing to two canonicals, an alias chain
//! (an alias whose canonical is itself an alias of another name) and an alias equal to
//! another canonical are errors; an alias no report uses is a warning.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use serde::Deserialize;

use super::key::name_key;
use crate::table::csvio::read_table;

#[derive(Debug, Clone, Deserialize)]
pub struct AliasRow {
    pub alias: String,
    pub canonical: String,
    pub source_url: String,
}

/// A lint finding on an alias table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    pub error: bool,
    pub code: &'static str,
    pub line: u64,
    pub message: String,
}

/// One loaded alias table.
#[derive(Debug, Default)]
pub struct AliasTable {
    pub kind: String,
    pub file: String,
    rows: Vec<(u64, AliasRow)>,
    /// key → canonical names it maps to (more than one only in a broken table)
    map: BTreeMap<String, BTreeSet<String>>,
    canonical_keys: BTreeMap<String, String>,
    /// keys of the bracketed segments of canonical names ("(EKTU)", "(ALT University)")
    bracket_keys: BTreeMap<String, BTreeSet<String>>,
}

/// How a name was resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    /// Same key as a canonical name.
    Canonical(String),
    /// Same key as an alias.
    Alias(String),
    /// Not in the table: the cleaned name is kept as it is.
    Unknown,
}

impl AliasTable {
    pub fn load(kind: &str, path: &std::path::Path, shown: &str) -> Result<AliasTable> {
        let rows: Vec<(u64, AliasRow)> = read_table(path)?;
        Ok(Self::from_rows(kind, shown, rows))
    }

    pub fn from_rows(kind: &str, shown: &str, rows: Vec<(u64, AliasRow)>) -> AliasTable {
        let mut t = AliasTable {
            kind: kind.into(),
            file: shown.into(),
            ..Default::default()
        };
        for (_, r) in &rows {
            t.canonical_keys.insert(name_key(&r.canonical), r.canonical.clone());
        }
        for (_, r) in &rows {
            t.map.entry(name_key(&r.alias)).or_default().insert(r.canonical.clone());
            for inner in bracketed(&r.canonical) {
                let k = name_key(&inner);
                if !k.is_empty() {
                    t.bracket_keys.entry(k).or_default().insert(r.canonical.clone());
                }
            }
        }
        t.rows = rows;
        t
    }

    /// Resolves a name to its canonical form, if the table knows it.
    pub fn lookup(&self, name: &str) -> Matched {
        let key = name_key(name);
        if let Some(c) = self.canonical_keys.get(&key) {
            return Matched::Canonical(c.clone());
        }
        if let Some(set) = self.map.get(&key) {
            return match set.len() {
                1 => Matched::Alias(set.iter().next().unwrap().clone()),
                _ => Matched::Unknown,
            };
        }
        // A bracketed part of a canonical name is another name for it ("ALT University"
        // for "Academy of Logistics and Transport (ALT University)"), when only one
        // canonical has it.
        match self.bracket_keys.get(&key) {
            Some(set) if set.len() == 1 => Matched::Alias(set.iter().next().unwrap().clone()),
            _ => Matched::Unknown,
        }
    }

    /// The canonical name whose key is `key`, if the table has one.
    pub fn canonical_of_key(&self, key: &str) -> Option<&str> {
        self.canonical_keys.get(key).map(String::as_str)
    }

    /// Every canonical name with the spellings that map to it (itself excluded), in
    /// the table's order of canonical keys: the table's knowledge of which names are one
    /// institution and which are different ones.
    pub fn groups(&self) -> Vec<(&str, Vec<&str>)> {
        let mut by_key: BTreeMap<&str, (&str, Vec<&str>)> = self
            .canonical_keys
            .iter()
            .map(|(k, c)| (k.as_str(), (c.as_str(), Vec::new())))
            .collect();
        for (_, r) in &self.rows {
            if let Some((_, aliases)) = by_key.get_mut(name_key(&r.canonical).as_str()) {
                if r.alias != r.canonical && !aliases.contains(&r.alias.as_str()) {
                    aliases.push(&r.alias);
                }
            }
        }
        by_key.into_values().collect()
    }

    /// Lints the table; `used` holds the keys of the aliases some report used.
    pub fn lint(&self, used: Option<&BTreeSet<String>>) -> Vec<Lint> {
        let mut out = Vec::new();
        for (line, r) in &self.rows {
            let key = name_key(&r.alias);
            if let Some(set) = self.map.get(&key) {
                if set.len() > 1 {
                    out.push(Lint {
                        error: true,
                        code: "alias-conflict",
                        line: *line,
                        message: format!(
                            "alias `{}` points to {} canonical names: {}",
                            r.alias,
                            set.len(),
                            join(set)
                        ),
                    });
                }
            }
            let ckey = name_key(&r.canonical);
            if let Some(targets) = self.map.get(&ckey) {
                if ckey != key && targets.iter().any(|t| name_key(t) != ckey) {
                    out.push(Lint {
                        error: true,
                        code: "alias-chain",
                        line: *line,
                        message: format!(
                            "canonical `{}` of alias `{}` is itself an alias of {}",
                            r.canonical,
                            r.alias,
                            join(targets)
                        ),
                    });
                }
            }
            if let Some(other) = self.canonical_keys.get(&key) {
                if name_key(other) != ckey {
                    out.push(Lint {
                        error: true,
                        code: "alias-is-canonical",
                        line: *line,
                        message: format!(
                            "alias `{}` is the canonical name `{other}`, but maps to `{}`",
                            r.alias, r.canonical
                        ),
                    });
                }
            }
            if let Some(used) = used {
                if key != ckey && !used.contains(&key) {
                    out.push(Lint {
                        error: false,
                        code: "alias-unused",
                        line: *line,
                        message: format!("alias `{}` is not used by any report", r.alias),
                    });
                }
            }
        }
        out.sort_by(|a, b| a.line.cmp(&b.line).then(a.code.cmp(b.code)));
        out.dedup();
        out
    }
}

/// The texts inside top-level brackets of `name`: "A (B) (C)" → ["B", "C"].
fn bracketed(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut cur = String::new();
    for c in name.chars() {
        match c {
            '(' | '[' => {
                if depth > 0 {
                    cur.push(c);
                }
                depth += 1;
            }
            ')' | ']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push(std::mem::take(&mut cur));
                } else {
                    cur.push(c);
                }
            }
            _ if depth > 0 => cur.push(c),
            _ => {}
        }
    }
    out
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(&str, &str)]) -> AliasTable {
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, (a, c))| {
                (
                    i as u64 + 2,
                    AliasRow {
                        alias: a.to_string(),
                        canonical: c.to_string(),
                        source_url: "https://example.org/".into(),
                    },
                )
            })
            .collect();
        AliasTable::from_rows("city", "raw/aliases/cities.csv", rows)
    }

    #[test]
    fn lookup_goes_through_keys() {
        let t = table(&[("Oskamen", "Oskemen"), ("Ust-Kamenogorsk", "Oskemen")]);
        assert_eq!(t.lookup("ÖSKEMEN"), Matched::Canonical("Oskemen".into()));
        assert_eq!(t.lookup("ust kamenogorsk"), Matched::Alias("Oskemen".into()));
        assert_eq!(
            t.lookup("Усть-Каменогорск"),
            Matched::Alias("Oskemen".into()),
            "Cyrillic transliterates to the alias' key"
        );
        assert_eq!(t.lookup("Almaty"), Matched::Unknown);
        let t = table(&[(
            "Academy of Logistics and Transport",
            "Academy of Logistics and Transport (ALT University)",
        )]);
        assert_eq!(
            t.lookup("ALT University"),
            Matched::Alias("Academy of Logistics and Transport (ALT University)".into())
        );
    }

    #[test]
    fn lint_finds_each_kind_of_problem() {
        let codes = |t: &AliasTable, used: Option<&BTreeSet<String>>| -> Vec<(&'static str, u64)> {
            t.lint(used).into_iter().map(|l| (l.code, l.line)).collect()
        };
        assert!(codes(&table(&[("Oskamen", "Oskemen")]), None).is_empty());
        assert!(codes(&table(&[("Accra", "Sunyani"), ("Accra", "Kumasi")]), None).contains(&("alias-conflict", 2)));
        assert!(codes(&table(&[("A", "B"), ("B", "C")]), None).contains(&("alias-chain", 2)));
        assert!(
            codes(&table(&[("Almaty", "Astana"), ("Alma-Ata", "Almaty")]), None).contains(&("alias-is-canonical", 2))
        );
        let used = BTreeSet::new();
        let lints = table(&[("Oskamen", "Oskemen")]).lint(Some(&used));
        assert_eq!(lints.len(), 1);
        assert!(!lints[0].error && lints[0].code == "alias-unused");
    }
}

#[cfg(test)]
mod committed_tables {
    use super::*;

    /// Every spelling in the committed alias tables (built from the researched
    /// name_variants.csv) resolves to its own canonical name, not to another one.
    #[test]
    fn every_committed_variant_resolves_to_its_canonical() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for table in ["cities", "institutions", "partners"] {
            let path = root.join("raw").join("aliases").join(format!("{table}.csv"));
            let t = AliasTable::load(table, &path, table).unwrap();
            assert!(t.lint(None).iter().all(|l| !l.error), "{table}: {:?}", t.lint(None));
            let mut checked = 0;
            for (line, r) in &t.rows {
                let got = match t.lookup(&r.alias) {
                    Matched::Canonical(c) | Matched::Alias(c) => c,
                    Matched::Unknown => panic!("{table}:{line}: `{}` does not resolve", r.alias),
                };
                assert_eq!(got, r.canonical, "{table}:{line}: `{}`", r.alias);
                checked += 1;
            }
            assert!(checked > 10, "{table}: only {checked} rows");
        }
    }
}
