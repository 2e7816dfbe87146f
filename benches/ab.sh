#!/usr/bin/env bash
# A/B timing of two commits on this machine: builds OLD (a commit) in a
# worktree and the working tree as NEW, then alternates them, ROUNDS
# rounds, on the 5M-event files of scan-figures.sh (NDJSON and CLF with
# detectors off, NDJSON with all rules), and prints medians and the ratio.
# Alternating puts both under the same machine noise.
#
#   benches/ab.sh OLD [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
old_rev=${1:?usage: benches/ab.sh OLD_COMMIT [ROUNDS]}
rounds=${2:-5}
tree=bench-data/ab-worktree
git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
git worktree add -q --detach "$tree" "$old_rev"
trap 'git worktree remove --force "$tree"' EXIT
(cd "$tree" && CARGO_TARGET_DIR=../ab-target cargo build --release --quiet)
cargo build --release --quiet
old=bench-data/ab-target/release/scrapewatch
new=target/release/scrapewatch
out=bench-data/figures-5000000
[ -f "$out/ndjson/events.ndjson" ] || $new generate --out "$out/ndjson" --events 5000000 --seed 1 --format ndjson >/dev/null
[ -f "$out/clf/events.log" ] || $new generate --out "$out/clf" --events 5000000 --seed 1 --format clf >/dev/null
nd=$out/ndjson/events.ndjson
clf=$out/clf/events.log
source benches/measure.sh
cat "$nd" "$clf" >/dev/null
declare -A w
for _ in $(seq "$rounds"); do
  for b in old new; do
    bin=${!b}
    read -r t _ < <(measure 1 "$bin" scan -q --no-detect "$nd"); w[$b-ndjson]+="$t "
    read -r t _ < <(measure 1 "$bin" scan -q --no-detect --config "$out/clf/config.toml" "$clf"); w[$b-clf]+="$t "
    read -r t _ < <(measure 1 "$bin" scan -q --watchlist "$out/ndjson/watchlist.csv" "$nd"); w[$b-all]+="$t "
  done
done
median() { printf '%s\n' $1 | sort -n | sed -n "$(( (rounds + 1) / 2 ))p"; }
echo "old $old_rev, new $(git rev-parse --short HEAD)$(git diff --quiet || echo +changes); $rounds rounds, medians"
for k in ndjson clf all; do
  o=$(median "${w[old-$k]}"); n=$(median "${w[new-$k]}")
  awk -v k="$k" -v o="$o" -v n="$n" -v os="${w[old-$k]}" -v ns="${w[new-$k]}" \
    'BEGIN { printf "%-7s old %.2f s  new %.2f s  %.3fx   (old: %s new: %s)\n", k, o, n, o / n, os, ns }'
done
