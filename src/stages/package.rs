//! A Frictionless Data Package given to `luban validate datapackage.json`: its CSV
//! resources, each with its Table Schema (inline, or a path beside the package) and its
//! dialect's delimiter when it gives one (otherwise guessed, as for any file), and the
//! values its other resources' foreign keys refer to.
//!
//! A foreign key to another resource needs that resource's referenced values before the
//! referencing rows are read: [`Package::references`] reads them (typed, as
//! `cross-row` rules compare them: `01` refers to `1` in an integer field), and the
//! referencing resource is then checked against them as it streams. Resources are read
//! from inside the package's folder only.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::ingest::{decode, file_error, Batch, CsvSource};
use crate::report::error_report::ErrorRecord;
use crate::rules::{cell_key, hash_keys, split, References};
use crate::schema::TableSchema;

/// One CSV resource of a package.
pub struct Resource {
    pub name: String,
    /// the file, and the path as shown in reports
    pub path: PathBuf,
    pub shown: String,
    pub schema: TableSchema,
    /// the dialect's delimiter, when the package gives one
    pub delimiter: Option<u8>,
    /// the size and hash the package declares for the file
    pub bytes: Option<u64>,
    pub hash: Option<String>,
}

/// A loaded package.
pub struct Package {
    pub resources: Vec<Resource>,
}

