"""`alliance audit verify`, `alliance backup` and `alliance restore`: exit codes, messages, round trips.

`audit verify` runs in-process on the test database. Backup and restore run
the installed `alliance` command on an SQLite file, with the environment an
operator's shell would have (DATABASE_URL).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alliance.web.backup import BackupError, sqlite_path

Alliance = Callable[..., Any]  # the `alliance` fixture of conftest.py

# --- audit verify (in-process) ----------------------------------------------


def _events(n: int) -> list[int]:
    from alliance.web.audit.chain import append
    from alliance.web.audit.models import AuditEvent

    made = [
        append(AuditEvent(actor_label="script", action="view", object_type="t", object_id=str(i)))
        for i in range(n)
    ]
    return [e.pk for e in made]


def _sql(statement: str, params: list[object]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_the_alliance_command_loads_django_only_when_an_operations_command_runs() -> None:
    probe = "import sys, alliance.cli; print('django' in sys.modules)"
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"


def test_audit_verify_exits_0_and_prints_the_head_on_one_line(alliance: Alliance, db) -> None:
    _events(3)
    done = alliance("audit", "verify")
    assert done.code == 0, done.err
    (line,) = done.out.splitlines()
    assert line.startswith("audit chain intact: 3 events; head seq 3 hash ")


@pytest.mark.parametrize(
    ("tampering", "problem"),
    [
        ("UPDATE audit_auditevent SET object_id = 'x' WHERE id = %s", "edited"),
        ("DELETE FROM audit_auditevent WHERE id = %s", "deleted"),
    ],
    ids=["edited", "deleted"],
)
def test_audit_verify_exits_3_naming_the_first_broken_event_and_why(
    alliance: Alliance, db, tampering: str, problem: str
) -> None:
    ids = _events(4)
    _sql(tampering, [ids[1]])
    done = alliance("audit", "verify")
    assert done.code == 3
    broken = ids[1] if problem == "edited" else ids[2]
    assert f"audit chain broken at event #{broken}: {problem}:" in done.err_flat
    assert done.out == ""


def test_audit_verify_exits_3_when_rows_were_reordered(alliance: Alliance, db) -> None:
    ids = _events(3)
    _sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [-1, ids[0]])
    _sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [ids[0], ids[1]])
    _sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [ids[1], -1])
    done = alliance("audit", "verify")
    assert done.code == 3
    assert f"broken at event #{ids[0]}: reordered" in done.err_flat


def test_audit_verify_checks_an_anchor_and_refuses_a_malformed_one(alliance: Alliance, db) -> None:
    _events(2)
    head = alliance("audit", "verify").out.split()
    seq, digest = head[head.index("seq") + 1], head[head.index("hash") + 1]
    assert alliance("audit", "verify", "--anchor", f"{seq}:{digest}").code == 0
    assert alliance("audit", "verify", "--anchor", f"{seq}:{'0' * 64}").code == 3
    bad = alliance("audit", "verify", "--anchor", "two:abc")
    assert bad.code == 2
    assert "expected SEQ:HASH" in bad.err_flat


# --- backup and restore (the installed command on an SQLite file) ------------

SEED = """
import sys
import django
django.setup()
from alliance.web.accounts.models import Organisation, User
from alliance.web.audit.log import record
from alliance.web.care.models import Client
tag = sys.argv[1]
clinic = Organisation.objects.create(name=f"Clinic {tag}", slug=f"clinic-{tag}")
therapist = User.objects.create_user(username=f"t-{tag}", organisation=clinic, role="therapist")
for n in range(3):
    client = Client.objects.create(organisation=clinic, therapist=therapist, code=f"{tag}-{n}")
    record(None, "create", client, client=client)
    record(None, "view", client, client=client)
"""


def _env(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"sqlite:///{database}", ALLIANCE_TESTING="true", PYTHONDONTWRITEBYTECODE="1"
    )
    return env


def _python(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, *args],
        env={**env, "DJANGO_SETTINGS_MODULE": "alliance.web.settings"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with a clinic, three clients and their audit events."""
    path = tmp_path_factory.mktemp("seeded") / "alliance.sqlite3"
    _python(_env(path), "-m", "django", "migrate", "--noinput", "-v", "0")
    _python(_env(path), "-c", SEED, "a")
    return path


