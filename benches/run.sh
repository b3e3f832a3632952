#!/usr/bin/env bash
# Benchmarks, measured in one run on this machine and written to BENCHMARKS.md.
#
#   bash benches/run.sh                 # validation benchmark (1M rows)
#   ROWS=200000 bash benches/run.sh     # smaller, for a quick look
#   BASELINE_BIN=/path/to/old/luban bash benches/run.sh   # and another build, interleaved
#
# Each timing is the median of REPEAT runs (wall seconds, /usr/bin/time), interleaved
# with the baseline so that both see the same machine load.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/luban-target}
ROWS=${ROWS:-1000000}
FRICTIONLESS_ROWS=${FRICTIONLESS_ROWS:-100000}
REPEAT=${REPEAT:-5}
VENV=${LUBAN_VENV:-$HOME/.cache/luban-venv}
WORK=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$WORK"
OUT=BENCHMARKS.md

cargo build --release --locked --quiet
cargo build --release --locked --quiet --example csv_floor
LUBAN=$CARGO_TARGET_DIR/release/luban
FLOOR=$CARGO_TARGET_DIR/release/examples/csv_floor
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt

DATA=$WORK/reports-$ROWS.csv
[ -f "$DATA" ] || "$LUBAN" generate --rows "$ROWS" --seed 1 --out "$DATA"
head -n $((FRICTIONLESS_ROWS + 1)) "$DATA" > "$WORK/head.csv"
cp benches/validate.schema.json "$WORK/schema.json"
MB=$(awk -v b="$(stat -L -c %s "$DATA")" 'BEGIN { printf "%.0f", b / 1e6 }')

# measure NAME CMD...: appends "NAME wall user sys maxrss_kb" to $WORK/times
measure() {
  local name=$1; shift
  /usr/bin/time -f "$name %e %U %S %M" -a -o "$WORK/times" "$@" > /dev/null 2> "$WORK/last.err" || true
}
: > "$WORK/times"
for _ in $(seq "$REPEAT"); do
  measure floor "$FLOOR" "$DATA"
  measure jobs2 "$LUBAN" validate "$DATA" --schema "$WORK/schema.json" --format json --jobs 2
  measure jobs1 "$LUBAN" validate "$DATA" --schema "$WORK/schema.json" --format json --jobs 1
  if [ -n "${BASELINE_BIN:-}" ]; then
    measure base2 "$BASELINE_BIN" validate "$DATA" --schema "$WORK/schema.json" --format json --jobs 2
    measure base1 "$BASELINE_BIN" validate "$DATA" --schema "$WORK/schema.json" --format json --jobs 1
  fi
done
(cd "$WORK" && measure frictionless "$VENV/bin/python" -m frictionless validate head.csv --schema schema.json --json)
(cd "$WORK" && measure luban_head "$LUBAN" validate head.csv --schema schema.json --format json --jobs 2)

# median NAME COLUMN (2 wall, 3 user, 4 sys, 5 rss)
median() { awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$WORK/times" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
F=$(median floor 2); J2=$(median jobs2 2); J1=$(median jobs1 2)
J2CPU=$(awk -v n=jobs2 '$1 == n { print ($3 + $4) / $2 }' "$WORK/times" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
RSS2=$(median jobs2 5); FR=$(median frictionless 2); LH=$(median luban_head 2)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rps() { awk -v r="$1" -v t="$2" 'BEGIN { printf "%.0f", r / t }'; }
ERRORS=$("$LUBAN" validate "$DATA" --schema "$WORK/schema.json" --format json | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["stats"]["errors"])' || true)

{
  echo "## Validation (issue 3)"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ { print $2 }') GiB."
  echo "Command: \`bash benches/run.sh\` (ROWS=$ROWS, REPEAT=$REPEAT; medians of interleaved runs)."
  echo "Input: \`luban generate --rows $ROWS --seed 1\` ($MB MB, 12 columns, $ERRORS errors), schema \`benches/validate.schema.json\` (required, unique, enum, pattern, date, uri)."
  echo
  echo "| what | rows | wall s | rows/s | ratio |"
  echo "|---|---:|---:|---:|---|"
  echo "| csv crate read floor (\`benches/csv_floor.rs\`, reused ByteRecord) | $ROWS | $F | $(rps "$ROWS" "$F") | 1.00 |"
  echo "| \`luban validate --jobs 2\` | $ROWS | $J2 | $(rps "$ROWS" "$J2") | $(ratio "$J2" "$F") × floor (target ≤ 2.5); CPU/wall $J2CPU; peak RSS $((RSS2 / 1024)) MiB |"
  echo "| \`luban validate --jobs 1\` | $ROWS | $J1 | $(rps "$ROWS" "$J1") | $(ratio "$J1" "$F") × floor |"
  echo "| \`frictionless validate\` 5.21 (first $FRICTIONLESS_ROWS rows) | $FRICTIONLESS_ROWS | $FR | $(rps "$FRICTIONLESS_ROWS" "$FR") | 1.00 |"
  echo "| \`luban validate --jobs 2\` (same $FRICTIONLESS_ROWS rows) | $FRICTIONLESS_ROWS | $LH | $(rps "$FRICTIONLESS_ROWS" "$LH") | $(ratio "$FR" "$LH") × frictionless |"
  echo "| \`luban validate --jobs 2\` at $ROWS rows vs frictionless at $FRICTIONLESS_ROWS | | | | $(awk -v a="$(rps "$ROWS" "$J2")" -v b="$(rps "$FRICTIONLESS_ROWS" "$FR")" 'BEGIN { printf "%.0f", a / b }') × frictionless rows/s (target ≥ 50) |"
  if [ -n "${BASELINE_BIN:-}" ]; then
    B2=$(median base2 2); B1=$(median base1 2)
    echo "| baseline \`$BASELINE_BIN\` \`--jobs 2\` | $ROWS | $B2 | $(rps "$ROWS" "$B2") | this build takes $(ratio "$J2" "$B2") × its time |"
    echo "| baseline \`$BASELINE_BIN\` \`--jobs 1\` | $ROWS | $B1 | $(rps "$ROWS" "$B1") | this build takes $(ratio "$J1" "$B1") × its time |"
  fi
  echo
  echo "Raw timings (name, wall, user, sys, max RSS KB):"
  echo
  echo '```'
  cat "$WORK/times"
  echo '```'
} > "$WORK/section.md"

# Replace the section in BENCHMARKS.md (or create it), keeping other sections.
"$VENV/bin/python" - "$OUT" "$WORK/section.md" <<'PY'
import pathlib, re, sys
out, section = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]).read_text()
head = "# Benchmarks\n\nEvery figure here is written by a script in `benches/`; rerun it to refresh.\n\n"
text = out.read_text() if out.exists() else head
title = section.splitlines()[0]
parts = re.split(r"(?m)^(?=## )", text)
parts = [p for p in parts if not p.startswith(title)]
if not parts or not parts[0].startswith("# "):
    parts.insert(0, head)
out.write_text("".join(parts).rstrip() + "\n\n" + section)
PY
cat "$WORK/section.md"
