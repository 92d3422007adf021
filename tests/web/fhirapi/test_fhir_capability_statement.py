"""The CapabilityStatement describes the server: R4 4.0.1, and exactly the search
parameters that work (each advertised one answers, every other one is refused)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir_web import Fhir, outcome

from alliance.web.measures.models import Response

pytestmark = pytest.mark.django_db

# Search and result parameters of the FHIR R4 specification for these types, and common
# ones clients send: each must be advertised (and work) or be refused.
SPEC_PARAMS = [
    "_id", "_lastUpdated", "_tag", "_profile", "_security", "_text", "_content", "_list",
    "_has", "_type", "_query", "_filter", "_include", "_revinclude", "_summary", "_elements",
    "_contained", "_containedType", "_total", "_count", "_sort", "page", "_page",
    "identifier", "patient", "subject", "encounter", "authored", "questionnaire", "status",
    "author", "source", "based-on", "part-of", "item-subject", "date", "code", "category",
    "value-quantity", "derived-from", "performer", "combo-code", "name", "family", "given",
    "birthdate", "gender", "active", "address", "telecom", "class", "type", "period",
    "participant", "reason-code", "url", "version", "title", "publisher", "context",
]  # fmt: skip


@pytest.fixture
def world(c1_sessions, x1_link):
    return None


def _statement() -> dict[str, Any]:
    answer = HttpClient().get("/fhir/metadata")
    assert answer.status_code == 200
    return answer.json()


def _sample(kind: str, name: str, c1: Any, response: Response) -> str:
    return {
        "_id": {
            "Patient": str(c1.pk),
            "Encounter": str(response.session_id),
            "QuestionnaireResponse": str(response.pk),
            "Questionnaire": "phq9",
        }.get(kind, ""),
        "patient": f"Patient/{c1.pk}",
        "subject": f"Patient/{c1.pk}",
        "encounter": f"Encounter/{response.session_id}",
        "derived-from": f"QuestionnaireResponse/{response.pk}",
        "questionnaire": response.instrument,
        "identifier": c1.code,
        "url": f"http://testserver/fhir/Questionnaire/{response.instrument}",
    }.get(name, "ge2000-01-01")


def test_metadata_is_r4_4_0_1_and_valid():
    statement = _statement()
    CapabilityStatement.model_validate(statement)
    assert statement["fhirVersion"] == "4.0.1"


def test_every_advertised_search_parameter_works(world, alice, c1, settings):
    settings.SITE_URL = "http://testserver"
    api = Fhir(alice)
    response = Response.objects.filter(session__episode__client=c1, instrument="phq9").first()
    checked = 0
    for resource in _statement()["rest"][0]["resource"]:
        kind = resource["type"]
        for param in resource["searchParam"]:
            value = _sample(kind, param["name"], c1, response)
            answer = api.get(kind, **{param["name"]: value})
            assert answer.status_code == 200, (kind, param, answer.content)
            assert answer.json()["total"] >= 1, (kind, param["name"], value)
            checked += 1
    assert checked >= 20


def test_every_parameter_that_works_is_advertised(world, alice):
    api = Fhir(alice)
    statement = _statement()
    common = {p["name"] for p in statement["rest"][0]["searchParam"]}
    for resource in statement["rest"][0]["resource"]:
        advertised = {p["name"] for p in resource["searchParam"]} | common
        for name in SPEC_PARAMS:
            answer = api.get(resource["type"], **{name: "1"})
            if name in advertised:
                continue
            assert answer.status_code == 400, (resource["type"], name)
            assert name in outcome(answer)


def test_every_advertised_sort_key_sorts(world, alice):
    api = Fhir(alice)
    for resource in _statement()["rest"][0]["resource"]:
        keys = resource["documentation"].split("keys: ")[1].split(";")[0].split(", ")
        for key in keys:
            for value in (key, f"-{key}"):
                answer = api.get(resource["type"], _sort=value)
                assert answer.status_code == 200, (resource["type"], value)


def test_the_statement_lists_every_type_served_and_only_those(world, alice):
    api = Fhir(alice)
    served = {r["type"] for r in _statement()["rest"][0]["resource"]}
    assert served == {
        "Patient",
        "Encounter",
        "Questionnaire",
        "QuestionnaireResponse",
        "Observation",
    }
    for kind in served:
        assert api.get(kind).status_code == 200
    for kind in ("Practitioner", "Condition", "Group", "Organization"):
        assert api.get(kind).status_code == 404
