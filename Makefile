# Visitflow: `make run` starts the whole system with a demo; `make test` tests everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
UV_HOME  := .cache/uv
UV       := $(UV_HOME)/bin/uv
UV_VER   := 0.13.8
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT      := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get

export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_CACHE_DIR := .cache/uv-cache
# The installed packages are compiled to bytecode once, at install: where PYTHONDONTWRITEBYTECODE is set
# (as on this project's CI machines), every process start compiled faust, pydantic & co from source
# again, a second of each start-up (docs/decisions/uv-workspace.md).
export UV_COMPILE_BYTECODE := 1

.PHONY: help install run stop test test-faults lint typecheck unit token bench clean

help:
	@echo "make run    start Kafka, Redis, every service and the demo simulator; print the URLs"
	@echo "make stop   stop everything a run (or an interrupted test or bench) left behind"
	@echo "make test   lint, type-check and run every test against real Kafka and Redis"
	@echo "make unit   only the fast unit tests (no broker)"
	@echo "make token  a development access token: make token ROLE=host OFFICE=halden"
	@echo "make bench  the benchmark suite against the whole system (5-9 minutes)"

# --- installation (idempotent; a second run reuses every cache) -----------------------------------
$(UV):
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/pip install -q "uv==$(UV_VER)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml $(wildcard */*/pyproject.toml) Makefile
	$(UV) sync --frozen --python $(PYTHON) --quiet
	@touch $@

.cache/kafka/libs/.fetched: deploy/kafka/pom.xml
	@command -v mvn >/dev/null || { echo "Maven is needed to fetch Kafka: apt-get install maven"; exit 1; }
	rm -rf .cache/kafka/libs
	mvn -q -B -f deploy/kafka/pom.xml dependency:copy-dependencies
	@touch $@

# Debian's packages: Redis for the read models, Chromium for browser tests, promtool (prometheus) for rules.
.cache/debian.checked:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	if [ -n "$$missing" ]; then $(APT) update -qq && $(APT) install -y -qq $$missing >/dev/null; fi
	@mkdir -p .cache && touch $@

# kustomize, to render and check deploy/k8s in tests/deploy (built from the Go module proxy).
KUSTOMIZE_VER := v5.8.2
.cache/bin/kustomize-$(KUSTOMIZE_VER):
	@command -v go >/dev/null || { echo "Go is needed to build kustomize: apt-get install golang"; exit 1; }
	GOBIN=$(CURDIR)/.cache/bin GOTOOLCHAIN=local go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VER)
	@cp .cache/bin/kustomize $@

# The browser-side packages (npm registry, pinned by package-lock.json): qrcode-generator, which the
# tablet's page loads, and axe-core and jsqr, which the browser tests inject.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the pages' packages: apt-get install npm"; exit 1; }
	npm ci --no-audit --no-fund --silent
	@touch $@

install: $(VENV)/.synced .cache/kafka/libs/.fetched .cache/debian.checked node_modules/.installed

# --- the two commands ------------------------------------------------------------------------------
run: install
	$(BIN)/python -m visitflow_devstack run

stop:
	-@$(BIN)/python -m visitflow_devstack stop

test: install .cache/bin/kustomize-$(KUSTOMIZE_VER) lint typecheck
	$(BIN)/pytest

# The benchmark suite: writes bench/results/latest.json and the tables in docs/PERFORMANCE.md.
# Fails only when the system lost or duplicated work, never on a timing. 5-9 minutes, bounded to 10.
bench: install
	$(BIN)/python -m bench

# Only the tests that break real components on purpose (they also run in `make test`).
test-faults: install
	$(BIN)/pytest -m faults

# --- parts -------------------------------------------------------------------------------------------
lint: $(VENV)/.synced
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(VENV)/.synced
	$(BIN)/mypy libs services tools tests bench

unit: $(VENV)/.synced .cache/bin/kustomize-$(KUSTOMIZE_VER)
	$(BIN)/pytest -m "not integration"

# A development access token: make token ROLE=host OFFICE=halden (or REGION=ostfold, or ROLE=admin)
token: $(VENV)/.synced
	@$(BIN)/python -m visitflow_platform.auth --role $(or $(ROLE),admin) \
		$(if $(OFFICE),--office $(OFFICE)) $(if $(REGION),--region $(REGION))

clean: stop
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
