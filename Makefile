# OpenRTCC developer commands. Each target builds what it needs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo test test-sqlite test-postgres bench lint typecheck venv web clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.0.1 || $(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## web: build the console (TypeScript + Vite + Leaflet) into the Python package; needs Node 20.19+ and npm
WEB_DIST := src/rtcc/web/dist/index.html
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) $(wildcard web/*.html) web/vite.config.ts web/tsconfig.json

web: $(WEB_DIST)

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

$(WEB_DIST): web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run --silent build
	touch $(WEB_DIST)

## demo: migrate, seed the demo city, start the server and the simulator (console at http://127.0.0.1:8000)
demo: $(STAMP) $(WEB_DIST)
	RTCC_MODE=demo $(BIN)/rtcc demo

## test: the whole suite on SQLite, then again on PostgreSQL
test: $(STAMP) $(WEB_DIST) lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests ran"; exit 1; fi; exit $$rc

test-postgres: $(STAMP)
	@if ! $(BIN)/python -c "import sqlalchemy as s; s.create_engine('$(PG_TEST_URL)').connect().close()" 2>/dev/null; then \
	  if [ "$$RTCC_REQUIRE_SERVICES" = "1" ]; then echo "PostgreSQL is not reachable at $(PG_TEST_URL)"; exit 1; fi; \
	  echo "PostgreSQL is not reachable at $(PG_TEST_URL): skipping the PostgreSQL pass"; exit 0; fi
	RTCC_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -n 2 --dist loadfile -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests ran"; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy

## bench: speed targets, printed as numbers and ratios against an in-run baseline
bench: $(STAMP) $(WEB_DIST)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/gunshot.py
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/cameras.py
	$(BIN)/python bench/brief.py
	$(BIN)/python bench/alpr_matcher.py
	$(BIN)/python bench/alpr.py
	$(BIN)/python bench/console.py

clean:
	rm -rf $(VENV) web/node_modules src/rtcc/web/dist .pytest_cache .mypy_cache .ruff_cache
