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

use std::ops::Range;
use std::path::Path;

use anyhow::{bail, Context, Result};
use polars::prelude::{
    Categorical16Chunked, Categorical32Chunked, Categorical8Chunked, CategoricalPhysical, Column, DataFrame, DataType,
    FrozenCategories, IntoColumn, IntoSeries, IpcReader, IpcWriter, ListBuilderTrait, ListStringChunkedBuilder,
    NamedFrom, NewChunkedArray, PlSmallStr, SerReader, SerWriter, Series, StringChunked, UInt16Chunked, UInt32Chunked,
    UInt8Chunked,
};

use polars_arrow::array::ValueSize;

use super::{IdLists, Names, TextLists, Texts, NONE};
use crate::partial_date::{PartialDate, Precision};

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

fn name(n: &str) -> PlSmallStr {
    PlSmallStr::from_str(n)
}

/// A text column of the rows at `rows`.
pub fn texts(col: &str, t: &Texts, rows: Range<usize>) -> Column {
    StringChunked::from_iter_options(name(col), rows.map(|i| t.get(i))).into_column()
}

/// A name column: `ids` into `dict`, as a dictionary column whose categories are `dict`.
pub fn names(col: &str, ids: &[u32], dict: &Names) -> Result<Column> {
    let cats = FrozenCategories::new(dict.iter()).context("a dictionary holds each name once")?;
    let physical = cats.physical();
    let dtype = DataType::from_frozen_categories(cats);
    let opt = |id: u32| (id != NONE).then_some(id);
    let series = match physical {
        CategoricalPhysical::U8 => Categorical8Chunked::from_cats_and_dtype(
            UInt8Chunked::from_iter_options(name(col), ids.iter().map(|&i| opt(i).map(|i| i as u8))),
            dtype,
        )
        .into_series(),
        CategoricalPhysical::U16 => Categorical16Chunked::from_cats_and_dtype(
            UInt16Chunked::from_iter_options(name(col), ids.iter().map(|&i| opt(i).map(|i| i as u16))),
            dtype,
        )
        .into_series(),
        CategoricalPhysical::U32 => Categorical32Chunked::from_cats_and_dtype(
            UInt32Chunked::from_iter_options(name(col), ids.iter().map(|&i| opt(i))),
            dtype,
        )
        .into_series(),
    };
    Ok(series.into_column())
}

/// The ids of an attribute of things (a country's name, its region): for each thing, in
/// the order of `values`, the id of its value in a dictionary of the distinct values.
/// A column of the rows' things then maps through it (see [`names`]).
pub fn attribute_ids(values: &[&str]) -> (Vec<u32>, Names) {
    let mut dict = Names::new();
    let ids = values.iter().map(|v| dict.id(v)).collect();
    (ids, dict)
}

/// A column of line numbers.
pub fn lines(col: &str, v: &[u64]) -> Column {
    Series::new(name(col), v).into_column()
}

/// The dictionary of a list column of names ([`dict_lists`]), made once for all the
/// batches of a table.
pub struct ListDict {
    dtype: DataType,
    values: polars_arrow::array::Utf8ViewArray,
}

impl ListDict {
    pub fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<ListDict> {
        let cats = FrozenCategories::new(names).context("a dictionary holds each name once")?;
        Ok(ListDict {
            values: cats.categories().clone(),
            dtype: DataType::List(Box::new(DataType::from_frozen_categories(cats))),
        })
    }
}

/// A list column of names from a small vocabulary (partners, specialties, fields): each
/// row's ids into `dict`, as lists of dictionary entries (`list<dictionary>`: polars
/// `list[enum]`, pandas lists of strings). Written as lists of strings, such a column
/// was most of `build/sources.arrow`: the ~9 field names of each of 1M sources.
pub fn dict_lists<I: IntoIterator<Item = u32>>(
    col: &str,
    rows: impl ExactSizeIterator<Item = I>,
    dict: &ListDict,
) -> Result<Column> {
    use polars_arrow::array::{DictionaryArray, ListArray, PrimitiveArray};
    use polars_arrow::datatypes::{ArrowDataType, IntegerType};
    let mut offsets = Vec::with_capacity(rows.len() + 1);
    offsets.push(0i64);
    let mut keys = Vec::new();
    for r in rows {
        keys.extend(r);
        offsets.push(keys.len() as i64);
    }
    let items = DictionaryArray::<u32>::try_new(
        ArrowDataType::Dictionary(IntegerType::UInt32, Box::new(ArrowDataType::Utf8View), false),
        PrimitiveArray::from_vec(keys),
        dict.values.clone().boxed(),
    )?;
    let list = ListArray::<i64>::try_new(
        ListArray::<i64>::default_datatype(items.dtype().clone()),
        offsets.try_into()?,
        items.boxed(),
        None,
    )?;
    Ok(Series::try_from((name(col), list.boxed()))?
        .cast(&dict.dtype)?
        .into_column())
}

