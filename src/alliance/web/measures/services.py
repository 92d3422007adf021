"""Sessions, links and submissions: the multi-model work behind the views.

Each submission runs in one transaction and is idempotent: the link row is
locked, a link that was already used answers "already received", and the
unique constraint on (session, instrument, side) means a retry can never
store a second response.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.mail import send_mail
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from alliance.web.audit.log import record
from alliance.web.care.models import Episode, Session
from alliance.web.custominstruments.registry import instrument_for
from alliance.web.measures.invitations import invitation_email
from alliance.web.measures.models import Link, Respondent, Response, hash_token, new_token
from alliance.web.measures.plans import due
from alliance.web.measures.scoring import score_answers

logger = logging.getLogger(__name__)


def link_url(token: str, request: HttpRequest | None = None) -> str:
    """The client's link: from the request's own host when there is one, else SITE_URL."""
    path = reverse("measures:start", args=[token])
    if request is not None:
        return request.build_absolute_uri(path)
    from django.conf import settings

    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def start_session(episode: Episode, date: dt.date) -> Session:
    """The next session of an episode (numbers count up from 1)."""
    Episode.objects.select_for_update().filter(pk=episode.pk).first()
    last = episode.latest_session_number()
    return Session.objects.create(episode=episode, number=last + 1, date=date)


def create_link(
    session: Session, user: Any, request: HttpRequest | None = None
) -> tuple[Link, str]:
    """A new single-use link for the client's instruments due at this session.

    Refused (:class:`alliance.web.rights.consent.LinksRefused`, a ``ValueError``
    whose message says why) when the client withdrew consent for the episode or
    their data were erased.
    """
    from alliance.web.rights.consent import ensure_links_allowed

    episode = session.episode
    ensure_links_allowed(episode)
    instruments = due(list(episode.plan.all()), session.number, Respondent.CLIENT)
    if instruments and session.number == 1 and not episode.cnip_scores:
        # Preferences (C-NIP) once, with the first session's questionnaire, so an
        # approach can be suggested from them.
        instruments.append("cnip")
    if not instruments:
        raise ValueError(
            "No client questionnaires are due at this session in the measurement plan."
        )
    organisation = episode.client.organisation
    token, digest = new_token()
    link = Link.objects.create(
        session=session,
        instruments=instruments,
        token_hash=digest,
        created_by=user,
        expires_at=timezone.now() + dt.timedelta(days=organisation.link_expiry_days),
        ask_consent=episode.consent_at is None,
    )
    record(request, "create", link, client=episode.client, instruments=instruments)
    return link, token


class AnswersAlreadyIn(ValueError):
    """The client's answers for this session are in: no new link is needed."""


