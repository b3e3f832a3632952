//! Incremental runs: `luban run` skips a stage when nothing it reads changed since it last
//! succeeded — the content hashes of its input files (raw tables, schemas, the previous
//! stage's artifacts), of its output files (a hand-edited `output/` is republished), and
//! of the luban executable itself. The hashes live in `build/state.json`, written
//! atomically after each stage that succeeds; a stage that rejects data always reruns.
//! `--force` reruns everything; `--explain` says, for each stage, why it ran or why not.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::layout::Layout;
use crate::table::csvio;

/// What a stage reads and writes, as paths relative to the dataset root (folders are
/// taken whole).
pub struct StageFiles {
    pub stage: &'static str,
    pub inputs: Vec<&'static str>,
    pub outputs: Vec<&'static str>,
}

/// The stages of `luban run`, in order.
pub fn stage_files() -> Vec<StageFiles> {
    let s = |stage, inputs: &[&'static str], outputs: &[&'static str]| StageFiles {
        stage,
        inputs: inputs.to_vec(),
        outputs: outputs.to_vec(),
    };
    vec![
        s(
            "ingest",
            &["raw/reports", "schemas/reports.schema.json"],
            &["build/ingested.json"],
        ),
        s(
            "validate",
            &[
                "build/ingested.json",
                "schemas/reports.schema.json",
                "raw/reference",
                "raw/aliases/countries.csv",
                "raw/aliases/cities.csv",
            ],
            &["build/valid.json", "build/quarantine.csv"],
        ),
        s(
            "normalize",
            &[
                "build/valid.json",
                "schemas/reports.schema.json",
                "raw/reference",
                "raw/aliases",
                "raw/decisions.csv",
            ],
            &["build/reports.arrow", "build/alias-lint.csv", "build/name-matches.csv"],
        ),
        s(
            "dedupe",
            &[
                "build/reports.arrow",
                "raw/decisions.csv",
                "raw/aliases/institutions.csv",
                "raw/aliases/cities.csv",
                "raw/reference/country_names.csv",
            ],
            &[
                "build/workshops.arrow",
                "build/sources.arrow",
                "build/conflicts.arrow",
                "build/merges.csv",
                "build/unmerged.csv",
                "build/host-links.csv",
                "build/linkage-weights.csv",
            ],
        ),
        s(
            "aggregate",
            &["build/workshops.arrow", "raw/claims.csv"],
            &[
                "build/countries.arrow",
                "build/openings_by_year.arrow",
                "build/claims_check.arrow",
            ],
        ),
        s(
            "publish",
            &[
                "build/workshops.arrow",
                "build/sources.arrow",
                "build/conflicts.arrow",
                "build/countries.arrow",
                "build/openings_by_year.arrow",
                "build/claims_check.arrow",
                "schemas",
                "raw/dataset.json",
                "raw/reference",
            ],
            &["output"],
        ),
    ]
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct StageState {
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, String>,
    /// The luban that ran the stage: a stage run alone records itself with the luban of
    /// that moment, which need not be the one that ran the others.
    #[serde(default)]
    luban: String,
    /// The stage rejected data: its artifacts are whole (a later stage run alone may read
    /// them), but `luban run` runs it again, to report the rejections and stop there.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    rejected: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    stages: BTreeMap<String, StageState>,
}

/// How a content hash is written (in `build/state.json`, `build/ingested.json`): the
/// xxh3-128 in hex. A stage that hashes what it reads hands the tracker hashes in this
/// form ([`Tracker::remember`]).
pub fn hex(hasher: &xxhash_rust::xxh3::Xxh3) -> String {
    format!("{:032x}", hasher.digest128())
}

/// The xxh3-128 of a file's bytes, read in 1 MiB pieces: the artifacts are hundreds of
/// MB at a million reports, and reading each whole into fresh memory cost more than
/// hashing it (the kernel zeroes every new page first).
fn hash_file(path: &Path) -> Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).with_context(|| format!("failed to read `{}`", path.display()))?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("failed to read `{}`", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher))
}

/// Hashes of every file under `rels` (missing paths hash as "missing"). `memo` holds the
/// hashes taken earlier in this run: a stage's outputs are the next stage's inputs.
fn hash_paths(root: &Path, rels: &[&str], memo: &mut HashMap<PathBuf, String>) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for rel in rels {
        let p = root.join(rel);
        let mut files: Vec<PathBuf> = Vec::new();
        if p.is_dir() {
            collect(&p, &mut files)?;
        } else if p.exists() {
            files.push(p.clone());
        } else {
            out.insert(rel.to_string(), "missing".to_string());
        }
        files.sort();
        for f in files {
            let hash = match memo.get(&f) {
                Some(h) => h.clone(),
                None => {
                    let h = hash_file(&f)?;
                    memo.insert(f.clone(), h.clone());
                    h
                }
            };
            let key = f.strip_prefix(root).unwrap_or(&f).to_string_lossy().replace('\\', "/");
            out.insert(key, hash);
        }
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| format!("failed to list `{}`", dir.display()))? {
        let p = e?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with('.') {
            continue; // lock and temp files
        }
        if p.is_dir() {
            collect(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// The hash of the running luban executable: a rebuilt luban reruns every stage.
fn luban_hash() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| hash_file(&p).ok())
        .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string())
}

