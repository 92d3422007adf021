"""Load and fault runs against gunicorn and PostgreSQL, checked in the database afterwards.

    make load                       # the full runs (5,000 submissions each, 20 connections)
    python bench/load/run.py --scenario clean --links 5000 --concurrency 20
    python bench/load/run.py --scenario kill-app --links 2000
    python bench/load/run.py --scenario pg-restart --links 2000 \
        --pg-restart-cmd "pg_ctlcluster 15 main restart"

Each scenario gets its own database on the server named by ``--admin-url``
(default ``$LOAD_POSTGRES_URL``, else ``$TEST_POSTGRES_URL``; the role needs
CREATEDB), created, migrated, seeded with one-page questionnaire links
(prepare.py), served by gunicorn on a free loopback port (gthread workers),
driven by driver.py, checked by verify.py, then dropped. Scenarios:

- ``clean``: no fault; expects zero 5xx and zero connection errors;
- ``kill-app``: SIGKILL to gunicorn's master and workers (its process group)
  when ``--fault-at`` of the submissions are done, restart after
  ``--downtime`` seconds;
- ``pg-restart``: run ``--pg-restart-cmd`` (a real server restart) at
  ``--fault-at``;
- ``pg-outage``: the same outage confined to this scenario's database, for
  a shared server: refuse new connections to it (``ALLOW_CONNECTIONS
  false``), terminate every connection to it, wait ``--downtime`` seconds,
  allow connections again. Needs only ownership of the database (the test
  suite uses this: restarting a shared server would break the tests running
  beside it).

Invariants (any scenario): every acknowledged submission stored exactly once
with the answers sent, no duplicates, no submission lost that a client was
told had landed, audit chain intact, every token acknowledged in the end,
and no 5xx unless that client's retry then got a clear answer. Exit 1 when
any fails. Every wait is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent


def _load_driver() -> Any:
    """driver.py beside this file, under a name no other module on sys.path uses."""
    import importlib.util

    name = "alliance_bench_load_driver"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "driver.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


driver = _load_driver()

SCENARIOS = ("clean", "kill-app", "pg-restart", "pg-outage")
# The client-link rate limits (src/alliance/web/ratelimit/: 60 requests per
# address in 5 minutes) would stop a load test from one machine after a few
# hundred requests. They stay switched on (their one upsert per request is part
# of the cost measured) with limits no run reaches, and each driver connection
# comes from its own loopback address 127.0.0.x, as separate phones would.
RATE_LIMITS_RAISED = {
    "ALLIANCE_LINK_RATE_LIMIT": "1000000000",
    "ALLIANCE_LINK_MAX_UNKNOWN": "1000000000",
}


@dataclass
class Scenario:
    name: str = "clean"
    links: int = 300
    concurrency: int = 20
    workers: int = 4
    threads: int = 5
    fault_at: float = 0.4
    downtime_s: float = 2.0
    pg_restart_cmd: str = "pg_ctlcluster 15 main restart"
    spread_ips: bool = True
    deadline_s: float = 1200.0
    app_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in SCENARIOS:
            raise ValueError(f"unknown scenario {self.name!r}: one of {', '.join(SCENARIOS)}")
        if not 1 <= self.links <= 100_000:
            raise ValueError("links must be between 1 and 100000")
        if not 0.0 < self.fault_at < 1.0:
            raise ValueError("fault_at must be between 0 and 1")


# --- PostgreSQL ------------------------------------------------------------------


def _with_db(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def _admin_connect(admin_url: str, dbname: str = "postgres") -> Any:
    import psycopg

    return psycopg.connect(_with_db(admin_url, dbname), autocommit=True, connect_timeout=10)


def postgres_reachable(admin_url: str) -> str | None:
    """None when the server answers and the role may create databases; else why not."""
    try:
        with _admin_connect(admin_url) as conn:
            row = conn.execute(
                "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
    except Exception as exc:
        return f"cannot connect to PostgreSQL at {_redact(admin_url)}: {exc}"
    if not row or not row[0]:
        return f"the role in {_redact(admin_url)} may not create databases (CREATEDB)"
    return None


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


@contextlib.contextmanager
def scratch_database(admin_url: str, name: str) -> Iterator[str]:
    """A new empty database owned by the admin URL's role; dropped afterwards."""
    if not re.fullmatch(r"[a-z0-9_]{1,60}", name):
        raise ValueError(f"bad database name {name!r}")
    with _admin_connect(admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_db(admin_url, name)
    finally:
        with _admin_connect(admin_url) as conn:
            with contextlib.suppress(Exception):
                conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_outage(admin_url: str, name: str, seconds: float) -> dict[str, Any]:
    """Cut one database off: refuse new connections, terminate the open ones, then allow again."""
    with _admin_connect(admin_url) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchone()
            time.sleep(seconds)
        finally:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    return {"terminated_connections": int(killed[0]) if killed else 0, "seconds": seconds}


def wait_postgres(admin_url: str, timeout_s: float = 60.0) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        if postgres_reachable(admin_url) is None:
            return time.perf_counter() - t0
        time.sleep(0.2)
    raise RuntimeError(f"PostgreSQL did not come back within {timeout_s:.0f} s")


# --- the app -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _app_env(db_url: str, var_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "DJANGO_")) and k != "ALLIANCE_TESTING"
    }
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="alliance.web.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLIANCE_DATA_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="false",  # plain HTTP on loopback: no TLS, so no Secure cookies
        SECURE_SSL_REDIRECT="false",  # and no redirect to https
        SITE_URL="http://127.0.0.1",
        ALLIANCE_VAR_DIR=str(var_dir),
        # the database task backend: each submission's alert evaluation is enqueued in the
        # transaction that stores its answers (the outbox), checked by verify.py
        ALLIANCE_TASK_BACKEND="database",
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(RATE_LIMITS_RAISED)
    env.update(extra)
    return env


