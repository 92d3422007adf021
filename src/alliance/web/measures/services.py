"""Sessions, links and submissions: the multi-model work behind the views.

Each submission runs in one transaction and is idempotent: the link row is
locked, a link that was already used answers "already received", and every
answer goes through the one way in, :func:`~alliance.web.measures.answers.record_answers`,
whose unique constraint on (session, instrument, side) means a retry can never
store a second response.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from alliance.web.audit.log import record
from alliance.web.care.models import Episode, Session
from alliance.web.consent.services import ensure_links_allowed
from alliance.web.measures.answers import record_answers, schedule_evaluation
from alliance.web.measures.invitations import invitation_email
from alliance.web.measures.models import Link, Respondent, Response, Source, hash_token, new_token
from alliance.web.measures.plans import due

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

    Refused (:class:`alliance.web.consent.services.LinksRefused`, a ``ValueError``
    whose message says why) when the client withdrew consent for the episode or
    their data were erased.
    """
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


def revoke_open_links(sender: object, *, episode: Episode, at: dt.datetime, **kwargs: Any) -> int:
    """Revoke the episode's open links when its consent is withdrawn; how many were open.

    The receiver of :data:`alliance.web.consent.signals.consent_withdrawn` (connected
    in :class:`~alliance.web.measures.apps.MeasuresConfig`), run in the withdrawal's
    transaction.
    """
    return Link.objects.filter(
        session__episode=episode, submitted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=at)


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
    """Store the drafted answers of every instrument as responses, once.

    Each instrument goes through :func:`record_answers`. The session may
    already hold the client's answers to an instrument (e.g. imported from the
    record system): those are never overwritten, and the link's answers stay in
    its draft rather than being lost.
    """
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
        kept_in_draft = sorted(
            Response.objects.filter(
                session=locked.session,
                respondent=Respondent.CLIENT,
                instrument__in=locked.instruments,
            ).values_list("instrument", flat=True)
        )
        responses = [
            record_answers(
                locked.session,
                i,
                Respondent.CLIENT,
                locked.draft[i],
                source=Source.LINK,
                request=request,
                link=locked,
                answered_at=now,
                actor_label="client link",
                evaluate=False,
            ).response
            for i in locked.instruments
            if i not in kept_in_draft
        ]
        locked.submitted_at = now
        locked.save(update_fields=["submitted_at"])
        if responses:
            schedule_evaluation(locked.session.episode)
        record(
            request,
            "submit",
            locked,
            client=locked.session.episode.client,
            actor_label="client link",
            instruments=locked.instruments,
            kept_in_draft=kept_in_draft,
        )
    return SubmitResult(stored=True, already=False, responses=responses)


def save_therapist_response(
    session: Session,
    instrument_id: str,
    answers: dict[str, Any],
    user: Any,
    request: HttpRequest | None = None,
) -> tuple[Response, bool]:
    """Store the therapist's form for a session once; returns (response, created).

    The same answers again return the stored response; other answers raise
    :class:`~alliance.web.measures.answers.AnswersConflict`.
    """
    recorded = record_answers(
        session,
        instrument_id,
        Respondent.THERAPIST,
        answers,
        source=Source.THERAPIST,
        by=user,
        request=request,
    )
    return recorded.response, recorded.created
