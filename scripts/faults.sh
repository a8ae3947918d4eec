#!/usr/bin/env bash
# Fault harness: two simgraph replicas and an event relay on a PostgreSQL
# cluster and a Redis of their own, through a replica kill, a Redis outage,
# a PostgreSQL restart and a relay kill. Flags: see `go run ./scripts/faults -h`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./scripts/faults "$@"