def replace_link(
    session: Session, user: Any, request: HttpRequest | None = None
) -> tuple[Link, str]:
    """A fresh link for a session; older open links stop working. Pages and API alike.

    Raises :class:`AnswersAlreadyIn` when the client's answers for the session
    are stored, or the ValueError of :func:`create_link` saying why it refused.
    """
    if session.responses.filter(respondent=Respondent.CLIENT).exists():
        raise AnswersAlreadyIn("The client's answers for this session are already in.")
    with transaction.atomic():
        Link.objects.filter(
            session=session, submitted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        return create_link(session, user, request)


def email_link(
    link: Link, token: str, request: HttpRequest | None = None, *, reminder: bool = False
) -> bool:
    """E-mail the link to the client; False when the client has no address."""
    client = link.client
    if not client.email:
        return False
    subject, body = invitation_email(link, link_url(token, request), reminder=reminder)
    send_mail(subject, body, None, [client.email])
    now = timezone.now()
    if reminder:
        Link.objects.filter(pk=link.pk).update(reminded_at=now)
    else:
        Link.objects.filter(pk=link.pk).update(sent_at=now, sent_to=client.email)
    record(request, "send", link, client=client, reminder=reminder)
    return True


def find_link(token: str) -> Link | None:
    """The link for a token, or None. Nothing about the client is read before this matches."""
    if not token or len(token) > 100:
        return None
    digest = hash_token(token)
    return (
        Link.objects.select_related(
            "session__episode__client__organisation", "session__episode__client__therapist"
        )
        .filter(Q(token_hash=digest) | Q(reminder_token_hash=digest))
        .first()
    )


def save_draft(link: Link, instrument_id: str, answers: dict[str, Any]) -> None:
    """Keep one page's answers so a client can stop and come back (until submission)."""
    with transaction.atomic():
        locked = Link.objects.select_for_update().get(pk=link.pk)
        if locked.submitted_at:
            return
        draft = dict(locked.draft)
        draft[instrument_id] = answers
        locked.draft = draft
        locked.save(update_fields=["draft"])
    link.draft = draft


@dataclass(frozen=True)
class SubmitResult:
    stored: bool
    already: bool
    responses: list[Response]


def submit_link(link: Link, request: HttpRequest | None = None) -> SubmitResult:
    """Store the drafted answers of every instrument as responses, once."""
    with transaction.atomic():
        locked = (
            Link.objects.select_for_update()
            .select_related("session__episode__client")
            .get(pk=link.pk)
        )
        if locked.submitted_at:
            return SubmitResult(stored=False, already=True, responses=[])
        missing = [i for i in locked.instruments if i not in locked.draft]
        if missing:
            raise ValueError(f"not answered yet: {', '.join(missing)}")
        now = timezone.now()
        organisation_id = locked.session.episode.client.organisation_id
        # The session may already hold the client's answers to an instrument (e.g.
        # imported from the record system): those are never overwritten, and these
        # stay in the link's draft rather than being lost.
        kept_in_draft = sorted(
            Response.objects.filter(
                session=locked.session,
                respondent=Respondent.CLIENT,
                instrument__in=locked.instruments,
            ).values_list("instrument", flat=True)
        )
        responses = [
            Response.objects.create(
                session=locked.session,
                instrument=i,
                respondent=Respondent.CLIENT,
                answers=locked.draft[i],
                scores=score_answers(instrument_for(organisation_id, i), locked.draft[i]),
                link=locked,
                submitted_at=now,
            )
            for i in locked.instruments
            if i not in kept_in_draft
        ]
        locked.submitted_at = now
        locked.save(update_fields=["submitted_at"])
        store_preferences(locked.session.episode, responses)
        client = locked.session.episode.client
        record(
            request,
            "submit",
            locked,
            client=client,
            actor_label="client link",
            instruments=locked.instruments,
            kept_in_draft=kept_in_draft,
        )
    from alliance.web.alerts.services import refresh_alerts

    try:
        refresh_alerts(locked.session.episode)
    except DatabaseError:
        # The answers are stored; the rules run again with the next submission or page
        # refresh. Never show the client an error for work that already succeeded.
        logger.exception("alerts not refreshed after link %s", locked.pk)
    return SubmitResult(stored=True, already=False, responses=responses)


def store_preferences(episode: Episode, responses: list[Response]) -> None:
    """Keep the client's C-NIP scale scores on the episode (for the approach suggestion)."""
    for r in responses:
        if r.instrument == "cnip":
            prefix = "cnip_"
            scores = {
                k[len(prefix) :]: v
                for k, v in r.scores.items()
                if k.startswith(prefix)
                and isinstance(v, (int, float))
                and not k.endswith(("_mean", "_note"))
            }
            Episode.objects.filter(pk=episode.pk).update(cnip_scores=scores)


def save_therapist_response(
    session: Session,
    instrument_id: str,
    answers: dict[str, Any],
    user: Any,
    request: HttpRequest | None = None,
) -> tuple[Response, bool]:
    """Store the therapist's form for a session once; returns (response, created)."""
    # Unknown ids fail loudly; a clinic's own instrument is scored like a built-in one.
    instrument = instrument_for(session.episode.client.organisation_id, instrument_id)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                session=session,
                instrument=instrument_id,
                respondent=Respondent.THERAPIST,
                answers=answers,
                scores=score_answers(instrument, answers),
                submitted_by=user,
            )
    except IntegrityError:
        existing = Response.objects.get(
            session=session, instrument=instrument_id, respondent=Respondent.THERAPIST
        )
        return existing, False
    record(request, "create", response, client=session.episode.client, instrument=instrument_id)
    from alliance.web.alerts.services import refresh_alerts

    refresh_alerts(session.episode)
    return response, True