/// A list column of names of the rows at `rows` as lists of entries of `dict` (see
/// [`dict_lists`]).
pub fn names_in_lists(col: &str, lists: &IdLists, dict: &ListDict, rows: Range<usize>) -> Result<Column> {
    dict_lists(col, rows.map(|i| lists.get(i).iter().copied()), dict)
}

/// A list column of names of the rows at `rows`: each row's `ids` in `dict`, as a list
/// of strings (names that are nearly one per row, as host institutions are: a
/// dictionary would be as long as the column).
pub fn name_lists(col: &str, lists: &IdLists, dict: &Names, rows: Range<usize>) -> Column {
    let mut b = ListStringChunkedBuilder::new(name(col), rows.len(), rows.len());
    for i in rows {
        b.append_values_iter(lists.get(i).iter().map(|&id| dict.text(id)));
    }
    b.finish().into_column()
}

/// A list column of texts of the rows at `rows`.
pub fn text_lists(col: &str, lists: &TextLists, rows: Range<usize>) -> Column {
    let mut b = ListStringChunkedBuilder::new(name(col), rows.len(), rows.len());
    for i in rows {
        b.append_values_iter(lists.get(i));
    }
    b.finish().into_column()
}

/// A column of counts.
pub fn counts(col: &str, v: &[u32]) -> Column {
    Series::new(name(col), v).into_column()
}

/// A column of counts that may be empty.
pub fn opt_counts(col: &str, v: &[Option<u32>]) -> Column {
    Series::new(name(col), v).into_column()
}

/// A column of signed numbers that may be empty.
pub fn opt_ints(col: &str, v: &[Option<i32>]) -> Column {
    Series::new(name(col), v).into_column()
}

/// A list column of strings, from each row's strings.
pub fn string_lists<'a>(col: &str, rows: impl ExactSizeIterator<Item = &'a [String]>) -> Column {
    str_lists(col, rows.map(|r| r.iter().map(String::as_str)))
}

/// A list column of strings, from each row's items.
pub fn str_lists<'a, I: Iterator<Item = &'a str>>(col: &str, rows: impl ExactSizeIterator<Item = I>) -> Column {
    let mut b = ListStringChunkedBuilder::new(name(col), rows.len(), 0);
    for r in rows {
        b.append_values_iter(r);
    }
    b.finish().into_column()
}

/// Two columns for partial dates: the first day each can mean, and its precision.
pub fn dates(col: &str, v: &[Option<PartialDate>]) -> Result<[Column; 2]> {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    let days: Vec<Option<i32>> = v
        .iter()
        .map(|d| d.map(|d| (d.first_day() - epoch).num_days() as i32))
        .collect();
    let date = Series::new(name(col), days).cast(&DataType::Date)?;
    let precisions: Names = [Precision::Year, Precision::Month, Precision::Day]
        .map(Precision::as_str)
        .into_iter()
        .collect();
    let ids: Vec<u32> = v
        .iter()
        .map(|d| {
            d.map_or(NONE, |d| match d.precision() {
                Precision::Year => 0,
                Precision::Month => 1,
                Precision::Day => 2,
            })
        })
        .collect();
    Ok([
        date.into_column(),
        names(&format!("{col}_precision"), &ids, &precisions)?,
    ])
}

fn column<'a>(df: &'a DataFrame, col: &str) -> Result<&'a Column> {
    df.column(col)
        .with_context(|| format!("the table has no column `{col}`"))
}

