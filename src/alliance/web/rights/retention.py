"""Retention: erase an episode's data once the clinic's retention period after its end has passed.

An episode is due when it has ended and ``ended + months <= today`` (the
period counts in calendar months; the 31st plus one month is the last day of
the next month). When every episode of a client is due (or already erased),
the whole client is erased, e-mail and personal page links included;
otherwise only the due episodes are, and the client's later care is untouched.

The period is each clinic's :class:`~alliance.web.rights.models.RetentionPolicy`;
without one, :data:`~alliance.web.rights.models.DEFAULT_RETENTION_MONTHS`, a
placeholder that the clinic must replace with the period its own legal advice
gives.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from alliance.web.accounts.models import Organisation
from alliance.web.care.models import Client, Episode
from alliance.web.consent.models import Erasure
from alliance.web.rights.erasure import ErasureResult, erase_client, erase_episode
from alliance.web.rights.models import DEFAULT_RETENTION_MONTHS, RetentionPolicy


def months_before(day: dt.date, months: int) -> dt.date:
    """The date ``months`` calendar months before ``day`` (clamped to the month's last day).

    >>> months_before(dt.date(2026, 3, 31), 1)
    datetime.date(2026, 2, 28)
    >>> months_before(dt.date(2026, 1, 15), 84)
    datetime.date(2019, 1, 15)
    """
    if months < 0:
        raise ValueError("months must be 0 or more")
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    months: int
    set_by_clinic: bool  # False: the placeholder default


def period_for(organisation: Organisation) -> Period:
    policy = RetentionPolicy.objects.filter(organisation=organisation).first()
    if policy is None:
        return Period(DEFAULT_RETENTION_MONTHS, set_by_clinic=False)
    return Period(policy.months, set_by_clinic=True)


@dataclass(frozen=True)
class Planned:
    """One erasure the retention run makes: a whole client, or one episode."""

    organisation: Organisation
    client: Client
    episodes: tuple[Episode, ...]
    whole_client: bool
    cutoff: dt.date
    months: int

    def line(self) -> str:
        what = (
            "client (all episodes)"
            if self.whole_client
            else "episode" + ("s" if len(self.episodes) > 1 else "")
        )
        ended = ", ".join(f"#{e.pk} ended {e.ended:%Y-%m-%d}" for e in self.episodes)
        return (
            f"{self.organisation.slug}: client {self.client.code} {what}: {ended} "
            f"(retention {self.months} months: ended on or before {self.cutoff:%Y-%m-%d})"
        )


def plan(organisation: Organisation, today: dt.date, period: Period | None = None) -> list[Planned]:
    """What a retention run would erase in ``organisation`` on ``today`` (nothing is changed)."""
    period = period or period_for(organisation)
    cutoff = months_before(today, period.months)
    erased_clients = Erasure.objects.filter(
        client__organisation=organisation, episode__isnull=True
    ).values("client_id")
    episodes = list(
        Episode.objects.filter(client__organisation=organisation)
        .exclude(client_id__in=erased_clients)
        .select_related("client")
        .order_by("client__code", "started", "pk")
    )
    done = set(
        Erasure.objects.filter(
            client__organisation=organisation, episode__isnull=False
        ).values_list("episode_id", flat=True)
    )
    by_client: dict[int, list[Episode]] = defaultdict(list)
    for e in episodes:
        by_client[e.client_id].append(e)
    planned: list[Planned] = []
    for mine in by_client.values():
        due = [e for e in mine if e.pk not in done and e.ended is not None and e.ended <= cutoff]
        if not due:
            continue
        rest = [e for e in mine if e.pk not in done and e not in due]
        planned.append(
            Planned(
                organisation=organisation,
                client=mine[0].client,
                episodes=tuple(due),
                whole_client=not rest,
                cutoff=cutoff,
                months=period.months,
            )
        )
    return planned


def apply(item: Planned) -> list[ErasureResult]:
    """Carry out one planned erasure (audited, by "retention")."""
    if item.whole_client:
        return [erase_client(item.client, reason=Erasure.Reason.RETENTION)]
    return [erase_episode(e, reason=Erasure.Reason.RETENTION) for e in item.episodes]
