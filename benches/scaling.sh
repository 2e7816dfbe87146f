#!/usr/bin/env bash
# Parallel scaling: times `scan` on one generated NDJSON file with 1, 2, 4,
# 8 and 16 threads (those up to the machine's cores), detectors off and all
# rules on, RUNS runs each, warm cache, and prints medians with speedup and
# efficiency against one thread.
#
#   benches/scaling.sh [EVENTS] [RUNS]
# Set SCRAPEWATCH to a built binary to skip the build (a bare machine).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-5000000}
runs=${2:-3}
bin=${SCRAPEWATCH:-target/release/scrapewatch}
[ -n "${SCRAPEWATCH:-}" ] || cargo build --release --quiet
out=bench-data/figures-$events
[ -f "$out/ndjson/events.ndjson" ] ||
  $bin generate --out "$out/ndjson" --events "$events" --seed 1 --format ndjson >/dev/null
nd=$out/ndjson/events.ndjson
source benches/measure.sh

cores=$(nproc)
cat "$nd" > /dev/null
echo "events: $events; ndjson $(stat -c %s "$nd") bytes; $cores cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); runs: $runs (medians)"
read -r w _ < <(measure "$runs" wc -l "$nd")
echo "wc -l: $w s"
echo "| threads | --no-detect | speedup | efficiency | all rules | speedup | efficiency | peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
for t in 1 2 4 8 16; do
  [ "$t" -le "$cores" ] || break
  read -r a _ < <(measure "$runs" $bin scan -q --no-detect --threads "$t" "$nd")
  read -r b r < <(measure "$runs" $bin scan -q --threads "$t" --watchlist "$out/ndjson/watchlist.csv" "$nd")
  [ "$t" -gt 1 ] || { a1=$a; b1=$b; }
  awk -v t="$t" -v a="$a" -v b="$b" -v a1="$a1" -v b1="$b1" -v r="$r" 'BEGIN {
    printf "| %2d | %6.2f s | %5.2fx | %4.0f%% | %6.2f s | %5.2fx | %4.0f%% | %5.0f MB |\n",
      t, a, a1 / a, 100 * a1 / a / t, b, b1 / b, 100 * b1 / b / t, r * 1024 / 1e6 }'
done
