#!/usr/bin/env bash
# Reproduces the scan figures in BENCHMARKS.md: generates the inputs with
# fixed seeds (into bench-data/, never committed), warms the page cache,
# then times wc -l and scrapewatch side by side, RUNS times each, and
# prints medians with peak RSS.
#
#   benches/scan-figures.sh [EVENTS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-5000000}
runs=${2:-5}
bin=target/release/scrapewatch
cargo build --release --quiet
out=bench-data/figures-$events
if [ ! -f "$out/ndjson/events.ndjson" ]; then
  $bin generate --out "$out/ndjson" --events "$events" --seed 1 --format ndjson
  $bin generate --out "$out/clf" --events "$events" --seed 1 --format clf
fi
nd=$out/ndjson/events.ndjson
clf=$out/clf/events.log

source benches/measure.sh

row() { # name file wall rss_kb
  local name=$1 file=$2 wall=$3 rss=$4 size
  size=$(stat -c %s "$file")
  awk -v n="$name" -v s="$size" -v w="$wall" -v r="$rss" -v e="$events" -v base="$5" 'BEGIN {
    printf "| %-34s | %6.2f s | %6.2f GB/s | %6.2f M/s | %7.0f MB | %5.1fx |\n", n, w, s / w / 1e9, e / w / 1e6, r * 1024 / 1e6, w / base }'
}

cat "$nd" "$clf" > /dev/null
echo "events: $events; ndjson $(stat -c %s "$nd") bytes; clf $(stat -c %s "$clf") bytes; runs: $runs (medians)"
echo "| command                            |     wall |   throughput |   events/s | peak RSS |  x wc |"
echo "|---|---|---|---|---|---|"
read -r w r < <(measure "$runs" wc -l "$nd"); base=$w
row "wc -l (ndjson)" "$nd" "$w" "$r" "$base"
read -r w r < <(measure "$runs" $bin scan -q --no-detect "$nd"); row "scan --no-detect (ndjson)" "$nd" "$w" "$r" "$base"
read -r w r < <(measure "$runs" $bin scan -q --watchlist "$out/ndjson/watchlist.csv" "$nd"); row "scan, all rules (ndjson)" "$nd" "$w" "$r" "$base"
read -r w r < <(measure "$runs" wc -l "$clf"); cbase=$w
row "wc -l (clf)" "$clf" "$w" "$r" "$cbase"
read -r w r < <(measure "$runs" $bin scan -q --no-detect --config "$out/clf/config.toml" "$clf"); row "scan --no-detect (clf)" "$clf" "$w" "$r" "$cbase"
read -r w r < <(measure "$runs" $bin scan -q --config "$out/clf/config.toml" --watchlist "$out/clf/watchlist.csv" "$clf"); row "scan, all rules (clf)" "$clf" "$w" "$r" "$cbase"
