#!/usr/bin/env bash
# Pipeline benchmark (issues 4, 5, 8), measured in one run and written to the "Pipeline at
# scale" section of BENCHMARKS.md:
# - every stage run alone (`luban <stage>`), and `luban run --force` end to end, on
#   `luban generate --clean` data, at each size in SIZES; medians of REPEAT rounds;
# - baselines in the same run: polars writing the same Parquet files (issue 5), and a
#   plain polars script doing typed read -> dedupe -> group-by -> Parquet (issue 8);
# - every stage alone once at BIG_SIZES (BIG_STAGES=1), then `luban run --force`
#   BIG_REPEAT times there (10M by default; ~1.5 minutes and 4 GiB each), then once with
#   freed memory kept (BIG_KEPT=1; `src/scale.rs`), with the
#   stage times it prints: every stage at every size, inside the
#   run. Medians, as at SIZES: on this VM the first run after the host took its memory
#   back pays ~10 s more in ingest alone (first touch of 4 GiB; BENCHMARKS.md), so one
#   run is no measure; every run's wall time is listed;
# - the read floor (csv crate) and `frictionless validate` (first 100k rows) in the
#   same run, next to luban's validator on the same input;
# - the cost of one random read in 0.5 and 4 GiB of memory (`benches/random_reads.rs`,
#   RANDOM_READS MiB sizes), the machine's side of the 10M / 1M ratios;
# - the streaming validator at VALIDATE_SIZES (10M by default): the part of luban that
#   already runs in bounded memory.
#
#   bash benches/pipeline.sh                          # SIZES="100000 1000000", REPEAT=3
#   SIZES=100000 REPEAT=1 BIG_SIZES= VALIDATE_SIZES= bash benches/pipeline.sh   # quick look
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/luban-target}
SIZES=${SIZES:-"100000 1000000"}
REPEAT=${REPEAT:-3}
BIG_SIZES=${BIG_SIZES-"10000000"}
BIG_REPEAT=${BIG_REPEAT:-3}
VALIDATE_SIZES=${VALIDATE_SIZES-"10000000"}
RANDOM_READS=${RANDOM_READS-"512 4096"}
FRICTIONLESS_ROWS=${FRICTIONLESS_ROWS:-100000}
VENV=${LUBAN_VENV:-$HOME/.cache/luban-venv}
WORK=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$WORK"
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example csv_floor --example random_reads
LUBAN=$CARGO_TARGET_DIR/release/luban
FLOOR=$CARGO_TARGET_DIR/release/examples/csv_floor
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt

TIMES=$WORK/pipeline-times
: > "$TIMES"
# measure SIZE NAME CMD...: appends "SIZE NAME wall user sys maxrss_kb" to $TIMES
measure() {
  local n=$1 name=$2; shift 2
  /usr/bin/time -f "$n $name %e %U %S %M" -a -o "$TIMES" "$@" > /dev/null 2> "$WORK/last.err" \
    || { echo "$name at $n failed:" >&2; cat "$WORK/last.err" >&2; exit 1; }
}

# inrun SIZE < stderr of `luban run`: appends "SIZE inrun_STAGE seconds 0 0 0" per stage
inrun() {
  awk -v n="$1" '
    function secs(s) { if (s ~ /ms\)$/) { sub(/ms\)$/, "", s); return s / 1000 } sub(/s\)$/, "", s); sub(/^\(/, "", s); return s }
    $1 ~ /^(ingest|validate|normalize|pass|dedupe|aggregate|publish):$/ { t = $NF; sub(/^\(/, "", t); sub(":", "", $1); print n, "inrun_" $1, secs(t), 0, 0, 0 }' >> "$TIMES"
}
# dataset SIZE: a dataset folder with SIZE generated reports (and the real reference data)
dataset() {
  D=$WORK/scale-$1
  rm -rf "$D"; mkdir -p "$D/raw/reports"
  cp -r raw/reference raw/aliases raw/dataset.json raw/claims.csv "$D/raw/"
  cp -r schemas "$D/"
  "$LUBAN" generate --rows "$1" --clean --seed 1 --out "$D/raw/reports/generated.csv"
  echo "$1 bytes $(stat -c %s "$D/raw/reports/generated.csv")" >> "$WORK/pipeline-rows"
}