/// A text column read back.
pub fn get_texts(df: &DataFrame, col: &str) -> Result<Texts> {
    let ca = column(df, col)?.str().with_context(|| format!("`{col}` is not text"))?;
    // sized first: grown by doubling, a column of 10M texts held up to twice its bytes,
    // and three times while it moved; `luban aggregate` and `luban publish` alone at 10M
    // reports (conflicts shape) peaked at 5,179 and 5,563 MiB, sized first at 4,311 and
    // 4,294 MiB (one run each)
    let mut out = Texts::with_capacity(ca.len(), ca.get_values_size());
    for t in ca.iter() {
        out.push(t);
    }
    Ok(out)
}

/// A name column read back: its ids and dictionary, as written.
pub fn get_names(df: &DataFrame, col: &str) -> Result<(Vec<u32>, Names)> {
    let c = column(df, col)?;
    let DataType::Enum(cats, _) = c.dtype() else {
        bail!("`{col}` is not a dictionary column");
    };
    let dict: Names = cats.categories().values_iter().collect();
    let ids: Vec<u32> = match cats.physical() {
        CategoricalPhysical::U8 => c.cat8()?.physical().iter().map(|i| i.map_or(NONE, u32::from)).collect(),
        CategoricalPhysical::U16 => c
            .cat16()?
            .physical()
            .iter()
            .map(|i| i.map_or(NONE, u32::from))
            .collect(),
        CategoricalPhysical::U32 => c.cat32()?.physical().iter().map(|i| i.unwrap_or(NONE)).collect(),
    };
    if ids.iter().any(|&i| i != NONE && i as usize >= dict.len()) {
        bail!("`{col}` has an id past its dictionary");
    }
    Ok((ids, dict))
}

/// A dictionary column read back as the texts of its rows.
pub fn get_names_as_texts(df: &DataFrame, col: &str) -> Result<Texts> {
    let (ids, dict) = get_names(df, col)?;
    Ok(ids.iter().map(|&i| (i != NONE).then(|| dict.text(i))).collect())
}

/// A column of line numbers read back.
pub fn get_lines(df: &DataFrame, col: &str) -> Result<Vec<u64>> {
    let ca = column(df, col)?
        .u64()
        .with_context(|| format!("`{col}` is not a line number"))?;
    ca.iter()
        .map(|v| v.with_context(|| format!("`{col}` has an empty cell")))
        .collect()
}

/// A list column of [`dict_lists`] read back: its ids and dictionary, as written.
pub fn get_dict_lists(df: &DataFrame, col: &str) -> Result<(IdLists, Names)> {
    let c = column(df, col)?;
    let DataType::List(inner) = c.dtype() else {
        bail!("`{col}` is not a list");
    };
    let DataType::Enum(cats, _) = &**inner else {
        bail!("`{col}` is not a list of dictionary entries");
    };
    let dict: Names = cats.categories().values_iter().collect();
    let ca = c.list()?;
    let mut out = IdLists::with_capacity(ca.len(), ca.inner_length());
    let mut keys: Vec<u32> = Vec::new();
    for arr in ca.downcast_iter() {
        // the items of a chunk, as the ids polars keeps them (u8, u16 or u32)
        use polars_arrow::array::PrimitiveArray;
        let items = arr.values();
        if items.null_count() > 0 {
            bail!("`{col}` has an empty item");
        }
        let items = items.as_any();
        keys.clear();
        if let Some(v) = items.downcast_ref::<PrimitiveArray<u8>>() {
            keys.extend(v.values().iter().map(|&i| u32::from(i)));
        } else if let Some(v) = items.downcast_ref::<PrimitiveArray<u16>>() {
            keys.extend(v.values().iter().map(|&i| u32::from(i)));
        } else if let Some(v) = items.downcast_ref::<PrimitiveArray<u32>>() {
            keys.extend(v.values().iter());
        } else {
            bail!("`{col}` is not a list of dictionary entries");
        }
        for w in arr.offsets().buffer().windows(2) {
            out.push(&keys[w[0] as usize..w[1] as usize]);
        }
    }
    if out.iter().flatten().any(|&i| i as usize >= dict.len()) {
        bail!("`{col}` has an id past its dictionary");
    }
    Ok((out, dict))
}

