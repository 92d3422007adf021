"""Alert lifecycle: open -> acknowledged -> resolved with a note; shared by pages and API.

Each step is one conditional UPDATE, so a repeated or concurrent request
changes nothing twice, and each change is audited with who made it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from alliance.web.alerts.models import Alert
from alliance.web.audit.log import record

NOTE_LIMIT = 2000


def check_note(note: str) -> str:
    """The resolution note, stripped; ValueError saying what is wrong with it."""
    note = note.strip()
    if not note:
        raise ValueError("Add a short note on what was done before resolving the alert.")
    if len(note) > NOTE_LIMIT:
        raise ValueError(f"The note is too long ({len(note)} characters; at most {NOTE_LIMIT}).")
    return note


def acknowledge(alert: Alert, user: Any, request: HttpRequest | None) -> bool:
    """Open -> acknowledged; False when it was not open (nothing changes)."""
    changed = Alert.objects.filter(pk=alert.pk, status=Alert.Status.OPEN).update(
        status=Alert.Status.ACKNOWLEDGED, acknowledged_at=timezone.now(), acknowledged_by=user
    )
    if changed:
        record(request, "update", alert, client=alert.episode.client, status="acknowledged")
    return bool(changed)


def resolve(alert: Alert, user: Any, note: str, request: HttpRequest | None) -> bool:
    """Any state -> resolved with ``note`` (checked); False when already resolved."""
    note = check_note(note)
    now = timezone.now()
    changed = (
        Alert.objects.filter(pk=alert.pk)
        .exclude(status=Alert.Status.RESOLVED)
        .update(
            status=Alert.Status.RESOLVED,
            resolved_at=now,
            resolved_by=user,
            resolution_note=note,
            acknowledged_at=alert.acknowledged_at or now,
            acknowledged_by=alert.acknowledged_by or user,
        )
    )
    if changed:
        record(request, "update", alert, client=alert.episode.client, status="resolved")
    return bool(changed)
