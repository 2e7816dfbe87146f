# Shared by the benchmark scripts: `measure RUNS CMD...` prints the median
# wall seconds and median peak RSS (KB) of RUNS runs of CMD. Uses GNU time
# where it is installed, else python3 (a bare machine has one or the other).
measure() {
  local runs=$1; shift
  local walls=() rss=() tmp line
  tmp=$(mktemp)
  for _ in $(seq "$runs"); do
    if [ -x /usr/bin/time ]; then
      /usr/bin/time -f "%e %M" -o "$tmp" "$@" >/dev/null 2>&1 || true
    else
      python3 - "$tmp" "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
open(sys.argv[1], "w").write(f"{wall:.3f} {rss}\n")
PY
    fi
    line=$(tail -1 "$tmp")
    walls+=("${line% *}"); rss+=("${line#* }")
  done
  rm -f "$tmp"
  local mid=$(( (runs + 1) / 2 ))
  echo "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "${mid}p") $(printf '%s\n' "${rss[@]}" | sort -n | sed -n "${mid}p")"
}
