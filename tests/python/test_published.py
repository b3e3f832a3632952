"""The published dataset as analysts meet it: every Parquet file read with pyarrow,
pandas, polars and duckdb, checked against output/datapackage.json; and the package
itself validated by Frictionless. Runs on output/ as committed (CI regenerates it first
and fails if it differs)."""
import datetime
import json
import pathlib
import subprocess
import sys

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

OUTPUT = pathlib.Path(__file__).resolve().parents[2] / "output"
PACKAGE = json.loads((OUTPUT / "datapackage.json").read_text())
PARQUET = [r for r in PACKAGE["resources"] if r["format"] == "parquet"]


def arrow_kind(t):
    if pa.types.is_large_list(t) or pa.types.is_list(t):
        return "list<%s>" % arrow_kind(t.value_type)
    if pa.types.is_large_string(t) or pa.types.is_string(t):
        return "string"
    if pa.types.is_date32(t):
        return "date"
    if pa.types.is_integer(t):
        return "integer"
    return str(t)


EXPECTED = {"string": "string", "date": "date", "integer": "integer", "any": "list<string>", "number": "double"}


def kind(f):
    """The Table Schema type of a Parquet field, with nullable integers (declared
    `number` for Frictionless, see x-luban-parquet-type) as integers."""
    if f.get("x-luban-parquet-type") == "integer (nullable)":
        return "integer"
    return f["type"]


@pytest.mark.parametrize("res", PARQUET, ids=lambda r: r["name"])
def test_parquet_types_follow_the_schema(res):
    schema = pq.read_schema(OUTPUT / res["path"])
    fields = res["schema"]["fields"]
    assert schema.names == [f["name"] for f in fields]
    for f in fields:
        assert arrow_kind(schema.field(f["name"]).type) == EXPECTED[kind(f)], f["name"]
    meta = pq.read_metadata(OUTPUT / res["path"])
    assert meta.num_rows == res["rows"]
    kv = meta.metadata
    assert kv[b"luban:dataset_version"].decode() == PACKAGE["version"]
    described = json.loads(kv[b"luban:fields"])
    assert all(described[f["name"]]["description"] for f in fields)
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert meta.row_group(0).column(0).statistics is not None


@pytest.mark.parametrize("res", PARQUET, ids=lambda r: r["name"])
def test_pandas_polars_and_duckdb_read_the_same_rows(res):
    path = OUTPUT / res["path"]
    assert len(pd.read_parquet(path)) == res["rows"]  # pandas defaults work
    df = pd.read_parquet(path, dtype_backend="numpy_nullable")  # integers stay integers with nulls
    pl_df = pl.read_parquet(path)
    assert pl_df.height == res["rows"]
    n = duckdb.sql(f"select count(*) from '{path}'").fetchall()[0][0]
    assert n == res["rows"]
    for f in res["schema"]["fields"]:
        col = pl_df[f["name"]]
        if f["type"] == "date":
            assert col.dtype == pl.Date
            assert all(isinstance(v, datetime.date) for v in df[f["name"]].dropna())
        elif kind(f) == "integer":
            assert col.dtype.is_integer()
            assert pd.api.types.is_integer_dtype(df[f["name"]])
        elif kind(f) == "number":
            assert col.dtype == pl.Float64
            assert pd.api.types.is_float_dtype(df[f["name"]])
        elif f["type"] == "any":
            assert col.dtype == pl.List(pl.String)
            assert all(len(v) >= 0 and all(isinstance(x, str) for x in v) for v in df[f["name"]])


def test_workshops_per_region_agree_across_readers():
    path = OUTPUT / "workshops.parquet"
    by_pandas = pd.read_parquet(path).groupby("region").size().to_dict()
    by_polars = dict(pl.read_parquet(path).group_by("region").len().iter_rows())
    by_duckdb = dict(duckdb.sql(f"select region, count(*) from '{path}' group by region").fetchall())
    assert by_pandas == by_polars == by_duckdb
    countries = pd.read_parquet(OUTPUT / "countries.parquet")
    assert countries.groupby("region")["workshops"].sum().to_dict() == by_pandas


def test_frictionless_validates_the_data_package():
    out = subprocess.run([sys.executable, "-m", "frictionless", "validate", "datapackage.json", "--json"],
                         cwd=OUTPUT, capture_output=True, text=True)
    report = json.loads(out.stdout)
    problems = [(t["name"], e["type"], e.get("message")) for t in report["tasks"] for e in t["errors"]]
    assert report["valid"], problems
    assert len(report["tasks"]) == len(PACKAGE["resources"])


RAW_META = json.loads((OUTPUT.parent / "raw" / "dataset.json").read_text())


