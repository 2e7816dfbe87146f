#!/usr/bin/env bash
# The hot-path regression guard: instruction counts (callgrind), not
# seconds, so it is repeatable on a shared machine. Runs each workload of
# examples/hotpath.rs under callgrind, counting only its `measured_*`
# function, compares with benches/guard-baseline.txt and fails when any
# grows by more than the tolerance. Prints every workload's change.
#
#   benches/guard.sh              check against the baseline
#   benches/guard.sh --update     rewrite the baseline (commit the change:
#                                 a refresh is visible in review)
#   benches/guard.sh --selftest   build with a deliberately slowed hot path
#                                 (feature guard-selftest) and require the
#                                 guard to fail
# Environment: GUARD_TOLERANCE (percent, default 3), GUARD_BASELINE (file).
#
# Counts depend on the CPU features that runtime dispatch picks (memchr uses
# AVX2 where it can), so the baseline records the CPU it was measured on; on
# another CPU the check prints its table and a warning instead of failing.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=${GUARD_BASELINE:-benches/guard-baseline.txt}
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); $(grep -o -w -E 'avx2|avx512f|bmi2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
tolerance=${GUARD_TOLERANCE:-3}
workloads=(parse-ndjson parse-csv parse-clf detect)
mode=${1:-check}

if [ "$mode" = "--selftest" ]; then
  # Against a baseline measured here and now, so it holds on any machine.
  echo "guard self-test: a build with the slowed hot path must fail the guard"
  fresh=$(mktemp)
  GUARD_BASELINE=$fresh "$0" --update >/dev/null
  if GUARD_BASELINE=$fresh CARGO_TARGET_DIR=target/guard-selftest GUARD_FEATURES=guard-selftest "$0"; then
    rm -f "$fresh"
    echo "guard self-test FAILED: the slowed build passed the guard"
    exit 1
  fi
  rm -f "$fresh"
  echo "guard self-test passed: the slowed build was caught"
  exit 0
fi

target=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --example hotpath ${GUARD_FEATURES:+--features "$GUARD_FEATURES"}
bin=$target/release/examples/hotpath

count() {
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*measured_*' "$bin" "$1" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
  rm -f "$out"
}

declare -A now
for w in "${workloads[@]}"; do
  now[$w]=$(count "$w")
done

if [ "$mode" = "--update" ]; then
  {
    echo "# Instruction counts of examples/hotpath.rs workloads (benches/guard.sh --update)."
    echo "# cpu: $cpu"
    for w in "${workloads[@]}"; do echo "$w ${now[$w]}"; done
  } > "$baseline"
  echo "wrote $baseline"
  cat "$baseline"
  exit 0
fi

status=0
same_cpu=1
if [ "$(sed -n 's/^# cpu: //p' "$baseline")" != "$cpu" ]; then
  same_cpu=0
fi
printf '| %-13s | %14s | %14s | %8s |\n' workload baseline now change
printf '|---|---|---|---|\n'
for w in "${workloads[@]}"; do
  base=$(awk -v w="$w" '$1 == w { print $2 }' "$baseline")
  if [ -z "$base" ]; then
    printf '| %-13s | %14s | %14s | %8s |\n' "$w" "-" "${now[$w]}" "new"
    status=1
    continue
  fi
  change=$(awk -v a="$base" -v b="${now[$w]}" 'BEGIN { printf "%+.2f%%", (b - a) * 100 / a }')
  printf '| %-13s | %14s | %14s | %8s |\n' "$w" "$base" "${now[$w]}" "$change"
  if awk -v a="$base" -v b="${now[$w]}" -v t="$tolerance" 'BEGIN { exit !((b - a) * 100 / a > t) }'; then
    echo "REGRESSION: $w grew by $change (tolerance ${tolerance}%)"
    status=1
  fi
done
if [ "$same_cpu" = 0 ]; then
  echo "WARNING: the baseline was measured on another CPU ($(sed -n 's/^# cpu: //p' "$baseline")),"
  echo "this one is ($cpu): counts are not comparable, so the guard does not fail."
  echo "Refresh the baseline on this kind of machine: benches/guard.sh --update"
  exit 0
fi
exit $status