/// A list column of names read back, its names added to `dict` in row order.
pub fn get_name_lists(df: &DataFrame, col: &str, dict: &mut Names) -> Result<IdLists> {
    get_id_lists(df, col, |_, t| Ok(dict.id(t)))
}

/// A list column of texts read back as ids: `id(row, text)` gives each item's.
pub fn get_id_lists(df: &DataFrame, col: &str, mut id: impl FnMut(usize, &str) -> Result<u32>) -> Result<IdLists> {
    let ca = column(df, col)?
        .list()
        .with_context(|| format!("`{col}` is not a list"))?;
    let mut out = IdLists::with_capacity(ca.len(), ca.get_values_size());
    let mut ids = Vec::new();
    for (i, row) in ca.amortized_iter().enumerate() {
        ids.clear();
        if let Some(s) = row {
            for t in s.as_ref().str()?.iter() {
                ids.push(id(i, t.unwrap_or_default())?);
            }
        }
        out.push(&ids);
    }
    Ok(out)
}

/// A list column of texts read back.
pub fn get_text_lists(df: &DataFrame, col: &str) -> Result<TextLists> {
    let ca = column(df, col)?
        .list()
        .with_context(|| format!("`{col}` is not a list"))?;
    // sized first, as in get_texts
    let inner = ca.get_inner();
    let bytes = inner
        .str()
        .with_context(|| format!("`{col}` is not a list of texts"))?
        .get_values_size();
    let mut out = TextLists::with_capacity(ca.len(), ca.get_values_size(), bytes);
    for row in ca.amortized_iter() {
        match row {
            Some(s) => out.push(s.as_ref().str()?.iter().map(Option::unwrap_or_default)),
            None => out.push([]),
        }
    }
    Ok(out)
}

/// A column of counts read back.
pub fn get_counts(df: &DataFrame, col: &str) -> Result<Vec<u32>> {
    let ca = column(df, col)?
        .u32()
        .with_context(|| format!("`{col}` is not a count"))?;
    ca.iter()
        .map(|v| v.with_context(|| format!("`{col}` has an empty cell")))
        .collect()
}

/// A column of counts that may be empty, read back.
pub fn get_opt_counts(df: &DataFrame, col: &str) -> Result<Vec<Option<u32>>> {
    Ok(column(df, col)?
        .u32()
        .with_context(|| format!("`{col}` is not a count"))?
        .iter()
        .collect())
}

/// A column of signed numbers that may be empty, read back.
pub fn get_opt_ints(df: &DataFrame, col: &str) -> Result<Vec<Option<i32>>> {
    Ok(column(df, col)?
        .i32()
        .with_context(|| format!("`{col}` is not a number"))?
        .iter()
        .collect())
}

/// A list column of strings read back.
pub fn get_string_lists(df: &DataFrame, col: &str) -> Result<Vec<Vec<String>>> {
    let texts = get_text_lists(df, col)?;
    Ok((0..texts.len())
        .map(|i| texts.get(i).map(str::to_string).collect())
        .collect())
}

