"""Backup and restore of the embedded SQLite database (``alliance backup`` / ``alliance restore``).

Both use SQLite's online backup API (``sqlite3.Connection.backup``), which
copies a consistent snapshot page by page while other connections keep
working: app processes may run during a backup (writers wait, up to their
busy timeout, while the copy holds its read lock). A backup is written to a
temporary file beside DEST, checked with ``PRAGMA integrity_check`` and then
renamed into place, so DEST is never a half-written file.

PostgreSQL is refused: use ``pg_dump -Fc`` and ``pg_restore`` (README,
"Operations"). This module imports no Django; the settings are passed in.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

POSTGRES_ADVICE = (
    "the database is PostgreSQL: back it up with `pg_dump -Fc` and restore it with "
    "`pg_restore` (README, section 'Operations'); `alliance backup` and `alliance restore` "
    "handle the embedded SQLite database only"
)
# Tables a file must have to be taken for an Alliance database.
REQUIRED_TABLES = ("django_migrations", "audit_auditevent", "care_client")


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why and what to do."""


def sqlite_path(database: Mapping[str, Any]) -> Path:
    """The file of a Django ``DATABASES`` entry; ``BackupError`` when it is not an SQLite file."""
    engine = str(database.get("ENGINE", ""))
    if "postgres" in engine or "postgis" in engine:
        raise BackupError(POSTGRES_ADVICE)
    if not engine.endswith("sqlite3"):
        raise BackupError(f"the database engine {engine!r} is not supported: only SQLite is")
    name = str(database.get("NAME", ""))
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError("the database is in memory: there is no file to back up")
    return Path(name)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path), timeout=20)


def _integrity(connection: sqlite3.Connection) -> str:
    row = connection.execute("PRAGMA integrity_check").fetchone()
    return str(row[0]) if row else "no answer"


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {str(r[0]) for r in rows}


def backup(source: Path, dest: Path, *, force: bool = False) -> None:
    """Copy the live database ``source`` to ``dest`` (refuses an existing ``dest`` unless ``force``)."""
    if not source.is_file():
        raise BackupError(f"the database file {source} does not exist")
    if dest.exists() and not force:
        raise BackupError(f"{dest} exists: add --force to overwrite it")
    if dest.exists() and dest.resolve() == source.resolve():
        raise BackupError(f"{dest} is the live database itself")
    if dest.is_dir():
        raise BackupError(f"{dest} is a folder: name the backup file")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    try:
        src = _connect(source)
        try:
            out = sqlite3.connect(str(partial))
            try:
                src.backup(out)
                check = _integrity(out)
            finally:
                out.close()
        finally:
            src.close()
        if check != "ok":
            raise BackupError(f"the copy failed its integrity check ({check}); {dest} untouched")
        os.replace(partial, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def check_backup(path: Path) -> None:
    """Raise ``BackupError`` unless ``path`` is an intact SQLite file with Alliance's tables."""
    if not path.is_file():
        raise BackupError(f"the backup file {path} does not exist")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            check = _integrity(connection)
            tables = _tables(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite database ({exc})") from None
    if check != "ok":
        raise BackupError(f"{path} failed its integrity check ({check})")
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise BackupError(f"{path} is not an Alliance database (no {', '.join(missing)} table)")


def restore(source: Path, database: Path, *, force: bool = False) -> None:
    """Replace the database file ``database`` with the backup ``source``.

    Refuses an existing ``database`` unless ``force`` (stop the app first: its
    open connections would otherwise carry on over the restored data).
    """
    check_backup(source)
    if database.exists() and not force:
        raise BackupError(
            f"the database {database} exists: add --force to replace it with {source} "
            "(stop the app first)"
        )
    if database.exists() and database.resolve() == source.resolve():
        raise BackupError(f"{source} is the live database itself")
    database.parent.mkdir(parents=True, exist_ok=True)
    src = _connect(source)
    try:
        target = _connect(database)
        try:
            src.backup(target)
            check = _integrity(target)
        finally:
            target.close()
    finally:
        src.close()
    if check != "ok":
        raise BackupError(f"the restored database failed its integrity check ({check})")