impl Package {
    /// Reads `path` and every resource's schema; a resource luban cannot read (not CSV,
    /// data inline, several files, a path out of the package's folder) is refused by name.
    pub fn load(path: &Path, shown: &str) -> Result<Package> {
        let text = std::fs::read_to_string(path).with_context(|| format!("failed to read data package `{shown}`"))?;
        let doc: Value = serde_json::from_str(&text).with_context(|| format!("`{shown}` is not JSON"))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let shown_dir = Path::new(shown).parent().unwrap_or(Path::new(""));
        let Some(list) = doc.get("resources").and_then(Value::as_array) else {
            bail!("`{shown}` has no `resources` list: is it a data package?");
        };
        if doc.get("missingValues").is_some() {
            // as Frictionless refuses it: a package has no missing values of its own
            bail!("`{shown}`: `missingValues` goes in each resource's schema, not in the package");
        }
        let mut resources = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let name = r.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            let what = if name.is_empty() {
                format!("resource {}", i + 1)
            } else {
                format!("resource `{name}`")
            };
            let Some(rel) = r.get("path").and_then(Value::as_str) else {
                bail!("{what}: luban validates resources with one `path` to a CSV file (not inline `data` or several paths)");
            };
            let inside = Path::new(rel)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            let csv = rel.ends_with(".csv") || r.get("format").and_then(Value::as_str) == Some("csv");
            if !inside || !csv {
                bail!("{what}: luban validates CSV files inside the package's folder, not `{rel}`");
            }
            let schema = match r.get("schema") {
                Some(Value::String(p)) => {
                    let sp = dir.join(p);
                    TableSchema::load(&sp, &shown_dir.join(p).display().to_string())?
                }
                Some(s @ Value::Object(_)) => TableSchema::parse(path, shown, &serde_json::to_string_pretty(s)?)
                    .map_err(|e| anyhow::anyhow!("{what}: {}", e.message))?,
                _ => bail!("{what} has no Table Schema"),
            };
            let dialect = match r.get("dialect") {
                Some(Value::String(p)) => {
                    let text = std::fs::read_to_string(dir.join(p))
                        .with_context(|| format!("failed to read the dialect `{p}` of {what}"))?;
                    serde_json::from_str(&text).with_context(|| format!("the dialect `{p}` of {what} is not JSON"))?
                }
                Some(d) => d.clone(),
                None => Value::Null,
            };
            // Frictionless 5 writes CSV options under `csv`; Data Package v1 at the top
            let delimiter = dialect
                .get("csv")
                .unwrap_or(&dialect)
                .get("delimiter")
                .and_then(Value::as_str)
                .and_then(|d| d.bytes().next());
            resources.push(Resource {
                name,
                path: dir.join(rel),
                shown: shown_dir.join(rel).display().to_string(),
                schema,
                delimiter,
                bytes: r.get("bytes").and_then(Value::as_u64),
                hash: r.get("hash").and_then(Value::as_str).map(str::to_string),
            });
        }
        for r in &resources {
            for fk in r.schema.foreign_keys.iter().filter(|fk| !fk.resource.is_empty()) {
                let Some(target) = resources.iter().find(|t| t.name == fk.resource) else {
                    bail!(
                        "resource `{}`: a foreign key refers to `{}`, which the package does not have",
                        r.name,
                        fk.resource
                    );
                };
                for f in &fk.reference_fields {
                    if target.schema.index_of(f).is_none() {
                        bail!(
                            "resource `{}`: a foreign key refers to `{}` of `{}`, which has no such field",
                            r.name,
                            f,
                            fk.resource
                        );
                    }
                }
            }
        }
        Ok(Package { resources })
    }

    /// The file against the size and hash the package declares (`byte-count`,
    /// `hash-count`): md5 (Data Package v1's default, a hash without a prefix) or
    /// sha256; another algorithm is not checked, and the note says so.
    pub fn integrity(&self, r: &Resource) -> Result<(Vec<ErrorRecord>, Option<String>)> {
        use sha2::Digest;
        let mut errors = Vec::new();
        let mut note = None;
        let help = "the file changed since the package was written: update `bytes` and `hash`, or the file";
        let error = |code: &'static str, message: String| file_error(&r.shown, code, message, Some(help));
        let data = std::fs::read(&r.path).with_context(|| format!("failed to read `{}`", r.shown))?;
        if let Some(b) = r.bytes.filter(|b| *b != data.len() as u64) {
            errors.push(error(
                "byte-count",
                format!("the package says {b} bytes; the file has {}", data.len()),
            ));
        }
        if let Some(h) = &r.hash {
            let (algorithm, want) = h.split_once(':').unwrap_or(("md5", h));
            let got = match algorithm {
                "md5" => Some(hex::encode(md5::Md5::digest(&data))),
                "sha256" => Some(hex::encode(sha2::Sha256::digest(&data))),
                _ => None,
            };
            match got {
                Some(got) if !got.eq_ignore_ascii_case(want) => errors.push(error(
                    "hash-count",
                    format!("the package says {algorithm} {want}; the file has {got}"),
                )),
                Some(_) => {}
                None => {
                    note = Some(format!(
                        "{}: the hash `{h}` is not checked (luban checks md5 and sha256)",
                        r.shown
                    ))
                }
            }
        }
        Ok((errors, note))
    }

    /// Opens a resource for reading, with its dialect's delimiter or a guessed one.
    pub fn open(&self, r: &Resource) -> Result<CsvSource> {
        match r.delimiter {
            Some(d) => CsvSource::open_with_delimiter(&r.path, &r.shown, &r.schema, d),
            None => CsvSource::open_sniffed(&r.path, &r.shown, &r.schema),
        }
    }

    /// The referenced values of every foreign key `r` has to another resource.
    pub fn references(&self, r: &Resource) -> Result<References> {
        let mut out = References::new();
        for fk in r.schema.foreign_keys.iter().filter(|fk| !fk.resource.is_empty()) {
            let key = (fk.resource.clone(), fk.reference_fields.clone());
            if out.contains_key(&key) {
                continue;
            }
            let target = self
                .resources
                .iter()
                .find(|t| t.name == fk.resource)
                .expect("checked at load");
            let idx: Vec<usize> = fk
                .reference_fields
                .iter()
                .filter_map(|f| target.schema.index_of(f))
                .collect();
            let mut src = self.open(target)?;
            let mut batch = Batch::with_capacity(1024);
            let mut seen = HashSet::new();
            while src.next_batch(&mut batch)? {
                for rec in &batch.records[..batch.len] {
                    let cells = decode(rec, &mut Vec::new());
                    let keys: Vec<_> = idx
                        .iter()
                        .map(|&i| cells.get(i).and_then(|c| cell_key(&target.schema, i, c)))
                        .collect();
                    if keys.iter().any(Option::is_some) {
                        seen.insert(split(hash_keys(&keys)));
                    }
                }
            }
            out.insert(key, seen);
        }
        Ok(out)
    }
}
