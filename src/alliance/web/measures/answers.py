"""One way in for answers: every path (link, therapist form, API, FHIR, paper, demo) calls this.

:func:`record_answers` checks the answers against the instrument, scores them
with the core engine, stores them once, keeps the client's C-NIP preferences,
writes the audit event and, in the same database transaction, announces
:data:`answers_recorded`; the alerts app listens and enqueues the alert
evaluation there, so the task row (the outbox) commits with the answers or
not at all. A retry with the same answers returns the stored response;
other answers for the same session, instrument and side are refused, never
overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import django.dispatch
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from alliance.instruments import Instrument
from alliance.scoring.answers import check_answers, score_answers, urgent_flags
from alliance.web.audit.log import record
from alliance.web.care.models import Episode, Session
from alliance.web.care.signals import episode_changed
from alliance.web.consent.services import answers_allowed
from alliance.web.custominstruments.registry import instrument_for
from alliance.web.measures.models import Link, Respondent, Response, Source
from alliance.web.score_columns import CNIP_PREFERENCES

__all__ = [
    "AnswersConflict",
    "AnswersRefused",
    "Recorded",
    "answers_recorded",
    "draft_has_risk",
    "record_answers",
    "report_risk",
    "risk_reported",
    "schedule_evaluation",
]

answers_recorded = episode_changed
"""Sent inside the storing transaction with ``episode`` (the alerts app listens):
:data:`alliance.web.care.signals.episode_changed`."""

risk_reported = django.dispatch.Signal()
"""Sent when a saved, not yet submitted page raises an urgent flag, with ``episode``,
``session_number`` and ``flags`` (the page's flag columns), so the alert is raised at once."""


class AnswersConflict(ValueError):
    """Other answers are stored for this session, instrument and side: kept, not overwritten."""


class AnswersRefused(ValueError):
    """No answers may be stored for this episode (consent withdrawn or data erased)."""


@dataclass(frozen=True)
class Recorded:
    """The stored response and whether this call stored it (False: it was there already)."""

    response: Response
    created: bool


def _instrument(session: Session, instrument: Instrument | str) -> Instrument:
    if isinstance(instrument, Instrument):
        return instrument
    return instrument_for(session.episode.client.organisation_id, instrument)


def report_risk(session: Session, instrument: Instrument | str, answers: dict[str, Any]) -> bool:
    """Whether a saved page's answers raise an urgent flag (the engine's, from the
    instrument file); if so, announce it (:data:`risk_reported`) so the alert is
    raised before the client sends the whole questionnaire."""
    resolved = _instrument(session, instrument)
    scores = score_answers(resolved, check_answers(resolved, answers))
    if not urgent_flags(resolved, scores):
        return False
    flags = {k: v for k, v in scores.items() if isinstance(v, bool)}
    risk_reported.send(
        sender=Response, episode=session.episode, session_number=session.number, flags=flags
    )
    return True


def draft_has_risk(link: Link) -> bool:
    """Whether any page kept in the link's draft raises an urgent flag."""
    organisation_id = link.session.episode.client.organisation_id
    for instrument_id, answers in link.draft.items():
        instrument = instrument_for(organisation_id, instrument_id)
        if urgent_flags(instrument, score_answers(instrument, check_answers(instrument, answers))):
            return True
    return False


def _existing(session: Session, instrument_id: str, respondent: str) -> Response | None:
    return Response.objects.filter(
        session=session, instrument=instrument_id, respondent=respondent
    ).first()


def _same_or_conflict(existing: Response, answers: dict[str, Any]) -> Recorded:
    if existing.answers != answers:
        raise AnswersConflict(
            f"Session {existing.session.number} already has other {existing.instrument} answers "
            f"from the {existing.respondent}; they are kept, not overwritten."
        )
    return Recorded(existing, False)


def record_answers(
    session: Session,
    instrument: Instrument | str,
    respondent: str,
    answers: dict[str, Any],
    *,
    source: str,
    by: Any = None,
    request: HttpRequest | None = None,
    link: Link | None = None,
    answered_at: dt.datetime | None = None,
    actor_label: str = "",
    evaluate: bool = True,
) -> Recorded:
    """Check, score and store one instrument's answers for a session, once.

    Raises ValueError naming the item for bad answers, :class:`AnswersRefused`
    when the client's consent was withdrawn or their data erased (client
    answers), and :class:`AnswersConflict` when other answers are stored.
    """
    resolved = _instrument(session, instrument)
    if respondent not in Respondent.values:
        raise ValueError(f"unknown respondent {respondent!r}")
    if source not in Source.values:
        raise ValueError(f"unknown source {source!r}")
    clean = check_answers(resolved, answers)
    episode = session.episode
    with transaction.atomic():
        if respondent == Respondent.CLIENT:
            refusal = answers_allowed(episode)
            if refusal:
                raise AnswersRefused(refusal)
        existing = _existing(session, resolved.id, respondent)
        if existing is not None:
            return _same_or_conflict(existing, clean)
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    session=session,
                    instrument=resolved.id,
                    respondent=respondent,
                    answers=clean,
                    scores=score_answers(resolved, clean),
                    link=link,
                    submitted_by=by if getattr(by, "is_authenticated", False) else None,
                    submitted_at=answered_at or timezone.now(),
                    source=source,
                )
        except IntegrityError:  # stored meanwhile by a concurrent retry
            stored = _existing(session, resolved.id, respondent)
            if stored is None:
                raise
            return _same_or_conflict(stored, clean)
        store_preferences(episode, response)
        record(
            request,
            "create",
            response,
            client=episode.client,
            actor_label=actor_label,
            instrument=resolved.id,
            via=source,
        )
        if evaluate:
            schedule_evaluation(episode)
    return Recorded(response, True)


def schedule_evaluation(episode: Episode) -> None:
    """Announce stored answers so the alert evaluation is enqueued in the current transaction.

    :func:`record_answers` calls it; a caller storing several instruments at
    once (a whole link) passes ``evaluate=False`` to each and calls this once.
    """
    answers_recorded.send(sender=Response, episode=episode)


def store_preferences(episode: Episode, response: Response) -> None:
    """Keep the client's C-NIP scale scores on the episode (for the approach suggestion)."""
    if response.instrument != "cnip":
        return
    scores = {
        scale: v
        for column, scale in CNIP_PREFERENCES.items()
        if isinstance(v := response.scores.get(column), (int, float))
    }
    Episode.objects.filter(pk=episode.pk).update(cnip_scores=scores)
