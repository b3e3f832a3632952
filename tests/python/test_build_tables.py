"""The tables of build/ as a notebook meets them: every build/*.arrow of a run on a copy of
the committed data opens in pyarrow, pandas, polars and duckdb with the same rows, and
those rows are what `luban show` prints (names, lists of names from a dictionary, dates)."""
import datetime
import json
import pathlib
import shutil

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def build(luban, tmp_path_factory):
    root = tmp_path_factory.mktemp("dataset")
    for d in ["raw", "schemas"]:
        shutil.copytree(REPO / d, root / d)
    done = luban("run", "--quiet", cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "build"


TABLES = ["reports", "workshops", "sources", "conflicts", "countries", "openings_by_year", "claims_check"]


def plain(v):
    """A cell as JSON has it."""
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


@pytest.mark.parametrize("name", TABLES)
def test_every_reader_sees_the_rows_luban_show_prints(build, luban, name):
    path = build / f"{name}.arrow"
    table = ipc.open_file(path).read_all()
    assert table.num_rows > 0
    shown = luban("show", str(path))
    assert shown.returncode == 0, shown.stderr
    records = [json.loads(line) for line in shown.stdout.splitlines()]
    assert [{k: plain(v) for k, v in r.items()} for r in table.to_pylist()] == records
    frame = pl.read_ipc(path)
    assert frame.columns == table.column_names
    assert [{k: plain(v) for k, v in r.items()} for r in frame.to_dicts()] == records
    pandas = pd.read_feather(path)
    assert len(pandas) == len(records) and list(pandas.columns) == table.column_names
    arrow_table = table  # duckdb reads the Arrow table by its name
    assert duckdb.sql("select count(*) from arrow_table").fetchall()[0][0] == len(records)


def test_lists_of_names_are_dictionary_lists_that_read_as_strings(build):
    """Partners, specialties and a source's fields are lists of dictionary entries (one copy
    of each name); every reader gives back the names, not the ids."""
    for name, col in [("reports", "chinese_partners"), ("workshops", "specialties"), ("sources", "fields")]:
        table = ipc.open_file(build / f"{name}.arrow").read_all()
        t = table.schema.field(col).type
        assert pa.types.is_large_list(t) and pa.types.is_dictionary(t.value_type), (name, col, t)
        cells = [c for c in pd.read_feather(build / f"{name}.arrow")[col] if len(c)]
        assert cells and all(isinstance(x, str) for c in cells for x in c), (name, col)
        dtype = pl.read_ipc(build / f"{name}.arrow")[col].dtype
        assert isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Enum), (name, col, dtype)
