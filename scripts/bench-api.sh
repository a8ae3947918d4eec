#!/usr/bin/env bash
# API latency benchmark (scripts/apilatency): open-loop load at fixed rates
# against `simgraph serve` in embedded and server mode; prints p50/p99 of
# tenantInfo, simulations(first:20) and bare __typename, and their ratios.
# Server mode needs the local PostgreSQL and Redis (see README).
# Environment: API_LATENCY_SECONDS (20 per rate and query), API_LATENCY_RATES
# (200,500,1000), API_LATENCY_MODES (embedded,server).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/simgraph" .
go run ./scripts/apilatency -bin "$tmp/simgraph" "$@"
