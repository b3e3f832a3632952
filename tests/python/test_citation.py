"""CITATION.cff and the licence files say what the dataset is, at the version it is.

CITATION.cff is hand-written; raw/dataset.json is what publish reads. These tests fail when
the two drift apart (a version bumped in one place only, a title or licence changed in
one), when the citation stops being a CFF 1.2 dataset entry, or when a licence it or
Cargo.toml names has no file beside it.
"""
import json
import pathlib
import re
import tomllib

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
DATASET = json.loads((REPO / "raw" / "dataset.json").read_text(encoding="utf-8"))


def citation():
    return yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_is_a_cff_1_2_dataset_entry():
    cff = citation()
    assert re.fullmatch(r"1\.2\.\d+", str(cff.get("cff-version"))), cff.get("cff-version")
    assert cff.get("type") == "dataset"
    assert isinstance(cff.get("message"), str) and cff["message"].strip()
    authors = cff.get("authors")
    assert isinstance(authors, list) and authors, "CFF requires at least one author"
    for a in authors:
        assert (a.get("name") or a.get("family-names")), f"author without a name: {a}"


def test_citation_agrees_with_raw_dataset_json():
    cff = citation()
    # a string, as CFF requires (an unquoted 1.0 would be read as a float)
    assert isinstance(cff.get("version"), str), f"version must be a string: {cff.get('version')!r}"
    assert cff["version"] == DATASET["version"]
    assert cff.get("title") == DATASET["title"]


def test_citation_licence_is_the_data_licence_of_raw_dataset_json():
    cff = citation()
    licence = cff.get("license")
    names = [licence] if isinstance(licence, str) else licence
    assert names == [l["name"] for l in DATASET["licenses"]], (names, DATASET["licenses"])


def test_every_licence_named_has_its_file():
    data = (REPO / "LICENSE-DATA").read_text(encoding="utf-8")
    for l in DATASET["licenses"]:
        assert l["name"] in data, f"LICENSE-DATA does not name {l['name']}"
        assert l["path"] in data, f"LICENSE-DATA does not link {l['path']}"
    cargo = tomllib.loads((REPO / "Cargo.toml").read_text(encoding="utf-8"))
    spdx = cargo["package"]["license"]
    code = [s.strip() for s in spdx.split(" OR ")]
    assert code, spdx
    markers = {"MIT": "Permission is hereby granted, free of charge", "Apache-2.0": "Apache License\n"}
    for c in code:
        f = REPO / f"LICENSE-{c.split('-')[0].upper()}"
        assert f.exists(), f"Cargo.toml names {c}, but {f.name} is missing"
        assert markers[c] in f.read_text(encoding="utf-8"), f"{f.name} is not the {c} text"
