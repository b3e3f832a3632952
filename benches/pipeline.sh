#!/usr/bin/env bash
# The pipeline benchmark: luban against its peers, measured in one run on this machine,
# written to the "Pipeline" section of BENCHMARKS.md.
#
# For each data SHAPE (`luban generate --shape`: standard, ~5 agreeing reports per
# workshop; conflicts, ~14 per workshop disagreeing on dates and status) and each SIZE:
# - ROUNDS rounds, each running in turn: `luban run --force` (wall, CPU, peak RSS, and the
#   stage times it prints), the polars baseline and the DuckDB baseline
#   (benches/anchors/), and, when OLD_LUBAN names an older luban binary, that binary on the
#   same reports (for "no slower than before" targets); medians of the rounds;
# - every stage run alone once (wall, CPU, peak RSS).
#
#   bash benches/pipeline.sh                                  # 1M and 10M, both shapes
#   OLD_LUBAN=/path/to/old/luban bash benches/pipeline.sh     # and the older luban beside
#   SIZES=100000 ROUNDS=1 bash benches/pipeline.sh            # a quick look
#
# Takes ~50 minutes at the defaults and 16 GiB of memory (the baselines at 10M). The older binary reads reports
# with the columns it knew, with the reference data and schemas of its commit (OLD_REF,
# default f162821): the columns it does not know are cut from its copy of the reports.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/luban-target}
SIZES=${SIZES:-"1000000 10000000"}
SHAPES=${SHAPES:-"standard conflicts"}
ROUNDS=${ROUNDS:-3}
BIG=${BIG:-10000000}        # sizes from here on: ROUNDS_BIG rounds
ROUNDS_BIG=${ROUNDS_BIG:-2}  # one 10M run per shape swung a growth ratio by a third
OLD_LUBAN=${OLD_LUBAN:-}
VENV=${LUBAN_VENV:-$HOME/.cache/luban-venv}
WORK=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$WORK"
cargo build --release --locked --quiet
LUBAN=$CARGO_TARGET_DIR/release/luban
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
PY=$VENV/bin/python
ANCHORS=$(pwd)/benches/anchors

