#!/usr/bin/env bash
# Progress fan-out benchmark: 1,000, 10,000 and 20,000 websocket
# subscribers to one simulation on loopback; prints publish-to-client
# latency p50/p99 and the server's memory per subscriber. Needs the local
# PostgreSQL and Redis (see README). Not part of `make test`.
# FANOUT_PPROF=DIR builds the server with its profiles served and writes
# a heap and a CPU profile of each round into DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
tags=()
if [ -n "${FANOUT_PPROF:-}" ]; then
	tags=(-tags fanoutpprof)
	mkdir -p "$FANOUT_PPROF"
fi
go build "${tags[@]}" -o /tmp/simgraph-fanout-bin .
go run ./scripts/fanout -bin /tmp/simgraph-fanout-bin "$@"
