//! luban's columns as Arrow columns, one function per kind of column: names as
//! dictionaries, lists of names, texts, dates beside their precision.

use std::ops::Range;

use anyhow::{Context, Result};
use polars::prelude::{
    Categorical16Chunked, Categorical32Chunked, Categorical8Chunked, CategoricalPhysical, Column, DataType,
    FrozenCategories, IntoColumn, IntoSeries, ListBuilderTrait, ListStringChunkedBuilder, NamedFrom, NewChunkedArray,
    PlSmallStr, Series, StringChunked, UInt32Chunked,
};

use super::{IdLists, Names, TextLists, Texts, NONE};
use crate::partial_date::{PartialDate, Precision};
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
    let ids = UInt32Chunked::from_iter_options(name(col), ids.iter().map(|&i| (i != NONE).then_some(i)));
    Ok(entries(ids, &DataType::from_frozen_categories(cats))?.into_column())
}

/// Ids (null: no name) as entries of the `Enum` type `dtype`, taken as they are: no
/// entry goes through its text. An id past the dictionary is an error (polars would
/// make it a null).
fn entries(ids: UInt32Chunked, dtype: &DataType) -> Result<Series> {
    let DataType::Enum(cats, _) = dtype else {
        anyhow::bail!("internal error: names written as {dtype}, not as an Enum");
    };
    if let Some(max) = ids.iter().flatten().max() {
        anyhow::ensure!(
            (max as usize) < cats.categories().len(),
            "internal error: name id {max} is past its dictionary of {} names",
            cats.categories().len()
        );
    }
    let dtype = dtype.clone();
    Ok(match dtype.cat_physical()? {
        CategoricalPhysical::U8 => Categorical8Chunked::from_cats_and_dtype(
            ids.into_series().strict_cast(&DataType::UInt8)?.u8()?.clone(),
            dtype,
        )
        .into_series(),
        CategoricalPhysical::U16 => Categorical16Chunked::from_cats_and_dtype(
            ids.into_series().strict_cast(&DataType::UInt16)?.u16()?.clone(),
            dtype,
        )
        .into_series(),
        CategoricalPhysical::U32 => Categorical32Chunked::from_cats_and_dtype(ids, dtype).into_series(),
    })
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
    /// the items' type: an `Enum` of the names
    item: DataType,
}

impl ListDict {
    pub fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<ListDict> {
        let cats = FrozenCategories::new(names).context("a dictionary holds each name once")?;
        Ok(ListDict {
            item: DataType::from_frozen_categories(cats),
        })
    }
}

/// A list column of names from a small vocabulary (partners, specialties, fields): each
/// row's ids into `dict`, as lists of dictionary entries (`list<dictionary>`: polars
/// `list[enum]`, pandas lists of strings). Written as lists of strings, such a column
/// was most of `build/sources.arrow`: the ~9 field names of each of 1M sources.
///
/// The ids go in as they are ([`entries`]). Built as lists of Arrow dictionary entries
/// and cast, each item was looked up by its text twice (on import and on the cast):
/// `luban run --force` at 1M generated reports takes 0.97× the wall time and 0.98× the
/// CPU time without (six interleaved pairs, farm-bench), and writes the same bytes.
pub fn dict_lists<I: IntoIterator<Item = u32>>(
    col: &str,
    rows: impl ExactSizeIterator<Item = I>,
    dict: &ListDict,
) -> Result<Column> {
    use polars_arrow::array::{ListArray, PrimitiveArray};
    let mut offsets = Vec::with_capacity(rows.len() + 1);
    offsets.push(0i64);
    let mut keys = Vec::new();
    for r in rows {
        keys.extend(r);
        offsets.push(keys.len() as i64);
    }
    let ids = ListArray::<i64>::try_new(
        ListArray::<i64>::default_datatype(polars_arrow::datatypes::ArrowDataType::UInt32),
        offsets.try_into()?,
        PrimitiveArray::from_vec(keys).boxed(),
        None,
    )?;
    let lists = Series::try_from((name(col), ids.boxed()))?
        .list()?
        .apply_to_inner(&|items| {
            entries(items.u32()?.clone(), &dict.item).map_err(|e| polars::prelude::polars_err!(ComputeError: "{e}"))
        })?;
    Ok(lists.into_column())
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
