# Shared by the benchmark scripts: `measure RUNS CMD...` prints the median
# wall seconds and median peak RSS (KB) of RUNS runs of CMD.
measure() {
  local runs=$1; shift
  local walls=() rss=() tmp line
  tmp=$(mktemp)
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$tmp" "$@" >/dev/null 2>&1 || true
    line=$(tail -1 "$tmp")
    walls+=("${line% *}"); rss+=("${line#* }")
  done
  rm -f "$tmp"
  local mid=$(( (runs + 1) / 2 ))
  echo "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "${mid}p") $(printf '%s\n' "${rss[@]}" | sort -n | sed -n "${mid}p")"
}
