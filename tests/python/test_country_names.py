"""Published country names are the reference table's (the ISO 3166-1 English short name
that tools/gen_countries.sh takes from iso-codes), and the English spellings of
world-countries (its common names and alternative spellings, kinds `common` and `alt` in
raw/reference/country_names.csv) still resolve to their country: "Ivory Coast" is
published as "Côte d'Ivoire".

Runs luban on a copy of the dataset with one extra report per such spelling. Spellings
that another country also lists, up to case, hyphens and a bracketed part, are ambiguous
by design and left out ("Saint Martin (French part)" is MAF's, and "Saint-Martin" the
French name of both MAF and SXM), as are the ambiguities declared in
raw/aliases/countries.csv.
"""
import csv
import re
import shutil

import pytest

from conftest import REPO

HOST = "Country name test host "


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def norm(name):
    return re.sub(r"[\s-]+", " ", re.sub(r"\([^)]*\)", " ", name).casefold()).strip()


@pytest.fixture(scope="module")
def published(luban, tmp_path_factory):
    root = tmp_path_factory.mktemp("countries")
    for d in ("raw", "schemas"):
        shutil.copytree(REPO / d, root / d)
    names = read(root / "raw/reference/country_names.csv")
    countries_of = {}
    for r in names + read(root / "raw/reference/countries.csv"):
        countries_of.setdefault(norm(r["name"]), set()).add(r["alpha3"])
    declared = {norm(r["alias"]) for r in read(root / "raw/aliases/countries.csv") if ";" in r["alpha3"]}
    spellings = sorted((r["name"], r["alpha3"]) for r in names
                       if r["kind"] in ("common", "alt") and len(countries_of[norm(r["name"])]) == 1
                       and norm(r["name"]) not in declared)
    reports = root / "raw/reports"
    header = (reports / "asia.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    with open(reports / "zz_country_names.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        w.writeheader()
        for i, (name, _) in enumerate(spellings):
            w.writerow({"country": name, "host_institution": f"{HOST}{i}", "source_url": f"https://example.org/{i}"})
    out = luban("run", "--quiet", "--root", str(root))
    assert out.returncode == 0, out.stderr
    return spellings, read(root / "raw/reference/countries.csv"), read(root / "output/workshops.csv")


def test_english_spellings_resolve_to_their_country(published):
    spellings, _, workshops = published
    assert len({code for _, code in spellings}) > 200, "country_names.csv lost its English spellings"
    assert ("Ivory Coast", "CIV") in spellings, "the name issue #29 took off the published tables must still be a spelling"
    got = {int(w["host_institution"][len(HOST):]): w["country_code"]
           for w in workshops if w["host_institution"].startswith(HOST)}
    assert got == {i: code for i, (_, code) in enumerate(spellings)}


def test_published_country_name_is_the_reference_name(published):
    _, countries, workshops = published
    names = {c["alpha3"]: c["name"] for c in countries}
    wrong = {(w["country_code"], w["country_name"]) for w in workshops if w["country_name"] != names[w["country_code"]]}
    assert not wrong
    assert names["CIV"] == "Côte d'Ivoire"
