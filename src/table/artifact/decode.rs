//! Arrow columns read back as luban's columns: the inverse of [`super::encode`], each
//! refusing a column of another type by its name.

use anyhow::{bail, Context, Result};
use polars::prelude::{CategoricalPhysical, Column, DataFrame, DataType};

use polars_arrow::array::ValueSize;

use super::{IdLists, Names, TextLists, Texts, NONE};
use crate::partial_date::{PartialDate, Precision};
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

/// A list column of [`super::dict_lists`] read back: its ids and dictionary, as written.
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
