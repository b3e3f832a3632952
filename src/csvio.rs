//! The one owner of file formats: the CSV dialect the dataset uses (UTF-8, comma, RFC 4180
//! quoting, `\n` line ends on write), the binary staged artifacts in `build/`, and atomic
//! writes (temp file in the same folder, fsync, rename) so that a reader never
//! sees a half-written file.
//!
//! Staged artifacts (`build/*.bin`) are a header line naming the format and version, the
//! record count, then frames of records in postcard (a compact serde encoding), each
//! compressed with zstd, encoded and decoded a few frames at a time in parallel. They
//! were JSON Lines at first; at a million reports, encoding and decoding JSON took most
//! of the pipeline's time.
//! `luban show build/<name>.bin` prints one as JSON Lines. Staged files are renamed into
//! place without fsync ([`write_staged`]); published files are synced ([`write_atomic`]).

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::chunked::Chunked;

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

/// Writes `blocks` parts to `w` in order, rendering a round of `per_round` of them in
/// parallel while this thread writes the previous round: copying the bytes into the
/// page cache takes about as long as rendering them, and one had waited for the other.
/// `render(i, out)` appends block `i` to an empty buffer; the buffers are reused, so the
/// memory in flight is two rounds of blocks whatever the file's size. The bytes are
/// those of rendering every block in order on one thread.
fn write_in_rounds(
    w: &mut dyn Write,
    blocks: usize,
    per_round: usize,
    render: impl Fn(usize, &mut Vec<u8>) -> Result<()> + Sync,
) -> Result<()> {
    use rayon::prelude::*;
    let per_round = per_round.max(1);
    let render_round = |first: usize, bufs: &mut Vec<Vec<u8>>| -> Result<()> {
        let n = per_round.min(blocks - first);
        bufs.resize_with(n, Vec::new);
        bufs.par_iter_mut().enumerate().try_for_each(|(k, buf)| {
            buf.clear();
            render(first + k, buf)
        })
    };
    let (mut ready, mut next) = (Vec::new(), Vec::new());
    if blocks > 0 {
        render_round(0, &mut ready)?;
    }
    let mut first = per_round;
    loop {
        let more = first < blocks;
        let mut rendered = Ok(());
        let written = rayon::in_place_scope(|s| {
            if more {
                s.spawn(|_| rendered = render_round(first, &mut next));
            }
            ready.iter().try_for_each(|b| w.write_all(b))
        });
        written?;
        rendered?;
        if !more {
            return Ok(());
        }
        std::mem::swap(&mut ready, &mut next);
        first += per_round;
    }
}

/// The first bytes of every staged artifact; the version changes with the record types.
const ARTIFACT_MAGIC: &[u8] = b"luban-artifact 6\n";
/// Records per frame: frames are encoded and decoded in parallel, a few at a time, so the
/// memory for bytes in flight stays small whatever the artifact's size. A frame is one
/// chunk of [`Chunked`] records.
const FRAME_RECORDS: usize = crate::chunked::CHUNK;
/// Frames handled per parallel round.
const FRAMES_PER_ROUND: usize = 8;
/// zstd's fastest regular level: records compress 6-9x (repeated files, countries,
/// names) at about 500 MB/s per core, which is cheaper than the page cache and disk
/// writes it saves (at 10M reports, 8 GB of artifacts would not fit beside the records).
const FRAME_LEVEL: i32 = 1;
/// The largest frame a reader accepts, before and after decompression (a frame is a few
/// MB; a larger length means a damaged file).
const FRAME_MAX: usize = 256 << 20;

/// Writes records as a staged artifact, atomically: the magic line, the record count (u64
/// LE), then frames of `[byte length u32 LE][record count u32 LE][decoded length u32 LE]
/// [zstd-compressed postcard records]`. The bytes are the same for any thread count.
/// A round of [`FRAMES_PER_ROUND`] frames is encoded while the previous one is written
/// ([`write_in_rounds`]).
pub fn write_artifact<T: Serialize + DeserializeOwned + Sync>(path: &Path, items: &[T]) -> Result<()> {
    write_artifact_with::<T, Postcard>(path, items)
}

/// How the records of one frame become bytes and back (`decode` gets the frame's record
/// count and returns None for bytes it cannot read). The default, [`Postcard`], writes
/// one record after another; a record type that shares text between records can write
/// each shared value once per frame instead (see [`crate::report_frames`]).
pub trait FrameCodec<T> {
    fn encode(chunk: &[T], raw: &mut Vec<u8>) -> Result<()>;
    fn decode(raw: &[u8], n: usize) -> Option<Vec<T>>;
}

/// Records one after another, in postcard.
pub struct Postcard;

impl<T: Serialize + DeserializeOwned> FrameCodec<T> for Postcard {
    fn encode(chunk: &[T], raw: &mut Vec<u8>) -> Result<()> {
        for item in chunk {
            *raw = postcard::to_extend(item, std::mem::take(raw)).context("failed to encode records")?;
        }
        Ok(())
    }

