//! The Parquet half of publish: typed polars columns, a writer with the dataset's
//! metadata, pages compressed a column per core, and the byte count and sha256 of what
//! was written (for the Data Package).

use super::*;

/// The polars frame of a table, with explicit dtypes. Columns are built in parallel.
pub(super) fn frame(t: &Table) -> Result<DataFrame> {
    let cols = t
        .columns
        .par_iter()
        .map(|(name, col)| column(name, col))
        .collect::<Result<Vec<Column>>>()?;
    DataFrame::new(t.rows, cols).context("failed to assemble a data frame")
}

pub(super) fn column(name: &str, col: &Col) -> Result<Column> {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    let name = PlSmallStr::from_str(name);
    let series = match col {
        Col::Text(v) => StringChunked::from_iter_options(name, v.iter().map(|s| s.as_deref())).into_series(),
        // every integer is Int64: a count read as unsigned wraps when an analyst subtracts
        // (11 - 14 gave 4294967293 in polars and an overflow error in DuckDB)
        Col::Count(v) => Series::new(name, v.iter().map(|n| n.map(i64::from)).collect::<Vec<_>>()),
        Col::Int(v) => Series::new(name, v.iter().map(|n| n.map(i64::from)).collect::<Vec<_>>()),
        Col::Float(v) => Series::new(name, v),
        Col::Date(v) => {
            let days: Vec<Option<i32>> = v
                .iter()
                .map(|d| d.map(|d| (d.first_day() - epoch).num_days() as i32))
                .collect();
            Series::new(name, days)
                .cast(&DataType::Date)
                .context("failed to build a date column")?
        }
        Col::List(v) => {
            let mut b = ListStringChunkedBuilder::new(name, v.len(), v.iter().map(|l| l.len()).sum());
            for items in v {
                b.append_values_iter(items.iter());
            }
            b.finish().into_series()
        }
        Col::Strings(v) => {
            let mut b = ListStringChunkedBuilder::new(name, v.len(), v.iter().map(Vec::len).sum());
            for items in v {
                b.append_values_iter(items.iter().map(String::as_str));
            }
            b.finish().into_series()
        }
    };
    Ok(series.into())
}

pub(super) fn write_parquet(path: &Path, t: &Rows, schema: &TableSchema, meta: &Value) -> Result<(u64, String)> {
    // the schema, from the table with no rows
    let empty = frame(&(t.slice)(0..0))?;
    let mut out = Hashed::create(path)?;
    let failed = || format!("failed to write Parquet `{}`", path.display());
    {
        let (mut writer, options) = parquet_writer(&mut out, &empty, t.name, schema, meta).with_context(failed)?;
        let types = writer.parquet_schema().fields().to_vec();
        let encodings = get_encodings(&empty.schema().to_arrow(CompatLevel::newest()));
        for range in t.groups() {
            let group = frame(&(t.slice)(range))?;
            for batch in group.iter_chunks(CompatLevel::newest(), false) {
                let pages = compressed_pages(batch.columns(), &types, &encodings, options).with_context(failed)?;
                writer
                    .write_row_group(batch.len() as u64, &pages)
                    .with_context(failed)?;
            }
        }
        writer.finish().with_context(failed)?;
    }
    out.finish(path)
}

