"""Regression tests from the review of issue #5 (API, FHIR, research export, custom instruments).

Each test states the web app's rule (or the issue's promise) that the new code breaks today.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import add_sessions, answer_sessions, episode_of, make_client

from alliance.export import deidentify
from alliance.web.api.models import IdempotentRequest
from alliance.web.api.pages import issue
from alliance.web.care.models import Session
from alliance.web.measures.models import Link
from alliance.web.research.dataset import IDS, research_table

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user: Any) -> None:
        self.http = HttpClient(raise_request_exception=False)
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {issue(user, 't', ['read', 'write'], 30)[1]}"}

    def post(self, path: str, body: Any, key: str, raw: bool = False) -> Any:
        data = body if raw else json.dumps(body)
        return self.http.post(
            path, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **self.auth
        )

    def get(self, path: str, **params: Any) -> Any:
        return self.http.get(path, params, **self.auth)


# --- the API breaks the web app's rules for links and sessions --------------------------------


def test_api_refuses_a_new_link_once_the_clients_answers_for_the_session_are_in(alice, c1_sessions):
    answered = c1_sessions[0]  # answers in (web: link_new says "already in" and makes none)
    before = Link.objects.filter(session=answered).count()
    response = Api(alice).post("/api/v1/links/", {"session": answered.pk}, "review-link-01")
    assert response.status_code == 400, response.content
    assert Link.objects.filter(session=answered).count() == before


def test_api_new_link_revokes_the_sessions_older_open_link(alice, c1_link):
    session = c1_link.link.session
    response = Api(alice).post("/api/v1/links/", {"session": session.pk}, "review-link-02")
    assert response.status_code == 201, response.content
    live = Link.objects.filter(session=session, submitted_at=None, revoked_at=None)
    assert live.count() == 1  # web: "older open links are revoked"


def test_api_refuses_a_session_in_an_ended_episode(alice, c1_sessions, c1_episode):
    c1_episode.ended = dt.date(2026, 11, 1)
    c1_episode.save(update_fields=["ended"])
    response = Api(alice).post(
        "/api/v1/sessions/", {"episode": c1_episode.pk, "date": "2026-11-20"}, "review-sess-01"
    )
    assert response.status_code == 400, response.content
    assert Session.objects.filter(episode=c1_episode).count() == 4


# --- secrets at rest --------------------------------------------------------------------------


def test_the_idempotency_record_does_not_keep_the_links_secret_url(alice, c1_sessions):
    session = c1_sessions[3]
    Link.objects.filter(session=session).delete()
    created = Api(alice).post("/api/v1/links/", {"session": session.pk}, "review-link-03")
    assert created.status_code == 201, created.content
    url = created.json()["url"]
    stored = json.dumps(IdempotentRequest.objects.get(key="review-link-03").body)
    assert url not in stored  # link tokens are otherwise kept only as hashes


# --- 5xx on bad input -------------------------------------------------------------------------


def test_deeply_nested_json_body_is_a_400_not_a_500(alice, c1_sessions):
    body = '{"episode": ' + "[" * 5000 + "]" * 5000 + "}"
    response = Api(alice).post("/api/v1/sessions/", body, "review-nest-01", raw=True)
    assert response.status_code == 400


def test_deeply_nested_fhir_import_is_a_400_not_a_500(alice, c1_sessions):
    api = Api(alice)
    body = "[" * 5000 + "]" * 5000
    response = api.http.post(
        "/fhir/QuestionnaireResponse", body, content_type="application/fhir+json", **api.auth
    )
    assert response.status_code == 400


def test_a_huge_fhir_page_number_is_a_400_not_a_500(alice, c1_sessions):
    response = Api(alice).get(
        "/fhir/QuestionnaireResponse", page="999999999999999999", _count="100"
    )
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("deep.toml", ("a = " + "[" * 5000 + "]" * 5000).encode()),
        ("deep.json", ("[" * 5000 + "]" * 5000).encode()),
    ],
)
def test_a_deeply_nested_instrument_upload_is_refused_not_a_500(
    client: HttpClient, ada, name: str, body: bytes
):
    client.force_login(ada)
    client.raise_request_exception = False
    page = client.post(
        reverse("custominstruments:list"),
        {"file": SimpleUploadedFile(name, body), "licence_confirmed": "on"},
    )
    assert page.status_code == 400


# --- research export --------------------------------------------------------------------------


def test_research_rows_are_not_in_internal_client_order_so_two_exports_cannot_be_lined_up(
    clinic_a, alice
):
    for i in range(6):
        client = make_client(clinic_a, alice, f"R{i}")
        answer_sessions(add_sessions(episode_of(client), 1))
    out = deidentify(research_table(clinic_a.pk).frame, ids=IDS, intake="episode_start")
    codes = out.frame.get_column("client_id").to_list()
    # Rows follow client pk today: the same row order in every export pairs up the
    # "unlinkable" pseudonyms of two exports and gives away the order of enrolment.
    assert codes == sorted(codes)