/// Partial dates read back from their two columns.
pub fn get_dates(df: &DataFrame, col: &str) -> Result<Vec<Option<PartialDate>>> {
    let days = column(df, col)?
        .date()
        .with_context(|| format!("`{col}` is not a date"))?;
    let precision = get_names_as_texts(df, &format!("{col}_precision"))?;
    let precision = (0..precision.len()).map(|i| precision.get(i));
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    days.physical()
        .iter()
        .zip(precision)
        .map(|(d, p)| match (d, p) {
            (Some(d), Some(p)) => {
                let day = epoch + chrono::Duration::days(d.into());
                let p = match p {
                    "year" => Precision::Year,
                    "month" => Precision::Month,
                    "day" => Precision::Day,
                    _ => bail!("`{col}_precision` holds `{p}`"),
                };
                Ok(Some(PartialDate::of_day(day, p)))
            }
            _ => Ok(None),
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists of dictionary entries come back with the ids and dictionary they were
    /// written with, over several batches and whatever width polars gives the ids.
    #[test]
    fn dictionary_lists_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.arrow");
        for size in [3usize, 300, 70_000] {
            let dict: Names = (0..size)
                .map(|i| format!("name {i}"))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect();
            let mut lists = IdLists::new();
            for row in 0..2_000u32 {
                let ids: Vec<u32> = (0..row % 4).map(|k| (row * 7 + k * 13) % size as u32).collect();
                lists.push(&ids);
            }
            let list_dict = ListDict::of(dict.iter()).unwrap();
            let batch = |rows: Range<usize>| {
                let n = rows.len();
                let col = names_in_lists("partners", &lists, &list_dict, rows).unwrap();
                Ok(DataFrame::new(n, vec![col]).unwrap())
            };
            // 2,000 rows of about 40 MB of text each: the smallest batches, 1,024 rows
            write(&path, lists.len(), 80_000_000_000, batch).unwrap();
            let (back, dict_back) = Columns::new(&path, "normalize").dict_lists("partners").unwrap();
            assert_eq!(dict_back, dict, "{size}");
            assert_eq!(back, lists, "{size}");
        }
    }

    #[test]
    fn a_table_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.arrow");
        let dict: Names = ["Kenya", "Egypt", "Öskemen"].into_iter().collect();
        let mut lists = IdLists::new();
        lists.push(&[2, 0]);
        lists.push(&[]);
        lists.push(&[1]);
        let mut urls = TextLists::default();
        urls.push(["https://a", "https://b"]);
        urls.push([]);
        urls.push(["https://c"]);
        let texts: Texts = [Some("x"), None, Some("科特迪瓦")].into_iter().collect();
        let dates = [
            PartialDate::parse("2017-05").ok(),
            None,
            PartialDate::parse("2019-12-14").ok(),
        ];
        let build = || {
            let [d, p] = dates_cols(&dates);
            DataFrame::new(
                3,
                vec![
                    names("country", &[1, NONE, 0], &dict).unwrap(),
                    name_lists("hosts", &lists, &dict, 0..3),
                    text_lists("urls", &urls, 0..3),
                    super::texts("name", &texts, 0..3),
                    counts("n", &[1, 2, 3]),
                    d,
                    p,
                ],
            )
            .unwrap()
        };
        let df = build();
        write(&path, 3, 0, |_| Ok(df.clone())).unwrap();
        let back = read(&path, "normalize").unwrap();
        let (ids, names_back) = get_names(&back, "country").unwrap();
        assert_eq!(ids, [1, NONE, 0]);
        assert_eq!(names_back, dict);
        let mut d2 = Names::new();
        let l = get_name_lists(&back, "hosts", &mut d2).unwrap();
        assert_eq!(
            l.iter()
                .map(|l| l.iter().map(|&i| d2.text(i)).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
            [vec!["Öskemen", "Kenya"], vec![], vec!["Egypt"]]
        );
        assert_eq!(get_text_lists(&back, "urls").unwrap(), urls);
        assert_eq!(get_texts(&back, "name").unwrap(), texts);
        assert_eq!(get_counts(&back, "n").unwrap(), [1, 2, 3]);
        assert_eq!(get_dates(&back, "opened").unwrap(), dates);
        // read a column at a time: only the columns asked for, the same values
        let cols = Columns::new(&path, "normalize");
        assert_eq!(cols.frame(&["n", "name"]).unwrap().get_column_names(), ["n", "name"]);
        assert_eq!(cols.texts("name").unwrap(), texts);
        assert_eq!(cols.text_lists("urls").unwrap(), urls);
        assert_eq!(cols.names("country").unwrap(), (vec![1, NONE, 0], dict.clone()));
        assert_eq!(cols.dates("opened").unwrap(), dates);
        let missing = format!("{:#}", cols.texts("nope").unwrap_err());
        assert!(
            missing.contains("t.arrow") && missing.contains("rerun `luban normalize`"),
            "{missing}"
        );
        // the same table, the same bytes
        let first = std::fs::read(&path).unwrap();
        write(&path, 3, 0, |_| Ok(build())).unwrap();
        assert!(std::fs::read(&path).unwrap() == first, "a table written twice differs");
        assert!(read(&dir.path().join("missing.arrow"), "dedupe")
            .unwrap_err()
            .to_string()
            .contains("rerun `luban dedupe`"));
    }

    /// A table written in several record batches reads back as one column per column,
    /// rows in order: the batches are read as chunks, never glued.
    #[test]
    fn a_table_of_many_batches_reads_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.arrow");
        let n = 3000;
        let dict: Names = ["Kenya", "Egypt", "Öskemen"].into_iter().collect();
        let ids: Vec<u32> = (0..n).map(|i| if i % 7 == 0 { NONE } else { i as u32 % 3 }).collect();
        let mut lists = IdLists::new();
        let mut urls = TextLists::default();
        let mut texts = Texts::new();
        for i in 0..n {
            lists.push(
                &ids[i..(i + i % 3).min(n)]
                    .iter()
                    .copied()
                    .filter(|&d| d != NONE)
                    .collect::<Vec<_>>(),
            );
            let own = [format!("https://a/{i}"), format!("https://b/{i}")];
            urls.push(own.iter().take(i % 3).map(String::as_str));
            texts.push((i % 5 != 0).then(|| format!("row {i}")).as_deref());
        }
        let dates: Vec<Option<PartialDate>> = (0..n)
            .map(|i| PartialDate::parse(&format!("20{:02}-{:02}", i % 30, i % 12 + 1)).ok())
            .map(|d| d.filter(|d| d.to_string() != "2011-06"))
            .collect();
        assert!(dates.iter().any(Option::is_none));
        // a byte count this large makes batches of the fewest rows (1,024)
        write(&path, n, usize::MAX / 2, |rows| {
            let [d, p] = dates_cols(&dates[rows.clone()]);
            Ok(DataFrame::new(
                rows.len(),
                vec![
                    names("country", &ids[rows.clone()], &dict)?,
                    name_lists("hosts", &lists, &dict, rows.clone()),
                    text_lists("urls", &urls, rows.clone()),
                    super::texts("name", &texts, rows.clone()),
                    d,
                    p,
                ],
            )?)
        })
        .unwrap();
        let cols = Columns::new(&path, "normalize");
        assert!(
            cols.frame(&["name"]).unwrap().first_col_n_chunks() > 1,
            "read as one chunk"
        );
        assert_eq!(cols.names("country").unwrap(), (ids, dict.clone()));
        let mut back = Names::new();
        let l = cols.name_lists("hosts", &mut back).unwrap();
        let text_of = |l: &IdLists, d: &Names| -> Vec<Vec<String>> {
            l.iter()
                .map(|l| l.iter().map(|&i| d.text(i).to_string()).collect())
                .collect()
        };
        assert_eq!(text_of(&l, &back), text_of(&lists, &dict));
        assert_eq!(cols.text_lists("urls").unwrap(), urls);
        // each item comes with its row, counted across the batches
        let mut rows = Vec::new();
        let ids = cols
            .id_lists("urls", |row, url| {
                rows.push(row);
                Ok(url.len() as u32)
            })
            .unwrap();
        let expected: Vec<usize> = (0..n).flat_map(|i| std::iter::repeat_n(i, urls.count(i))).collect();
        assert_eq!(rows, expected);
        assert_eq!(
            ids.get(n - 1),
            urls.get(n - 1).map(|u| u.len() as u32).collect::<Vec<_>>()
        );
        assert_eq!(cols.texts("name").unwrap(), texts);
        assert_eq!(cols.dates("opened").unwrap(), dates);
    }

    fn dates_cols(d: &[Option<PartialDate>]) -> [Column; 2] {
        dates("opened", d).unwrap()
    }

    #[test]
    fn compacting_numbers_names_in_the_order_rows_meet_them() {
        let mut dict: Names = ["unused", "b", "a"].into_iter().collect();
        let mut scalar = vec![2, NONE, 1, 2];
        let mut lists = IdLists::new();
        lists.push(&[1, 0]);
        compact(&mut dict, &mut [&mut scalar], &mut [&mut lists]);
        assert_eq!(dict.iter().collect::<Vec<_>>(), ["a", "b", "unused"]);
        assert_eq!(scalar, [0, NONE, 1, 0]);
        assert_eq!(lists.get(0), &[1, 2]);
    }
}
