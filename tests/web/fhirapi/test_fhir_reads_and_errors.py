"""Reads with meta and ETags (304 on If-None-Match), Encounters that QuestionnaireResponse
references resolve to, and an OperationOutcome in FHIR JSON for every error under /fhir/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client as HttpClient
from fhir.resources.R4B.encounter import Encounter
from fhir_web import Fhir, outcome

from alliance.fhir import questionnaire_response
from alliance.instruments import get
from alliance.web.care.models import Session
from alliance.web.consent.services import withdraw_consent
from alliance.web.fhirapi.resources import PatientType
from alliance.web.fhirapi.services import base_url
from alliance.web.measures.models import Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(c1_sessions, x1_link):
    return None


@pytest.fixture
def new_session(c1_episode, c1_sessions) -> Session:
    return Session.objects.create(episode=c1_episode, number=5, date="2026-11-20")


def _phq9(client_id: int, session_id: int, **extra: Any) -> dict[str, Any]:
    return questionnaire_response(
        get("phq9"),
        dict.fromkeys(range(1, 10), 2),
        base_url=base_url(),
        subject=f"Patient/{client_id}",
        encounter=f"Encounter/{session_id}",
        **extra,
    )


def _some_response(alice) -> Response:
    return Response.objects.for_user(alice).order_by("pk").first()


@pytest.mark.parametrize("kind", ["QuestionnaireResponse", "Patient", "Encounter", "Observation"])
def test_every_read_has_meta_and_a_weak_etag_and_answers_304_when_unchanged(world, alice, kind):
    api = Fhir(alice)
    first = api.get(kind, _count=1).json()["entry"][0]["resource"]
    answer = api.get(f"{kind}/{first['id']}")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body["meta"]) == {"versionId", "lastUpdated"}
    assert answer["ETag"] == f'W/"{body["meta"]["versionId"]}"'
    again = api.get(f"{kind}/{first['id']}", headers={"If-None-Match": answer["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    other = api.get(f"{kind}/{first['id']}", headers={"If-None-Match": 'W/"0000"'})
    assert other.status_code == 200


def test_a_questionnaire_responses_encounter_reference_resolves(world, alice):
    api = Fhir(alice)
    response = _some_response(alice)
    resource = api.get(f"QuestionnaireResponse/{response.pk}").json()
    encounter = api.get(resource["encounter"]["reference"]).json()
    Encounter.model_validate(encounter)
    assert encounter["subject"] == resource["subject"]
    assert encounter["period"]["start"] == response.session.date.isoformat()
    assert encounter["status"] == "finished"


def test_encounters_are_searched_by_patient_and_date(world, alice, c1, c1_sessions):
    api = Fhir(alice)
    found, _ = api.search_all("Encounter", patient=c1.pk, _count=2)
    assert {r["id"] for r in found} == {str(s.pk) for s in c1_sessions}
    day = c1_sessions[0].date.isoformat()
    on_day = api.get("Encounter", date=day).json()
    assert {e["resource"]["id"] for e in on_day["entry"]} == {
        str(s.pk) for s in c1_sessions if s.date.isoformat() == day
    }


def test_a_future_session_is_a_planned_encounter(world, alice, c1_episode):
    later = Session.objects.create(
        episode=c1_episode, number=20, date=dt.date.today() + dt.timedelta(days=30)
    )
    assert Fhir(alice).get(f"Encounter/{later.pk}").json()["status"] == "planned"


def test_charlie_cannot_read_alices_encounter(world, charlie, c1_sessions):
    answer = Fhir(charlie).get(f"Encounter/{c1_sessions[0].pk}")
    assert answer.status_code == 404
    assert "records you may see" in outcome(answer)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "Nothing", 404),
        ("get", "Nothing/1", 404),
        ("get", "Patient/99999999", 404),
        ("get", "Patient/abc", 404),
        ("get", "Observation/1", 404),
        ("get", "Questionnaire/no-such", 404),
        ("get", "QuestionnaireResponse/1/_history/1", 404),
        ("get", "", 404),
        ("delete", "Patient/1", 405),
        ("put", "QuestionnaireResponse/1", 405),
        ("post", "Patient", 405),
        ("post", "", 404),
    ],
)
def test_every_error_is_a_fhir_operation_outcome(world, alice, method, path, status):
    api = Fhir(alice)
    answer = getattr(api.http, method)(f"/fhir/{path}", **api.auth)
    assert answer.status_code == status
    assert outcome(answer)


def test_errors_without_a_token_are_operation_outcomes_too(world):
    for path in ("Patient", "Encounter/1", "Patient?_id=1", "nothing"):
        answer = HttpClient().get(f"/fhir/{path}")
        assert answer.status_code in (401, 404)
        assert outcome(answer)


def test_a_thirty_megabyte_body_gets_a_413_operation_outcome(world, alice):
    api = Fhir(alice)
    body = "x" * (30 * 1024 * 1024)
    for path in ("QuestionnaireResponse", ""):
        answer = api.http.post(
            f"/fhir/{path}", body, content_type="application/fhir+json", **api.auth
        )
        assert answer.status_code == 413
        assert "larger" in outcome(answer)


def test_accept_headers_get_fhir_json_whatever_they_ask(world, alice):
    api = Fhir(alice)
    answer = api.http.get("/fhir/Patient", HTTP_ACCEPT="text/html", **api.auth)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/fhir+json")


# --- imports -----------------------------------------------------------------


def test_an_import_keeps_authored_and_records_the_import_time(world, alice, c1, new_session):
    authored = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    api = Fhir(alice)
    created = api.post("QuestionnaireResponse", _phq9(c1.pk, new_session.pk, authored=authored))
    assert created.status_code == 201, created.content
    body = created.json()
    stored = Response.objects.get(session=new_session, instrument="phq9")
    assert stored.submitted_at == authored
    assert stored.source == "fhir"
    assert dt.datetime.fromisoformat(body["authored"]) == authored
    assert dt.datetime.fromisoformat(body["meta"]["lastUpdated"]) == stored.recorded_at
    assert stored.recorded_at > authored
    observation = api.get(f"Observation/{stored.pk}-total").json()
    assert dt.datetime.fromisoformat(observation["effectiveDateTime"]) == authored
    assert created["ETag"] == f'W/"{body["meta"]["versionId"]}"'


@pytest.mark.parametrize(
    ("authored", "says"), [("2026-11", "full date and time"), ("2999-01-01T00:00:00Z", "future")]
)
def test_an_import_with_an_unusable_authored_is_refused(
    world, alice, c1, new_session, authored, says
):
    body = _phq9(c1.pk, new_session.pk)
    body["authored"] = authored
    answer = Fhir(alice).post("QuestionnaireResponse", body)
    assert answer.status_code == 400
    assert says in outcome(answer)
    assert not Response.objects.filter(session=new_session).exists()


def test_an_import_after_consent_was_withdrawn_is_refused_like_links(
    world, alice, c1, c1_episode, new_session
):
    withdraw_consent(c1_episode, via="staff", by=alice)
    answer = Fhir(alice).post("QuestionnaireResponse", _phq9(c1.pk, new_session.pk))
    assert answer.status_code == 403
    assert "withdrew consent" in outcome(answer)
    assert not Response.objects.filter(session=new_session).exists()


def test_a_request_refused_before_any_view_is_an_operation_outcome(world, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    answer = HttpClient().get("/fhir/metadata", HTTP_HOST="elsewhere.example")
    assert answer.status_code == 400
    assert outcome(answer)


def test_a_server_failure_is_an_operation_outcome(world, alice, monkeypatch):
    def broken(*args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(PatientType, "queryset", broken)
    api = Fhir(alice)
    api.http.raise_request_exception = False
    answer = api.get("Patient")
    assert answer.status_code == 500
    assert "logged" in outcome(answer)