    fn decode(raw: &[u8], n: usize) -> Option<Vec<T>> {
        let mut rest = raw;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            let (item, more) = postcard::take_from_bytes(rest).ok()?;
            items.push(item);
            rest = more;
        }
        rest.is_empty().then_some(items)
    }
}

/// Records one after another in postcard, as [`Postcard`], each block of them read ahead
/// first ([`crate::read_ahead`]): the same bytes.
pub struct PostcardAhead;

impl<T: Serialize + DeserializeOwned + crate::read_ahead::ReadAhead> FrameCodec<T> for PostcardAhead {
    fn encode(chunk: &[T], raw: &mut Vec<u8>) -> Result<()> {
        for block in chunk.chunks(crate::read_ahead::BLOCK) {
            crate::read_ahead::ahead(block);
            <Postcard as FrameCodec<T>>::encode(block, raw)?;
        }
        Ok(())
    }

    fn decode(raw: &[u8], n: usize) -> Option<Vec<T>> {
        <Postcard as FrameCodec<T>>::decode(raw, n)
    }
}

/// [`write_artifact`] with a frame codec (`C`).
pub fn write_artifact_with<T: Sync, C: FrameCodec<T>>(path: &Path, items: &[T]) -> Result<()> {
    let frames: Vec<&[T]> = items.chunks(FRAME_RECORDS).collect();
    write_frames_with::<T, C>(path, items.len(), &frames)
}

/// [`write_artifact`] for chunked records, with a frame codec (`C`): each chunk is a
/// frame, so with [`Postcard`] the bytes are the same as for the records in one slice.
pub fn write_chunked_with<T: Sync, C: FrameCodec<T>>(path: &Path, items: &Chunked<T>) -> Result<()> {
    let frames: Vec<&[T]> = items.chunks().iter().map(Vec::as_slice).collect();
    write_frames_with::<T, C>(path, items.len(), &frames)
}

fn write_frames_with<T: Sync, C: FrameCodec<T>>(path: &Path, count: usize, frames: &[&[T]]) -> Result<()> {
    write_staged(path, |w| {
        w.write_all(ARTIFACT_MAGIC)?;
        w.write_all(&(count as u64).to_le_bytes())?;
        write_in_rounds(w, frames.len(), FRAMES_PER_ROUND, |i, out| {
            encode_frame::<T, C>(frames[i], out)
        })
    })
}

/// Appends one frame of records to `out`: its header, then its compressed body.
fn encode_frame<T, C: FrameCodec<T>>(chunk: &[T], out: &mut Vec<u8>) -> Result<()> {
    let mut raw = Vec::new();
    C::encode(chunk, &mut raw)?;
    let body = zstd::bulk::compress(&raw, FRAME_LEVEL).context("failed to compress records")?;
    let too_large = || anyhow::anyhow!("failed to encode records: a frame is larger than 4 GiB");
    out.extend_from_slice(&u32::try_from(body.len()).map_err(|_| too_large())?.to_le_bytes());
    out.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
    out.extend_from_slice(&u32::try_from(raw.len()).map_err(|_| too_large())?.to_le_bytes());
    out.extend_from_slice(&body);
    Ok(())
}

/// Reads a staged artifact written by an earlier stage (`produced_by`).
pub fn read_artifact<T: Serialize + DeserializeOwned + Send>(path: &Path, produced_by: &str) -> Result<Vec<T>> {
    let mut out: Vec<T> = Vec::new();
    read_frames::<T, Postcard>(path, produced_by, |count, frame| {
        if out.is_empty() {
            out.reserve(count);
        }
        out.extend(frame);
    })?;
    Ok(out)
}

/// [`read_artifact`] into chunks (one per frame; see [`Chunked`] for why), with a frame
/// codec (`C`).
pub fn read_chunked_with<T: Send, C: FrameCodec<T>>(path: &Path, produced_by: &str) -> Result<Chunked<T>> {
    let mut out = Chunked::new();
    read_frames::<T, C>(path, produced_by, |_, frame| out.push_chunk(frame))?;
    Ok(out)
}