@pytest.fixture
def live(seeded: Path, tmp_path: Path) -> Path:
    """The seeded database, copied to ``var/alliance.sqlite3`` in the test's folder."""
    path = tmp_path / "var" / "alliance.sqlite3"
    path.parent.mkdir()
    path.write_bytes(seeded.read_bytes())
    return path


def ops(script: Path, database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the installed command
        [str(script), *args],
        env={**_env(database), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def counts(database: Path) -> dict[str, int]:
    """Rows per table."""
    with sqlite3.connect(database) as db:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def test_backup_then_restore_round_trips_the_database(alliance_script: Path, live: Path) -> None:
    done = ops(alliance_script, live, "backup", "backups/first.sqlite3")
    assert done.returncode == 0, done.stderr
    backup = Path("backups/first.sqlite3")
    at_backup = counts(live)
    assert counts(backup) == at_backup
    assert at_backup["care_client"] == 3
    # The backup itself is recorded: an export of the whole database, by the operator.
    with sqlite3.connect(backup) as db:
        action, object_type, who = db.execute(
            "SELECT action, object_type, actor_label FROM audit_auditevent ORDER BY seq DESC"
        ).fetchone()
    assert (action, object_type) == ("export", "database")
    assert who.startswith("operator ")

    _python(_env(live), "-c", SEED, "b")  # life goes on after the backup
    assert counts(live)["care_client"] == 6

    done = ops(alliance_script, live, "restore", str(backup), "--force")
    assert done.returncode == 0, done.stderr
    assert "audit chain intact" in done.stdout
    restored = counts(live)
    assert restored["care_client"] == 3
    # Everything as backed up, plus the event recording the restore.
    assert {**restored, "audit_auditevent": restored["audit_auditevent"] - 1} == at_backup
    verified = ops(alliance_script, live, "audit", "verify")
    assert verified.returncode == 0, verified.stderr


def test_backup_refuses_to_overwrite_an_existing_file_without_force(
    alliance_script: Path, live: Path
) -> None:
    target = Path("existing.sqlite3")
    target.write_bytes(b"keep me")
    done = ops(alliance_script, live, "backup", str(target))
    assert done.returncode == 2
    assert "existing.sqlite3 exists: add --force to overwrite it" in " ".join(done.stderr.split())
    assert target.read_bytes() == b"keep me"
    done = ops(alliance_script, live, "backup", str(target), "--force")
    assert done.returncode == 0, done.stderr
    assert counts(target)["care_client"] == 3


def test_restore_refuses_to_replace_the_database_without_force(
    alliance_script: Path, live: Path, seeded: Path
) -> None:
    before = live.read_bytes()
    done = ops(alliance_script, live, "restore", str(seeded))
    assert done.returncode == 2
    assert "add --force" in done.stderr
    assert live.read_bytes() == before


def test_restore_refuses_a_file_that_is_not_an_alliance_database(
    alliance_script: Path, live: Path
) -> None:
    Path("notes.txt").write_text("not a database")
    done = ops(alliance_script, live, "restore", "notes.txt", "--force")
    assert done.returncode == 2
    assert "not an SQLite database" in done.stderr


def test_backup_refuses_postgresql_and_points_to_pg_dump_in_the_readme(
    alliance_script: Path,
) -> None:
    env = {**_env(Path("unused")), "DATABASE_URL": "postgres://u:p@127.0.0.1:9/alliance"}
    done = subprocess.run(  # noqa: S603 - the installed command
        [str(alliance_script), "backup", "b.dump"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert "pg_dump -Fc" in message
    assert "Operations" in message
    assert not Path("b.dump").exists()


@pytest.mark.parametrize(
    "engine", ["django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis"]
)
def test_backup_and_restore_refuse_every_postgresql_engine(engine: str) -> None:
    with pytest.raises(BackupError, match="pg_restore"):
        sqlite_path({"ENGINE": engine, "NAME": "alliance"})
