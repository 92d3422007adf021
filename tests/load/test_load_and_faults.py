"""A short load run with faults: gunicorn and PostgreSQL, checked in the database afterwards.

The full runs are ``make load`` (bench/load/run.py, figures in bench/README.md);
these are the same code on 300 submissions from 20 connections, one fault each:

- the app's master and workers are SIGKILLed mid-run and restarted;
- the database goes away mid-run: every connection to it is terminated and
  new ones are refused for two seconds. This is a server restart as the app
  sees it, confined to the test's own database, because restarting the shared
  server would break the web tests running beside these ones (the full run,
  ``make load``, restarts the server itself).

They need PostgreSQL (``TEST_POSTGRES_URL``, a role with CREATEDB) and run in
the PostgreSQL pass (``make unit-postgres``, where ``DATABASE_URL`` is
PostgreSQL too); in the SQLite pass they are skipped as redundant. Without a
reachable server they are skipped on a developer machine and FAIL in CI
(``CI=true``). Each makes, migrates and drops its own database.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINKS = 300
CONCURRENCY = 20


def _load_runner() -> Any:
    name = "alliance_bench_load_run"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "load" / "run.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


runner = _load_runner()


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: the load tests cannot be skipped in CI")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def admin_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL", "")
    if not url:
        _unavailable("TEST_POSTGRES_URL is not set")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the load tests run in the PostgreSQL pass (make unit-postgres)")
    problem = runner.postgres_reachable(url)
    if problem:
        _unavailable(problem)
    return url


def _run(name: str, admin_url: str, tmp_path: Path) -> dict[str, Any]:
    scenario = runner.Scenario(
        name=name,
        links=LINKS,
        concurrency=CONCURRENCY,
        workers=3,
        threads=4,
        fault_at=0.4,
        downtime_s=2.0,
        deadline_s=100.0,
    )
    result = runner.run_scenario(scenario, admin_url, tmp_path)
    (tmp_path / "result.json").write_text(json.dumps(result, indent=2))
    return result


def _assert_invariants(result: dict[str, Any]) -> None:
    load, db = result["load"], result["db"]
    assert result["violations"] == [], json.dumps(result, indent=2)
    assert load["tokens"] == LINKS
    assert load["acknowledged"] == LINKS  # every client got a clear answer in the end
    assert db["acknowledged_stored_once_with_same_answers"] == LINKS
    assert db["stored_responses"] == db["submitted_links"] == LINKS
    assert db["duplicates"] == 0
    assert db["audit_chain"].startswith("audit chain intact")


def test_killed_app_mid_load_loses_and_duplicates_no_acknowledged_submission(
    admin_url: str, tmp_path: Path
) -> None:
    result = _run("kill-app", admin_url, tmp_path)
    _assert_invariants(result)
    load, fault = result["load"], result["fault"]
    assert fault["killed_processes"] >= 2, fault  # the master and its workers
    assert "restart_to_healthy_s" in fault, fault
    assert load["http_5xx"] == 0
    assert load["connection_errors"] > 0  # the kill happened while clients were connected
    assert load["retried_submissions"] > 0


def test_database_outage_mid_load_loses_and_duplicates_no_acknowledged_submission(
    admin_url: str, tmp_path: Path
) -> None:
    result = _run("pg-outage", admin_url, tmp_path)
    _assert_invariants(result)
    load, fault = result["load"], result["fault"]
    assert fault["seconds"] == 2.0 and "error" not in fault, fault
    assert load["http_5xx"] > 0 and load["retried_submissions"] > 0  # the outage was felt...
    # ...and every client who saw a 5xx was answered clearly on retrying
    assert load["submissions_with_5xx_then_acknowledged"] == sum(
        1 for o in json.loads((tmp_path / "outcomes.json").read_text()) if o["http_5xx"]
    )