/// The state of the last run, and the decisions for this one.
pub struct Tracker {
    root: PathBuf,
    path: PathBuf,
    state: State,
    luban: String,
    force: bool,
    /// file → hash, taken in this run; a stage's outputs are dropped from it when the
    /// stage has run (it rewrote them), so each file is read once per run
    memo: HashMap<PathBuf, String>,
}

impl Tracker {
    pub fn open(layout: &Layout, force: bool) -> Tracker {
        let path = layout.build_file("state.json");
        let state: State = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        Tracker {
            root: layout.root.clone(),
            path,
            state,
            luban: luban_hash(),
            force,
            memo: HashMap::new(),
        }
    }

    /// Why `files.stage` must run (None: it can be skipped).
    pub fn reason_to_run(&mut self, files: &StageFiles) -> Result<Option<String>> {
        if self.force {
            return Ok(Some("--force".into()));
        }
        let Some(prev) = self.state.stages.get(files.stage) else {
            return Ok(Some("no earlier successful run".into()));
        };
        if prev.luban != self.luban {
            return Ok(Some("luban itself changed".into()));
        }
        if prev.rejected {
            return Ok(Some("it rejected data when it last ran".into()));
        }
        let inputs = hash_paths(&self.root, &files.inputs, &mut self.memo)?;
        if let Some(changed) = diff_keys(&prev.inputs, &inputs) {
            return Ok(Some(changed));
        }
        let outputs = hash_paths(&self.root, &files.outputs, &mut self.memo)?;
        if let Some(changed) = diff_keys(&prev.outputs, &outputs) {
            return Ok(Some(format!("{changed} since it was written")));
        }
        Ok(None)
    }

    /// Takes `hash` as the hash of `file` for the rest of this run: a stage that hashed
    /// what it read (ingest) hands the tracker those hashes, so that the state records
    /// the bytes the stage read, even if the file changed since, and the file is not read
    /// again (the raw reports are 270 MB at a million reports).
    pub fn remember(&mut self, file: PathBuf, hash: String) {
        self.memo.insert(file, hash);
    }

    /// Records a stage's success.
    pub fn record(&mut self, files: &StageFiles) -> Result<()> {
        self.record_outcome(files, false)
    }

    /// Records that a stage ran to its end: it succeeded, or it rejected data and wrote
    /// its artifacts all the same (a stage run alone: validate quarantines the bad rows).
    pub fn record_outcome(&mut self, files: &StageFiles, rejected: bool) -> Result<()> {
        for out in &files.outputs {
            let out = self.root.join(out);
            self.memo.retain(|f, _| !f.starts_with(&out));
        }
        let st = StageState {
            inputs: hash_paths(&self.root, &files.inputs, &mut self.memo)?,
            outputs: hash_paths(&self.root, &files.outputs, &mut self.memo)?,
            luban: self.luban.clone(),
            rejected,
        };
        self.state.stages.insert(files.stage.to_string(), st);
        self.save()
    }

    /// Writes `build/state.json`.
    pub fn save(&self) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.state)?;
        csvio::write_atomic(&self.path, |w| Ok(w.write_all(text.as_bytes())?))
    }

    /// Refuses to let `stage` run alone on artifacts that are stale or foreign: for every
    /// stage before it, the files it read must be those it last succeeded on, and the
    /// artifacts it wrote must be those it wrote. The error names the stage to rerun.
    /// (Which luban ran them does not matter here: a foreign artifact format is refused
    /// when it is read.)
    pub fn refuse_stale_inputs(&mut self, stage: &str) -> Result<()> {
        let rerun = |upstream: &str, why: String| {
            anyhow::anyhow!(
                "the artifacts `luban {stage}` reads are stale: {why}; rerun `luban {upstream}` (or `luban run`)"
            )
        };
        for files in stage_files().iter().take_while(|f| f.stage != stage) {
            let Some(prev) = self.state.stages.get(files.stage).cloned() else {
                let made = files.outputs.iter().find(|o| self.root.join(o).exists());
                return Err(match made {
                    Some(out) => rerun(
                        files.stage,
                        format!(
                            "build/state.json has no record of the `luban {}` that wrote {out}",
                            files.stage
                        ),
                    ),
                    None => rerun(files.stage, format!("`luban {}` has not run here yet", files.stage)),
                });
            };
            // files a stage no longer declares (the state of an older luban) are not
            // stale: an artifact of another format is refused when it is read
            let inputs = hash_paths(&self.root, &files.inputs, &mut self.memo)?;
            if let Some(changed) = diff_keys(&declared(&prev.inputs, &files.inputs), &inputs) {
                return Err(rerun(
                    files.stage,
                    format!("{changed} since `luban {}` ran", files.stage),
                ));
            }
            let outputs = hash_paths(&self.root, &files.outputs, &mut self.memo)?;
            if let Some(changed) = diff_keys(&declared(&prev.outputs, &files.outputs), &outputs) {
                return Err(rerun(
                    files.stage,
                    format!("{changed} since `luban {}` wrote it", files.stage),
                ));
            }
        }
        Ok(())
    }

    /// The files of `stage` (one of [`stage_files`]).
    pub fn files_of(stage: &str) -> Option<StageFiles> {
        stage_files().into_iter().find(|f| f.stage == stage)
    }

    /// Forgets a stage (it failed or rejected data).
    pub fn forget(&mut self, stage: &str) {
        self.state.stages.remove(stage);
    }
}

