//! The one owner of file formats: the CSV dialect the dataset uses (UTF-8, comma, RFC 4180
//! quoting, `\n` line ends on write), JSON Lines for the staged artifacts in `build/`, and
//! atomic writes (temp file in the same folder, fsync, rename) so that a reader never sees
//! a half-written file.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A CSV reader in the dataset's dialect. Rows may be ragged (the validator reports them);
/// headers are read as the first record.
pub fn reader_builder() -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.has_headers(false).flexible(true);
    b
}

/// A CSV writer in the dataset's dialect: quote only when needed, `\n` line ends.
pub fn writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

/// Writes a file atomically: `fill` writes into a temp file next to `path`, which is then
/// flushed, synced and renamed over `path`. On error the temp file is removed and `path`
/// is left as it was.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create folder `{}`", dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".luban-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("failed to create a temp file in `{}`", dir.display()))?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        fill(&mut w).with_context(|| format!("failed to write `{}`", path.display()))?;
        w.flush()
            .with_context(|| format!("failed to write `{}`", path.display()))?;
    }
    // temp files are created private; published and staged files are ordinary files
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("failed to set permissions of `{}`", path.display()))?;
    }
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("failed to sync `{}`", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("failed to rename temp file to `{}`", path.display()))?;
    Ok(())
}

/// Writes records as JSON Lines, atomically.
pub fn write_jsonl<T: Serialize>(path: &Path, items: &[T]) -> Result<()> {
    write_atomic(path, |w| {
        for item in items {
            serde_json::to_writer(&mut *w, item)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Reads a JSON Lines artifact written by an earlier stage.
pub fn read_jsonl<T: DeserializeOwned>(path: &Path, produced_by: &str) -> Result<Vec<T>> {
    let file = File::open(path)
        .with_context(|| format!("failed to open `{}` (run `luban {produced_by}` first)", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("failed to read `{}`", path.display()))?;
        let item = serde_json::from_str(&line).with_context(|| {
            format!(
                "failed to parse `{}` line {} (rerun `luban {produced_by}`)",
                path.display(),
                i + 1
            )
        })?;
        out.push(item);
    }
    Ok(out)
}

/// Reads a small CSV table with a header into records of `T` (alias and reference tables).
pub fn read_table<T: DeserializeOwned>(path: &Path) -> Result<Vec<(u64, T)>> {
    let mut rdr = csv::ReaderBuilder::new()
        .from_path(path)
        .with_context(|| format!("failed to open `{}`", path.display()))?;
    let headers = rdr
        .headers()
        .with_context(|| format!("failed to read the header of `{}`", path.display()))?
        .clone();
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("failed to read `{}`", path.display()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let item: T = rec
            .deserialize(Some(&headers))
            .with_context(|| format!("failed to read `{}` line {line}", path.display()))?;
        out.push((line, item));
    }
    Ok(out)
}
