#!/usr/bin/env bash
# Vendors the country shapes the site's world map is drawn from: npm `world-atlas`
# (ISC; Natural Earth 1:110m admin-0 countries, public domain, as TopoJSON with ISO 3166-1
# numeric ids) into vendor/world-atlas/. luban embeds the file at build time and renders
# the map as inline SVG at publish time, so the site needs no script and no other host.
# Usage: bash tools/vendor_world_atlas.sh   (needs npm)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
VERSION=2.0.2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "world-atlas@$VERSION" >/dev/null && tar xzf "world-atlas-$VERSION.tgz")
out="$root/vendor/world-atlas"
mkdir -p "$out"
cp "$tmp/package/countries-110m.json" "$tmp/package/LICENSE" "$out/"
cat > "$out/SOURCES.md" <<MD
# world-atlas $VERSION

\`countries-110m.json\` and \`LICENSE\` from npm \`world-atlas@$VERSION\` (ISC), written by
\`bash tools/vendor_world_atlas.sh\`; do not edit. The shapes are Natural Earth's 1:110m
admin-0 countries (public domain, <https://www.naturalearthdata.com/>); feature ids are
ISO 3166-1 numeric codes.
MD
