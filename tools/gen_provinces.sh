#!/usr/bin/env bash
# Regenerates raw/reference/china_provinces.csv and the organiser_province enum of
# schemas/reports.schema.json from PyPI `pycountry` (ISO 3166-2:CN, from Debian's
# iso-codes; LGPL-2.1 package, data under the iso-codes licence). Never hand-typed.
# Usage: bash tools/gen_provinces.sh   (needs pip and python3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
VERSION=26.2.16
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pip download --quiet --no-deps -d "$tmp" "pycountry==$VERSION"
(cd "$tmp" && python3 -m zipfile -e ./pycountry-*.whl pkg)
python3 "$here/gen_provinces.py" --pycountry "$tmp/pkg" --version "$VERSION" --root "$root"
