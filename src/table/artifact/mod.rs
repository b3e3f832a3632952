//! The tables in `build/` as Arrow IPC files (`.arrow`): the fastest to write and read
//! back, and any notebook opens them (`pandas.read_feather`, `polars.read_ipc`,
//! `pyarrow.ipc`, DuckDB through Arrow); `luban show` prints them. Name columns are written
//! as Arrow dictionaries (polars `Enum`, pandas `category`) whose categories are the
//! column's [`Names`] in id order; lists of names from a small vocabulary (partners,
//! specialties, the fields of a source) as lists of such entries ([`dict_lists`]), other
//! lists (host institutions, URLs) as lists of strings; dates as dates beside their
//! precision. Dictionaries are in the order names are first met in the table's rows
//! ([`compact`]), so a table read back has the ids it was written with, and a stage run
//! alone writes the same bytes as the same stage inside `luban run`.
//!
//! This file writes and reads whole tables; [`encode`] makes luban's columns into Arrow
//! columns and [`decode`] reads them back.

mod decode;
mod encode;
#[cfg(test)]
mod tests;

pub use decode::*;
pub use encode::*;

use std::ops::Range;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::{DataFrame, IpcReader, IpcWriter, SerReader, SerWriter};

use super::{IdLists, Names, TextLists, Texts, NONE};
use crate::partial_date::PartialDate;

/// About how many bytes of text a record batch holds: a batch's columns and its
/// encoding are built at once, so a batch costs about twice this in memory. Reports
/// hold ~100 bytes of text a row, the workshops of reports that disagree ~2.5 KB (their
/// source URLs and conflicts): batches of a fixed 256k rows took 2.7 GB of the 4.6 GB
/// peak of `luban run` at 10M such reports, writing `build/workshops.arrow`.
const BATCH_BYTES: usize = 64 << 20;

/// Rows per batch for a table of `len` rows holding `text_bytes` bytes of text in all.
fn batch_rows(len: usize, text_bytes: usize) -> usize {
    let per_row = (text_bytes / len.max(1)).max(1);
    (BATCH_BYTES / per_row).clamp(1024, 256 * 1024)
}

/// Writes a table of `len` rows holding about `text_bytes` bytes of text to `path`
/// atomically, as Arrow IPC, a record batch at a time; `batch(rows)` builds the frame
/// of the rows at `rows` (with the same dictionaries in every batch). Compressed with
/// LZ4: bytes written are what large runs wait on. Against uncompressed files, `luban
/// run` at 1M generated reports took 0.96× the CPU time and 0.97× the wall time (five
/// interleaved pairs, farm-bench) and peaked at 656 against 967 MiB; at 3M reports that
/// disagree, writing `build/reports.arrow` took 4.4 against 8.9 s. The files are about
/// a quarter the size.
pub fn write(
    path: &Path,
    len: usize,
    text_bytes: usize,
    batch: impl Fn(Range<usize>) -> Result<DataFrame>,
) -> Result<()> {
    let rows = batch_rows(len, text_bytes);
    let failed = || format!("failed to write `{}`", path.display());
    crate::table::csvio::write_staged(path, |w| {
        let first = batch(0..len.min(rows))?;
        // strings as `large_string`, not polars' newer `string_view`: pandas (through
        // pyarrow 26) cannot turn lists of string views into Python lists
        let compat = polars::prelude::CompatLevel::oldest();
        let arrow = polars::prelude::SchemaExt::to_arrow(&**first.schema(), compat);
        let fields = polars_arrow::io::ipc::write::default_ipc_fields(arrow.iter_values());
        let mut writer = IpcWriter::new(w)
            .with_compat_level(compat)
            .with_compression(Some(polars::prelude::IpcCompression::LZ4))
            .batched(first.schema(), fields)
            .with_context(failed)?;
        writer.write_batch(&first).with_context(failed)?;
        drop(first);
        for start in (rows..len).step_by(rows) {
            writer
                .write_batch(&batch(start..(start + rows).min(len))?)
                .with_context(failed)?;
        }
        writer.finish().with_context(failed)
    })
}

/// Reads a table that stage `produced_by` wrote, each column in one chunk (for reading
/// rows at random, as `luban show` does).
pub fn read(path: &Path, produced_by: &str) -> Result<DataFrame> {
    let mut df = read_projected(path, produced_by, None)?;
    df.rechunk_mut();
    Ok(df)
}

/// A table of `build/` read a few columns at a time (Arrow IPC projection: the other
/// columns' buffers are skipped, not read): a stage that turns a large table into its own
/// columns never holds the whole frame beside them. `luban dedupe` alone at 10M
/// generated reports peaked at 6.6 GiB reading the whole frame first, and at 3,418 MiB
/// (standard shape) this way.
pub struct Columns<'a> {
    path: &'a Path,
    produced_by: &'a str,
}

