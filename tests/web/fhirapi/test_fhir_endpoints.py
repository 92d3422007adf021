"""The /fhir/ endpoints: valid R4 resources, the web app's access rules, and imports
that are validated, scored by the same engine and never stored twice."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as HttpClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from alliance.fhir import questionnaire_response, validate
from alliance.instruments import get
from alliance.scoring.answers import score_answers
from alliance.web.api.pages import issue
from alliance.web.audit.models import AuditEvent
from alliance.web.care.models import Session
from alliance.web.fhirapi.services import base_url
from alliance.web.measures.models import Response

pytestmark = pytest.mark.django_db
FHIR = "application/fhir+json"


class Fhir:
    def __init__(self, user: Any, scopes: tuple[str, ...] = ("read", "write")) -> None:
        self.http = HttpClient()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {issue(user, 'ehr', list(scopes), 30)[1]}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.http.get(f"/fhir/{path}", params, **self.auth)

    def post(self, path: str, body: Any) -> Any:
        data = body if isinstance(body, str) else json.dumps(body)
        return self.http.post(f"/fhir/{path}", data, content_type=FHIR, **self.auth)


@pytest.fixture
def world(c1_sessions, x1_link):
    return None


def outcome(response: Any) -> str:
    body = response.json()
    OperationOutcome.model_validate(body)
    return " ".join(issue["diagnostics"] for issue in body["issue"])


def test_metadata_is_a_valid_capability_statement_without_a_token():
    response = HttpClient().get("/fhir/metadata")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(FHIR)
    CapabilityStatement.model_validate(response.json())


def test_every_instrument_is_a_valid_questionnaire(world, alice):
    bundle = Fhir(alice).get("Questionnaire").json()
    Bundle.model_validate(bundle)
    ids = {e["resource"]["id"] for e in bundle["entry"]}
    assert {"wai-sr", "sai", "phq9", "gad7"} <= ids
    for entry in bundle["entry"]:
        validate(entry["resource"])
    one = Fhir(alice).get("Questionnaire/wai-sr").json()
    assert one == next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "wai-sr")


def test_alices_responses_come_back_as_valid_questionnaire_responses_and_observations(
    world, alice, c1
):
    api = Fhir(alice)
    bundle = api.get("QuestionnaireResponse", patient=c1.pk).json()
    Bundle.model_validate(bundle)
    stored = Response.objects.filter(session__episode__client=c1)
    assert bundle["total"] == stored.count() > 0
    for entry in bundle["entry"]:
        validate(entry["resource"])
        assert entry["resource"]["subject"]["reference"] == f"Patient/{c1.pk}"
    observations = api.get("Observation", patient=c1.pk).json()
    Bundle.model_validate(observations)
    assert observations["entry"]
    first = observations["entry"][0]["resource"]
    validate(first)
    assert api.get(f"Observation/{first['id']}").json() == first
    Patient.model_validate(api.get(f"Patient/{c1.pk}").json())


def test_observation_values_are_the_stored_scores(world, alice, c1):
    response = Response.objects.filter(session__episode__client=c1, instrument="phq9").first()
    observation = Fhir(alice).get(f"Observation/{response.pk}-total").json()
    assert observation["valueQuantity"]["value"] == response.scores["phq9_total"]
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{response.pk}"}]


@pytest.mark.parametrize(
    "path", ["QuestionnaireResponse/{r}", "Observation/{r}-total", "Patient/{c}"]
)
def test_charlie_of_another_clinic_cannot_read_alices_client(world, charlie, c1, path):
    response = Response.objects.filter(session__episode__client=c1, instrument="phq9").first()
    answer = Fhir(charlie).get(path.format(r=response.pk, c=c1.pk))
    assert answer.status_code == 404
    assert "records you may see" in outcome(answer) or "caseload" in outcome(answer)


def test_bob_another_therapist_finds_none_of_alices_responses(world, bob, c1):
    assert Fhir(bob).get("QuestionnaireResponse", patient=c1.pk).json()["total"] == 0


def test_rita_the_researcher_reads_no_client_records(world, rita):
    answer = Fhir(rita).get("QuestionnaireResponse")
    assert answer.status_code == 403
    assert "clinical staff" in outcome(answer)


def test_no_token_no_data(world):
    answer = HttpClient().get("/fhir/QuestionnaireResponse")
    assert answer.status_code == 401
    assert "token" in outcome(answer)


def test_reads_are_audited_per_client(world, alice, c1):
    before = AuditEvent.objects.filter(client=c1, action="view").count()
    Fhir(alice).get("QuestionnaireResponse", patient=c1.pk)
    assert AuditEvent.objects.filter(client=c1, action="view").count() == before + 1


def test_unknown_search_parameters_are_refused_not_ignored(world, alice):
    answer = Fhir(alice).get("QuestionnaireResponse", patiant=1)
    assert answer.status_code == 400
    assert "patiant" in outcome(answer)


def test_unknown_addresses_answer_with_an_operation_outcome(world, alice):
    answer = Fhir(alice).get("Encounterz/1")
    assert answer.status_code == 404
    outcome(answer)


# --- import ------------------------------------------------------------------


def _phq9_from_another_system(client_id: int, session_id: int, value: int = 2) -> dict[str, Any]:
    return questionnaire_response(
        get("phq9"),
        {n: value for n in range(1, 10)},
        base_url=base_url(),
        subject=f"Patient/{client_id}",
        encounter=f"Encounter/{session_id}",
    )


@pytest.fixture
def new_session(c1_episode, c1_sessions) -> Session:
    return Session.objects.create(episode=c1_episode, number=5, date="2026-11-20")


def test_an_imported_response_is_validated_scored_and_stored_once(world, alice, c1, new_session):
    api = Fhir(alice)
    body = _phq9_from_another_system(c1.pk, new_session.pk)
    created = api.post("QuestionnaireResponse", body)
    assert created.status_code == 201, created.content
    stored = Response.objects.get(session=new_session, instrument="phq9")
    assert stored.scores == score_answers("phq9", {str(n): 2 for n in range(1, 10)})
    assert created["Location"].endswith(f"/QuestionnaireResponse/{stored.pk}")
    again = api.post("QuestionnaireResponse", body)
    assert again.status_code == 200
    assert Response.objects.filter(session=new_session, instrument="phq9").count() == 1


def test_round_trip_export_import_gives_identical_scores(world, alice, c1, new_session):
    """Every stored response of c1, exported as FHIR and imported into a new session."""
    api = Fhir(alice)
    bundle = api.get("QuestionnaireResponse", patient=c1.pk).json()
    originals = {r.pk: r for r in Response.objects.filter(session__episode__client=c1)}
    done = 0
    for entry in bundle["entry"]:
        resource = dict(entry["resource"])
        original = originals[int(resource.pop("id"))]
        target = Session.objects.create(
            episode=new_session.episode, number=100 + done, date="2026-11-21"
        )
        resource["encounter"] = {"reference": f"Encounter/{target.pk}"}
        answer = api.post("QuestionnaireResponse", resource)
        assert answer.status_code == 201, answer.content
        copy = Response.objects.get(session=target, instrument=original.instrument)
        assert copy.scores == original.scores
        assert copy.answers == original.answers
        done += 1
    assert done == len(originals) >= 3


def test_other_answers_for_the_same_session_are_refused_not_overwritten(
    world, alice, c1, new_session
):
    api = Fhir(alice)
    api.post("QuestionnaireResponse", _phq9_from_another_system(c1.pk, new_session.pk, 2))
    clash = api.post("QuestionnaireResponse", _phq9_from_another_system(c1.pk, new_session.pk, 3))
    assert clash.status_code == 409
    assert "kept, not overwritten" in outcome(clash)
    stored = Response.objects.get(session=new_session, instrument="phq9")
    assert stored.answers == {str(n): 2 for n in range(1, 10)}


def test_a_response_with_a_wrong_answer_code_names_the_path(world, alice, c1, new_session):
    body = _phq9_from_another_system(c1.pk, new_session.pk)
    body["item"][2]["answer"][0]["valueCoding"]["code"] = "7"
    answer = Fhir(alice).post("QuestionnaireResponse", body)
    assert answer.status_code == 400
    assert "item[2]" in outcome(answer)
    assert not Response.objects.filter(session=new_session).exists()


def test_charlie_cannot_import_into_alices_client(world, charlie, c1, new_session):
    answer = Fhir(charlie).post(
        "QuestionnaireResponse", _phq9_from_another_system(c1.pk, new_session.pk)
    )
    assert answer.status_code == 404
    assert not Response.objects.filter(session=new_session).exists()


def test_a_session_of_another_client_is_refused(world, alice, c1, new_session, x1_link):
    other = x1_link.link.session
    answer = Fhir(alice).post("QuestionnaireResponse", _phq9_from_another_system(c1.pk, other.pk))
    assert answer.status_code == 404


def test_an_import_needs_the_write_scope(world, alice, c1, new_session):
    answer = Fhir(alice, scopes=("read",)).post(
        "QuestionnaireResponse", _phq9_from_another_system(c1.pk, new_session.pk)
    )
    assert answer.status_code == 403
    assert "'write' scope" in outcome(answer)


def test_an_import_without_encounter_says_what_to_add(world, alice, c1, new_session):
    body = _phq9_from_another_system(c1.pk, new_session.pk)
    del body["encounter"]
    answer = Fhir(alice).post("QuestionnaireResponse", body)
    assert answer.status_code == 400
    assert "Encounter/<id>" in outcome(answer)


@pytest.mark.parametrize("body", ["not json", "[]", '{"resourceType": "Patient"}', "{}"])
def test_garbage_gets_an_operation_outcome(world, alice, body):
    answer = Fhir(alice).post("QuestionnaireResponse", body)
    assert answer.status_code == 400
    outcome(answer)


def test_an_imported_risk_answer_raises_the_urgent_alert(world, alice, c1, new_session):
    body = questionnaire_response(
        get("phq9"),
        {**{n: 1 for n in range(1, 9)}, 9: 2},
        base_url=base_url(),
        subject=f"Patient/{c1.pk}",
        encounter=f"Encounter/{new_session.pk}",
    )
    assert Fhir(alice).post("QuestionnaireResponse", body).status_code == 201
    assert new_session.episode.alerts.filter(severity="urgent", session_number=5).exists()


def test_a_client_link_for_a_session_with_imported_answers_keeps_both_and_never_fails(
    world, alice, c1, c1_link
):
    """Session 4 has an open link; the record system sends its PHQ-9 first."""
    from django.urls import reverse
    from web_factories import STEADY, step_data

    from alliance.web.measures.models import Link

    session = c1_link.link.session
    imported = _phq9_from_another_system(c1.pk, session.pk, 3)
    assert Fhir(alice).post("QuestionnaireResponse", imported).status_code == 201
    link = c1_link.link
    last = len(link.instruments)
    Link.objects.filter(pk=link.pk).update(draft={i: STEADY[i] for i in link.instruments[:-1]})
    final = link.instruments[-1]
    page = HttpClient().post(
        reverse("measures:step", args=[c1_link.token, last]),
        step_data(final, STEADY[final]),
        follow=True,
    )
    assert page.status_code == 200
    phq9 = Response.objects.get(session=session, instrument="phq9", respondent="client")
    assert phq9.answers == {str(n): 3 for n in range(1, 10)}  # the imported answers stay
    link.refresh_from_db()
    assert link.submitted_at is not None
    assert link.draft["phq9"] == STEADY["phq9"]  # the client's own answers are not lost
    others = Response.objects.filter(session=session, link=link).values_list(
        "instrument", flat=True
    )
    assert set(others) == set(link.instruments) - {"phq9"}
