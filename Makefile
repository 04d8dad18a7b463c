# tealeaves: every target works on a fresh clone with only Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UV_VERSION := $(shell sed -n 's/^ *"uv==\([^"]*\)".*/\1/p' pyproject.toml)
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
# Offline-friendly Prefect defaults for every target; a user's own PREFECT_API_URL still wins.
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: install run test lint typecheck bench bench-extraction bench-analysis bench-all clean serve worker stop ui-check

install: $(VENV)/.installed

# The venv is rebuilt whenever the lock file changes; uv itself is pinned in the lock.
$(VENV)/.installed: uv.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) sync --frozen --python $(BIN)/python
	touch $@

run: install
	$(BIN)/tealeaves ingest

lint: install
	$(BIN)/ruff check flows extractors warehouse tests bench
	$(BIN)/ruff format --check flows extractors warehouse tests bench
	$(BIN)/cog --check docs/cli.md

.PHONY: format test-fast docs

# Fixes first, then formatting, so what the fixes rewrote is formatted too.
format: install
	$(BIN)/ruff check --fix flows extractors warehouse tests bench
	$(BIN)/ruff format flows extractors warehouse tests bench

typecheck: install
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

# The suite without the tests marked slow (a real Prefect server, the feed corpus, crash tests).
test-fast: lint typecheck
	$(BIN)/python -m pytest -m "not slow"

# docs/cli.md is generated from every command's --help; `make lint` fails when it is stale.
docs: install
	$(BIN)/cog -r docs/cli.md

# Benchmarks print their figures (and never run in the test suite). `make bench` is the ingest benchmark
# (about ten minutes); the extraction and analysis benchmarks run on their own.
bench: install
	$(BIN)/python bench/ingest.py --json-too

bench-extraction: install
	$(BIN)/python bench/extraction.py

bench-analysis: install
	$(BIN)/python bench/analysis.py

bench-all: bench bench-extraction bench-analysis

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# --- A local Prefect server, the deployments of prefect.yaml and a worker (ended by `make stop`) ---
PREFECT_PORT ?= 4200
SERVE_DIR    ?= .prefect
HEARTBEAT    ?= 30
ZOMBIE_AFTER ?= 90
SERVE_ENV = PREFECT_HOME=$(abspath $(SERVE_DIR)) PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api \
	PREFECT_SERVER_API_HOST=127.0.0.1 PREFECT_SERVER_API_PORT=$(PREFECT_PORT) PREFECT_UI_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api

serve: install
	mkdir -p $(SERVE_DIR)
	$(SERVE_ENV) setsid nohup $(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT) \
		> $(SERVE_DIR)/server.log 2>&1 < /dev/null & echo $$! > $(SERVE_DIR)/server.pid
	$(SERVE_ENV) $(BIN)/python -m flows.automations --wait-only
	$(SERVE_ENV) $(BIN)/prefect work-pool create tealeaves --type process --overwrite
	$(SERVE_ENV) $(BIN)/prefect --no-prompt deploy --all
	$(SERVE_ENV) $(BIN)/python -m flows.automations --crash-after $(ZOMBIE_AFTER)
	$(MAKE) --no-print-directory worker
	@echo "Prefect UI: http://127.0.0.1:$(PREFECT_PORT)  (logs in $(SERVE_DIR)/; stop with: make stop)"

# The worker runs each flow in a subprocess with this venv's interpreter; flows send heartbeats so a
# killed run is marked Crashed (flows/automations.py) and frees its concurrency slot.
worker:
	$(SERVE_ENV) PREFECT_FLOWS_HEARTBEAT_FREQUENCY=$(HEARTBEAT) PREFECT_WORKER_QUERY_SECONDS=2 \
		setsid nohup $(BIN)/prefect worker start --pool tealeaves \
		>> $(SERVE_DIR)/worker.log 2>&1 < /dev/null & echo $$! > $(SERVE_DIR)/worker.pid

stop:
	@for name in worker server; do \
		pidfile=$(SERVE_DIR)/$$name.pid; \
		if [ -f $$pidfile ]; then \
			pid=$$(cat $$pidfile); kill -TERM -- -$$pid 2>/dev/null || kill -TERM $$pid 2>/dev/null || true; \
			for _ in $$(seq 50); do kill -0 $$pid 2>/dev/null || break; sleep 0.2; done; \
			kill -KILL -- -$$pid 2>/dev/null || true; rm -f $$pidfile; echo "stopped $$name"; \
		fi; \
	done

# Opens the served UI in headless Chromium and refreshes docs/operations.md's screenshot (needs `make serve` deps).
ui-check: install
	TEALEAVES_UI_SCREENSHOT=$(abspath docs/prefect-ui-flow-run.png) $(BIN)/python -m pytest tests/flows/test_deployments.py -k "ui or ingest_event" -p no:cacheprovider
