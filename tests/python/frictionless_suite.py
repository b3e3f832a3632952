"""The differential suite: luban and the pinned Frictionless on cases neither project wrote
for the other (issue 28).

Cases come from
- the parametrized field tests of the pinned frictionless package
  (`frictionless/fields/__spec__/test_*.py`: every `source` cell with its type, format and
  options), and its constraint x type table (`schema/__spec__/field/test_constraints.py`);
- the resource-validate tests (`resource/__spec__/test_validate*.py`,
  `table/__spec__/test_fields_match.py`), run with `TableResource.validate` recorded: every
  CSV resource they validate, with the schema it was validated against;
- every CSV fixture of frictionless-py's `data/` folder (vendored under
  `tests/fixtures/frictionless-py/`), with the schema Frictionless infers for it, every
  `schema*.json` there, over a header-only CSV, and every data package there whose
  resources are CSV files (a resource without a schema gets the one Frictionless infers),
  validated whole: foreign keys between resources included.

Each case is a CSV file and a Table Schema. Both tools validate it; the comparison is the
set of (row, field position, error code), or "refused" when a tool refuses the schema (an
agreed refusal is agreement). Both read UTF-8 (luban reads nothing else; Frictionless's
encoding detection is not compared). `docs/frictionless-deviations.md` lists the error
codes only luban reports and every case where the two disagree, each with its reason.

Run as a script to print the agreement figure and the disagreements:
    LUBAN_BIN=... python tests/python/frictionless_suite.py [-v]
"""
import contextlib
import csv
import dataclasses
import datetime
import decimal
import fnmatch
import importlib.util
import inspect
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

import frictionless
from frictionless import FrictionlessException, Resource, Schema
from frictionless.resources import TableResource

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "frictionless-py"
SPEC = pathlib.Path(frictionless.__file__).resolve().parent
DEVIATIONS = REPO / "docs" / "frictionless-deviations.md"
REFUSED = "refused"


@dataclasses.dataclass
class Case:
    id: str
    csv: bytes
    schema: object  # a descriptor (dict), or schema text
    # a data package instead: its folder, and its descriptor (schemas filled in)
    package: object = None


# --- cells and files ---------------------------------------------------------------------


