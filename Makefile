# newsmon: `make run` (crawl every enabled source into the default SQLite database),
# `make test` (the whole test suite). Both set up the virtualenv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint format demo bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: setup ## crawl every enabled source in sources.yaml
	$(BIN)/newsmon crawl --all

test: setup ## lint, then the test suite
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

demo: setup ## serve the sample sites, crawl them, show what was stored
	$(BIN)/newsmon demo

bench: setup ## extraction speed and accuracy benchmark
	$(BIN)/python bench/extract_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

.PHONY: faults
faults: setup ## fault matrix: crawl the sample sites under each fault, then recover; writes docs/faults.md
	$(BIN)/python bench/fault_report.py --write-docs
