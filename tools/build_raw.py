"""One-off import of the researched reference data into the dataset's own raw format.

Reads ../shared/data/luban/ (workshops_reference.csv, name_variants.csv), plus the
curated list of extra source facts in tools/source_facts.json, and writes:

  raw/reports/<region>.csv   one row per (source, workshop) report
  raw/aliases/{cities,institutions,partners,countries}.csv

Rules (see README "Where raw/ came from"):
- every reference row becomes one report, cells exactly as the researchers wrote them;
- a name variant seen at a URL other than the workshop's main source becomes a report
  from that URL, holding only what the variant file says that source gives (the variant
  spelling) plus the workshop's country, which the note on the row says is taken from
  the reference row; a variant that cannot be tied to exactly one workshop (e.g. a
  partner college that runs several workshops, a country with several workshops) is kept
  in the alias tables only;
- tools/source_facts.json adds what the reference notes quote from a named URL (a
  conflicting opening date, a status), each with the sentence of the note it comes from.
Nothing here invents a value: every cell is copied from the shared files.
"""
import csv
import json
import os
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "luban")
# Variants that name a different thing than their canonical, and so must not become
# aliases: a global alias "Accra" → Sunyani would send reports about the Accra workshop to
# the Sunyani one. The variant stays in shared/ and in the report it came with.
NOT_ALIASES = {
    ("city", "Accra (launch ceremony venue)"):
        "Accra is where the launch ceremony was held, not another name of Sunyani; Accra is also the city of another workshop",
}
# organiser_province came last (it was a tag in the notes before), so that the columns
# before it kept their places.
COLS = ["workshop_name", "country", "city", "host_institution", "chinese_partner", "opened_on",
        "status", "specialties", "source_url", "source_title", "source_date", "notes", "organiser_province"]


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write(path, cols, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def low(s):
    return " ".join(s.lower().split())


def main():
    ref = read(os.path.join(SHARED, "workshops_reference.csv"))
    variants = read(os.path.join(SHARED, "name_variants.csv"))
    facts = json.load(open(os.path.join(HERE, "source_facts.json"), encoding="utf-8"))
    countries = {r["name"]: r for r in read(os.path.join(ROOT, "raw", "reference", "countries.csv"))}
    names = defaultdict(set)
    for r in read(os.path.join(ROOT, "raw", "reference", "country_names.csv")):
        names[r["name"]].add(r["alpha3"])

    def region_of(country):
        codes = names.get(country, set())
        if len(codes) != 1:
            raise SystemExit(f"country {country!r} not resolved by the reference tables")
        code = next(iter(codes))
        return next(c["region"] for c in countries.values() if c["alpha3"] == code)

    def candidates(v):
        kind, canon = v["kind"], low(v["canonical"])
        out = []
        for i, w in enumerate(ref):
            if kind == "institution":
                hosts = [low(h) for h in w["host_institution"].split(";")]
                hit = any(h == canon or h.startswith(canon.split(" (")[0]) and canon.startswith(h.split(" (")[0]) for h in hosts if h)
            elif kind == "city":
                hit = low(w["host_city"]) == canon
            elif kind == "partner":
                names = {canon.split(" (")[0], low(v["variant"]).split(" (")[0]}
                hit = any(low(p).split(" (")[0] in names
                          for p in w["chinese_partner_institution"].split(";") if p.strip())
            else:
                hit = low(w["host_country"]) == canon
            if hit:
                out.append(i)
        return out

    cands = [candidates(v) for v in variants]
    by_url = defaultdict(set)
    for v, c in zip(variants, cands):
        if len(c) == 1:
            by_url[v["source_url"]].add(c[0])
    groups = defaultdict(list)  # (url, workshop index) -> variants
    unplaced = []
    for v, c in zip(variants, cands):
        main = [i for i, w in enumerate(ref) if w["source_url"] == v["source_url"]]
        main = [i for i in main if i in c] or (main if len(main) == 1 else [])
        placed = main or (c if len(c) == 1 else sorted(set(c) & by_url[v["source_url"]]))
        if len(placed) != 1:
            unplaced.append((v, len(c)))
            continue
        groups[(v["source_url"], placed[0])].append(v)

    reports = []
    for i, w in enumerate(ref):
        reports.append({
            "workshop_name": w["workshop_name"], "country": w["host_country"], "city": w["host_city"],
            "host_institution": w["host_institution"], "chinese_partner": w["chinese_partner_institution"],
            "organiser_province": organiser(w["notes"])[0],
            "opened_on": w["opened_on"], "status": w["status"], "specialties": w["specialties"],
            "source_url": w["source_url"], "source_title": w["source_title"],
            "source_date": w["source_date"], "notes": organiser(w["notes"])[1], "_w": i,
        })

    extra = defaultdict(dict)
    for f in facts:
        i = next(k for k, w in enumerate(ref) if w["workshop_name"] == f["workshop"])
        extra[(f["source_url"], i)] = f

    skipped_same_url = 0
    for (url, i), vs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        w = ref[i]
        if url == w["source_url"]:
            skipped_same_url += 1
            continue
        kinds = {v["kind"] for v in vs}
        if kinds == {"country"}:
            continue  # a country name alone does not say which workshop: alias table only
        r = {c: "" for c in COLS}
        r["_w"] = i
        r["source_url"] = url
        seen = []
        for v in vs:
            field = {"institution": "host_institution", "city": "city", "partner": "chinese_partner",
                     "country": "country"}[v["kind"]]
            r[field] = "; ".join(x for x in [r[field], v["variant"]] if x) if field == "chinese_partner" else v["variant"]
            seen.append(f"{v['kind']} '{v['variant']}'")
        note = "Variant report: this source spells " + ", ".join(seen) + " (name_variants.csv)."
        if "country" not in kinds:
            r["country"] = w["host_country"]
            note += " Country taken from the workshop's main reference row."
        f = extra.pop((url, i), None)
        if f:
            for k, val in f["fields"].items():
                r[k] = val
            note += " " + f["note"]
        r["organiser_province"], kept = organiser(w["notes"])[0], kept_tag(w["notes"])
        r["notes"] = (kept + " " + note).strip()
        reports.append(r)

    for (url, i), f in sorted(extra.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        w = ref[i]
        r = {c: "" for c in COLS}
        r.update({"_w": i, "source_url": url, "country": w["host_country"]})
        for k, val in f["fields"].items():
            r[k] = val
        r["organiser_province"] = organiser(w["notes"])[0]
        r["notes"] = (kept_tag(w["notes"]) + " " + f["note"] + " Country taken from the workshop's main reference row.").strip()
        reports.append(r)

    by_region = defaultdict(list)
    for r in sorted(reports, key=lambda r: (r["_w"], r["source_url"] != ref[r["_w"]]["source_url"], r["source_url"])):
        region = region_of(ref[r["_w"]]["host_country"]).lower()
        by_region[region].append({c: r[c] for c in COLS})
    for region, rows in sorted(by_region.items()):
        write(os.path.join(ROOT, "raw", "reports", f"{region}.csv"), COLS, rows)

    alias_cols = ["alias", "canonical", "source_url"]
    for kind, fname in [("city", "cities"), ("institution", "institutions"), ("partner", "partners")]:
        rows = [{"alias": v["variant"], "canonical": v["canonical"], "source_url": v["source_url"]}
                for v in variants if v["kind"] == kind and (kind, v["variant"]) not in NOT_ALIASES]
        write(os.path.join(ROOT, "raw", "aliases", f"{fname}.csv"), alias_cols, rows)
    # Countries: only what the maintained data lacks goes into the alias file.
    crow = []
    for v in variants:
        if v["kind"] != "country" or v["variant"] in names:
            continue
        code = next(iter(names[v["canonical"]]))
        crow.append({"alias": v["variant"], "alpha3": code, "source_url": v["source_url"],
                     "note": "seen in a source; not in the maintained country data"})
    # Declared ambiguities: the maintained data lists these names for one country only,
    # but sources use them for several. luban rejects them with the candidates.
    crow.append({"alias": "Congo", "alpha3": "COD;COG", "source_url": "",
                 "note": "ambiguous: Republic of the Congo (COG) and DR Congo (COD) are both called Congo"})
    write(os.path.join(ROOT, "raw", "aliases", "countries.csv"), ["alias", "alpha3", "source_url", "note"], crow)

    print(f"{len(ref)} reference rows, {len(reports)} reports, {skipped_same_url} variant groups at the main URL,"
          f" {len(unplaced)} variants kept only as aliases", file=sys.stderr)
    for v, n in unplaced:
        print(f"  alias only ({n} candidate workshops): {v['kind']} {v['variant']!r} {v['source_url']}", file=sys.stderr)


def tag(notes):
    return notes.split("]", 1)[0] + "]" if notes.startswith("[") else ""


def organiser(notes):
    """The organiser province the notes' leading tag gives, and the notes without the tag
    when the `organiser_province` column says all it said: `[Tianjin]` and
    `[non-Tianjin: <province>]` give the province, `[unknown organiser]` an empty one.
    `[Tianjin college]` (a Tianjin college, outside Tianjin's own programme) and
    `[non-Tianjin, partner unknown]` say more than a province, so they stay in the notes."""
    t = tag(notes)
    inner = t[1:-1].strip()
    rest = notes[len(t):].strip()
    if inner == "Tianjin":
        return "Tianjin", rest
    if inner.startswith("non-Tianjin:"):
        return inner.split(":", 1)[1].strip(), rest
    if inner == "unknown organiser":
        return "", rest
    if inner == "Tianjin college":
        return "Tianjin", notes
    return "", notes


def kept_tag(notes):
    """The tag `organiser` leaves in the notes, if any."""
    return tag(notes) if organiser(notes)[1] == notes else ""


if __name__ == "__main__":
    main()