/// The entries of `hashes` for the files at `paths` (a file, or a folder and what it
/// holds).
fn declared(hashes: &BTreeMap<String, String>, paths: &[&str]) -> BTreeMap<String, String> {
    let under = |k: &str, p: &str| k == p || k.strip_prefix(p).is_some_and(|rest| rest.starts_with('/'));
    hashes
        .iter()
        .filter(|(k, _)| paths.iter().any(|p| under(k, p)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The first difference between two hash maps, in words.
fn diff_keys(before: &BTreeMap<String, String>, now: &BTreeMap<String, String>) -> Option<String> {
    for (k, v) in now {
        match before.get(k) {
            None => return Some(format!("{k} is new")),
            Some(old) if old != v => return Some(format!("{k} changed")),
            _ => {}
        }
    }
    before
        .keys()
        .find(|k| !now.contains_key(*k))
        .map(|k| format!("{k} was removed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hash handed over by a stage is what gets recorded for that file, without the
    /// file being read again (here the file changed after the stage read it: the state
    /// must describe what the stage read, so the next run sees the change).
    #[test]
    fn a_remembered_hash_is_recorded_for_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("raw/reports")).unwrap();
        std::fs::create_dir_all(root.join("build")).unwrap();
        std::fs::write(root.join("raw/reports/a.csv"), "read by the stage").unwrap();
        let layout = Layout::open(root).unwrap();
        let read = hash_file(&layout.root.join("raw/reports/a.csv")).unwrap();
        std::fs::write(root.join("raw/reports/a.csv"), "changed after it was read").unwrap();
        let files = StageFiles {
            stage: "ingest",
            inputs: vec!["raw/reports"],
            outputs: vec![],
        };
        let mut tracker = Tracker::open(&layout, true);
        tracker.remember(layout.root.join("raw/reports/a.csv"), read.clone());
        tracker.record(&files).unwrap();
        let state: State =
            serde_json::from_str(&std::fs::read_to_string(root.join("build/state.json")).unwrap()).unwrap();
        assert_eq!(state.stages["ingest"].inputs["raw/reports/a.csv"], read);
        // and the next run sees that the file changed
        let mut next = Tracker::open(&layout, false);
        let why = next.reason_to_run(&files).unwrap();
        assert_eq!(why.as_deref(), Some("raw/reports/a.csv changed"));
    }

    /// A file the state lists for a stage that the stage no longer declares (written by
    /// an older luban) does not make a later stage refuse to run alone; a declared file
    /// that went does.
    #[test]
    fn only_declared_files_make_a_stage_stale() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("raw/reports")).unwrap();
        std::fs::create_dir_all(root.join("schemas")).unwrap();
        std::fs::create_dir_all(root.join("build")).unwrap();
        for f in [
            "raw/reports/a.csv",
            "raw/reports/b.csv",
            "raw/old.csv",
            "schemas/reports.schema.json",
        ] {
            std::fs::write(root.join(f), f).unwrap();
        }
        let layout = Layout::open(root).unwrap();
        let mut ingest = Tracker::files_of("ingest").unwrap();
        ingest.inputs.push("raw/old.csv");
        Tracker::open(&layout, true).record(&ingest).unwrap();
        std::fs::remove_file(root.join("raw/old.csv")).unwrap();
        Tracker::open(&layout, false).refuse_stale_inputs("validate").unwrap();
        std::fs::remove_file(root.join("raw/reports/b.csv")).unwrap();
        let err = Tracker::open(&layout, false)
            .refuse_stale_inputs("validate")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("raw/reports/b.csv was removed since `luban ingest` ran"),
            "{err}"
        );
    }

    /// Streaming the file in pieces must give the hash of its bytes taken whole: the
    /// hashes in state.json stay comparable with those of earlier runs.
    #[test]
    fn a_file_hashed_in_pieces_has_the_hash_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        let mut rng = fastrand::Rng::with_seed(7);
        let bytes: Vec<u8> = (0..(5 << 19) + 123).map(|_| rng.u8(..)).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(
            hash_file(&path).unwrap(),
            format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
        );
        std::fs::write(&path, &bytes[..1000]).unwrap();
        assert_eq!(
            hash_file(&path).unwrap(),
            format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes[..1000]))
        );
    }
}