for n in $SIZES; do
  dataset "$n"
  for _ in $(seq "$REPEAT"); do
    measure "$n" csv_floor "$FLOOR" "$D/raw/reports/generated.csv"
    for st in ingest validate normalize dedupe aggregate publish; do
      measure "$n" "$st" "$LUBAN" --root "$D" "$st" --quiet
    done
    measure "$n" run "$LUBAN" --root "$D" run --force --quiet
    # every stage as `luban run` does it (records in memory, no artifact read)
    "$LUBAN" --root "$D" run --force 2>&1 | inrun "$n"
    "$VENV/bin/python" - "$D" "$n" >> "$TIMES" <<'PY'
import resource, sys, time, pathlib
import polars as pl
d, n = pathlib.Path(sys.argv[1]), sys.argv[2]
out = d / "output"
# (issue 5) polars writing the very Parquet files luban published, already in memory;
# with the CPU time it took (all of polars' threads)
frames = {p.stem: pl.read_parquet(p) for p in sorted(out.glob("*.parquet"))}
cpu = lambda: (lambda r: r.ru_utime + r.ru_stime)(resource.getrusage(resource.RUSAGE_SELF))
start, cpu_start = time.perf_counter(), cpu()
for name, df in frames.items():
    df.write_parquet(out / f"{name}.baseline.parquet", compression="zstd", statistics=True)
print(n, "polars_write", round(time.perf_counter() - start, 3), round(cpu() - cpu_start, 3), 0, 0)
for p in out.glob("*.baseline.parquet"):
    p.unlink()
# (issue 5) polars writing what publish must write from the same tables: the Parquet
# files, and beside them (on a second thread, as publish does) the CSV files, lists
# joined with `;`, each hashed with sha256 for the Data Package
import hashlib, threading
def baseline_csv():
    for name, df in frames.items():
        lists = [c for c, t in df.schema.items() if isinstance(t, pl.List)]
        path = out / f"{name}.baseline.csv"
        df.with_columns(pl.col(c).list.join(";") for c in lists).write_csv(path)
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while b := f.read(1 << 20):
                h.update(b)
start, cpu_start = time.perf_counter(), cpu()
csv_thread = threading.Thread(target=baseline_csv)
csv_thread.start()
for name, df in frames.items():
    df.write_parquet(out / f"{name}.baseline.parquet", compression="zstd", statistics=True)
csv_thread.join()
print(n, "polars_publish", round(time.perf_counter() - start, 3), round(cpu() - cpu_start, 3), 0, 0)
for p in [*out.glob("*.baseline.parquet"), *out.glob("*.baseline.csv")]:
    p.unlink()
# (issue 8) a plain polars pipeline: typed read -> dedupe -> group-by -> Parquet
start = time.perf_counter()
df = pl.read_csv(d / "raw/reports/generated.csv", try_parse_dates=True, infer_schema_length=10000)
ws = (df.with_columns(host_key=pl.col("host_institution").str.to_lowercase())
        .unique(subset=["country", "host_key"], keep="first", maintain_order=True))
by_country = ws.group_by("country").agg(pl.len().alias("workshops"), pl.col("opened_on").min())
ws.write_parquet(d / "baseline-workshops.parquet")
by_country.write_parquet(d / "baseline-countries.parquet")
print(n, "polars_pipeline", round(time.perf_counter() - start, 3), 0, 0, 0)
PY
  done
  echo "$n workshops $(($(wc -l < "$D/output/workshops.csv") - 1))" >> "$WORK/pipeline-rows"
  rm -rf "$D/build"
done

# frictionless and luban's validator on the same first rows of the last size, once
if [ -n "$SIZES" ]; then
  head -n $((FRICTIONLESS_ROWS + 1)) "$D/raw/reports/generated.csv" > "$WORK/head.csv"
  cp benches/validate.schema.json "$WORK/head.schema.json"
  (cd "$WORK" && measure "$FRICTIONLESS_ROWS" frictionless "$VENV/bin/python" -m frictionless validate head.csv --schema head.schema.json --json) || true
  measure "$FRICTIONLESS_ROWS" validate_head "$LUBAN" validate "$WORK/head.csv" --schema benches/validate.schema.json --jobs 2 --quiet
fi

