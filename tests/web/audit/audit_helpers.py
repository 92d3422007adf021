"""Helpers of the audit-log tests (imported by the test modules of this folder)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.db import connection

from alliance.web.accounts.models import Organisation
from alliance.web.audit.chain import append
from alliance.web.audit.models import AuditEvent


def log_events(n: int, clinic: Organisation, **detail: Any) -> list[AuditEvent]:
    """``n`` of the clinic's audit events (views of its overview by a script), oldest first."""
    return [
        append(
            AuditEvent(
                organisation=clinic,
                actor_label="script",
                action="view",
                object_type="accounts.organisation",
                object_id=str(clinic.pk),
                detail={"page": "clinic overview", "n": i, **detail},
            )
        )
        for i in range(n)
    ]


def tamper(sql: str, params: Sequence[Any] = ()) -> None:
    """Change the audit table behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def web_env(database: Path) -> dict[str, str]:
    """The environment of an app process (or the `alliance` command) on the SQLite file ``database``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        ALLIANCE_TESTING="true",
        DJANGO_SETTINGS_MODULE="alliance.web.settings",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env
