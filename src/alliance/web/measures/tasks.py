"""Background work: reminders for unanswered links (alert e-mails: alliance.web.alerts.tasks).

Runs through django-tasks: in-process in the demo, by ``manage.py db_worker``
in production. ``manage.py alliance_tick`` (or the demo's scheduler thread)
enqueues the periodic ones.
"""

from __future__ import annotations

import datetime as dt

import django.dispatch
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django_tasks import task

from alliance.web.measures.models import Link, new_token
from alliance.web.measures.services import email_link

reminder_due = django.dispatch.Signal()
"""Sent with ``link`` and its new reminder ``token`` when a reminder is due; a receiver that
sends the reminder another way (texting) returns True when it did."""

tick_done = django.dispatch.Signal()
"""Sent by :func:`tick` so apps above this one enqueue their own periodic work (text retries)."""


@task()
def send_reminders() -> int:
    """One reminder per unanswered, still-open link once the clinic's reminder delay has passed.

    The reminder carries a second token for the same link (only its hash is
    stored), so both the first e-mail and the reminder keep working.
    """
    now = timezone.now()
    due = (
        Link.objects.filter(
            Q(sent_at__isnull=False) | Q(texts__kind="invitation", texts__status="sent"),
            submitted_at__isnull=True,
            revoked_at__isnull=True,
            reminded_at__isnull=True,
            expires_at__gt=now,
        )
        .select_related("session__episode__client__organisation")
        .distinct()
    )
    sent = 0
    for link in due:
        org = link.session.episode.client.organisation
        first_text_at = link.texts.filter(kind="invitation", status="sent").aggregate(
            at=Min("sent_at")
        )["at"]
        first_sent = min(t for t in (link.sent_at, first_text_at) if t is not None)
        if now - first_sent < dt.timedelta(days=org.reminder_after_days):
            continue
        token, digest = new_token()
        with transaction.atomic():
            updated = Link.objects.filter(pk=link.pk, reminded_at__isnull=True).update(
                reminder_token_hash=digest, reminded_at=now
            )
        if not updated:
            continue
        # By e-mail (when the link was e-mailed) and any other way an app offers (texts).
        emailed = link.sent_at is not None and email_link(link, token, None, reminder=True)
        with transaction.atomic():
            replies = reminder_due.send(sender=Link, link=link, token=token)
        if emailed or any(sent for _receiver, sent in replies):
            sent += 1
    return sent


def tick() -> None:
    """Enqueue the periodic work (call every few minutes)."""
    send_reminders.enqueue()
    tick_done.send(sender=None)


__all__ = ["reminder_due", "send_reminders", "tick", "tick_done"]
