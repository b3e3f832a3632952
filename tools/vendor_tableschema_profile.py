"""Writes src/schema/profiles/tableschema.json: the Table Schema profile as the pinned Frictionless
(tests/python/requirements.txt) checks it, for luban's schema checks (src/schema/profile.rs).

Frictionless 5.21 ships no table-schema.json: its profile is the `metadata_profile` of its
Schema and Field classes, plus each field type's own properties and supported
constraints. This script takes them from the installed package, so that the vendored
file is what that version enforces. Frictionless is MIT-licensed (Open Knowledge
Foundation); see tests/fixtures/frictionless-py/LICENSE.md.

    $LUBAN_VENV/bin/python tools/vendor_tableschema_profile.py
"""
import json
import pathlib

import frictionless
from frictionless import Field, Schema, system

OUT = pathlib.Path(__file__).resolve().parents[1] / "src" / "schema" / "profiles" / "tableschema.json"


def main():
    types = {}
    for name in ["any", "array", "boolean", "date", "datetime", "duration", "geojson", "geopoint",
                 "integer", "list", "number", "object", "string", "time", "year", "yearmonth"]:
        cls = system.select_field_class(name)
        profile = getattr(cls, "metadata_profile_patch", {}) or {}
        types[name] = {
            "supportedConstraints": list(cls.supported_constraints),
            "properties": profile.get("properties", {}),
        }
    out = {
        "source": f"frictionless {frictionless.__version__} (Schema, Field and field type classes)",
        "schema": Schema.metadata_profile,
        "field": Field.metadata_profile,
        "types": types,
    }
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
