# Alliance: two commands on a fresh machine -- `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo research-demo test lint typecheck unit bench clean install

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev,postgres]'
	touch $(STAMP)

install: $(STAMP)

## demo: the clinic web app on embedded defaults (SQLite, in-process background work)
demo: $(STAMP)
	mkdir -p var
	rm -f var/demo.sqlite3
	DEBUG=true PORT=$(PORT) SITE_URL=http://127.0.0.1:$(PORT) \
	  DATABASE_URL=sqlite:///$(CURDIR)/var/demo.sqlite3 \
	  $(BIN)/python manage.py demo

## research-demo: simulate a cohort, score it, show ruptures, change, reliability and agreement
research-demo: $(STAMP)
	$(BIN)/alliance demo --out demo-output

## test: install everything, then lint, type-check and run the whole suite
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python bench/bench_core.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache demo-output var
