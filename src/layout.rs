//! Where the dataset's files live. Every path the pipeline reads or writes is derived here
//! from `--root`, so the binary works on any copy with the same layout and never writes
//! outside it.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The resolved folders and files of one dataset copy.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
}

impl Layout {
    /// Resolves `root` and checks that it looks like a dataset (has `raw/`).
    pub fn open(root: &Path) -> Result<Layout> {
        let root = root
            .canonicalize()
            .with_context(|| format!("failed to open dataset root `{}`", root.display()))?;
        let raw = root.join("raw");
        if !raw.is_dir() {
            bail!(
                "no `raw/` folder in `{}`: run luban inside a dataset checkout or pass --root DIR",
                root.display()
            );
        }
        Ok(Layout { root })
    }

    pub fn raw_reports(&self) -> PathBuf {
        self.root.join("raw").join("reports")
    }
    pub fn aliases(&self, table: &str) -> PathBuf {
        self.root.join("raw").join("aliases").join(format!("{table}.csv"))
    }
    pub fn reference(&self, table: &str) -> PathBuf {
        self.root.join("raw").join("reference").join(format!("{table}.csv"))
    }
    pub fn schema(&self, table: &str) -> PathBuf {
        self.root.join("schemas").join(format!("{table}.schema.json"))
    }
    pub fn build(&self) -> PathBuf {
        self.root.join("build")
    }
    pub fn build_file(&self, name: &str) -> PathBuf {
        self.build().join(name)
    }
    pub fn output(&self) -> PathBuf {
        self.root.join("output")
    }

    /// A path as shown to people: relative to the root when inside it.
    pub fn display(&self, path: &Path) -> String {
        path.strip_prefix(&self.root).unwrap_or(path).display().to_string()
    }

    /// The raw report files, sorted by name so that every run reads them in the same order.
    pub fn report_files(&self) -> Result<Vec<PathBuf>> {
        let dir = self.raw_reports();
        let real = dir
            .canonicalize()
            .with_context(|| format!("failed to open `{}`", self.display(&dir)))?;
        if !real.starts_with(&self.root) {
            bail!(
                "refusing to read `{}`: it resolves to `{}`, outside the dataset",
                self.display(&dir),
                real.display()
            );
        }
        let entries = std::fs::read_dir(&dir).with_context(|| format!("failed to list `{}`", self.display(&dir)))?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("failed to list `{}`", self.display(&dir)))?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("csv") {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path)
                .with_context(|| format!("failed to stat `{}`", self.display(&path)))?;
            if meta.file_type().is_symlink() {
                bail!(
                    "refusing to read `{}`: symbolic links in raw/ could point outside the dataset",
                    self.display(&path)
                );
            }
            files.push(path);
        }
        files.sort();
        Ok(files)
    }
}
