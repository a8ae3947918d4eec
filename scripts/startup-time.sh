#!/usr/bin/env bash
# Measures the time from exec to a ready /readyz in embedded mode, on a
# fresh data dir (first start: creates six SQLite files and migrates them)
# and on an existing one (a restart). Prints milliseconds per run and the
# median of each.
set -euo pipefail
bin=${1:-bin/simgraph}
runs=${RUNS:-5}
port=${PORT:-18631}
measure() { # $1 = data dir
  local start end
  start=$(date +%s%N)
  SIMGRAPH_DATA_DIR=$1 SIMGRAPH_ADDR=127.0.0.1:$port SIMGRAPH_LOG_LEVEL=error "$bin" serve >/dev/null 2>&1 &
  local pid=$!
  until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { echo "server exited" >&2; exit 1; }
    sleep 0.002
  done
  end=$(date +%s%N)
  kill -TERM $pid; wait $pid 2>/dev/null || true
  echo $(( (end - start) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
first=(); restart=()
for i in $(seq "$runs"); do
  first+=("$(measure "$tmp/fresh$i")")
  restart+=("$(measure "$tmp/fresh$i")")
done
echo "first start (ms): ${first[*]}  median $(printf '%s\n' "${first[@]}" | median)"
echo "restart     (ms): ${restart[*]}  median $(printf '%s\n' "${restart[@]}" | median)"