for n in $BIG_SIZES; do
  dataset "$n"
  measure "$n" csv_floor "$FLOOR" "$D/raw/reports/generated.csv"
  # every stage alone once (wall, CPU and peak RSS of each; BIG_STAGES=0 skips them)
  if [ "${BIG_STAGES:-1}" = 1 ]; then
    for st in ingest validate normalize dedupe aggregate publish; do
      measure "$n" "$st" "$LUBAN" --root "$D" "$st" --quiet
    done
  fi
  # `luban run` prints each stage's time; the peak RSS is the run's
  for _ in $(seq "$BIG_REPEAT"); do
    measure "$n" run "$LUBAN" --root "$D" run --force
    inrun "$n" < "$WORK/last.err"
  done
  # the other side of `luban::scale`'s trade at this size: freed memory kept (faster,
  # more memory), once
  if [ "${BIG_KEPT:-1}" = 1 ]; then
    measure "$n" run_kept env LUBAN_RETURN_FREED=off "$LUBAN" --root "$D" run --force
  fi
  echo "$n workshops $(($(wc -l < "$D/output/workshops.csv") - 1))" >> "$WORK/pipeline-rows"
  rm -rf "$D/build" "$D/output"
done

for n in $VALIDATE_SIZES; do
  F=$WORK/scale-$n/raw/reports/generated.csv
  if [ ! -f "$F" ]; then
    F=$WORK/validate-$n.csv
    "$LUBAN" generate --rows "$n" --clean --seed 1 --out "$F"
    echo "$n bytes $(stat -c %s "$F")" >> "$WORK/pipeline-rows"
  fi
  measure "$n" validate_stream "$LUBAN" validate "$F" --schema benches/validate.schema.json --jobs 2 --quiet
done
rm -rf "$WORK"/scale-* "$WORK"/validate-*.csv
: > "$WORK/random-reads"
if [ -n "$RANDOM_READS" ]; then
  # shellcheck disable=SC2086 # the sizes are separate arguments
  "$CARGO_TARGET_DIR/release/examples/random_reads" $RANDOM_READS > "$WORK/random-reads"
fi

"$VENV/bin/python" - "$TIMES" "$WORK/pipeline-rows" BENCHMARKS.md "$REPEAT" "$VALIDATE_SIZES" "$FRICTIONLESS_ROWS" "$BIG_REPEAT" "$WORK/random-reads" "$RANDOM_READS" <<'PY'
import collections, datetime, os, pathlib, re, statistics, sys
times, rows, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
repeat, vsizes, fl_rows, big_repeat = sys.argv[4], sys.argv[5].split(), int(sys.argv[6]), sys.argv[7]
random_reads, random_sizes = pathlib.Path(sys.argv[8]).read_text().strip(), sys.argv[9]
runs = collections.defaultdict(lambda: collections.defaultdict(list))
for line in times.read_text().split("\n"):
    p = line.split()
    # /usr/bin/time also writes "Command exited with non-zero status N" lines
    if len(p) == 6 and p[0].isdigit():
        n, name, wall, user, sys_, rss = p
        runs[int(n)][name].append((float(wall), float(user) + float(sys_), int(rss)))
def med(n, name):
    v = runs[n][name]
    return (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v), max(x[2] for x in v))
def has(n, name):
    return bool(runs[n][name])
info = collections.defaultdict(dict)
for l in rows.read_text().split("\n"):
    if l.strip():
        n, k, v = l.split()
        info[int(n)][k] = int(v)
stages = ["ingest", "validate", "normalize", "dedupe", "aggregate", "publish"]
sizes = sorted(n for n in runs if has(n, "polars_write"))  # every stage run alone, REPEAT times
all_sizes = sorted(n for n in runs if has(n, "inrun_ingest"))  # and the big runs
big = [n for n in all_sizes if n not in sizes]
alone_sizes = sorted(n for n in runs if has(n, "ingest") and has(n, "run"))  # stages alone: SIZES, and BIG_SIZES once
def cell(n, name, fmt):
    return fmt(n) if has(n, name) else "—"
L = ["## Pipeline at scale (issues 4, 5, 8)", "",
     f"Measured {datetime.date.today()} on {os.cpu_count()} cores (24 GiB). Command: `bash benches/pipeline.sh` "
     f"(SIZES={' '.join(map(str, sizes))}, REPEAT={repeat}: medians of the rounds; peak RSS is the largest; "
     f"BIG_SIZES={' '.join(map(str, big))}, BIG_REPEAT={big_repeat}: medians of `luban run --force`, "
     "wall times of each run listed below the tables); "
     "input `luban generate --clean --seed 1` (about 5 reports per workshop, 12 countries).", "",
     "Each stage run alone (reading the previous stage's artifact; once at "
     + (", ".join(f"{n:,}" for n in alone_sizes if n in big) or "no big size") + "):", "",
     "| what | " + " | ".join(f"{n:,} reports: wall s (CPU s, peak MiB)" for n in alone_sizes) + " |",
     "|---|" + "---:|" * len(alone_sizes)]
