# newsmon: `make run` (crawl every enabled source into the default SQLite database),
# `make test` (the whole test suite). Both set up the virtualenv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test test-sqlite test-pg services lint format demo bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: setup ## check the installation (newsmon doctor), then crawl every enabled source in sources.yaml
	$(BIN)/newsmon doctor
	$(BIN)/newsmon crawl --all

# The tests run against real services: tests/services.sh starts (or reuses) a throwaway PostgreSQL
# on 127.0.0.1:55432 and Redis on 127.0.0.1:56379, installing them first when run as root.
SERVICES_ENV := .services/env
PG_PASS := NEWSMON_TEST_DATABASE_URL=$$NEWSMON_TEST_PG_URL

test: setup services ## lint, the suite on SQLite, then the database tests again on PostgreSQL
	$(BIN)/ruff check .
	. ./$(SERVICES_ENV) && $(BIN)/pytest -m "not pg"
	. ./$(SERVICES_ENV) && $(PG_PASS) $(BIN)/pytest -m "(db or pg) and not one_backend"

test-sqlite: setup services ## the whole suite on SQLite (PostgreSQL-only tests excluded)
	. ./$(SERVICES_ENV) && $(BIN)/pytest -m "not pg"

test-pg: setup services ## the database tests (marker db, less one_backend) and PostgreSQL's own, on PostgreSQL
	. ./$(SERVICES_ENV) && $(PG_PASS) $(BIN)/pytest -m "(db or pg) and not one_backend"

services: ## start (or reuse) the test services; `bash tests/services.sh stop` stops them
	bash tests/services.sh start

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

demo: setup ## serve the sample sites, crawl them, show what was stored
	$(BIN)/newsmon demo

bench: setup ## benchmarks (docs/benchmarks.md): extraction, dedup, search, crawl; about an hour
	$(BIN)/python bench/extract_bench.py
	$(BIN)/python bench/dedup_bench.py
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/crawl_bench.py sample
	$(BIN)/python bench/crawl_bench.py memory --pages $(or $(BENCH_PAGES),20000)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

.PHONY: faults
faults: setup ## fault matrix: crawl the sample sites under each fault, then recover; writes docs/faults.md
	$(BIN)/python bench/fault_report.py --write-docs