def cell_text(value):
    """The text a CSV cell holds for a spec test's source value (None: no CSV can hold it)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return value
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return value.isoformat()
    return None


def csv_bytes(rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    for r in rows:
        w.writerow(["" if c is None else (cell_text(c) if cell_text(c) is not None else str(c)) for c in r])
    return out.getvalue().encode("utf-8")


def load_spec(path):
    """Imports a spec test module from its file (its package is named `__spec__`, which
    importing by name would confuse with the parent module's own `__spec__`)."""
    name = "luban_suite_" + re.sub(r"\W", "_", str(path.relative_to(SPEC)))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parametrized(module):
    """(test name, argument names, [(case id, values)]) of every parametrized test."""
    for name, fn in inspect.getmembers(module, inspect.isfunction):
        if not name.startswith("test_"):
            continue
        for mark in getattr(fn, "pytestmark", []):
            if mark.name != "parametrize":
                continue
            names = [a.strip() for a in mark.args[0].split(",")] if isinstance(mark.args[0], str) else list(mark.args[0])
            rows = []
            for i, values in enumerate(mark.args[1]):
                values = getattr(values, "values", values)  # pytest.param
                if len(names) == 1:
                    values = (values,)
                rows.append((i, dict(zip(names, values))))
            yield name, names, rows


# --- case sources ------------------------------------------------------------------------


def field_cases():
    for path in sorted((SPEC / "fields" / "__spec__").glob("test_*.py")):
        ftype = path.stem.removeprefix("test_")
        module = load_spec(path)
        for test, names, rows in parametrized(module):
            if "source" not in names or "write" in test:
                continue
            for i, args in rows:
                text = cell_text(args["source"])
                if text is None:
                    continue
                descriptor = {"name": "name", "type": ftype}
                if args.get("format", "default") != "default":
                    descriptor["format"] = args["format"]
                if "item_type" in args:
                    descriptor["itemType"] = args["item_type"]
                descriptor.update(args.get("options") or {})
                yield Case(f"spec/fields/{ftype}/{test}[{i}]", csv_bytes([["name"], [text]]), {"fields": [descriptor]})


def constraint_cases():
    module = load_spec(SPEC / "schema" / "__spec__" / "field" / "test_constraints.py")
    for test, names, rows in parametrized(module):
        if "constraints" not in names or "type" not in names:
            continue
        for i, args in rows:
            descriptor = {"name": "name", "type": args["type"], "constraints": args["constraints"]}
            yield Case(f"spec/constraints/{test}[{i}]", b"name\n", {"fields": [descriptor]})


@contextlib.contextmanager
def recording():
    """Records every CSV resource `TableResource.validate` is called on, with its schema."""
    seen = []
    original = TableResource.validate

    def validate(self, *args, **kwargs):
        report = original(self, *args, **kwargs)
        with contextlib.suppress(Exception):
            seen.append(recorded(self))
        return report

    TableResource.validate = validate
    try:
        yield seen
    finally:
        TableResource.validate = original


def recorded(resource):
    """(CSV bytes, schema descriptor) of a resource that was validated; None when it is not
    a plain CSV resource (another format, dialect or encoding)."""
    if resource.format not in (None, "csv", "inline"):
        return None
    if resource.dialect and resource.dialect.to_descriptor() not in ({}, {"name": "dialect"}):
        return None
    if resource.data is not None and isinstance(resource.data, list):
        data = csv_bytes(resource.data)
    elif resource.path and str(resource.path).endswith(".csv") and not resource.compression:
        path = pathlib.Path(resource.basepath or ".") / resource.path
        data = path.read_bytes()
    else:
        return None
    return data, resource.schema.to_descriptor()


def resource_cases():
    files = sorted((SPEC / "resource" / "__spec__").glob("test_validate*.py"))
    files.append(SPEC / "table" / "__spec__" / "test_fields_match.py")
    for path in files:
        module = load_spec(path)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("test_"):
                continue
            params = inspect.signature(fn).parameters
            marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
            calls = [{}]
            if marks:
                calls = [args for _, _, rows in parametrized(type("M", (), {name: fn})) for _, args in rows]
            if any(p not in calls[0] for p in params):
                continue  # needs a pytest fixture
            for k, args in enumerate(calls):
                with recording() as seen, warnings.catch_warnings(), contextlib.suppress(BaseException):
                    warnings.simplefilter("ignore")
                    fn(**args)
                for j, r in enumerate(x for x in seen if x):
                    yield Case(f"spec/{path.parent.parent.name}/{path.stem}/{name}[{k}.{j}]", r[0], r[1])


def fixture_cases():
    data = FIXTURES / "data"
    for path in sorted(data.rglob("*.csv")):
        rel = path.relative_to(FIXTURES).as_posix()
        with warnings.catch_warnings(), contextlib.suppress(Exception):
            warnings.simplefilter("ignore")
            resource = TableResource(path=rel)
            resource.infer()
            yield Case(f"fixture/{rel}", path.read_bytes(), resource.schema.to_descriptor())
            continue
        yield Case(f"fixture/{rel}", path.read_bytes(), {"fields": []})
    for path in sorted(data.glob("schema*.json")):
        text = path.read_text()
        try:
            names = [f.get("name", "") for f in json.loads(text).get("fields", []) if isinstance(f, dict)]
        except (ValueError, AttributeError):
            names = []
        header = csv_bytes([names]) if names else b"id\n"
        yield Case(f"fixture/{path.relative_to(FIXTURES).as_posix()}", header, text)


def package_cases():
    data = FIXTURES / "data"
    for path in sorted(data.rglob("*.json")):
        try:
            doc = json.loads(path.read_text())
        except ValueError:
            continue
        resources = doc.get("resources") if isinstance(doc, dict) else None
        if not resources or not all(
            isinstance(r, dict) and isinstance(r.get("path"), str) and r["path"].endswith(".csv")
            and (path.parent / r["path"]).exists()
            for r in resources
        ):
            continue
        rel = path.relative_to(FIXTURES).as_posix()
        for r in resources:
            if "schema" not in r:
                with warnings.catch_warnings(), contextlib.suppress(Exception):
                    warnings.simplefilter("ignore")
                    inferred = TableResource(path=(path.parent / r["path"]).relative_to(FIXTURES).as_posix())
                    inferred.infer()
                    r["schema"] = inferred.schema.to_descriptor()
        yield Case(f"package/{rel}", b"", None, (path.parent, doc))


def cases():
    cwd = os.getcwd()
    os.chdir(FIXTURES)  # the spec tests name their fixtures `data/...`
    try:
        out = [*field_cases(), *constraint_cases(), *resource_cases(), *fixture_cases(), *package_cases()]
    finally:
        os.chdir(cwd)
    ids = [c.id for c in out]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return out


# --- the two tools -----------------------------------------------------------------------


def write_case(case, folder):
    folder = pathlib.Path(folder)
    (folder / "data.csv").write_bytes(case.csv)
    text = case.schema if isinstance(case.schema, str) else json.dumps(case.schema)
    (folder / "schema.json").write_text(text)
    return folder / "data.csv", folder / "schema.json"


def frictionless_errors(case, folder):
    write_case(case, folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            descriptor = json.loads((pathlib.Path(folder) / "schema.json").read_text())
            schema = Schema.from_descriptor(descriptor)
            # the schema's own version decides, as it does for luban (a resource without
            # `$schema` would impose v1 on it)
            options = {}
            if "/profiles/2." in str(descriptor.get("$schema", "")):
                options["schema_profile"] = "https://datapackage.org/profiles/2.0/dataresource.json"
            resource = TableResource(
                path="data.csv", basepath=str(folder), schema=schema, encoding="utf-8", **options
            )
            report = resource.validate()
        except (FrictionlessException, ValueError, TypeError, AttributeError):
            return REFUSED
    if report.errors:
        return REFUSED
    found = set()
    for task in report.tasks:
        for e in task.errors:
            # a schema Frictionless refuses, or one it fails on (`error`: e.g. `format: wkt`,
            # whose parser needs a package the pinned Frictionless does not install)
            if e.type in ("schema-error", "field-error", "resource-error", "package-error", "error"):
                return REFUSED
            if e.type == "encoding-error":
                found.add(("file", None, "encoding-error"))
            else:
                found.add((getattr(e, "row_number", None) or 1, getattr(e, "field_number", None), e.type))
    return found


def luban_errors(case, folder, luban_bin):
    data, schema = write_case(case, folder)
    out = subprocess.run(
        [luban_bin, "validate", str(data), "--schema", str(schema), "--format", "json"],
        capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=60,
    )
    if out.returncode == 2:
        return REFUSED, out.stderr
    assert out.returncode in (0, 1), f"{case.id}: exit {out.returncode}\n{out.stderr}"
    assert "panicked" not in out.stderr, f"{case.id}: {out.stderr}"
    found = set()
    for e in json.loads(out.stdout)["errors"]:
        if e["code"] == "encoding-error":
            found.add(("file", None, "encoding-error"))
        else:
            found.add((e["row"], e["field_position"], e["code"]))
    return found, out.stderr


# --- deviations --------------------------------------------------------------------------


def deviations():
    """(codes only luban reports, {case id pattern: reason}) from the deviations file."""
    codes, listed = {}, {}
    for line in DEVIATIONS.read_text().splitlines():
        m = re.match(r"^\| code `([^`]+)` \| (.+) \|$", line)
        if m:
            codes[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^\| `([^`]+)` \| (.+) \|$", line)
        if m:
            listed[m.group(1)] = m.group(2)
    return codes, listed


def package_folder(case, folder):
    """The package's folder copied into `folder`, with the filled-in descriptor."""
    source, doc = case.package
    target = pathlib.Path(folder) / "pkg"
    shutil.copytree(source, target)
    (target / "datapackage.json").write_text(json.dumps(doc))
    return target


def frictionless_package_errors(case, folder):
    target = package_folder(case, folder)
    cwd = os.getcwd()
    os.chdir(target)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = frictionless.Package("datapackage.json").validate()
    except (FrictionlessException, ValueError, TypeError):
        return REFUSED
    finally:
        os.chdir(cwd)
    if report.errors:
        return REFUSED
    found = set()
    for task in report.tasks:
        place = pathlib.Path(task.place).name
        for e in task.errors:
            if e.type in ("schema-error", "field-error", "resource-error", "package-error", "error"):
                return REFUSED
            if e.type == "encoding-error":
                found.add((place, "file", None, "encoding-error"))
            else:
                found.add((place, getattr(e, "row_number", None) or 1, getattr(e, "field_number", None), e.type))
    return found


def luban_package_errors(case, folder, luban_bin):
    target = package_folder(case, folder)
    out = subprocess.run(
        [luban_bin, "validate", str(target / "datapackage.json"), "--format", "json"],
        capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=60,
    )
    if out.returncode == 2:
        return REFUSED, out.stderr
    assert out.returncode in (0, 1), f"{case.id}: exit {out.returncode}\n{out.stderr}"
    found = set()
    for e in json.loads(out.stdout)["errors"]:
        place = pathlib.Path(e["file"]).name
        if e["code"] == "encoding-error":
            found.add((place, "file", None, "encoding-error"))
        else:
            found.add((place, e["row"], e["field_position"], e["code"]))
    return found, out.stderr


def compare(case, luban_bin, luban_only_codes):
    if case.package is not None:
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            theirs = frictionless_package_errors(case, a)
            ours, stderr = luban_package_errors(case, b, luban_bin)
        if ours != REFUSED:
            ours = {e for e in ours if e[-1] not in luban_only_codes}
        return theirs, ours, stderr
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        theirs = frictionless_errors(case, a)
        ours, stderr = luban_errors(case, b, luban_bin)
    if ours != REFUSED:
        ours = {e for e in ours if e[2] not in luban_only_codes}
    return theirs, ours, stderr


def run(luban_bin, verbose=False):
    codes, listed = deviations()
    results = []
    for case in cases():
        theirs, ours, stderr = compare(case, luban_bin, codes)
        reason = next((r for p, r in listed.items() if fnmatch.fnmatchcase(case.id, p)), None)
        results.append((case, theirs, ours, stderr, reason))
    return results


def show(value):
    return value if value == REFUSED else sorted(value, key=str)


def main():
    verbose = "-v" in sys.argv
    results = run(os.environ["LUBAN_BIN"], verbose)
    agree = sum(1 for _, t, o, _, _ in results if t == o)
    print(f"{agree} of {len(results)} cases agree ({100 * agree / len(results):.1f}%)")
    for case, theirs, ours, stderr, reason in results:
        if theirs != ours and (verbose or reason is None):
            print(f"\n{case.id}{'  [listed: ' + reason + ']' if reason else ''}")
            print(f"  frictionless: {show(theirs)}")
            print(f"  luban:        {show(ours)}")
            if ours == REFUSED:
                print("  " + stderr.strip().splitlines()[0][:200] if stderr.strip() else "")
            if case.package is None:
                print(f"  schema: {case.schema if isinstance(case.schema, str) else json.dumps(case.schema)}"[:300])
            print(f"  csv: {case.csv[:200]!r}")


if __name__ == "__main__":
    main()
