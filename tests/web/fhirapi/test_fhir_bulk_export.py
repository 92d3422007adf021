"""FHIR Bulk Data export: kick-off (202 + status URL), polling, the manifest and its NDJSON
files for the caller's own records, cancel, access only for the requester, and audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir_web import Fhir, outcome

from alliance.web.audit.models import AuditEvent
from alliance.web.fhirapi.models import BulkExport, BulkExportFile
from alliance.web.measures.models import Response

pytestmark = pytest.mark.django_db
MODELS = {
    "Patient": Patient,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
}


@pytest.fixture
def world(c1_sessions, x1_link):
    return None


def _kickoff(api: Fhir, **params: str) -> str:
    answer = api.get("$export", headers={"Prefer": "respond-async"}, **params)
    assert answer.status_code == 202, answer.content
    return answer["Content-Location"]


def _ndjson(api: Fhir, url: str) -> list[dict]:
    answer = api.follow(url)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/fhir+ndjson")
    return [json.loads(line) for line in answer.content.decode().splitlines() if line]


def test_an_export_gives_ndjson_files_of_exactly_the_callers_records(world, alice, c1):
    api = Fhir(alice)
    status = api.follow(_kickoff(api))
    assert status.status_code == 200  # the immediate task backend has finished it already
    manifest = status.json()
    assert manifest["requiresAccessToken"] is True
    assert {o["type"] for o in manifest["output"]} == set(MODELS)
    by_type: dict[str, list[dict]] = {}
    for output in manifest["output"]:
        lines = _ndjson(api, output["url"])
        assert len(lines) == output["count"]
        for resource in lines:
            MODELS[output["type"]].model_validate(resource)
        by_type.setdefault(output["type"], []).extend(lines)
    stored = Response.objects.for_user(alice)
    assert {r["id"] for r in by_type["QuestionnaireResponse"]} == {str(r.pk) for r in stored}
    assert {r["id"] for r in by_type["Patient"]} == {str(c1.pk)}
    searched = api.get("Observation", _count=0).json()["total"]
    assert len(by_type["Observation"]) == searched


def test_type_and_since_narrow_the_export(world, alice):
    api = Fhir(alice)
    manifest = api.follow(_kickoff(api, _type="Patient", _since="2999-01-01T00:00:00Z")).json()
    assert manifest["output"] == []
    manifest = api.follow(_kickoff(api, _type="QuestionnaireResponse")).json()
    assert [o["type"] for o in manifest["output"]] == ["QuestionnaireResponse"]


@pytest.mark.parametrize(
    "params",
    [{"_type": "Practitioner"}, {"_since": "yesterday"}, {"_outputFormat": "csv"}, {"x": "1"}],
)
def test_a_bad_kickoff_is_a_400_operation_outcome(world, alice, params):
    answer = Fhir(alice).get("$export", **params)
    assert answer.status_code == 400
    assert outcome(answer)
    assert not BulkExport.objects.exists()


def test_a_running_export_answers_202_with_its_progress(world, alice):
    api = Fhir(alice)
    url = _kickoff(api)
    BulkExport.objects.update(status=BulkExport.Status.RUNNING, progress="1 of 3 resource types")
    answer = api.follow(url)
    assert answer.status_code == 202
    assert answer["X-Progress"] == "1 of 3 resource types"


def test_only_the_requester_sees_polls_or_downloads_an_export(world, alice, bob):
    api = Fhir(alice)
    url = _kickoff(api)
    file_url = api.follow(url).json()["output"][0]["url"]
    other = Fhir(bob)
    for target in (url, file_url):
        answer = other.follow(target)
        assert answer.status_code == 404
        assert outcome(answer)


def test_delete_cancels_an_export_and_removes_its_files(world, alice):
    api = Fhir(alice)
    url = _kickoff(api)
    file_url = api.follow(url).json()["output"][0]["url"]
    base = url.split("/fhir/")[0]
    assert api.http.delete(url.removeprefix(base), **api.auth).status_code == 202
    assert api.follow(url).status_code == 404
    assert api.follow(file_url).status_code == 404


def test_kickoff_and_downloads_are_audited_per_client(world, alice, c1):
    api = Fhir(alice)
    url = _kickoff(api)
    assert AuditEvent.objects.filter(action="export", object_type="fhir.bulkexport").count() == 1
    before = AuditEvent.objects.filter(action="export", client=c1).count()
    for output in api.follow(url).json()["output"]:
        api.follow(output["url"])
    after = AuditEvent.objects.filter(action="export", client=c1).count()
    assert after == before + 3


def test_researchers_cannot_export_client_records(world, rita):
    answer = Fhir(rita).get("$export")
    assert answer.status_code == 403
    assert outcome(answer)


def test_exports_older_than_a_week_are_deleted_and_never_served(world, alice):
    api = Fhir(alice)
    url = _kickoff(api)
    file_url = api.follow(url).json()["output"][0]["url"]
    BulkExport.objects.update(created=timezone.now() - dt.timedelta(days=8))
    assert api.follow(file_url).status_code == 404
    assert api.follow(url).status_code == 404
    assert not BulkExport.objects.exists()
    assert not BulkExportFile.objects.exists()


def test_patient_level_export_gives_the_same_files(world, alice):
    api = Fhir(alice)
    answer = api.get("Patient/$export")
    assert answer.status_code == 202
    manifest = api.follow(answer["Content-Location"]).json()
    assert {o["type"] for o in manifest["output"]} == set(MODELS)
    statement = api.get("metadata").json()
    patient = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Patient")
    assert patient["operation"][0]["name"] == "export"
