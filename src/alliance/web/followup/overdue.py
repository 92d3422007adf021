"""Who has not answered: questionnaires sent, not answered, and past the clinic's reminder delay.

A link is overdue when it was sent (e-mailed, or texted and delivered), is
neither answered nor replaced, and the clinic's ``reminder_after_days`` have
passed since it was first sent (whether or not a reminder went). Links made
more than ``LOOKBACK_DAYS`` ago are left out: by then the next session has
its own link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Min, Q
from django.utils import timezone

from alliance.web.measures.models import Link
from alliance.web.texting.models import TextMessage

LOOKBACK_DAYS = 30


@dataclass(frozen=True)
class Overdue:
    link: Link
    first_sent: dt.datetime
    days: int
    can_email: bool
    can_text: bool


def overdue_links(user: Any, now: dt.datetime | None = None) -> list[Overdue]:
    """The overdue links the user may see (their caseload, or the clinic), oldest first."""
    now = now or timezone.now()
    candidates = (
        Link.objects.for_user(user)
        .filter(
            Q(sent_at__isnull=False) | Q(texts__kind="invitation", texts__status="sent"),
            submitted_at__isnull=True,
            revoked_at__isnull=True,
            created__gte=now - dt.timedelta(days=LOOKBACK_DAYS),
            session__episode__client__archived=False,
        )
        .select_related("session__episode__client__organisation", "session__episode__client__therapist")
        .distinct()
    )
    links = list(candidates)
    first_text = dict(
        TextMessage.objects.filter(
            link__in=[link.pk for link in links], kind="invitation", status="sent"
        )
        .values("link")
        .annotate(first=Min("sent_at"))
        .values_list("link", "first")
    )
    found = []
    for link in links:
        client = link.session.episode.client
        sent = [t for t in (link.sent_at, first_text.get(link.pk)) if t is not None]
        if not sent:
            continue
        first = min(sent)
        if now - first < dt.timedelta(days=client.organisation.reminder_after_days):
            continue
        found.append(
            Overdue(
                link=link,
                first_sent=first,
                days=(now - first).days,
                can_email=bool(client.email),
                can_text=client.may_text,
            )
        )
    return sorted(found, key=lambda o: o.first_sent)
