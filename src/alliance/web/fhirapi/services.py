"""FHIR resources from the clinic's records, and QuestionnaireResponses imported into them.

The core (alliance.fhir) makes and reads the resources; this module maps them
onto clients (Patient/<id>), sessions (Encounter/<id>) and stored responses
(QuestionnaireResponse/<id>; Observation/<response id>-<scale>).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from alliance.fhir import (
    FhirError,
    observations,
    questionnaire_response,
    read_questionnaire_response,
    validate,
)
from alliance.instruments import Instrument
from alliance.web.audit.log import record
from alliance.web.care.models import Client, Session
from alliance.web.custominstruments.registry import instrument_for, instruments_for
from alliance.web.measures.models import Respondent, Response, Source
from alliance.web.measures.scoring import score_answers
from alliance.web.rights.consent import consent_state, is_erased

FUTURE_TOLERANCE = dt.timedelta(minutes=5)
"""Clock difference allowed between the sender and this server for ``authored``."""
_REFERENCE = re.compile(r"^(?:.*/)?(Patient|Encounter)/([1-9][0-9]{0,17})$")


def base_url(request: HttpRequest | None = None) -> str:
    """The FHIR base: SITE_URL + /fhir, one stable canonical for every request."""
    return f"{settings.SITE_URL.rstrip('/')}/fhir"


def _answers(response: Response) -> dict[int, Any]:
    stored = response.answers or {}
    return {int(k): v for k, v in stored.items() if str(k).isdigit()}


def _authored(response: Response) -> dt.datetime:
    return response.submitted_at


def _instrument(response: Response, known: Mapping[str, Instrument] | None) -> Instrument:
    if known is not None and response.instrument in known:
        return known[response.instrument]
    return instrument_for(response.session.episode.client.organisation_id, response.instrument)


def response_resource(
    response: Response, base: str, known: Mapping[str, Instrument] | None = None
) -> dict[str, Any]:
    """A stored response as a QuestionnaireResponse (``known``: the clinic's instruments)."""
    session = response.session
    instrument = _instrument(response, known)
    return questionnaire_response(
        instrument,
        _answers(response),
        base_url=base,
        subject=f"Patient/{session.episode.client_id}",
        encounter=f"Encounter/{session.pk}",
        authored=_authored(response),
        resource_id=str(response.pk),
    )


def observation_resources(
    response: Response, base: str, known: Mapping[str, Instrument] | None = None
) -> list[dict[str, Any]]:
    """The stored response's scale scores as Observations."""
    session = response.session
    instrument = _instrument(response, known)
    return observations(
        instrument,
        response.scores,
        base_url=base,
        subject=f"Patient/{session.episode.client_id}",
        effective=_authored(response),
        derived_from=f"QuestionnaireResponse/{response.pk}",
        id_prefix=str(response.pk),
    )


def instrument_of_clinic(user: Any, instrument_id: str) -> Instrument:
    """One of the caller's clinic's instruments, switched-off ones included."""
    return instrument_for(user.organisation_id, instrument_id)


def client_code_system(base: str, clinic_slug: str) -> str:
    """The identifier system of a clinic's client codes."""
    return f"{base}/clinic/{clinic_slug}/client-code"


def patient_resource(client: Client, base: str) -> dict[str, Any]:
    """A minimal Patient: the clinic's pseudonymous client code, nothing else."""
    resource = {
        "resourceType": "Patient",
        "id": str(client.pk),
        "identifier": [
            {"system": client_code_system(base, client.organisation.slug), "value": client.code}
        ],
        "active": not client.archived,
    }
    validate(resource)
    return resource


def _reference(parsed: str | None, kind: str, path: str) -> int:
    if not parsed:
        raise FhirError(f"{path}: give the {kind} reference ('{kind}/<id>')")
    match = _REFERENCE.match(parsed)
    if match is None or match.group(1) != kind:
        raise FhirError(f"{path}: {parsed!r} is not a {kind} reference ('{kind}/<id>')")
    return int(match.group(2))


class ImportRefused(Exception):
    """The response cannot be stored: ``status`` and FHIR issue ``code`` say why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def import_response(
    resource: Any, user: Any, request: HttpRequest, base: str
) -> tuple[Response, bool]:
    """Validate, score and store a QuestionnaireResponse from another system.

    The subject must be one of the caller's clients (``Patient/<id>``) and the
    encounter one of that client's sessions (``Encounter/<id>``). Returns
    (response, created); the same answers sent again return the stored
    response unchanged, other answers for the same session and instrument
    are refused (409) rather than overwritten.
    """
    parsed = read_questionnaire_response(
        resource, instruments_for(user.organisation_id), base_url=base
    )
    client_id = _reference(parsed.subject, "Patient", "QuestionnaireResponse.subject")
    session_id = _reference(parsed.encounter, "Encounter", "QuestionnaireResponse.encounter")
    session = (
        Session.objects.for_user(user)
        .select_related("episode__client__organisation")
        .filter(pk=session_id, episode__client_id=client_id)
        .first()
    )
    if session is None:
        raise ImportRefused(
            404,
            "not-found",
            "No such session (Encounter) of this client (Patient) on your caseload.",
        )
    instrument: Instrument = parsed.instrument
    answers = {str(n): v for n, v in parsed.answers.items() if v is not None}
    respondent = instrument.respondent
    if respondent not in (Respondent.CLIENT, Respondent.THERAPIST):
        raise ImportRefused(
            422, "not-supported", f"{instrument.id}: unknown respondent {respondent!r}"
        )
    _check_consent(session)
    sent = resource.get("authored") if isinstance(resource, Mapping) else None
    if sent is not None and parsed.authored is None:
        raise FhirError(
            f"QuestionnaireResponse.authored: {str(sent)[:40]!r}; give the full date and time "
            "with its zone (e.g. 2026-12-09T09:30:00Z), so the time kept is the one you meant"
        )
    authored = _authored_time(parsed.authored)
    return _store(session, instrument, respondent, answers, user, request, authored)


def _authored_time(authored: dt.datetime | None) -> dt.datetime:
    """When the answers were given, as the sender says (``authored``); now when it says nothing."""
    now = timezone.now()
    if authored is None:
        return now
    if authored.tzinfo is None:
        raise FhirError("QuestionnaireResponse.authored: a time needs its time zone (Z or +hh:mm)")
    if authored > now + FUTURE_TOLERANCE:
        raise FhirError(
            f"QuestionnaireResponse.authored: {authored.isoformat()} is in the future; "
            "send the time the answers were given"
        )
    return authored


def _check_consent(session: Session) -> None:
    """Answers are refused, like new links, for an erased episode or one whose consent was
    withdrawn (the consent rules of alliance.web.rights.consent)."""
    episode = session.episode
    if is_erased(episode):
        raise ImportRefused(
            403, "forbidden", "This client's data were erased: no answers are stored."
        )
    state = consent_state(episode)
    if state.status == "withdrawn" and state.record is not None:
        when = timezone.localtime(state.record.withdrawn_at)
        raise ImportRefused(
            403,
            "forbidden",
            f"The client withdrew consent to the questionnaires on {when:%d %b %Y}: answers for "
            "this episode are not stored. If they agree again, record it on their page, then "
            "send the answers again.",
        )


def _store(
    session: Session,
    instrument: Instrument,
    respondent: str,
    answers: dict[str, Any],
    user: Any,
    request: HttpRequest,
    authored: dt.datetime,
) -> tuple[Response, bool]:
    lookup = {"session": session, "instrument": instrument.id, "respondent": respondent}
    try:
        with transaction.atomic():
            response = Response.objects.create(
                **lookup,
                answers=answers,
                scores=score_answers(instrument, answers),
                submitted_by=user,
                submitted_at=authored,
                source=Source.FHIR,
            )
    except IntegrityError:
        existing = Response.objects.select_related("session__episode__client").get(**lookup)
        if existing.answers != answers:
            raise ImportRefused(
                409,
                "conflict",
                f"Session {session.number} already has other {instrument.id} answers from the "
                f"{respondent}; they are kept, not overwritten.",
            ) from None
        return existing, False
    episode = session.episode
    record(
        request,
        "create",
        response,
        client=episode.client,
        instrument=instrument.id,
        via="fhir",
        authored=authored.isoformat(),
    )
    from alliance.web.alerts.services import refresh_alerts
    from alliance.web.measures.services import store_preferences

    store_preferences(episode, [response])
    refresh_alerts(episode)
    return response, True
