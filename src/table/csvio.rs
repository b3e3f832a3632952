//! The one owner of file formats: the CSV dialect the dataset uses (UTF-8, comma, RFC 4180
//! quoting, `\n` line ends on write), the small JSON artifacts in `build/` (tables are
//! Parquet: [`crate::table::artifact`]), and atomic writes (temp file in the same
//! folder, fsync, rename) so that a reader never sees a half-written file. Staged files
//! are renamed into place without fsync ([`write_staged`]); published files are synced
//! ([`write_atomic`]).

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// One cell of a CSV line that a message asks to copy: quoted when it must be.
pub fn quoted(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

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
    write_renamed(path, true, fill)
}

/// [`write_atomic`] without the fsync, for the staged files in `build/`: a reader still
/// never sees a half-written file, but after a power loss the file may be empty or
/// short. That is safe because `build/state.json` holds the hash of every staged file:
/// a damaged one no longer matches, so its stage reruns (and reading it is an error that
/// names the stage). Syncing cost seconds per run at a million reports.
pub fn write_staged(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    write_renamed(path, false, fill)
}

fn write_renamed(path: &Path, sync: bool, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
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
    if sync {
        tmp.as_file()
            .sync_all()
            .with_context(|| format!("failed to sync `{}`", path.display()))?;
    }
    tmp.persist(path)
        .with_context(|| format!("failed to rename temp file to `{}`", path.display()))?;
    Ok(())
}

/// Writes a staged text file made of `blocks` parts in order (see [`write_in_rounds`]):
/// a round is a couple of blocks per thread.
pub fn write_blocks(
    path: &Path,
    blocks: usize,
    render: impl Fn(usize, &mut Vec<u8>) -> Result<()> + Sync,
) -> Result<()> {
    let per_round = 2 * rayon::current_num_threads().max(1);
    write_staged(path, |w| write_in_rounds(w, blocks, per_round, render))
}

/// Writes `blocks` parts to `w` in order, a round of `per_round` of them at a time, each
/// round rendered in parallel and then written. `render(i, out)` appends block `i` to an
/// empty buffer; the buffers are reused, so the memory in flight is a round of blocks
/// whatever the file's size. The bytes are those of rendering every block in order on
/// one thread. Rendering the next round while this one was written did not pay:
/// `luban dedupe` alone (it writes `merges.csv` so) took 1.01-1.03x the time with it, at
/// 1M generated reports of both shapes and at 10M that disagree (farm-bench).
fn write_in_rounds(
    w: &mut dyn Write,
    blocks: usize,
    per_round: usize,
    render: impl Fn(usize, &mut Vec<u8>) -> Result<()> + Sync,
) -> Result<()> {
    use rayon::prelude::*;
    let per_round = per_round.max(1);
    let mut bufs: Vec<Vec<u8>> = Vec::new();
    for first in (0..blocks).step_by(per_round) {
        bufs.resize_with(per_round.min(blocks - first), Vec::new);
        bufs.par_iter_mut().enumerate().try_for_each(|(k, buf)| {
            buf.clear();
            render(first + k, buf)
        })?;
        bufs.iter().try_for_each(|b| w.write_all(b))?;
    }
    Ok(())
}

/// What a JSON artifact says of itself, to refuse a file that is not one.
const ARTIFACT_FORMAT: &str = "luban-artifact 7";

/// Writes `items` as a JSON artifact (a small one: tables are Parquet), atomically.
pub fn write_artifact<T: Serialize>(path: &Path, items: &[T]) -> Result<()> {
    let doc = serde_json::json!({"format": ARTIFACT_FORMAT, "items": items});
    let text = serde_json::to_string_pretty(&doc).context("failed to encode an artifact")?;
    write_staged(path, |w| Ok(w.write_all(text.as_bytes())?))
}

/// Reads a JSON artifact written by an earlier stage (`produced_by`).
pub fn read_artifact<T: DeserializeOwned>(path: &Path, produced_by: &str) -> Result<Vec<T>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("failed to open `{}` (run `luban {produced_by}` first)", path.display()))?;
    let stale = || {
        anyhow::anyhow!(
            "failed to read `{}`: not an artifact of this luban version, or damaged (rerun `luban {produced_by}`)",
            path.display()
        )
    };
    #[derive(serde::Deserialize)]
    struct Doc<T> {
        format: String,
        items: Vec<T>,
    }
    let doc: Doc<T> = serde_json::from_slice(&bytes).map_err(|_| stale())?;
    if doc.format != ARTIFACT_FORMAT {
        return Err(stale());
    }
    Ok(doc.items)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Rec {
        id: u64,
        name: String,
        tags: Vec<String>,
        when: Option<i32>,
    }

    fn recs(n: u64) -> Vec<Rec> {
        (0..n)
            .map(|i| Rec {
                id: i,
                name: format!("name {i} – Öskemen"),
                tags: (0..i % 3).map(|t| t.to_string()).collect(),
                when: (i % 2 == 0).then_some(i as i32),
            })
            .collect()
    }

    #[test]
    fn artifacts_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        for n in [0, 1, 1000] {
            let path = dir.path().join(format!("{n}.json"));
            write_artifact(&path, &recs(n)).unwrap();
            let back: Vec<Rec> = read_artifact(&path, "test").unwrap();
            assert_eq!(back, recs(n), "{n} records");
        }
    }

    #[test]
    fn blocks_are_written_in_order_whatever_the_rounds() {
        let dir = tempfile::tempdir().unwrap();
        let per_round = 2 * rayon::current_num_threads().max(1);
        for blocks in [0, 1, per_round, per_round + 1, 5 * per_round + 3] {
            let path = dir.path().join(format!("{blocks}.csv"));
            // blocks of different lengths, so that a reused buffer that kept bytes shows
            let block = |i: usize| format!("{i}:{}\n", "x".repeat((i * 7919) % 13));
            write_blocks(&path, blocks, |i, out| {
                out.extend_from_slice(block(i).as_bytes());
                Ok(())
            })
            .unwrap();
            let want: String = (0..blocks).map(block).collect();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), want, "{blocks} blocks");
        }
        // a failing block is the file's error, and no file is left
        let path = dir.path().join("failed.csv");
        let err = write_blocks(&path, 3 * per_round, |i, _| {
            anyhow::ensure!(i != 2 * per_round + 1, "block {i} failed");
            Ok(())
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains(&format!("block {} failed", 2 * per_round + 1)));
        assert!(!path.exists());
    }

    #[test]
    fn damaged_or_foreign_artifacts_are_errors_that_say_what_to_rerun() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_artifact(&path, &recs(20_000)).unwrap();
        let good = std::fs::read(&path).unwrap();
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("truncated", good[..good.len() / 2].to_vec()),
            (
                "another format",
                String::from_utf8(good.clone())
                    .unwrap()
                    .replace("luban-artifact 7", "luban-artifact 6")
                    .into_bytes(),
            ),
            ("old JSON Lines", b"{\"id\":1}\n".to_vec()),
            ("binary", vec![0, 159, 146, 150]),
            ("empty", Vec::new()),
        ];
        for (what, bytes) in cases {
            std::fs::write(&path, bytes).unwrap();
            let err = read_artifact::<Rec>(&path, "dedupe").expect_err(what);
            let msg = format!("{err:#}");
            assert!(msg.contains("rerun `luban dedupe`"), "{what}: {msg}");
        }
        let missing = read_artifact::<Rec>(&dir.path().join("none.json"), "ingest").unwrap_err();
        assert!(format!("{missing:#}").contains("run `luban ingest` first"));
    }
}
