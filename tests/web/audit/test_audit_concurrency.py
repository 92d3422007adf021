"""Concurrent appends, from threads and from separate app processes, keep one unbroken chain."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from audit_helpers import web_env
from django.db import connection, connections

from alliance.web.accounts.models import Organisation
from alliance.web.audit.chain import verify
from alliance.web.audit.log import record
from alliance.web.audit.models import AuditEvent

THREADS, PER_THREAD = 4, 15


THREADED = """
import sys, threading, time
import django
django.setup()
from django.db import connections
from alliance.web.audit.chain import append
from alliance.web.audit.models import AuditEvent
threads, per_thread = int(sys.argv[1]), int(sys.argv[2])
start, errors = threading.Barrier(threads), []
def work(n):
    try:
        start.wait()
        for i in range(per_thread):
            append(AuditEvent(actor_label=f"thread {n}", action="view",
                              object_type="test.load", object_id=str(i), detail={"i": i}))
            time.sleep(0.001)
    except BaseException as exc:
        errors.append(repr(exc))
    finally:
        connections.close_all()
workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
sys.exit("; ".join(errors) if errors else 0)
"""


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_from_threads_keep_a_single_unbroken_chain(sqlite_file: Path) -> None:
    """Threads of one app process append at once; each thread has its own connection.

    On PostgreSQL the threads run here, on the test database. SQLite's
    in-memory test database is shared between connections through SQLite's
    shared cache, whose table locks fail at once instead of waiting, so there
    the same threads run in a child process on a database file, as in a real
    deployment.
    """
    total = THREADS * PER_THREAD
    if connection.vendor == "sqlite":
        _run_all([(THREADED, str(THREADS), str(PER_THREAD))], sqlite_file)
        assert f"intact: {total} events" in _verify_file(sqlite_file)
        return
    clinic = Organisation.objects.create(name="Threads", slug="threads")
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                record(None, "view", clinic, page="load", worker=n, i=i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    seqs = list(AuditEvent.objects.order_by("id").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    prevs = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prevs)) == total, "two events share a prev_hash: the chain forked"
    verdict = verify()
    assert verdict.ok, verdict.message()
    assert verdict.events == total


APPENDER = """
import sys, time
from pathlib import Path
import django
django.setup()
from alliance.web.audit.chain import append
from alliance.web.audit.models import AuditEvent
worker, count, processes, gate = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
(gate / str(worker)).touch()
deadline = time.monotonic() + 60
while len(list(gate.iterdir())) < processes and time.monotonic() < deadline:
    time.sleep(0.01)
for i in range(count):
    append(AuditEvent(actor_label=f"process {worker}", action="view",
                      object_type="test.load", object_id=str(i), detail={"i": i}))
    time.sleep(0.002)  # a request's other work: lets the others in between appends
"""


def test_concurrent_appends_from_separate_processes_keep_a_single_unbroken_chain(
    sqlite_file: Path, tmp_path: Path
) -> None:
    """Four app processes write to one SQLite file at once (the embedded deployment).

    Each process waits at a gate (a folder they each add a file to) until all
    are ready, so their appends overlap.
    """
    processes, per_process = 4, 40
    gate = tmp_path / "gate"
    gate.mkdir()
    _run_all(
        [(APPENDER, str(n), str(per_process), str(processes), str(gate)) for n in range(processes)],
        sqlite_file,
    )
    assert f"intact: {processes * per_process} events" in _verify_file(sqlite_file)


def _run_all(scripts: list[tuple[str, ...]], database: Path) -> None:
    """Run Python scripts (source, arguments...) at once, as app processes on ``database``."""
    env = web_env(database)
    running = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
            [sys.executable, "-c", *script], env=env, stderr=subprocess.PIPE, text=True
        )
        for script in scripts
    ]
    for p in running:
        _, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr


def _verify_file(database: Path) -> str:
    """``manage.py audit_verify`` on ``database``: its output, after checking it exits 0."""
    done = subprocess.run(
        [sys.executable, "-m", "django", "audit_verify"],
        env=web_env(database),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_thread_test_above_really_runs_on_separate_connections(db) -> None:
    """Guard for the first test: each thread must get its own database connection."""
    seen: list[int] = []

    def grab() -> None:
        seen.append(id(connections["default"]))

    t = threading.Thread(target=grab)
    t.start()
    t.join()
    assert seen and seen[0] != id(connection)
