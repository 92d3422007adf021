"""``alliance audit verify``, ``alliance backup`` and ``alliance restore``: the clinic database.

The web app adds these to the ``alliance`` command through the entry point
group ``alliance.operations`` (see pyproject.toml), so the CLI itself never
imports the web app (an import-linter contract in ``make lint``).

They read the same environment as the web app (``DATABASE_URL``,
``SECRET_KEY`` ...; see the README's table). Django is imported only when one
of them runs, so the research commands never load it.

Exit codes: 0 ok, 2 refused or bad usage (the message says what to do),
3 the audit chain is broken (the message names the first broken event).
"""

from __future__ import annotations

import getpass
import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from alliance.cli.common import EXIT_BAD_DATA, EXIT_USAGE, err, out, say

EXIT_BROKEN = EXIT_BAD_DATA

audit_app = typer.Typer(help="The clinic app's audit log.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.command(epilog="Example: alliance backup backups/alliance-2026-01-31.sqlite3")(backup)
    app.command(epilog="Example: alliance restore backups/alliance-2026-01-31.sqlite3 --force")(
        restore
    )


def _django() -> None:
    """Set up the clinic app's Django from the environment (first use only)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.web.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        err(f"clinic app settings: {exc}")
        raise typer.Exit(EXIT_USAGE) from None


def _operator() -> str:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return f"operator {who}@{socket.gethostname()}"[:150]


def _record(action: str, what: str, path: Path) -> None:
    """One audit event for a whole-database export or restore, by the operator."""
    from alliance.web.audit.chain import append
    from alliance.web.audit.models import AuditEvent

    append(
        AuditEvent(
            actor_label=_operator(),
            action=action,
            object_type="database",
            object_id=path.name[:50],
            detail={"what": what},
        )
    )


def _verify(anchor: str | None = None) -> int:
    from alliance.web.audit.chain import parse_anchor, verify

    try:
        parsed = parse_anchor(anchor) if anchor else None
    except ValueError as exc:
        err(str(exc))
        return EXIT_USAGE
    from django.db import DatabaseError

    try:
        verdict = verify(anchor=parsed)
    except DatabaseError as exc:
        err(f"cannot read the audit log ({exc}): is the database migrated (`manage.py migrate`)?")
        return EXIT_USAGE
    if not verdict.ok:
        err(verdict.message())
        return EXIT_BROKEN
    # One line, never wrapped: operators copy the head's seq and hash as an anchor.
    out.print(verdict.message(), highlight=False, markup=False, soft_wrap=True)
    return 0


@audit_app.command(
    "verify",
    epilog="Example: alliance audit verify --anchor 1042:9f86d081884c7d659a2feaa0c55ad015"
    "a3bf4f1b2b0b822cd15d6c15b0f00a08",
)
def verify_command(
    anchor: Annotated[
        str | None,
        typer.Option(
            help="SEQ:HASH printed by an earlier verification (kept where the database's "
            "administrators cannot write): check it is still in the chain."
        ),
    ] = None,
) -> int:
    """Check the audit log's hash chain: exit 0 when intact, 3 at the first edited, deleted or reordered event."""
    _django()
    return _verify(anchor)


def _database() -> Path:
    from django.conf import settings

    from alliance.web.backup import BackupError, sqlite_path

    try:
        return sqlite_path(settings.DATABASES["default"])
    except BackupError as exc:
        err(str(exc))
        raise typer.Exit(EXIT_USAGE) from None


def backup(
    dest: Annotated[Path, typer.Argument(help="The backup file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite DEST if it exists.")] = False,
) -> int:
    """Back up the clinic app's SQLite database to DEST (consistent while the app runs)."""
    _django()
    from alliance.web import backup as ops

    database = _database()
    if dest.exists() and not force:
        err(f"{dest} exists: add --force to overwrite it")
        return EXIT_USAGE
    try:
        if database.is_file():
            _record("export", "database backup", dest)
        ops.backup(database, dest, force=force)
    except ops.BackupError as exc:
        err(str(exc))
        return EXIT_USAGE
    say(f"backed up {database} to {dest}")
    return 0


def restore(
    src: Annotated[Path, typer.Argument(help="The backup file to restore.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the existing database (stop the app first).")
    ] = False,
) -> int:
    """Replace the clinic app's SQLite database with the backup SRC, then verify its audit chain."""
    _django()
    from django.db import DatabaseError, connections

    from alliance.web import backup as ops

    database = _database()
    connections.close_all()
    try:
        ops.restore(src, database, force=force)
    except ops.BackupError as exc:
        err(str(exc))
        return EXIT_USAGE
    say(f"restored {src} to {database}")
    connections.close_all()
    try:
        _record("update", "database restored from backup", src)
    except DatabaseError as exc:
        err(
            f"the restored database does not match this version of Alliance ({exc}): "
            "run `manage.py migrate`, then `alliance audit verify`"
        )
        return EXIT_USAGE
    return _verify()
