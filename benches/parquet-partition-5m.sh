#!/usr/bin/env bash
# The same 5M events as NDJSON and as Parquet (scan without and with
# detection, medians of 3, findings compared), then one scan against
# partition --buckets 4 + four detect processes at once + merge, three
# rounds side by side, the bucket size and each step's peak RSS.
#
#   benches/parquet-partition-5m.sh   (after benches/ab.sh or scan-figures.sh made the 5M files)
set -euo pipefail
cd "$(dirname "$0")/.."
B=target/release/scrapewatch
cargo build --release --quiet
out=bench-data/figures-5000000
nd=$out/ndjson/events.ndjson
wl=$out/ndjson/watchlist.csv
pq=bench-data/pq-5m/events.parquet
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p bench-data/pq-5m
cargo build --release --quiet --example ndjson_to_parquet
[ -f "$pq" ] || target/release/examples/ndjson_to_parquet "$nd" "$pq"
ls -l "$nd" "$pq"
source benches/measure.sh
cat "$nd" "$pq" > /dev/null
echo "commit $(git rev-parse --short HEAD) load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ndjson no-detect: $(measure 3 $B scan -q --no-detect "$nd")"
echo "parquet no-detect: $(measure 3 $B scan -q --no-detect "$pq")"
echo "ndjson all: $(measure 3 $B scan -q --watchlist "$wl" "$nd")"
echo "parquet all: $(measure 3 $B scan -q --watchlist "$wl" "$pq")"
$B scan -q --watchlist "$wl" --output-format json "$nd" -o $tmp/nd.json || true
$B scan -q --watchlist "$wl" --output-format json "$pq" -o $tmp/pq.json || true
# Identical but for the file named in the samples.
sed "s#$nd#X#g" $tmp/nd.json > $tmp/a; sed "s#$pq#X#g" $tmp/pq.json > $tmp/b
cmp $tmp/a $tmp/b && echo "parquet findings == ndjson findings ($(wc -l < $tmp/a))"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
# partition, the four detects at once (as four machines would run them,
# here sharing 2 cores), merge; a plain scan before each round.
for i in 1 2 3; do
  s=$(date +%s.%N); $B scan -q --watchlist "$wl" --output-format json "$nd" -o $tmp/scan.json || true; e=$(date +%s.%N)
  echo "scan run $i: $(echo "$e - $s" | bc)"
  s=$(date +%s.%N); rm -rf $tmp/p; $B partition --buckets 4 --out $tmp/p "$nd" --watchlist "$wl" -q; m=$(date +%s.%N)
  for k in 0 1 2 3; do $B detect $tmp/p --bucket $k & done; wait; d=$(date +%s.%N)
  $B merge $tmp/p --output-format json -q -o $tmp/merge.json || true; e=$(date +%s.%N)
  echo "partition run $i: partition $(echo "$m - $s" | bc) detect4 $(echo "$d - $m" | bc) merge $(echo "$e - $d" | bc) total $(echo "$e - $s" | bc)"
done
du -sh $tmp/p
cmp $tmp/scan.json $tmp/merge.json && echo "merge == scan"
/usr/bin/time -f "partition peak RSS %M KB" $B partition --buckets 4 --out $tmp/p2 "$nd" --watchlist "$wl" -q 2>&1 | tail -1 || true
/usr/bin/time -f "detect peak RSS %M KB" $B detect $tmp/p2 --bucket 0 2>&1 | tail -1 || true
/usr/bin/time -f "merge peak RSS %M KB" $B merge $tmp/p2 --output-format json -q -o /dev/null 2>&1 | tail -1 || true
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