/// Reads an artifact's frames, decoding a round of them in parallel, and hands each
/// decoded frame to `each` in order, with the artifact's record count (capped, to size
/// a vector: a damaged count must not reserve terabytes).
fn read_frames<T: Send, C: FrameCodec<T>>(
    path: &Path,
    produced_by: &str,
    mut each: impl FnMut(usize, Vec<T>),
) -> Result<()> {
    use std::io::Read;

    use rayon::prelude::*;
    let file = File::open(path)
        .with_context(|| format!("failed to open `{}` (run `luban {produced_by}` first)", path.display()))?;
    let mut r = BufReader::with_capacity(1 << 20, file);
    let stale = || {
        anyhow::anyhow!(
            "failed to read `{}`: not an artifact of this luban version, or damaged (rerun `luban {produced_by}`)",
            path.display()
        )
    };
    let mut head = vec![0u8; ARTIFACT_MAGIC.len() + 8];
    r.read_exact(&mut head).map_err(|_| stale())?;
    if &head[..ARTIFACT_MAGIC.len()] != ARTIFACT_MAGIC {
        return Err(stale());
    }
    let count = u64::from_le_bytes(head[ARTIFACT_MAGIC.len()..].try_into().expect("8 bytes"));
    let mut read = 0u64;
    while read < count {
        // read a round of frames, then decode them in parallel
        let mut frames: Vec<(Vec<u8>, usize, usize)> = Vec::with_capacity(FRAMES_PER_ROUND);
        let mut in_round = read;
        while frames.len() < FRAMES_PER_ROUND && in_round < count {
            let mut fh = [0u8; 12];
            r.read_exact(&mut fh).map_err(|_| stale())?;
            let len = u32::from_le_bytes(fh[..4].try_into().expect("4 bytes")) as usize;
            let n = u32::from_le_bytes(fh[4..8].try_into().expect("4 bytes")) as usize;
            let raw_len = u32::from_le_bytes(fh[8..].try_into().expect("4 bytes")) as usize;
            if n == 0 || n > FRAME_RECORDS || len > FRAME_MAX || raw_len > FRAME_MAX {
                return Err(stale());
            }
            let mut buf = vec![0u8; len];
            r.read_exact(&mut buf).map_err(|_| stale())?;
            in_round += n as u64;
            frames.push((buf, n, raw_len));
        }
        let decoded: Vec<Vec<T>> = frames
            .par_iter()
            .map(|(buf, n, raw_len)| {
                let raw = zstd::bulk::decompress(buf, *raw_len).ok()?;
                if raw.len() != *raw_len {
                    return None;
                }
                C::decode(&raw, *n).filter(|items| items.len() == *n)
            })
            .collect::<Option<_>>()
            .ok_or_else(stale)?;
        for d in decoded {
            read += d.len() as u64;
            each(count.min(1 << 24) as usize, d);
        }
    }
    if read != count || r.read(&mut [0u8; 1]).map_err(|_| stale())? != 0 {
        return Err(stale());
    }
    Ok(())
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

    impl crate::read_ahead::ReadAhead for Rec {
        fn outer(&self) -> usize {
            self.tags.len()
        }

        fn inner(&self) -> usize {
            self.tags.iter().map(String::len).sum()
        }
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
    fn artifacts_round_trip_over_many_frames_and_empty() {
        let dir = tempfile::tempdir().unwrap();
        for n in [
            0,
            1,
            FRAME_RECORDS as u64,
            3 * FRAME_RECORDS as u64 * FRAMES_PER_ROUND as u64 + 17,
        ] {
            let path = dir.path().join(format!("{n}.bin"));
            write_artifact(&path, &recs(n)).unwrap();
            let back: Vec<Rec> = read_artifact(&path, "test").unwrap();
            assert_eq!(back, recs(n), "{n} records");
            // chunked records write the same bytes, and read back in chunks
            let chunked_path = dir.path().join(format!("{n}.chunked.bin"));
            write_chunked_with::<_, Postcard>(&chunked_path, &Chunked::from(recs(n))).unwrap();
            assert_eq!(std::fs::read(&chunked_path).unwrap(), std::fs::read(&path).unwrap());
            let back: Chunked<Rec> = read_chunked_with::<_, Postcard>(&path, "test").unwrap();
            assert_eq!(back, Chunked::from(recs(n)), "{n} records");
            // reading blocks of records ahead changes no byte
            let ahead_path = dir.path().join(format!("{n}.ahead.bin"));
            write_artifact_with::<_, PostcardAhead>(&ahead_path, &recs(n)).unwrap();
            assert_eq!(std::fs::read(&ahead_path).unwrap(), std::fs::read(&path).unwrap());
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
        let path = dir.path().join("a.bin");
        write_artifact(&path, &recs(20_000)).unwrap();
        let good = std::fs::read(&path).unwrap();
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("truncated", good[..good.len() / 2].to_vec()),
            ("trailing bytes", [good.clone(), vec![0]].concat()),
            ("old JSON Lines", b"{\"id\":1}\n".to_vec()),
            ("empty", Vec::new()),
            ("bit flip in a frame header", {
                let mut b = good.clone();
                b[ARTIFACT_MAGIC.len() + 8 + 3] ^= 0x40;
                b
            }),
            ("decoded length one short", {
                let mut b = good.clone();
                let at = ARTIFACT_MAGIC.len() + 8 + 8;
                let n = u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) - 1;
                b[at..at + 4].copy_from_slice(&n.to_le_bytes());
                b
            }),
            ("decoded length one long", {
                let mut b = good.clone();
                let at = ARTIFACT_MAGIC.len() + 8 + 8;
                let n = u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) + 1;
                b[at..at + 4].copy_from_slice(&n.to_le_bytes());
                b
            }),
        ];
        for (what, bytes) in cases {
            std::fs::write(&path, bytes).unwrap();
            let err = read_artifact::<Rec>(&path, "dedupe").expect_err(what);
            let msg = format!("{err:#}");
            assert!(msg.contains("rerun `luban dedupe`"), "{what}: {msg}");
        }
        let missing = read_artifact::<Rec>(&dir.path().join("none.bin"), "ingest").unwrap_err();
        assert!(format!("{missing:#}").contains("run `luban ingest` first"));
    }
}
