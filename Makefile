# Alliance: two commands on a fresh machine -- `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo research-demo test lint audit typecheck docs unit unit-postgres bench clean install

$(STAMP): pyproject.toml requirements/constraints.txt requirements/openapi-generator.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[all,dev,postgres]'
	# test-only: the OpenAPI client generator in its own environment (its pins clash with ours)
	$(PY) -m venv $(VENV)/tools/openapi-python-client
	$(VENV)/tools/openapi-python-client/bin/pip install --quiet -r requirements/openapi-generator.txt
	touch $(STAMP)

install: $(STAMP)

## demo: the clinic web app on embedded defaults (SQLite, in-process background work)
demo: $(STAMP)
	mkdir -p var
	rm -f var/demo.sqlite3
	DEBUG=true PORT=$(PORT) SITE_URL=http://127.0.0.1:$(PORT) ALLIANCE_TASK_BACKEND=database ALLIANCE_REQUIRE_2FA=false \
	  DATABASE_URL=sqlite:///$(CURDIR)/var/demo.sqlite3 \
	  $(BIN)/python manage.py demo

## research-demo: simulate a cohort, score it, show ruptures, change, reliability and agreement
research-demo: $(STAMP)
	$(BIN)/alliance demo --out demo-output

## test: install everything, then lint, type-check, build the docs and run the whole suite
## (the web tests run again on PostgreSQL when TEST_POSTGRES_URL is set; CI sets it)
test: lint typecheck docs unit unit-postgres

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports .importlinter
	$(BIN)/bandit -c pyproject.toml -r src --severity-level high --quiet

## audit: known vulnerabilities in every pinned package (pip-audit on requirements/constraints.txt,
## the versions `make install` and production use). Needs network access to PyPI's vulnerability
## database, so it is not part of `make test`; --strict makes it fail, not pass, when unreachable.
audit: $(STAMP)
	$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r requirements/constraints.txt

typecheck: $(STAMP)
	ALLIANCE_TESTING=true $(BIN)/mypy

## docs: the guides in docs/ (MkDocs, strict: a broken link or anchor, or a page missing
## from the nav in mkdocs.yml, fails the build), written to build/docs/
docs: $(STAMP)
	$(BIN)/mkdocs build --strict --quiet --site-dir build/docs

unit: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/pytest -n 2 -q --ignore=tests/load

unit-postgres: $(STAMP)
	@if [ -n "$$TEST_POSTGRES_URL" ]; then \
	  echo "web tests on PostgreSQL"; \
	  DATABASE_URL="$$TEST_POSTGRES_URL" OMP_NUM_THREADS=1 $(BIN)/pytest -n 2 -q tests/web tests/browser tests/load; \
	elif [ "$$CI" = "true" ]; then \
	  echo "CI=true but TEST_POSTGRES_URL is not set: the PostgreSQL run cannot be skipped in CI"; exit 1; \
	else \
	  echo "TEST_POSTGRES_URL not set: web tests ran on SQLite only (set it to run them on PostgreSQL too)"; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_web.py

## load: load and fault runs against gunicorn and PostgreSQL (bench/load/, figures in bench/README.md):
## clean, app SIGKILL, PostgreSQL restart; LOAD_LINKS submissions each from 20 connections.
## Needs LOAD_POSTGRES_URL (or TEST_POSTGRES_URL: a role with CREATEDB) and, for the restart,
## the right to run LOAD_PG_RESTART_CMD (default: pg_ctlcluster 15 main restart).
.PHONY: load
LOAD_LINKS ?= 5000
load: $(STAMP)
	$(BIN)/python bench/load/run.py --scenario all --links $(LOAD_LINKS) --concurrency 20

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache demo-output var build/docs