/// The Parquet writer of a table whose schema is `empty`'s: zstd, full statistics, and
/// in the key-value metadata the Arrow schema, the dataset version, the table's name and
/// its fields' descriptions. Also returns the options the writer was given, in the form
/// its page encoder takes them.
pub(super) fn parquet_writer<W: std::io::Write>(
    out: W,
    empty: &DataFrame,
    table: &str,
    schema: &TableSchema,
    meta: &Value,
) -> PolarsResult<(BatchedWriter<W>, WriteOptions)> {
    let version = meta["version"].as_str().unwrap_or_default();
    let of_meta = |key: &str| meta.get(key).map_or_else(String::new, Value::to_string);
    let descriptions: serde_json::Map<String, Value> = schema
        .fields
        .iter()
        .map(|f| (f.name.clone(), json!({"title": f.title, "description": f.description})))
        .collect();
    // The Arrow schema stored in the file: polars 0.55 always writes its newest types
    // (string_view), which pandas cannot turn into list columns. We store the same schema
    // at the oldest compat level (large_string), so every Arrow reader gets plain strings.
    // A Parquet file shared alone still says what each column is: the field's
    // description is in its Arrow field metadata, where pyarrow and polars show it.
    let mut arrow_schema = empty.schema().to_arrow(CompatLevel::oldest());
    for f in &schema.fields {
        if let (Some(field), Some(d)) = (arrow_schema.get_mut(f.name.as_str()), f.description.as_deref()) {
            let mut md = polars_arrow::datatypes::Metadata::new();
            md.insert("description".into(), d.into());
            field.metadata = Some(std::sync::Arc::new(md));
        }
    }
    let arrow_kv = polars_parquet::write::schema_to_metadata_key(&arrow_schema);
    let kv = KeyValueMetadata::from_static(vec![
        (arrow_kv.key, arrow_kv.value.unwrap_or_default()),
        ("luban:dataset_version".into(), version.to_string()),
        ("luban:table".into(), table.to_string()),
        ("luban:fields".into(), Value::Object(descriptions).to_string()),
        ("luban:licenses".into(), of_meta("licenses")),
        ("luban:sources".into(), of_meta("sources")),
    ]);
    let (compression, statistics) = (ParquetCompression::Zstd(None), StatisticsOptions::full());
    let writer = ParquetWriter::new(out)
        .with_compression(compression)
        .with_statistics(statistics)
        .with_key_value_metadata(Some(kv))
        .batched(empty.schema())?;
    let options = WriteOptions {
        statistics,
        compression: compression.into(),
        version: Version::V1,
        data_page_size: None,
    };
    Ok((writer, options))
}

/// One row group's pages, encoded and compressed a column per task on every core.
///
/// polars' `BatchedWriter::write_batch` encodes the columns in parallel but compresses
/// their pages lazily, on the one thread that then writes them, so zstd, the largest
/// part of writing `workshops.parquet`, ran on one thread. The pages are the ones
/// `write_batch` writes (the same encoder and compressor, per column, in column order),
/// and the file is byte-identical. At 1M reports publish inside `luban run` went from
/// 614-895 ms to 537-779 ms (eight interleaved pairs).
pub(super) fn compressed_pages(
    columns: &[ArrayRef],
    types: &[ParquetType],
    encodings: &[Vec<Encoding>],
    options: WriteOptions,
) -> Result<Vec<Vec<CompressedPage>>> {
    let columns = columns
        .par_iter()
        .zip(types)
        .zip(encodings)
        .map(|((array, ty), encoding)| -> Result<Vec<Vec<CompressedPage>>> {
            array_to_columns(array, ty.clone(), options, encoding)?
                .into_iter()
                .map(|pages| {
                    pages
                        .map(|page| Ok(compress(page?, Vec::new(), options.compression)?))
                        .collect::<Result<Vec<CompressedPage>>>()
                })
                .collect()
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(columns.into_iter().flatten().collect())
}

/// A file being written, with the byte count and sha256 of what went into it (the Data
/// Package needs both): hashing on the way out spares reading the file back, into fresh
/// memory, once it is written.
pub(super) struct Hashed {
    file: std::io::BufWriter<File>,
    sha: Sha256,
    bytes: u64,
}

impl Hashed {
    pub(super) fn create(path: &Path) -> Result<Hashed> {
        let file = File::create(path).with_context(|| format!("failed to create `{}`", path.display()))?;
        Ok(Hashed {
            file: std::io::BufWriter::with_capacity(1 << 20, file),
            sha: Sha256::new(),
            bytes: 0,
        })
    }

    /// Flushes and syncs the file (here, so that a large file syncs while the others are
    /// still being written); its size and hex sha256.
    pub(super) fn finish(mut self, path: &Path) -> Result<(u64, String)> {
        std::io::Write::flush(&mut self.file).with_context(|| format!("failed to write `{}`", path.display()))?;
        self.file
            .get_ref()
            .sync_all()
            .with_context(|| format!("failed to sync `{}`", path.display()))?;
        Ok((self.bytes, hex::encode(self.sha.finalize())))
    }
}

impl std::io::Write for Hashed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.sha.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
