#!/usr/bin/env bash
# Pipeline benchmark: every stage of `luban run` on generated clean reports, at each size
# in SIZES, plus the polars baseline for publish (issue 5): the time polars itself needs
# to write the same Parquet files. Writes the "Pipeline at scale" section of BENCHMARKS.md.
#
#   bash benches/pipeline.sh                  # SIZES="100000 1000000"
#   SIZES=100000 bash benches/pipeline.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/luban-target}
SIZES=${SIZES:-"100000 1000000"}
VENV=${LUBAN_VENV:-$HOME/.cache/luban-venv}
WORK=${BENCH_DIR:-$(mktemp -d)}
cargo build --release --locked --quiet
LUBAN=$CARGO_TARGET_DIR/release/luban
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt

TIMES=$WORK/pipeline-times
: > "$TIMES"
for n in $SIZES; do
  D=$WORK/scale-$n
  rm -rf "$D"; mkdir -p "$D/raw/reports"
  cp -r raw/reference raw/aliases raw/dataset.json raw/claims.csv "$D/raw/"
  cp -r schemas "$D/"
  "$LUBAN" generate --rows "$n" --clean --seed 1 --out "$D/raw/reports/generated.csv"
  for st in ingest validate normalize dedupe aggregate publish; do
    /usr/bin/time -f "$n $st %e %U %S %M" -a -o "$TIMES" "$LUBAN" --root "$D" "$st" --quiet
  done
  # polars alone writing the same tables (read first, only the writes are timed)
  "$VENV/bin/python" - "$D/output" "$n" >> "$TIMES" <<'PY'
import sys, time, pathlib
import polars as pl
out, n = pathlib.Path(sys.argv[1]), sys.argv[2]
frames = {p.stem: pl.read_parquet(p) for p in sorted(out.glob("*.parquet"))}
start = time.perf_counter()
for name, df in frames.items():
    df.write_parquet(out / f"{name}.baseline.parquet", compression="zstd", statistics=True)
print(n, "polars_write", round(time.perf_counter() - start, 3), 0, 0, 0)
PY
  rm -f "$D"/output/*.baseline.parquet
  echo "$n workshops $(($(wc -l < "$D/output/workshops.csv") - 1))" >> "$WORK/pipeline-rows"
done

"$VENV/bin/python" - "$TIMES" "$WORK/pipeline-rows" BENCHMARKS.md <<'PY'
import collections, datetime, os, pathlib, re, sys
times, rows, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
t = collections.defaultdict(dict)
for line in times.read_text().split("\n"):
    p = line.split()
    if len(p) == 6:
        n, st, wall, user, sys_, rss = p
        t[int(n)][st] = (float(wall), float(user) + float(sys_), int(rss))
ws = {int(l.split()[0]): int(l.split()[2]) for l in rows.read_text().split("\n") if l.strip()}
sizes = sorted(t)
stages = ["ingest", "validate", "normalize", "dedupe", "aggregate", "publish"]
lines = ["## Pipeline at scale (issues 4, 5, 8)", "",
         f"Measured {datetime.date.today()} on {os.cpu_count()} cores. Command: `bash benches/pipeline.sh` "
         f"(SIZES={' '.join(map(str, sizes))}); input `luban generate --clean --seed 1` (about 5 reports per workshop).", "",
         "| stage | " + " | ".join(f"{n:,} reports: wall s (CPU s, peak MiB)" for n in sizes) + " |",
         "|---|" + "---:|" * len(sizes)]
for st in stages:
    lines.append(f"| {st} | " + " | ".join(f"{t[n][st][0]:.2f} ({t[n][st][1]:.2f}, {t[n][st][2] // 1024})" for n in sizes) + " |")
lines.append("| **run, all stages** | " + " | ".join(f"**{sum(t[n][s][0] for s in stages):.2f}**" for n in sizes) + " |")
lines.append("| workshops out | " + " | ".join(f"{ws[n]:,}" for n in sizes) + " |")
lines.append("| polars alone writing the same Parquet files | " + " | ".join(f"{t[n]['polars_write'][0]:.2f}" for n in sizes) + " |")
lines.append("")
if len(sizes) > 1:
    a, b = sizes[0], sizes[-1]
    lines.append(f"Ratios {b:,} / {a:,} reports (linear would be {b / a:.0f}): " + ", ".join(f"{s} {t[b][s][0] / max(t[a][s][0], 0.01):.1f}" for s in stages) + ".")
for n in sizes:
    ap = t[n]["aggregate"][0] + t[n]["publish"][0]
    lines.append(f"At {n:,}: aggregate + publish {ap:.2f} s vs polars writing alone {t[n]['polars_write'][0]:.2f} s (target ≤ 1.5×: {ap / max(t[n]['polars_write'][0], 0.001):.1f}×; publish also writes CSV, the data package, README and chart).")
lines.append("")
section = "\n".join(lines) + "\n"
text = out.read_text() if out.exists() else "# Benchmarks\n\n"
parts = re.split(r"(?m)^(?=## )", text)
parts = [p for p in parts if not p.startswith("## Pipeline at scale")]
out.write_text("".join(parts).rstrip() + "\n\n" + section)
print(section)
PY