TIMES=$WORK/times
: > "$TIMES"
# measure SHAPE SIZE NAME CMD...: appends "SHAPE SIZE NAME wall cpu maxrss_kb"
measure() {
  local shape=$1 n=$2 name=$3; shift 3
  /usr/bin/time -f "$shape $n $name %e %U %S %M" -a -o "$WORK/time.raw" "$@" > /dev/null 2> "$WORK/last.err" \
    || { echo "$name ($shape, $n) failed:" >&2; cat "$WORK/last.err" >&2; exit 1; }
  tail -n 1 "$WORK/time.raw" | awk '{ print $1, $2, $3, $4, $5 + $6, $7 }' >> "$TIMES"
}
# stages SHAPE SIZE PREFIX < stderr of `luban run`: appends each stage's printed time
stages() {
  awk -v s="$1" -v n="$2" -v p="$3" '
    function secs(t) { if (t ~ /ms\)$/) { sub(/ms\)$/, "", t); sub(/^\(/, "", t); return t / 1000 }
                       if (t ~ /µs\)$/) { return 0 } sub(/s\)$/, "", t); sub(/^\(/, "", t); return t }
    $1 ~ /^[a-z]+:$/ && $NF ~ /^\(.*\)$/ { st = $1; sub(":", "", st); print s, n, p st, secs($NF), 0, 0 }' >> "$TIMES"
}
# dataset SHAPE SIZE: a dataset folder with generated reports and the real reference data
dataset() {
  D=$WORK/$1-$2
  rm -rf "$D"; mkdir -p "$D/raw/reports"
  cp -r raw/reference raw/aliases raw/dataset.json raw/claims.csv "$D/raw/"
  # the generator's cities the committed data does not use, as known places with no
  # point (at their country's centre), so that the city rule runs on every row
  printf '%s\n' "Abidjan,CIV,,,,luban generate" "Meru,KEN,,,,luban generate" "Niamey,NER,,,,luban generate" >> "$D/raw/reference/places.csv"
  cp -r schemas "$D/"
  "$LUBAN" generate --rows "$2" --clean --seed 1 --shape "$1" --out "$D/raw/reports/generated.csv"
  mkdir -p "$D/anchor_out"
  if [ -n "$OLD_LUBAN" ]; then
    O=$WORK/old-$1-$2
    rm -rf "$O"; mkdir -p "$O/raw/reports"
    # the older luban's own reference data and schemas, and the reports cut to its columns
    git archive "${OLD_REF:-f162821}" raw/reference raw/aliases raw/dataset.json raw/claims.csv schemas | tar -x -C "$O"
    "$PY" - "$D/raw/reports/generated.csv" "$O/raw/reports/generated.csv" "$O/schemas/reports.schema.json" <<'PYCUT'
import csv, json, sys
keep = [f["name"] for f in json.load(open(sys.argv[3]))["fields"]]
with open(sys.argv[1], newline="") as i, open(sys.argv[2], "w", newline="") as o:
    r = csv.DictReader(i)
    w = csv.DictWriter(o, keep, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(r)
PYCUT
  fi
}

for shape in $SHAPES; do
  for n in $SIZES; do
    dataset "$shape" "$n"
    rounds=$ROUNDS; [ "$n" -ge "$BIG" ] && rounds=$ROUNDS_BIG
    for _ in $(seq "$rounds"); do
      measure "$shape" "$n" run "$LUBAN" --root "$D" run --force
      stages "$shape" "$n" in_ < "$WORK/last.err"
      if [ -n "$OLD_LUBAN" ]; then
        measure "$shape" "$n" old_run "$OLD_LUBAN" --root "$O" run --force
        stages "$shape" "$n" old_in_ < "$WORK/last.err"
      fi
      # at every size, so that luban's growth from 1M to 10M is read beside its peers'
      measure "$shape" "$n" polars "$PY" "$ANCHORS/anchor_polars.py" "$D" "$D/anchor_out"
      (cd "$D" && measure "$shape" "$n" duckdb "$PY" -c "import duckdb; duckdb.connect().execute(open('$ANCHORS/anchor_duckdb.sql').read())")
    done
    for st in ingest validate normalize dedupe aggregate publish; do
      measure "$shape" "$n" "alone_$st" "$LUBAN" --root "$D" "$st" --quiet
    done
    echo "$shape $n workshops $(($(wc -l < "$D/output/workshops.csv") - 1))" >> "$WORK/rows"
    echo "$shape $n bytes $(stat -c %s "$D/raw/reports/generated.csv")" >> "$WORK/rows"
    rm -rf "$D" "${O:-/nonexistent}"
  done
done

"$PY" - "$TIMES" "$WORK/rows" BENCHMARKS.md "$ROUNDS" "$ROUNDS_BIG" "${OLD_LUBAN:+$($OLD_LUBAN --version)}" <<'PY'
import collections, datetime, os, pathlib, re, statistics, sys
times, rows, out = map(pathlib.Path, sys.argv[1:4])
rounds, rounds_big, old = sys.argv[4], sys.argv[5], sys.argv[6]
runs = collections.defaultdict(list)
for line in times.read_text().splitlines():
    shape, n, name, wall, cpu, rss = line.split()
    runs[(shape, int(n), name)].append((float(wall), float(cpu), int(rss)))
info = {}
for line in rows.read_text().splitlines():
    shape, n, k, v = line.split()
    info[(shape, int(n), k)] = int(v)
med = lambda key: tuple(statistics.median(x[i] for x in runs[key]) for i in range(2)) + (max(x[2] for x in runs[key]),)
has = lambda key: bool(runs.get(key))
shapes = list(dict.fromkeys(k[0] for k in runs))
stages = ["ingest", "validate", "normalize", "pass", "dedupe", "aggregate", "publish"]
L = ["## Pipeline", "",
     f"Measured {datetime.date.today()} on {os.cpu_count()} cores. Command: `bash benches/pipeline.sh`"
     + (f" with `OLD_LUBAN` = {old}" if old else "")
     + f"; medians of {rounds} rounds ({rounds_big} at 10M), peak RSS the largest. Input: `luban generate --clean --seed 1 --shape SHAPE`.", ""]
for shape in shapes:
    sizes = sorted({k[1] for k in runs if k[0] == shape})
    L += [f"### Shape `{shape}`", "",
          "| | " + " | ".join(f"{n:,} reports ({info.get((shape, n, 'bytes'), 0) / 1e6:,.0f} MB, {info.get((shape, n, 'workshops'), 0):,} workshops)" for n in sizes) + " |",
          "|---|" + "---:|" * len(sizes)]
    def row(label, name, fmt=lambda m: f"{m[0]:.2f} s (CPU {m[1]:.1f} s, {m[2] // 1024:,} MiB)"):
        L.append(f"| {label} | " + " | ".join(fmt(med((shape, n, name))) if has((shape, n, name)) else "—" for n in sizes) + " |")
    row("**`luban run --force`**", "run", lambda m: f"**{m[0]:.2f} s** (CPU {m[1]:.1f} s, {m[2] // 1024:,} MiB)")
    row("older luban, `run --force`", "old_run")
    row("polars baseline", "polars")
    row("DuckDB baseline", "duckdb")
    for st in stages:
        row(f"{st} inside `luban run`", "in_" + st, lambda m: f"{m[0]:.2f} s")
    for st in stages:
        row(f"{st} inside the older luban's run", "old_in_" + st, lambda m: f"{m[0]:.2f} s")
    for st in ["ingest", "validate", "normalize", "dedupe", "aggregate", "publish"]:
        row(f"`luban {st}` alone", "alone_" + st)
    L.append("")
    for a, b in zip(sizes, sizes[1:]):
        ratios = [f"{st} {med((shape, b, 'in_' + st))[0] / max(med((shape, a, 'in_' + st))[0], 0.01):.1f}"
                  for st in stages if has((shape, a, "in_" + st)) and has((shape, b, "in_" + st))]
        peers = [f"{name} {med((shape, b, key))[0] / med((shape, a, key))[0]:.1f}" for name, key in [("polars", "polars"), ("DuckDB", "duckdb"), ("the older luban", "old_run")]
                 if has((shape, a, key)) and has((shape, b, key))]
        L.append(f"{b:,} / {a:,} reports inside `luban run` (linear: {b / a:.0f}): " + ", ".join(ratios)
                 + f"; whole run {med((shape, b, 'run'))[0] / med((shape, a, 'run'))[0]:.1f}"
                 + (" (the others' whole job: " + ", ".join(peers) + ")" if peers else "") + ".")
    for n in sizes:
        r = med((shape, n, "run"))[0]
        parts = [f"{name} {med((shape, n, key))[0] / r:.2f}×" for name, key in [("polars", "polars"), ("DuckDB", "duckdb"), ("the older luban", "old_run")] if has((shape, n, key))]
        if parts:
            L.append(f"At {n:,}, the others' wall time over luban's: " + ", ".join(parts) + " (above 1: luban is faster).")
    L.append("")
section = "\n".join(L) + "\n"
text = out.read_text() if out.exists() else "# Benchmarks\n\n"
parts = [p for p in re.split(r"(?m)^(?=## )", text) if not p.startswith("## Pipeline")]
out.write_text("".join(parts).rstrip() + "\n\n" + section)
print(section)
PY
