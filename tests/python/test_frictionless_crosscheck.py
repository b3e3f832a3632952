"""luban and the Python `frictionless` package must report the same (row, field, code)
set on the same fixtures: one fixture per error code, plus mixed ones
(tests/fixtures/frictionless/<case>/{data.csv,schema.json}).

Documented differences (README, "Validation output"), applied here and nowhere else:
- encoding-error: Frictionless reports the file (no row); luban points at each cell. We
  compare that both report it.
- duplicate-row: luban always checks it; Frictionless only with the duplicate-row check,
  which we enable for the comparison.
- format uri: luban accepts absolute http(s) URLs only, Frictionless any RFC 3986 URI; the
  fixtures use http(s) URLs and non-URLs, where both agree.
"""
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "frictionless"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
CHECKLIST = {"checks": [{"type": "duplicate-row"}]}


def frictionless_errors(case, tmp_path):
    # Frictionless refuses absolute paths as unsafe: run it inside a copy of the case.
    for name in ("data.csv", "schema.json"):
        shutil.copy(FIXTURES / case / name, tmp_path / name)
    (tmp_path / "checklist.json").write_text(json.dumps(CHECKLIST))
    out = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", "data.csv", "--schema", "schema.json",
         "--encoding", "utf-8", "--checklist", "checklist.json", "--json"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    report = json.loads(out.stdout)
    errors = set()
    for task in report["tasks"]:
        for e in task["errors"]:
            if e["type"] == "encoding-error":
                errors.add(("file", None, "encoding-error"))
            else:
                errors.add((e.get("rowNumber") or 1, e.get("fieldNumber"), e["type"]))
    for e in report.get("errors", []):
        errors.add(("report", None, e["type"]))
    return errors


def luban_errors(luban, case):
    out = luban("validate", str(FIXTURES / case / "data.csv"), "--schema", str(FIXTURES / case / "schema.json"), "--format", "json")
    assert out.returncode in (0, 1), out.stderr
    report = json.loads(out.stdout)
    errors = set()
    for e in report["errors"]:
        if e["code"] == "encoding-error":
            errors.add(("file", None, "encoding-error"))
        else:
            errors.add((e["row"], e["field_position"], e["code"]))
    return errors, report


def test_every_error_code_has_a_fixture():
    codes = {"encoding-error", "blank-label", "duplicate-label", "missing-label", "extra-label", "incorrect-label",
             "blank-row", "extra-cell", "missing-cell", "type-error", "unique-error", "primary-key",
             "foreign-key", "duplicate-row"}
    assert codes <= set(CASES), codes - set(CASES)
    assert any(c.startswith("constraint-") for c in CASES)


@pytest.mark.parametrize("case", CASES)
def test_luban_reports_what_frictionless_reports(luban, case, tmp_path):
    theirs = frictionless_errors(case, tmp_path)
    ours, report = luban_errors(luban, case)
    assert ours == theirs, f"{case}: only luban {sorted(ours - theirs, key=str)}; only frictionless {sorted(theirs - ours, key=str)}"
    # the fixture must exercise something (except none: every case is a failing one)
    assert ours, case
    assert report["valid"] is False
