# Alliance: two commands on a fresh machine -- `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit bench clean install

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: simulate a cohort, score it, show ruptures and reliability
demo: $(STAMP)
	$(BIN)/alliance demo --out demo-output

## test: install everything, then lint, type-check and run the whole suite
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python bench/bench_core.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache demo-output
