#!/usr/bin/env bash
# Peers, side by side in one run, on the same generated files, warm cache,
# medians of RUNS runs: wc -l (reading the bytes), scrapewatch with
# detectors off and with all rules, the same three detector families as
# DuckDB SQL (duckdb from PyPI in bench-data/venv), and GoAccess on the
# combined-log-format file (Debian package).
#
#   benches/peers/run.sh [EVENTS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
events=${1:-5000000}
runs=${2:-3}
source benches/measure.sh

if [ ! -x bench-data/venv/bin/python ] || ! bench-data/venv/bin/python -c 'import duckdb' 2>/dev/null; then
  python3 -m venv bench-data/venv
  bench-data/venv/bin/pip install -q duckdb
fi
if ! command -v goaccess >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq goaccess) >/dev/null
fi
cargo build --release --quiet
bin=target/release/scrapewatch
out=bench-data/peers-$events
[ -f "$out/ndjson/events.ndjson" ] || $bin generate --out "$out/ndjson" --events "$events" --seed 1
[ -f "$out/clf/events.log" ] || $bin generate --out "$out/clf" --events "$events" --seed 1 --format clf
nd=$out/ndjson/events.ndjson
clf=$out/clf/events.log
pq=$out/parquet/events.parquet
if [ ! -f "$pq" ]; then
  mkdir -p "$out/parquet"
  cargo run --release --quiet --example ndjson_to_parquet -- "$nd" "$pq"
fi
cat "$nd" "$clf" "$pq" > /dev/null

declare -a rows
add() { # name file cmd...
  local name=$1 file=$2; shift 2
  local w r
  read -r w r < <(measure "$runs" "$@")
  rows+=("$name|$file|$w|$r")
}
add "wc -l" "$nd" wc -l "$nd"
add "scrapewatch --no-detect" "$nd" $bin scan -q --no-detect "$nd"
add "scrapewatch, all rules" "$nd" $bin scan -q --watchlist "$out/ndjson/watchlist.csv" "$nd"
add "DuckDB SQL, 5 queries" "$nd" bench-data/venv/bin/python benches/peers/duckdb_families.py "$nd" "$out/ndjson/watchlist.csv"
add "scrapewatch --no-detect (parquet)" "$pq" $bin scan -q --no-detect "$pq"
add "scrapewatch, all rules (parquet)" "$pq" $bin scan -q --watchlist "$out/ndjson/watchlist.csv" "$pq"
add "DuckDB SQL, 5 queries (parquet)" "$pq" bench-data/venv/bin/python benches/peers/duckdb_families.py "$pq" "$out/ndjson/watchlist.csv"
add "wc -l (clf)" "$clf" wc -l "$clf"
add "scrapewatch, all rules (clf)" "$clf" $bin scan -q --config "$out/clf/config.toml" --watchlist "$out/clf/watchlist.csv" "$clf"
add "GoAccess (clf)" "$clf" goaccess "$clf" --log-format=COMBINED --no-global-config -o "$out/goaccess.json"

# The reference for the ratio: scrapewatch with all rules on the same file.
ref_nd=$(printf '%s\n' "${rows[@]}" | awk -F'|' '$1 == "scrapewatch, all rules" { print $3 }')
ref_clf=$(printf '%s\n' "${rows[@]}" | awk -F'|' '$1 == "scrapewatch, all rules (clf)" { print $3 }')
echo "events: $events; runs: $runs (medians); commit $(git rev-parse --short HEAD); $(nproc) cores"
echo "| tool | wall | GB/s | events/s | peak RSS | x scrapewatch (all rules) |"
echo "|---|---|---|---|---|---|"
for row in "${rows[@]}"; do
  IFS='|' read -r name file w r <<<"$row"
  ref=$ref_nd; [[ $file == *.log ]] && ref=$ref_clf
  awk -v n="$name" -v s="$(stat -c %s "$file")" -v w="$w" -v r="$r" -v e="$events" -v ref="$ref" 'BEGIN {
    printf "| %s | %.2f s | %.2f | %.2f M | %.0f MB | %.2f |\n", n, w, s / w / 1e9, e / w / 1e6, r * 1024 / 1e6, w / ref }'
done
