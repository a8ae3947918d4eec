#!/usr/bin/env bash
# API latency benchmark: open-loop load at fixed rates against an embedded
# and a server-mode `simgraph serve` (scripts/apilatency/main.go); prints
# p50/p99 of tenantInfo, simulations(first:20) and the bare __typename, and
# their ratios. Server mode needs the local PostgreSQL and Redis (see README).
# Environment: API_LATENCY_SECONDS (default 20 per rate and query),
# API_LATENCY_RATES (200,500,1000), API_LATENCY_MODES (embedded,server).
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/simgraph" .
go build -o "$tmp/apilatency" ./scripts/apilatency
"$tmp/apilatency" -bin "$tmp/simgraph" "$@"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: other processes distort these latencies)"
