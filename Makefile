# tealeaves: every target works on a fresh clone with only Python 3.11 and make.
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

.PHONY: install run test lint typecheck bench clean

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

typecheck: install
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/extraction.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
