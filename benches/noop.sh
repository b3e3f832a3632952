#!/usr/bin/env bash
# No-op timings (issue 6): `luban run` and `luban check` on the real dataset when nothing
# changed, median of REPEAT runs. Writes the "No-op runs" section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/luban-target}
REPEAT=${REPEAT:-9}
cargo build --release --locked --quiet
LUBAN=$CARGO_TARGET_DIR/release/luban
WORK=$(mktemp -d)
cp -r raw schemas output "$WORK/"
"$LUBAN" --root "$WORK" run --quiet   # the build to skip against
: > "$WORK/times"
for _ in $(seq "$REPEAT"); do
  /usr/bin/time -f "run %e" -a -o "$WORK/times" "$LUBAN" --root "$WORK" run --quiet
  /usr/bin/time -f "force %e" -a -o "$WORK/times" "$LUBAN" --root "$WORK" run --quiet --force
  /usr/bin/time -f "check %e" -a -o "$WORK/times" "$LUBAN" --root "$WORK" check --quiet
done
median() { awk -v n="$1" '$1 == n { print $2 }' "$WORK/times" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
python3 - BENCHMARKS.md "$(median run)" "$(median force)" "$(median check)" "$(nproc)" "$REPEAT" <<'PY'
import datetime, pathlib, re, sys
out, run, force, check, cores, repeat = sys.argv[1:]
ms = lambda s: f"{float(s) * 1000:.0f} ms"
section = "\n".join([
    "## No-op runs (issue 6)", "",
    f"Measured {datetime.date.today()} on {cores} cores. Command: `bash benches/noop.sh` (median of {repeat}) on a copy of the real dataset.", "",
    "| command | wall | target |", "|---|---:|---|",
    f"| `luban run`, nothing changed (every stage skipped) | {ms(run)} | < 200 ms |",
    f"| `luban run --force` (every stage runs) | {ms(force)} | |",
    f"| `luban check` (validates every table, rebuilds output/ in a temp copy) | {ms(check)} | < 200 ms |", "",
])
p = pathlib.Path(out)
text = p.read_text() if p.exists() else "# Benchmarks\n\n"
parts = [x for x in re.split(r"(?m)^(?=## )", text) if not x.startswith("## No-op runs")]
p.write_text("".join(parts).rstrip() + "\n\n" + section)
print(section)
PY
