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
from alliance.web.care.models import Client, Session
from alliance.web.custominstruments.registry import instrument_for, instruments_for
from alliance.web.measures.answers import AnswersConflict, AnswersRefused, record_answers
from alliance.web.measures.models import Respondent, Response, Source

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


def _store(
    session: Session,
    instrument: Instrument,
    respondent: str,
    answers: dict[str, Any],
    user: Any,
    request: HttpRequest,
    authored: dt.datetime,
) -> tuple[Response, bool]:
    """Through the one way in for answers; ``authored`` is kept as the time answered."""
    try:
        recorded = record_answers(
            session,
            instrument,
            respondent,
            answers,
            source=Source.FHIR,
            by=user,
            request=request,
            answered_at=authored,
        )
    except AnswersConflict as exc:
        raise ImportRefused(409, "conflict", str(exc)) from None
    except AnswersRefused as exc:
        raise ImportRefused(403, "forbidden", str(exc)) from None
    except ValueError as exc:
        raise ImportRefused(422, "invalid", str(exc)) from None
    return recorded.response, recorded.created
