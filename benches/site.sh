#!/usr/bin/env bash
# Site generation on the committed data (target: under 200 ms): runs the pipeline once,
# then benches/site.rs times rendering output/site/ and rendering + writing + syncing it.
# Usage: bash benches/site.sh   (prints one line; BENCHMARKS.md has the figure)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --quiet -- run --quiet
cargo run --release --quiet --example site_bench
