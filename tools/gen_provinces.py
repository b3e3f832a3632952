"""Writes raw/reference/china_provinces.csv, and the `organiser_province` enum of
schemas/reports.schema.json, from the ISO 3166-2:CN subdivisions of PyPI `pycountry`
(the Debian iso-codes data; never a hand-typed list).

Called by tools/gen_provinces.sh, which downloads the pinned package. The short name is
the ISO name without its type word (Sheng, Shi, Zizhiqu, SAR) and without the people an
autonomous region is named for (Zhuangzu, Huizu, Uygur): "Guangxi Zhuangzu Zizhiqu" is
published as "Guangxi", as the reports write it. Output is sorted by code, LF line ends.
"""
import argparse
import csv
import gettext
import json
import sys

TYPE_WORDS = {"Sheng", "Shi", "Zizhiqu", "SAR"}
PEOPLE = {"Zhuangzu", "Huizu", "Uygur"}


def short(iso_name):
    return " ".join(w for w in iso_name.split() if w not in TYPE_WORDS | PEOPLE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pycountry", required=True, help="folder the pycountry wheel was unpacked in")
    ap.add_argument("--version", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    sys.path.insert(0, a.pycountry)
    import pycountry

    zh = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["zh_CN"])
    rows = []
    for s in sorted((s for s in pycountry.subdivisions if s.country_code == "CN"), key=lambda s: s.code):
        name_zh = zh.gettext(s.name)
        rows.append({"code": s.code, "name": short(s.name), "iso_name": s.name, "type": s.type,
                     "name_zh": "" if name_zh == s.name else name_zh})
    names = [r["name"] for r in rows]
    assert len(set(names)) == len(names), "short names must stay distinct"
    with open(f"{a.root}/raw/reference/china_provinces.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    path = f"{a.root}/schemas/reports.schema.json"
    schema = json.load(open(path, encoding="utf-8"))
    field = next(f for f in schema["fields"] if f["name"] == "organiser_province")
    field.setdefault("constraints", {})["enum"] = sorted(names)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(schema, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"{len(rows)} subdivisions (pycountry {a.version})", file=sys.stderr)


if __name__ == "__main__":
    main()