for st in stages:
    L.append(f"| `luban {st}` alone | " + " | ".join("{:.2f} ({:.2f}, {})".format(*med(n, st)[:2], med(n, st)[2] // 1024) for n in alone_sizes) + " |")
L.append("| **`luban run --force`**, end to end | " + " | ".join("**{:.2f}** ({:.2f}, {})".format(*med(n, 'run')[:2], med(n, 'run')[2] // 1024) for n in alone_sizes) + " |")
L.append("| aggregate + publish inside `luban run` (stage times it prints) | " + " | ".join(f"{med(n, 'inrun_aggregate')[0] + med(n, 'inrun_publish')[0]:.2f}" for n in alone_sizes) + " |")
L.append("| baseline: polars writing the same Parquet files | " + " | ".join(cell(n, "polars_write", lambda n: f"{med(n, 'polars_write')[0]:.2f}") for n in alone_sizes) + " |")
L.append("| baseline: polars writing the same Parquet files and, beside them, the same tables as CSV with their sha256 | " + " | ".join(cell(n, "polars_publish", lambda n: f"{med(n, 'polars_publish')[0]:.2f}") for n in alone_sizes) + " |")
L.append("| baseline: plain polars read → dedupe → group-by → Parquet | " + " | ".join(cell(n, "polars_pipeline", lambda n: f"{med(n, 'polars_pipeline')[0]:.2f}") for n in alone_sizes) + " |")
L.append("| baseline: csv crate read floor of the raw reports | " + " | ".join(f"{med(n, 'csv_floor')[0]:.2f}" for n in alone_sizes) + " |")
L.append("| workshops out | " + " | ".join(f"{info[n]['workshops']:,}" for n in alone_sizes) + " |")
L.append("")
# every stage inside `luban run`, at every size: the linearity target is about these
mb = {n: info[n].get("bytes", 0) / 1e6 for n in all_sizes}
L += ["Inside `luban run --force` (the stage times it prints; medians of the runs at every size), "
      "with rows/s and MB/s of raw CSV:", "",
      "| stage | " + " | ".join(f"{n:,} reports ({mb[n]:,.0f} MB): s, rows/s, MB/s" for n in all_sizes) + " |",
      "|---|" + "---:|" * len(all_sizes)]
for st in stages:
    cells = []
    for n in all_sizes:
        t = max(med(n, "inrun_" + st)[0], 0.001)
        cells.append(f"{t:.2f}, {n / t:,.0f}, {mb[n] / t:,.0f}")
    L.append(f"| {st} | " + " | ".join(cells) + " |")
    if st == "normalize" and all(has(n, "inrun_pass") for n in all_sizes):
        # the three stages above are parts of one pass, and their times overlap
        cells = []
        for n in all_sizes:
            t = max(med(n, "inrun_pass")[0], 0.001)
            cells.append(f"{t:.2f}, {n / t:,.0f}, {mb[n] / t:,.0f}")
        L.append("| ingest → normalize, the one pass they run in (wall) | " + " | ".join(cells) + " |")
cells = []
for n in all_sizes:
    w, c, rss = med(n, "run")
    cells.append(f"**{w:.2f}**, {n / w:,.0f}, {mb[n] / w:,.0f} (CPU {c:.1f} s, peak {rss // 1024:,} MiB)")
L.append("| **whole run** | " + " | ".join(cells) + " |")
cells = []
for n in all_sizes:
    t = med(n, "csv_floor")[0] if has(n, "csv_floor") else 0
    cells.append(f"{t:.2f}, {n / max(t, 0.001):,.0f}, {mb[n] / max(t, 0.001):,.0f}" if t else "—")
L.append("| baseline: csv crate read floor | " + " | ".join(cells) + " |")
L.append("")
for n in big:
    L.append(f"`luban run --force` at {n:,}, each run in order: "
             + ", ".join(f"{w:.1f} s (CPU {c:.1f} s, peak {rss // 1024:,} MiB)" for w, c, rss in runs[n]["run"])
             + "; a run right after the host reclaimed memory can pay for first touch (see the notes above).")
    w, c, rss = med(n, "run")
    L.append(f"Peak RSS at {n:,}: {rss / 2**20:.2f} GiB, the largest of the runs (target < 4 GiB; "
             "large inputs return freed memory to the kernel, `src/scale.rs`).")
    if has(n, "run_kept"):
        kw, kc, krss = med(n, "run_kept")
        small = [a for a in sizes if a < n]
        ratio = f"; whole run {kw / med(small[-1], 'run')[0]:.1f}× the {small[-1]:,} run" if small else ""
        L.append(f"The same run with freed memory kept (`LUBAN_RETURN_FREED=off`, once, after the runs above): {kw:.1f} s "
                 f"(CPU {kc:.1f} s), peak {krss / 2**20:.2f} GiB, against the median {w:.1f} s{ratio}.")
for a, b in zip(all_sizes, all_sizes[1:]):
    L.append(f"Ratios {b:,} / {a:,} reports inside `luban run` (linear would be {b / a:.0f}; target ≤ 11 for 10M / 1M): "
             + ", ".join(f"{s} {med(b, 'inrun_' + s)[0] / max(med(a, 'inrun_' + s)[0], 0.01):.1f}"
                         for s in stages + (["pass"] if has(a, "inrun_pass") and has(b, "inrun_pass") else []))
             + f", whole run {med(b, 'run')[0] / max(med(a, 'run')[0], 0.01):.1f}.")
for a, b in zip(alone_sizes, alone_sizes[1:]):
    L.append(f"Ratios {b:,} / {a:,} reports, stages run alone: " + ", ".join(f"{s} {med(b, s)[0] / max(med(a, s)[0], 0.01):.1f}" for s in stages + ['run']) + ".")
for n in sizes:
    alone = med(n, "aggregate")[0] + med(n, "publish")[0]
    inrun = med(n, "inrun_aggregate")[0] + med(n, "inrun_publish")[0]
    pw = max(med(n, "polars_write")[0], 0.001)
    L.append(f"At {n:,}: aggregate + publish {inrun:.2f} s inside `luban run` ({inrun / pw:.1f}× polars' write), "
             f"{alone:.2f} s run alone ({alone / pw:.1f}×), vs polars writing alone {pw:.2f} s, CPU {med(n, 'polars_write')[1]:.2f} s "
             f"(target ≤ 1.5×); "
             + (f"polars writing the same Parquet files and the same tables as CSV with their sha256 {med(n, 'polars_publish')[0]:.2f} s, CPU {med(n, 'polars_publish')[1]:.2f} s "
                f"({med(n, 'polars_publish')[0] / pw:.1f}× its Parquet alone; luban inside the run "
                f"{inrun / max(med(n, 'polars_publish')[0], 0.001):.2f}× this); " if has(n, "polars_publish") else "")
             + f"`luban run` {med(n, 'run')[0]:.2f} s vs the plain polars pipeline {med(n, 'polars_pipeline')[0]:.2f} s "
             f"({med(n, 'run')[0] / max(med(n, 'polars_pipeline')[0], 0.001):.1f}×). "
             f"validate CPU/wall {med(n, 'validate')[1] / max(med(n, 'validate')[0], 0.001):.2f} (target ≥ 1.6).")
if has(fl_rows, "frictionless") and has(fl_rows, "validate_head"):
    fr, lv = med(fl_rows, "frictionless")[0], med(fl_rows, "validate_head")[0]
    L.append(f"`frictionless validate` on the first {fl_rows:,} reports (schema `benches/validate.schema.json`): {fr:.2f} s "
             f"({fl_rows / fr:,.0f} rows/s); `luban validate` on the same file {lv:.2f} s ({fl_rows / max(lv, 0.001):,.0f} rows/s, "
             f"{fr / max(lv, 0.001):.0f}× faster).")
for n in map(int, vsizes):
    if n in runs and "validate_stream" in runs[n]:
        w, c, rss = med(n, "validate_stream")
        vmb = info[n]["bytes"] / 1e6
        L.append(f"Streaming validator on {n:,} rows ({vmb:,.0f} MB, `luban validate FILE --jobs 2`): {w:.1f} s, "
                 f"{n / w:,.0f} rows/s, {vmb / w:.0f} MB/s, CPU/wall {c / w:.2f}, peak RSS {rss // 1024} MiB.")
if random_reads:
    L += ["", "One random read in a plain array of each size, the same run (`cargo run --release --example random_reads -- "
          f"{random_sizes}`; `benches/random_reads.rs`): a `luban run` at 1M peaks at ~0.5 GiB, at 10M at ~4 GiB.", "", random_reads]
L.append("")
section = "\n".join(L) + "\n"
text = out.read_text() if out.exists() else "# Benchmarks\n\n"
parts = re.split(r"(?m)^(?=## )", text)
parts = [p for p in parts if not p.startswith("## Pipeline at scale")]
out.write_text("".join(parts).rstrip() + "\n\n" + section)
print(section)
PY
