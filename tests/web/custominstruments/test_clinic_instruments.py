"""A clinic imports its own licensed instrument and uses it like a built-in one (issue #5).

The whole path: ada uploads an SRS-like FHIR Questionnaire with a scoring
file, checks the preview and adds it; alice puts it in c1's plan; the client
answers it through the usual link; the same engine scores it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from upload_helpers import PAGE, SCORING, SRS_LIKE, upload
from web_factories import ANSWERS, add_sessions, step_data, step_url

from alliance.fhir import questionnaire
from alliance.instruments import dumps, registry
from alliance.web.audit.models import AuditEvent
from alliance.web.custominstruments.models import CustomInstrument
from alliance.web.custominstruments.registry import instrument_for, instruments_for
from alliance.web.measures.models import Response
from alliance.web.measures.services import create_link


def import_srs(http: HttpClient) -> CustomInstrument:
    preview = upload(
        http, json.dumps(SRS_LIKE).encode(), scoring=SimpleUploadedFile("srs.toml", SCORING)
    )
    assert preview.status_code == 200, preview.content.decode()[:2000]
    body = preview.content.decode()
    assert "Add to this clinic" in body and "sum of items 1, 2, 3, 4" in body
    assert not CustomInstrument.objects.exists()  # nothing saved before the confirmation
    saved = http.post(reverse("custominstruments:confirm"), {"action": "save"})
    assert saved.status_code == 302
    return CustomInstrument.objects.get()


def test_admin_imports_an_srs_like_instrument_which_a_client_answers_and_is_scored(
    client: HttpClient, ada, alice, c1_sessions
) -> None:
    client.force_login(ada)
    row = import_srs(client)
    assert (row.instrument_id, row.source, row.licence_confirmed, row.created_by) == (
        "srs_clinic",
        "fhir",
        True,
        ada,
    )
    assert AuditEvent.objects.filter(
        actor=ada, action="create", object_type="custominstruments.custominstrument"
    ).exists()

    therapist = HttpClient()
    therapist.force_login(alice)
    episode = c1_sessions[0].episode
    plan_page = therapist.get(reverse("care:plan", args=[episode.pk]))
    assert "SRS (client): every n-th session" in plan_page.content.decode()
    current = {f"{e.respondent}__{e.instrument}": e for e in episode.plan.all()}
    data: dict[str, Any] = {}
    for key, entry in current.items():
        data[f"{key}__every"], data[f"{key}__first"] = entry.every, entry.first_session
    for key in ("client__gas", "client__srs_clinic"):
        data.setdefault(f"{key}__every", 0)
        data.setdefault(f"{key}__first", 1)
    data["client__srs_clinic__every"] = 1
    saved = therapist.post(reverse("care:plan", args=[episode.pk]), data)
    assert saved.status_code == 302, saved.content.decode()[:3000]

    (session,) = add_sessions(episode, 1)
    link, token = create_link(session, alice)
    assert "srs_clinic" in link.instruments
    answers = {**ANSWERS, "srs_clinic": {"1": 7.0, "2": 8.0, "3": 6.0, "4": 9.0}}
    person = HttpClient()
    for step, instrument in enumerate(link.instruments, start=1):
        page = person.post(step_url(token, step), step_data(instrument, answers[instrument]))
        assert page.status_code in (200, 302), (instrument, page.content.decode()[:2000])
    stored = Response.objects.get(session=session, instrument="srs_clinic")
    assert stored.answers == {"1": 7.0, "2": 8.0, "3": 6.0, "4": 9.0}
    assert stored.scores["srs_clinic_total"] == 30.0
    assert stored.scores["srs_clinic_total_mean"] == 7.5


def test_an_alliance_toml_file_can_be_uploaded_too(client: HttpClient, ada) -> None:
    client.force_login(ada)
    gad = registry()["gad7"].model_copy(update={"id": "gad7_local"})
    page = upload(client, dumps(gad).encode(), name="gad7_local.toml")
    assert page.status_code == 200
    client.post(reverse("custominstruments:confirm"), {"action": "save"})
    assert instrument_for(ada.organisation_id, "gad7_local") == gad


def test_a_questionnaire_without_a_scoring_file_is_refused_saying_what_to_add(
    client: HttpClient, ada
) -> None:
    client.force_login(ada)
    page = upload(client, json.dumps(SRS_LIKE).encode())
    assert page.status_code == 400
    body = page.content.decode()
    assert "no scales, licence, citation given" in body and "[[scales]]" in body
    assert not CustomInstrument.objects.exists()


def test_form_errors_name_the_fhir_path(client: HttpClient, ada) -> None:
    client.force_login(ada)
    broken = json.loads(json.dumps(SRS_LIKE))
    del broken["item"][2]["extension"]
    page = upload(
        client, json.dumps(broken).encode(), scoring=SimpleUploadedFile("s.toml", SCORING)
    )
    assert page.status_code == 400
    assert "item[2].extension: a numeric item needs the minValue extension" in page.content.decode()


def test_the_licence_box_must_be_ticked(client: HttpClient, ada) -> None:
    client.force_login(ada)
    page = upload(client, json.dumps(SRS_LIKE).encode(), licence_confirmed=None)
    assert page.status_code == 400
    assert "Confirm that your clinic holds a licence" in page.content.decode()


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("srs.json", b"\xff\xfe{}", "not UTF-8 text"),
        ("srs.json", b"x" * (256 * 1024 + 1), "the limit is 256 KB"),
        (
            "srs.xml",
            b"<Questionnaire/>",
            "Upload a FHIR Questionnaire (.json) or an instrument file",
        ),
        ("srs.json", b"{not json", "not valid JSON"),
    ],
)
def test_unreadable_uploads_are_refused_with_a_clear_message(
    client: HttpClient, ada, name: str, body: bytes, message: str
) -> None:
    client.force_login(ada)
    page = upload(client, body, name=name)
    assert page.status_code == 400
    assert message in page.content.decode()


def test_a_builtin_id_cannot_be_taken(client: HttpClient, ada) -> None:
    client.force_login(ada)
    page = upload(client, json.dumps(questionnaire(registry()["phq9"])).encode(), name="p.json")
    assert page.status_code == 400
    assert "&#x27;phq9&#x27; is a built-in instrument" in page.content.decode()


def test_switching_off_takes_it_out_of_new_plans_and_is_audited(client: HttpClient, ada) -> None:
    client.force_login(ada)
    row = import_srs(client)
    assert "srs_clinic" in instruments_for(ada.organisation_id)
    client.post(reverse("custominstruments:toggle", args=[row.instrument_id]))
    assert "srs_clinic" not in instruments_for(ada.organisation_id)  # no longer plannable
    # ... but links already sent and answers already stored still find it.
    assert instrument_for(ada.organisation_id, "srs_clinic").id == "srs_clinic"
    assert AuditEvent.objects.filter(actor=ada, action="update").exists()


# --- who may see what ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "sue", "rita"])
def test_only_clinic_admins_open_the_page(client: HttpClient, persona: str, request) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 403
    assert upload(client, json.dumps(SRS_LIKE).encode()).status_code == 403


def test_another_clinic_never_sees_clinic_a_instrument(
    client: HttpClient, ada, charlie, clinic_b
) -> None:
    client.force_login(ada)
    row = import_srs(client)
    assert "srs_clinic" not in instruments_for(clinic_b.pk)
    with pytest.raises(KeyError):
        instrument_for(clinic_b.pk, "srs_clinic")
    client.logout()
    client.force_login(charlie)
    assert (
        client.get(reverse("custominstruments:detail", args=[row.instrument_id])).status_code == 403
    )
    charlie.role = "admin"
    charlie.save()
    client.force_login(charlie)
    other = client
    assert "srs_clinic" not in other.get(PAGE).content.decode()
    assert (
        other.get(reverse("custominstruments:detail", args=[row.instrument_id])).status_code == 404
    )
    assert (
        other.post(reverse("custominstruments:toggle", args=[row.instrument_id])).status_code == 404
    )
    assert CustomInstrument.objects.get().active


def test_the_lookup_of_a_builtin_needs_no_query(django_assert_num_queries, clinic_a) -> None:
    with django_assert_num_queries(0):
        assert instrument_for(clinic_a.pk, "phq9").id == "phq9"
    with django_assert_num_queries(1):
        instruments_for(clinic_a.pk)