impl<'a> Columns<'a> {
    /// The table at `path`, written by stage `produced_by` (named when it must be rerun).
    pub fn new(path: &'a Path, produced_by: &'a str) -> Columns<'a> {
        Columns { path, produced_by }
    }

    /// The columns `cols`, and no others.
    pub fn frame(&self, cols: &[&str]) -> Result<DataFrame> {
        read_projected(
            self.path,
            self.produced_by,
            Some(cols.iter().map(|c| c.to_string()).collect()),
        )
    }

    pub fn texts(&self, col: &str) -> Result<Texts> {
        get_texts(&self.frame(&[col])?, col)
    }

    pub fn names(&self, col: &str) -> Result<(Vec<u32>, Names)> {
        get_names(&self.frame(&[col])?, col)
    }

    pub fn text_lists(&self, col: &str) -> Result<TextLists> {
        get_text_lists(&self.frame(&[col])?, col)
    }

    /// A list column of [`dict_lists`]: its ids and dictionary. An older luban wrote
    /// such columns as lists of strings: the error then says what to rerun.
    pub fn dict_lists(&self, col: &str) -> Result<(IdLists, Names)> {
        get_dict_lists(&self.frame(&[col])?, col).with_context(|| {
            format!(
                "`{}` was not written by this luban: rerun `luban {}` (or `luban run`)",
                self.path.display(),
                self.produced_by
            )
        })
    }

    pub fn name_lists(&self, col: &str, dict: &mut Names) -> Result<IdLists> {
        get_name_lists(&self.frame(&[col])?, col, dict)
    }

    /// A list column of texts as ids: `id(row, text)` gives each item's.
    pub fn id_lists(&self, col: &str, id: impl FnMut(usize, &str) -> Result<u32>) -> Result<IdLists> {
        get_id_lists(&self.frame(&[col])?, col, id)
    }

    pub fn lines(&self, col: &str) -> Result<Vec<u64>> {
        get_lines(&self.frame(&[col])?, col)
    }

    /// A date column with its precision column.
    pub fn dates(&self, col: &str) -> Result<Vec<Option<PartialDate>>> {
        get_dates(&self.frame(&[col, &format!("{col}_precision")])?, col)
    }
}

fn read_projected(path: &Path, produced_by: &str, cols: Option<Vec<String>>) -> Result<DataFrame> {
    let rerun = || format!("rerun `luban {produced_by}` (or `luban run`)");
    let file =
        std::fs::File::open(path).with_context(|| format!("failed to read `{}`: {}", path.display(), rerun()))?;
    IpcReader::new(file)
        .with_columns(cols)
        // the file's record batches stay chunks, each read straight into luban's column:
        // gluing them into one first held the column twice (`luban aggregate` alone at
        // 10M conflicts-shape reports peaked at 4,115 MiB glued, 3,249 MiB not)
        .set_rechunk(false)
        .finish()
        .with_context(|| format!("`{}` is damaged or not a luban table: {}", path.display(), rerun()))
}

/// One cell as JSON: text, number, date (ISO), list, or null.
fn json_of(v: &polars::prelude::AnyValue) -> serde_json::Value {
    use polars::prelude::AnyValue;
    use serde_json::Value;
    if let Some(s) = v.get_str() {
        return Value::from(s);
    }
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::UInt32(n) => Value::from(*n),
        AnyValue::UInt64(n) => Value::from(*n),
        AnyValue::Int32(n) => Value::from(*n),
        AnyValue::Date(days) => {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
            Value::from((epoch + chrono::Duration::days((*days).into())).to_string())
        }
        AnyValue::List(items) => Value::Array(items.iter().map(|i| json_of(&i)).collect()),
        other => Value::from(other.to_string()),
    }
}

/// Each row of a table as a JSON object, columns in order (for `luban show`).
pub fn rows_as_json(df: &DataFrame) -> impl Iterator<Item = serde_json::Value> + '_ {
    (0..df.height()).map(move |i| {
        let row: serde_json::Map<String, serde_json::Value> = df
            .columns()
            .iter()
            .map(|c| {
                (
                    c.name().to_string(),
                    c.get(i).map_or(serde_json::Value::Null, |v| json_of(&v)),
                )
            })
            .collect();
        serde_json::Value::Object(row)
    })
}

/// Renumbers a dictionary's ids in the order they are first met in `columns` (scalar id
/// columns and list columns, read in that order), and drops the names no row uses, so
/// that the same rows give the same ids however they were built.
pub fn compact(dict: &mut Names, scalars: &mut [&mut Vec<u32>], lists: &mut [&mut IdLists]) {
    let mut new_id = vec![NONE; dict.len()];
    let mut out = Names::new();
    let mut renumber = |id: u32| -> u32 {
        if id == NONE {
            return NONE;
        }
        let slot = &mut new_id[id as usize];
        if *slot == NONE {
            *slot = out.id(dict.text(id));
        }
        *slot
    };
    for col in scalars.iter_mut() {
        for id in col.iter_mut() {
            *id = renumber(*id);
        }
    }
    for col in lists.iter_mut() {
        let mut fresh = IdLists::new();
        let mut ids = Vec::new();
        for l in col.iter() {
            ids.clear();
            ids.extend(l.iter().map(|&id| renumber(id)));
            fresh.push(&ids);
        }
        **col = fresh;
    }
    *dict = out;
}
