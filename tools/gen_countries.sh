#!/usr/bin/env bash
# Regenerates raw/reference/countries.csv and raw/reference/country_names.csv from two
# maintained country-data packages (never a hand-typed list):
#   - npm `world-countries` (ODbL-1.0): ISO 3166-1 codes, English names, alternative
#     spellings, native names and translations (Chinese, Russian, French, Spanish, ...);
#   - PyPI `country-converter` (GPL-3.0 code; its data table columns `continent` and
#     `UNregion`): UN M49 region and sub-region;
#   - PyPI `pycountry` (Debian's iso-codes data; the version gen_provinces.sh pins): the
#     published name, the ISO 3166-1 English short name ("Côte d'Ivoire").
# Usage: bash tools/gen_countries.sh   (needs npm, pip and python3; writes into raw/reference/)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
WC_VERSION=5.1.0
COCO_VERSION=1.3.2
PYCOUNTRY_VERSION=26.2.16
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "world-countries@$WC_VERSION" >/dev/null && tar xzf "world-countries-$WC_VERSION.tgz")
pip download --quiet --no-deps -d "$tmp/coco" "country-converter==$COCO_VERSION"
(cd "$tmp/coco" && python3 -m zipfile -e ./*.whl .)
pip download --quiet --no-deps -d "$tmp/pycountry" "pycountry==$PYCOUNTRY_VERSION"
(cd "$tmp/pycountry" && python3 -m zipfile -e ./pycountry-*.whl .)
python3 "$here/gen_countries.py" \
  --world-countries "$tmp/package/countries.json" --world-countries-version "$WC_VERSION" \
  --coco "$tmp/coco/country_converter/country_data.tsv" --coco-version "$COCO_VERSION" \
  --iso-codes "$tmp/pycountry/pycountry/databases/iso3166-1.json" --pycountry-version "$PYCOUNTRY_VERSION" \
  --out "$root/raw/reference"
