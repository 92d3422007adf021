"""The FHIR server driven over HTTP (a live test server) by the client libraries
integrators use: SMART's ``fhirclient`` (its R4 4.0.1 models parse every resource
strictly) and ``fhirpy``. Every search fetched through the links equals the database,
and every error is an OperationOutcome."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from fhirclient import client as smart_client
from fhirclient.models.bundle import Bundle as R4Bundle
from fhirclient.models.capabilitystatement import CapabilityStatement as R4Capability
from fhirclient.models.encounter import Encounter as R4Encounter
from fhirclient.models.observation import Observation as R4Observation
from fhirclient.models.operationoutcome import OperationOutcome as R4Outcome
from fhirclient.models.patient import Patient as R4Patient
from fhirclient.models.questionnaire import Questionnaire as R4Questionnaire
from fhirclient.models.questionnaireresponse import QuestionnaireResponse as R4Response
from fhirpy import SyncFHIRClient

from alliance.fhir import fhir_id, questionnaire_response
from alliance.fhir.observation import scored_scales
from alliance.instruments import get
from alliance.web.api.pages import issue
from alliance.web.care.models import Client, Session
from alliance.web.measures.models import Response

R4_MODELS: dict[str, Any] = {
    "Patient": R4Patient,
    "Encounter": R4Encounter,
    "Questionnaire": R4Questionnaire,
    "QuestionnaireResponse": R4Response,
    "Observation": R4Observation,
}


@pytest.fixture
def smart(server):
    """A fhirclient FHIRClient with the token; its HTTP session is closed after the test
    (an open keep-alive connection would outlive the live server)."""
    client = smart_client.FHIRClient(
        settings={"app_id": "alliance-tests", "api_base": server["base"] + "/"}
    )
    client.server.session.headers["Authorization"] = f"Bearer {server['key']}"
    yield client
    client.server.session.close()


@pytest.fixture
def server(live_server, settings, c1_sessions, x1_link, alice) -> dict[str, Any]:
    settings.SITE_URL = live_server.url
    settings.ALLIANCE_API_RATE = "100000/min"
    key = issue(alice, "ehr", ["read", "write"], 30)[1]
    return {"base": f"{live_server.url}/fhir", "key": key, "user": alice}


def _expected(kind: str, user: Any) -> set[str]:
    """The ids the database says ``user`` may see, per resource type."""
    responses = Response.objects.for_user(user)
    if kind == "QuestionnaireResponse":
        return {str(pk) for pk in responses.values_list("pk", flat=True)}
    if kind == "Observation":
        return {
            f"{r.pk}-{fhir_id(scale.id)}"
            for r in responses
            for scale, _ in scored_scales(get(r.instrument), r.scores)
        }
    if kind == "Encounter":
        return {str(pk) for pk in Session.objects.for_user(user).values_list("pk", flat=True)}
    return {str(pk) for pk in Client.objects.for_user(user).values_list("pk", flat=True)}


def test_fhirclient_reads_everything_through_the_links_and_parses_it_with_r4_models(server, smart):
    smart.server.get_capability()
    assert isinstance(smart.server.capabilityStatement, R4Capability)
    assert smart.server.capabilityStatement.fhirVersion == "4.0.1"
    for kind in ("Patient", "Encounter", "QuestionnaireResponse", "Observation"):
        model = R4_MODELS[kind]
        search = model.where(struct={"_count": "4"})
        bundles = list(search.perform_iter(smart.server))
        found = [e.resource for b in bundles for e in (b.entry or [])]
        assert all(isinstance(r, model) for r in found), kind
        ids = [r.id for r in found]
        assert len(ids) == len(set(ids)), kind
        assert set(ids) == _expected(kind, server["user"]), kind
        assert all(b.total == len(ids) for b in bundles), kind
        assert len(bundles) == -(-len(ids) // 4), kind
        one = model.read(ids[0], smart.server)
        assert one.meta.versionId and one.meta.lastUpdated, kind
    questionnaires = list(R4Questionnaire.where(struct={}).perform_resources_iter(smart.server))
    assert {"phq9", "wai-sr"} <= {q.id for q in questionnaires}


def test_fhirclient_follows_a_responses_references(smart):
    qr = next(R4Response.where(struct={"_count": "1"}).perform_resources_iter(smart.server))
    encounter = qr.encounter.resolved(R4Encounter) or R4Encounter.read_from(
        qr.encounter.reference, smart.server
    )
    assert encounter.subject.reference == qr.subject.reference
    patient = R4Patient.read_from(qr.subject.reference, smart.server)
    assert patient.id == qr.subject.reference.split("/")[1]


def test_fhirpy_fetch_all_counts_and_imports(server, c1, c1_episode):
    fhir = SyncFHIRClient(server["base"], authorization=f"Bearer {server['key']}")
    for kind in ("Patient", "Encounter", "QuestionnaireResponse", "Observation"):
        everything = fhir.resources(kind).limit(3).fetch_all()
        assert {r["id"] for r in everything} == _expected(kind, server["user"]), kind
        assert len(everything) == len(_expected(kind, server["user"]))
        assert fhir.resources(kind).count() == len(everything), kind
    mine = fhir.resources("QuestionnaireResponse").search(patient=c1.pk).limit(2).fetch_all()
    assert len(mine) == Response.objects.filter(session__episode__client=c1).count()
    session = Session.objects.create(episode=c1_episode, number=7, date="2026-11-25")
    body = questionnaire_response(
        get("phq9"),
        dict.fromkeys(range(1, 10), 1),
        base_url=server["base"],
        subject=f"Patient/{c1.pk}",
        encounter=f"Encounter/{session.pk}",
    )
    created = fhir.resource("QuestionnaireResponse", **body)
    created.save()
    stored = Response.objects.get(session=session, instrument="phq9")
    assert created["id"] == str(stored.pk)
    assert created["meta"]["lastUpdated"]
    R4Response(dict(created.serialize()), strict=True)


def test_every_error_over_http_is_an_operation_outcome(server):
    auth = {"Authorization": f"Bearer {server['key']}"}
    base = server["base"]
    attempts = [  # the large body first: its server thread is long done when the test ends
        ("POST", f"{base}/QuestionnaireResponse", b"x" * (30 * 1024 * 1024), 413),
        ("GET", f"{base}/Nothing", None, 404),
        ("GET", f"{base}/Patient/123456789", None, 404),
        ("GET", f"{base}/Encounter/abc", None, 404),
        ("GET", f"{base}/QuestionnaireResponse?patiant=1", None, 400),
        ("GET", f"{base}/Observation?_count=-1", None, 400),
        ("DELETE", f"{base}/Patient/1", None, 405),
        ("POST", f"{base}/QuestionnaireResponse", b"not json", 400),
    ]
    for method, url, data, status in attempts:
        answer = requests.request(
            method,
            url,
            data=data,
            headers={**auth, "Content-Type": "application/fhir+json"},
            timeout=60,
        )
        assert answer.status_code == status, (method, url, answer.status_code)
        assert answer.headers["Content-Type"].startswith("application/fhir+json"), url
        R4Outcome(answer.json(), strict=True)
    unauthorised = requests.get(f"{base}/Patient", timeout=30)
    assert unauthorised.status_code == 401
    R4Outcome(unauthorised.json(), strict=True)


def test_every_search_bundle_is_a_valid_r4_bundle(server):
    auth = {"Authorization": f"Bearer {server['key']}"}
    for kind in R4_MODELS:
        bundle = requests.get(f"{server['base']}/{kind}", headers=auth, timeout=30).json()
        R4Bundle(bundle, strict=True)
