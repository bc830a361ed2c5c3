# OpenRTCC developer commands. Each target builds what it needs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo test test-sqlite test-postgres bench lint typecheck venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.0.1 || $(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: migrate, seed the demo city, start the server and the simulator (console at http://127.0.0.1:8000)
demo: $(STAMP)
	RTCC_MODE=demo $(BIN)/rtcc demo

## test: the whole suite on SQLite, then again on PostgreSQL
test: $(STAMP) lint
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
bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/gunshot.py
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/brief.py
	$(BIN)/python bench/alpr_matcher.py
	$(BIN)/python bench/alpr.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
