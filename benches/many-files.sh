#!/usr/bin/env bash
# Many files: one scan of FILES one-line NDJSON files (70,000 by default:
# more than a 16-bit file index could name), each line its own account
# and one of 1,000 systems, then checks end to end that every file is
# accounted for with its one event, and that the events' file indices
# name every file (the gaps' per-file count); prints the wall time and peak RSS (medians of RUNS).
#
#   benches/many-files.sh [FILES] [RUNS]
# Set SCRAPEWATCH to a built binary to skip the build.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-70000}
runs=${2:-3}
bin=${SCRAPEWATCH:-target/release/scrapewatch}
[ -n "${SCRAPEWATCH:-}" ] || cargo build --release --quiet
dir=bench-data/many-$files
if [ ! -f "$dir/$((files - 1)).ndjson" ]; then
  mkdir -p "$dir"
  python3 - "$dir" "$files" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(f"{d}/{i}.ndjson", "w") as f:
        f.write('{"ts":"2025-06-02T10:00:00Z","account":"a%d","system":"s%d","record":%d}\n' % (i, i % 1000, i))
PY
fi
summary=$(mktemp)
"$bin" scan -q --no-detect --summary-json "$summary" "$dir/" >/dev/null
python3 - "$summary" "$files" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
n = int(sys.argv[2])
names = sorted(f["path"].rsplit("/", 1)[1] for f in s["per_file"])
assert names == sorted(f"{i}.ndjson" for i in range(n)), "files missing or extra"
assert all(f["events"] == 1 and f["lines"] == 1 for f in s["per_file"])
assert s["events"] == n and s["files"] == n, (s["events"], s["files"])
# Gaps are judged per file by each event's file index, and per system:
# every file and system has one day of history, so each is counted too
# short to judge. A file index that wrapped would merge files here.
assert s["gaps"]["too_short"] == n + min(n, 1000), s["gaps"]
print(f"ok: {n} files, {s['events']} events, each file its one event")
PY
rm -f "$summary"
source benches/measure.sh
read -r wall rss < <(measure "$runs" "$bin" scan -q --no-detect "$dir/")
echo "scan --no-detect of $files files: ${wall} s, peak RSS $((rss / 1024)) MB (median of $runs)"
