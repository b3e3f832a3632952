#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a bounded time each and records executions and
# findings in FUZZING.md. Needs `cargo install cargo-fuzz`. cargo-fuzz passes -Z flags to
# rustc, which only nightly accepts; this machine has the stable toolchain only, so the
# build sets RUSTC_BOOTSTRAP=1 (the stable compiler then accepts them) and uses no
# sanitizer (-s none): libFuzzer's coverage guidance still works, crashes are panics.
#
#   bash benches/fuzz.sh              # 60 s per target
#   FUZZ_SECONDS=600 bash benches/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$HOME/.cache/luban-fuzz-target}
export RUSTC_BOOTSTRAP=1
cd fuzz
cargo fuzz build -s none -O
# seed corpora: the cross-check fixtures and the committed raw reports
mkdir -p corpus/validate_csv corpus/schema_loader
cp ../tests/fixtures/frictionless/*/data.csv corpus/validate_csv/ 2>/dev/null || true
for f in ../tests/fixtures/frictionless/*/data.csv; do cp "$f" "corpus/validate_csv/$(basename "$(dirname "$f")").csv"; done
for f in ../raw/reports/*.csv; do head -c 4000 "$f" > "corpus/validate_csv/raw-$(basename "$f")"; done
for f in ../schemas/*.json ../tests/fixtures/frictionless/*/schema.json; do cp "$f" "corpus/schema_loader/$(basename "$(dirname "$f")")-$(basename "$f")"; done
: > ../target-fuzz.log
for t in validate_csv schema_loader; do
  set +e
  cargo fuzz run -s none -O "$t" -- -max_total_time="$SECONDS_EACH" -max_len=4096 2> "/tmp/fuzz-$t.log"
  status=$?
  set -e
  execs=$(grep -oE '#[0-9]+' "/tmp/fuzz-$t.log" | tail -1 | tr -d '#')
  crashes=$(ls artifacts/$t 2>/dev/null | wc -l)
  echo "$t $SECONDS_EACH $execs $crashes $status" >> ../target-fuzz.log
done
cd ..
python3 - <<'PY'
import datetime, os, pathlib
rows = [l.split() for l in pathlib.Path("target-fuzz.log").read_text().splitlines() if l.strip()]
lines = ["# Fuzzing", "", f"Run {datetime.date.today()} on {os.cpu_count()} cores with `bash benches/fuzz.sh` (cargo-fuzz, libFuzzer, no sanitizer; see the script for why).", "",
         "| target | what it feeds | seconds | executions | crashes | exit |", "|---|---|---:|---:|---:|---:|"]
what = {"validate_csv": "any bytes as a CSV file through ingest and the streaming validator (with unique, primary key, self foreign key, enum, partial date, uri)",
        "schema_loader": "any text as a Table Schema, errors rendered"}
for t, secs, execs, crashes, status in rows:
    lines.append(f"| `{t}` | {what.get(t, '')} | {secs} | {execs} | {crashes} | {status} |")
lines += ["", "Every crash found becomes a regression test (none so far from these runs; the property tests in `stages::validate` found one panic, now `schema::tests::schema_error_pointers_snap_to_character_boundaries`).", ""]
pathlib.Path("FUZZING.md").write_text("\n".join(lines))
print("\n".join(lines))
PY
rm -f target-fuzz.log
