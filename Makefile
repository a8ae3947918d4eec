# simgraph: `make run` serves on the embedded default, `make test` runs every
# test (PostgreSQL and Redis must be running: see README.md).
GO      ?= go
PKGS    := ./...
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/simgraph/simgraph/server.Version=$(VERSION)

.PHONY: run test test-go test-web web generate build image bench bench-api bench-scaleout lint startup-time

run:
	$(GO) run -ldflags "$(LDFLAGS)" . serve

test: test-go test-web

test-go:
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

# Component tests (vitest) and the browser end-to-end test (playwright-core
# driving Debian's chromium against an embedded `simgraph serve`).
test-web: build
	$(GO) run ./scripts/e2eworkbook -o $(CURDIR)/bin/e2e-model.xlsx -risk $(CURDIR)/bin/e2e-risk.xlsx
	cd web && npm ci --no-audit --no-fund && npm test && \
		SIMGRAPH_BIN=$(CURDIR)/bin/simgraph E2E_WORKBOOK=$(CURDIR)/bin/e2e-model.xlsx \
		E2E_RISK_WORKBOOK=$(CURDIR)/bin/e2e-risk.xlsx npm run e2e

# Rebuilds the committed web/dist from the sources (deterministic: CI
# rebuilds it and checks there is no difference).
web:
	cd web && npm ci --no-audit --no-fund && npm run build

generate:
	$(GO) generate ./ent
	$(GO) tool gqlgen generate

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/simgraph .

# The container image (Dockerfile): docker, or podman where docker is
# absent; CONTAINER_ENGINE and IMAGE override.
IMAGE ?= simgraph:$(VERSION)
CONTAINER_ENGINE ?= $(shell command -v docker 2>/dev/null || command -v podman 2>/dev/null)
image:
	@if [ -z "$(CONTAINER_ENGINE)" ]; then \
		echo "make image: neither docker nor podman is installed (set CONTAINER_ENGINE to another builder)" >&2; exit 1; fi
	@if ! $(CONTAINER_ENGINE) info >/dev/null 2>&1; then \
		echo "make image: $(CONTAINER_ENGINE) cannot reach its daemon or service (is it running?)" >&2; exit 1; fi
	$(CONTAINER_ENGINE) build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

bench:
	bash scripts/bench.sh
	bash scripts/bench-api.sh

# API latency only (see scripts/bench-api.sh for its environment).
bench-api:
	bash scripts/bench-api.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

startup-time: build
	bash scripts/startup-time.sh bin/simgraph

# A 10,000,000-iteration run of project-dcf.xlsx split across 1, 2 and 3
# replica processes (one engine goroutine each): wall time, speed-up and
# whether the stored results are identical. PostgreSQL and Redis as for
# the tests.
bench-scaleout:
	$(GO) run ./scripts/scaleout $(SCALEOUT_FLAGS)