def test_the_package_is_data_package_v2_with_every_key_of_raw_dataset_json():
    assert PACKAGE["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    for key, value in RAW_META.items():
        assert PACKAGE.get(key) == value, key
    for r in PACKAGE["resources"]:
        assert r["$schema"] == "https://datapackage.org/profiles/2.0/dataresource.json"
        assert r["type"] == "table"
        assert "profile" not in r
        assert r["schema"]["$schema"] == "https://datapackage.org/profiles/2.0/tableschema.json"


def test_every_workshop_country_is_a_row_of_countries_in_the_same_format():
    for fmt in ["csv", "parquet"]:
        ws = next(r for r in PACKAGE["resources"] if r["name"] == f"workshops-{fmt}")
        [fk] = ws["schema"]["foreignKeys"]
        assert fk == {"fields": ["country_code"],
                      "reference": {"resource": f"countries-{fmt}", "fields": ["country_code"]}}
    codes = set(pd.read_csv(OUTPUT / "countries.csv")["country_code"])
    assert set(pd.read_csv(OUTPUT / "workshops.csv")["country_code"]) <= codes


def test_the_countries_counts_are_integers_in_both_resources():
    """A country's counts are never missing (a count is 0), so the Parquet resource
    declares them `integer`, as the CSV one does, and not `number` as it must a nullable
    integer column for Frictionless."""
    by_name = {r["name"]: r for r in PACKAGE["resources"]}
    csv_fields = by_name["countries-csv"]["schema"]["fields"]
    parquet_fields = {f["name"]: f for f in by_name["countries-parquet"]["schema"]["fields"]}
    counts = [f["name"] for f in csv_fields if f["type"] == "integer"]
    assert len(counts) >= 7
    df = pd.read_parquet(OUTPUT / by_name["countries-parquet"]["path"])
    for name in counts:
        assert parquet_fields[name]["type"] == "integer", name
        assert pd.api.types.is_integer_dtype(df[name]), name


def test_a_countrys_first_and_latest_openings_are_its_workshops_with_their_precision():
    """`first_opened_on` is a day even when the sources give only a year (2025-01-01):
    its precision is the one of the workshop it comes from."""
    workshops = pd.read_csv(OUTPUT / "workshops.csv", dtype=str, keep_default_na=False)
    countries = pd.read_csv(OUTPUT / "countries.csv", dtype=str, keep_default_na=False)
    for c in countries.itertuples():
        dated = workshops[(workshops.country_code == c.country_code) & (workshops.opened_on != "")]
        pairs = set(zip(dated.opened_on, dated.opened_precision))
        for which, pick in (("first", min), ("latest", max)):
            on, precision = getattr(c, f"{which}_opened_on"), getattr(c, f"{which}_opened_precision")
            if dated.empty:
                assert (on, precision) == ("", ""), c.country_code
                continue
            assert on == pick(dated.opened_on), (c.country_code, which)
            assert (on, precision) in pairs, (c.country_code, which)


@pytest.mark.parametrize("res", PARQUET, ids=lambda r: r["name"])
def test_a_parquet_file_alone_says_what_it_is(res):
    schema = pq.read_schema(OUTPUT / res["path"])
    kv = {k.decode(): v.decode() for k, v in pq.read_metadata(OUTPUT / res["path"]).metadata.items()}
    assert kv["luban:dataset_version"] == RAW_META["version"]
    assert json.loads(kv["luban:licenses"]) == RAW_META["licenses"]
    assert json.loads(kv["luban:sources"]) == RAW_META["sources"]
    described = {f["name"]: f["description"] for f in res["schema"]["fields"] if f.get("description")}
    assert described, "the schema describes its fields"
    for name, description in described.items():
        assert schema.field(name).metadata[b"description"].decode() == description


def test_the_readme_states_the_licence():
    readme = (OUTPUT / "README.md").read_text()
    for licence in RAW_META["licenses"]:
        assert f"({licence['name']}), {licence['path']}" in readme
    assert 'dtype_backend="pyarrow"' in readme


def test_the_readme_says_how_many_workshops_as_of_counts_leave_out():
    ws = pd.read_csv(OUTPUT / "workshops.csv")
    undated = int(ws["opened_on"].isna().sum())
    readme = (OUTPUT / "README.md").read_text()
    assert f"- {undated} of the {len(ws)} workshops have no known opening date" in readme


def test_the_sources_table_lists_each_workshops_source_urls_and_what_they_gave():
    workshops = pl.read_parquet(OUTPUT / "workshops.parquet")
    sources = pl.read_parquet(OUTPUT / "sources.parquet")
    assert sources.schema["source_date"] == pl.Date
    by_workshop = sources.group_by("workshop_id").agg(pl.col("source_url").sort())
    joined = workshops.select("workshop_id", pl.col("source_urls").list.sort()).join(
        by_workshop, on="workshop_id", how="left"
    )
    assert joined["source_urls"].to_list() == joined["source_url"].to_list()
    assert sources.select(pl.struct("workshop_id", "source_url").is_unique().all()).item()
    # every source gives the country (a required report column), and only known fields
    fields = set(pl.read_csv(OUTPUT / "sources.csv")["fields"].str.split(";").explode())
    columns = {f["name"] for f in PACKAGE["resources"][0]["schema"]["fields"]}
    assert PACKAGE["resources"][0]["name"] == "workshops-csv"
    assert "country" in fields and fields <= columns | {"country"}
    assert sources["fields"].list.contains("country").all()


def test_the_conflicts_table_is_the_conflicts_column_as_rows():
    workshops = pd.read_csv(OUTPUT / "workshops.csv", dtype=str, keep_default_na=False)
    conflicts = pd.read_csv(OUTPUT / "conflicts.csv", dtype=str, keep_default_na=False)
    assert set(conflicts["workshop_id"]) <= set(workshops["workshop_id"])
    rebuilt = {}
    for wid, rows in conflicts.groupby("workshop_id", sort=False):
        lines = []
        for field, values in rows.groupby("field", sort=False):
            parts = [f"{v} ({u.replace(';', ', ')})" for v, u in zip(values["value"], values["source_urls"])]
            lines.append(f"{field}: " + " vs ".join(parts))
        rebuilt[wid] = ";".join(lines)
    for wid, text in zip(workshops["workshop_id"], workshops["conflicts"]):
        assert rebuilt.get(wid, "") == text, wid
    # a field in conflict has at least two values, each with a source
    counts = conflicts.groupby(["workshop_id", "field"]).size()
    assert (counts >= 2).all()
    assert (conflicts["source_urls"] != "").all()
