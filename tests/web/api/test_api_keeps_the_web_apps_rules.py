"""The API keeps the rules the web pages keep: links and sessions, secrets at rest, bad input.

A link through the API is refused once the session's answers are in and
replaces the session's older open link; a session cannot be added to an
ended episode; the idempotency record never keeps a link's secret URL; a
body nested too deep is a 400, not a server error.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from api_helpers import Api

from alliance.web.api.models import IdempotentRequest
from alliance.web.care.models import Session
from alliance.web.measures.models import Link

pytestmark = pytest.mark.django_db


def test_a_new_link_is_refused_once_the_clients_answers_for_the_session_are_in(alice, c1_sessions):
    answered = c1_sessions[0]  # answers in (web: link_new says "already in" and makes none)
    before = Link.objects.filter(session=answered).count()
    response = Api(alice).post("links/", {"session": answered.pk}, "review-link-01")
    assert response.status_code == 400, response.content
    assert Link.objects.filter(session=answered).count() == before


def test_a_new_link_revokes_the_sessions_older_open_link(alice, c1_link):
    session = c1_link.link.session
    response = Api(alice).post("links/", {"session": session.pk}, "review-link-02")
    assert response.status_code == 201, response.content
    live = Link.objects.filter(session=session, submitted_at=None, revoked_at=None)
    assert live.count() == 1  # web: "older open links are revoked"


def test_a_session_in_an_ended_episode_is_refused(alice, c1_sessions, c1_episode):
    c1_episode.ended = dt.date(2026, 11, 1)
    c1_episode.save(update_fields=["ended"])
    response = Api(alice).post(
        "sessions/", {"episode": c1_episode.pk, "date": "2026-11-20"}, "review-sess-01"
    )
    assert response.status_code == 400, response.content
    assert Session.objects.filter(episode=c1_episode).count() == 4


def test_the_idempotency_record_does_not_keep_the_links_secret_url(alice, c1_sessions):
    session = c1_sessions[3]
    Link.objects.filter(session=session).delete()
    created = Api(alice).post("links/", {"session": session.pk}, "review-link-03")
    assert created.status_code == 201, created.content
    url = created.json()["url"]
    stored = json.dumps(IdempotentRequest.objects.get(key="review-link-03").body)
    assert url not in stored  # link tokens are otherwise kept only as hashes


def test_deeply_nested_json_body_is_a_400_not_a_500(alice, c1_sessions):
    body = '{"episode": ' + "[" * 5000 + "]" * 5000 + "}"
    response = Api(alice).post("sessions/", body, "review-nest-01")
    assert response.status_code == 400