def _python(script: str, args: list[str], env: dict[str, str], timeout: float) -> str:
    proc = subprocess.run(  # noqa: S603 - this interpreter and a script beside this file
        [sys.executable, str(HERE / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode not in (0, 1) or (script != "verify.py" and proc.returncode):
        raise RuntimeError(
            f"{script} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-4000:]}"
        )
    return proc.stdout


class Gunicorn:
    """gunicorn in its own process group, so one SIGKILL takes master and workers at once."""

    def __init__(self, env: dict[str, str], port: int, workers: int, threads: int, logdir: Path):
        self.env, self.port, self.workers, self.threads, self.logdir = (
            env,
            port,
            workers,
            threads,
            logdir,
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> float:
        self.starts += 1
        access = self.logdir / f"access-{self.starts}.log"
        errors = self.logdir / f"error-{self.starts}.log"
        cmd = [
            sys.executable, "-m", "gunicorn", "alliance.web.wsgi",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", "gthread",
            "--threads", str(self.threads),
            "--backlog", "256",
            "--timeout", "30",
            "--graceful-timeout", "5",
            "--access-logfile", str(access),
            "--access-logformat", "%(s)s %(m)s %(M)s",
            "--error-logfile", str(errors),
            "--capture-output",  # Django's error log (tracebacks of 5xx) into the error log
        ]  # fmt: skip
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argument list
            cmd, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        while time.perf_counter() - t0 < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited ({self.proc.returncode}): {errors.read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/health/", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return time.perf_counter() - t0
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn not healthy within {timeout_s:.0f} s")

    def kill(self) -> int:
        """SIGKILL master and workers; returns how many processes were in the group."""
        if self.proc is None:
            return 0
        pgid = self.proc.pid
        count = _group_size(pgid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        self.proc = None
        return count

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()
        self.proc = None

    def server_statuses(self) -> dict[str, int]:
        c: Counter[str] = Counter()
        for f in sorted(self.logdir.glob("access-*.log")):
            for line in f.read_text(errors="replace").splitlines():
                c[line.split(" ", 1)[0]] += 1
        return dict(sorted(c.items()))

    def tracebacks(self) -> dict[str, int]:
        """Server errors logged, by the app's innermost frame and the exception raised."""
        c: Counter[str] = Counter()
        for f in sorted(self.logdir.glob("error-*.log")):
            for rec in f.read_text(errors="replace").split("Internal Server Error:")[1:]:
                lines = rec.strip().splitlines()
                frames = [
                    re.sub(
                        r'^\s*File ".*/(alliance/[^"]+)", line (\d+), in (\S+)', r"\1:\2 \3", line
                    )
                    for line in lines
                    if "/alliance/" in line and line.lstrip().startswith("File")
                ]
                exc = next(
                    (x for x in reversed(lines) if re.match(r"^[\w.]+(Error|Exception)\b", x)), "?"
                )
                c[f"{frames[-1] if frames else '?'} -> {exc.split(':', 1)[0]}"] += 1
        return dict(c.most_common())


def _group_size(pgid: int) -> int:
    n = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # fields after "comm)": state, ppid, pgrp
                n += 1
    return n


# --- one scenario ------------------------------------------------------------------------


def run_scenario(sc: Scenario, admin_url: str, workdir: Path | None = None) -> dict[str, Any]:
    """Run one scenario end to end; returns the driver's summary, the fault and the DB check."""
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="alliance-load-"))
            )
        workdir.mkdir(parents=True, exist_ok=True)
        dbname = f"alliance_load_{os.getpid()}_{sc.name.replace('-', '_')}"
        db_url = stack.enter_context(scratch_database(admin_url, dbname))
        env = _app_env(db_url, workdir / "var", sc.app_env)
        t0 = time.perf_counter()
        _python("../../manage.py", ["migrate", "-v0"], env, 300)
        tokens_file = workdir / "tokens.json"
        _python("prepare.py", ["--links", str(sc.links), "--out", str(tokens_file)], env, 600)
        setup_s = time.perf_counter() - t0
        tokens: list[str] = json.loads(tokens_file.read_text())

        app = Gunicorn(env, free_port(), sc.workers, sc.threads, workdir)
        app.start()
        stack.callback(app.stop)
        fault: dict[str, Any] = {"kind": sc.name}
        trigger = threading.Event()
        threshold = max(1, int(sc.links * sc.fault_at))

        def on_progress(finished: int) -> None:
            if finished >= threshold:
                trigger.set()

        def inject() -> None:
            if not trigger.wait(sc.deadline_s):
                fault["error"] = "never triggered"
                return
            fault["at_submission"] = threshold
            t = time.perf_counter()
            try:
                if sc.name == "kill-app":
                    fault["killed_processes"] = app.kill()
                    time.sleep(sc.downtime_s)
                    fault["restart_to_healthy_s"] = round(app.start(), 2)
                elif sc.name == "pg-restart":
                    proc = subprocess.run(  # noqa: S603 - the operator's own command
                        shlex.split(sc.pg_restart_cmd), capture_output=True, text=True,
                        timeout=120, check=False,
                    )  # fmt: skip
                    fault["command"] = sc.pg_restart_cmd
                    fault["returncode"] = proc.returncode
                    if proc.returncode:
                        fault["error"] = proc.stderr[-2000:]
                    fault["back_after_s"] = round(wait_postgres(admin_url), 2)
                elif sc.name == "pg-outage":
                    fault.update(database_outage(admin_url, dbname, sc.downtime_s))
            except Exception as exc:  # reported, and fails the run
                fault["error"] = repr(exc)
            fault["fault_s"] = round(time.perf_counter() - t, 2)

        injector = None
        if sc.name != "clean":
            injector = threading.Thread(target=inject, name="fault", daemon=True)
            injector.start()
        report = driver.run_load(
            app.base_url,
            tokens,
            concurrency=sc.concurrency,
            spread_ips=sc.spread_ips,
            deadline_s=sc.deadline_s,
            on_progress=on_progress,
        )
        if injector is not None:
            trigger.set()
            injector.join(180)
        outcomes_file = workdir / "outcomes.json"
        outcomes_file.write_text(json.dumps([asdict(o) for o in report.outcomes]))
        db = json.loads(_python("verify.py", ["--outcomes", str(outcomes_file)], env, 600))
        load = report.summary()
        result = {
            "scenario": asdict(sc) | {"app_env": sorted(sc.app_env)},
            "setup_s": round(setup_s, 1),
            "load": load,
            "fault": fault,
            "server_statuses": app.server_statuses(),
            "server_tracebacks": app.tracebacks(),
            "db": db,
        }
        result["violations"] = violations(sc, load, fault, db)
        return result


def violations(
    sc: Scenario, load: dict[str, Any], fault: dict[str, Any], db: dict[str, Any]
) -> list[str]:
    out = [f"database: {p}" for p in db["problems"]]
    if not db["ok"] and not db["problems"]:
        out.append("database check failed")
    if load["acknowledged"] != load["tokens"]:
        out.append(f"{load['tokens'] - load['acknowledged']} submissions got no clear answer")
    if load["phantom_already"]:
        out.append(f"{load['phantom_already']} 'already in' answers before any POST")
    if load["unexpected_answers"]:
        out.append(f"unexpected answers: {load['unexpected_examples']}")
    if sc.name == "clean" and (load["http_5xx"] or load["connection_errors"]):
        out.append(
            f"clean run: {load['http_5xx']} 5xx, {load['connection_errors']} connection errors"
        )
    if sc.name == "kill-app" and load["http_5xx"]:
        out.append(
            f"kill-app: {load['http_5xx']} 5xx (a killed app gives connection errors, not 5xx)"
        )
    if "error" in fault:
        out.append(f"fault: {fault['error']}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("LOAD_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL"),
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[*SCENARIOS, "all"],
        help="repeatable; 'all' = clean, kill-app, pg-restart",
    )
    parser.add_argument("--links", type=int, default=5000, help="submissions per scenario")
    parser.add_argument(
        "--fault-links", type=int, help="submissions per fault scenario (default: --links)"
    )
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=5)
    parser.add_argument("--fault-at", type=float, default=0.4)
    parser.add_argument("--downtime", type=float, default=2.0)
    parser.add_argument(
        "--pg-restart-cmd",
        default=os.environ.get("LOAD_PG_RESTART_CMD", "pg_ctlcluster 15 main restart"),
    )
    parser.add_argument(
        "--one-ip",
        action="store_true",
        help="every connection from 127.0.0.1 (default: 127.0.0.x each)",
    )
    parser.add_argument("--app-env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--out", type=Path, default=Path("var/load/results.json"))
    args = parser.parse_args(argv)
    if not args.admin_url:
        parser.error("set --admin-url, LOAD_POSTGRES_URL or TEST_POSTGRES_URL")
    problem = postgres_reachable(args.admin_url)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    names = args.scenario or ["all"]
    if "all" in names:
        names = ["clean", "kill-app", "pg-restart"]
    extra = dict(kv.split("=", 1) for kv in args.app_env)
    results = []
    failed = False
    for name in names:
        links = args.links if name == "clean" else (args.fault_links or args.links)
        sc = Scenario(
            name=name, links=links, concurrency=args.concurrency, workers=args.workers,
            threads=args.threads, fault_at=args.fault_at, downtime_s=args.downtime,
            pg_restart_cmd=args.pg_restart_cmd, spread_ips=not args.one_ip, app_env=extra,
        )  # fmt: skip
        print(f"== {name}: {links} submissions, {args.concurrency} connections", flush=True)
        r = run_scenario(sc, args.admin_url)
        results.append(r)
        print(
            json.dumps(
                {
                    k: r[k]
                    for k in ("load", "fault", "server_statuses", "server_tracebacks", "violations")
                },
                indent=2,
            )
        )
        print(
            f"   database: {json.dumps({k: v for k, v in r['db'].items() if k != 'problems'})}",
            flush=True,
        )
        failed = failed or bool(r["violations"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"results -> {args.out}; {'FAILED' if failed else 'all invariants held'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
