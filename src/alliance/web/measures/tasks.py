"""Background work: reminders for unanswered links (alert e-mails: alliance.web.alerts.tasks).

Runs through django-tasks: in-process in the demo, by ``manage.py db_worker``
in production. ``manage.py alliance_tick`` (or the demo's scheduler thread)
enqueues the periodic ones.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from alliance.web.measures.models import Link, new_token
from alliance.web.measures.services import email_link


@task()
def send_reminders() -> int:
    """One reminder per unanswered, still-open link once the clinic's reminder delay has passed.

    The reminder carries a second token for the same link (only its hash is
    stored), so both the first e-mail and the reminder keep working.
    """
    now = timezone.now()
    due = Link.objects.filter(
        submitted_at__isnull=True,
        revoked_at__isnull=True,
        reminded_at__isnull=True,
        sent_at__isnull=False,
        expires_at__gt=now,
    ).select_related("session__episode__client__organisation")
    sent = 0
    for link in due:
        org = link.session.episode.client.organisation
        if link.sent_at is None or now - link.sent_at < dt.timedelta(days=org.reminder_after_days):
            continue
        token, digest = new_token()
        with transaction.atomic():
            updated = Link.objects.filter(pk=link.pk, reminded_at__isnull=True).update(
                reminder_token_hash=digest, reminded_at=now
            )
        if updated and email_link(link, token, None, reminder=True):
            sent += 1
    return sent


def tick() -> None:
    """Enqueue the periodic work (call every few minutes)."""
    send_reminders.enqueue()


__all__ = ["send_reminders", "tick"]
