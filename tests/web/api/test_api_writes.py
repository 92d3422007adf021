"""Writes through the API: new sessions and links, alert steps; a retry never stores twice."""

from __future__ import annotations

import pytest
from api_helpers import Api

from alliance.web.alerts.models import Alert
from alliance.web.care.models import Session
from alliance.web.measures.models import Link

pytestmark = pytest.mark.django_db


def test_a_new_session_gets_the_next_number(alice, c1_sessions, c1_episode):
    response = Api(alice).post(
        "sessions/", {"episode": c1_episode.pk, "date": "2026-11-20"}, "key-0001"
    )
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 5


def test_a_retried_session_post_is_stored_once_and_answered_the_same(
    alice, c1_sessions, c1_episode
):
    api = Api(alice)
    body = {"episode": c1_episode.pk, "date": "2026-11-20"}
    first = api.post("sessions/", body, "retry-0001")
    again = api.post("sessions/", body, "retry-0001")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Session.objects.filter(episode=c1_episode).count() == 5


def test_the_same_key_with_another_body_is_refused(alice, c1_sessions, c1_episode):
    api = Api(alice)
    api.post("sessions/", {"episode": c1_episode.pk, "date": "2026-11-20"}, "retry-0002")
    other = api.post("sessions/", {"episode": c1_episode.pk, "date": "2026-11-21"}, "retry-0002")
    assert other.status_code == 422
    assert Session.objects.filter(episode=c1_episode).count() == 5


def test_a_post_without_an_idempotency_key_is_refused_and_stores_nothing(
    alice, c1_sessions, c1_episode
):
    response = Api(alice).post("sessions/", {"episode": c1_episode.pk, "date": "2026-11-20"})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert Session.objects.filter(episode=c1_episode).count() == 4


def test_charlie_cannot_add_a_session_to_alices_client(charlie, c1_sessions, c1_episode):
    response = Api(charlie).post(
        "sessions/", {"episode": c1_episode.pk, "date": "2026-11-20"}, "key-0003"
    )
    assert response.status_code == 400
    assert "episode" in response.json()
    assert Session.objects.filter(episode=c1_episode).count() == 4


def test_a_new_link_shows_its_url_once_and_lists_never_do(
    alice, c1_sessions, mailoutbox, django_capture_on_commit_callbacks
):
    api = Api(alice)
    session = c1_sessions[3]
    Link.objects.filter(session=session).delete()
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("links/", {"session": session.pk, "send_email": True}, "link-0001")
    assert created.status_code == 201, created.content
    url = created.json()["url"]
    assert "/q/" in url
    assert created.json()["emailed"] is True
    assert len(mailoutbox) == 1 and url in mailoutbox[0].body
    assert url not in api.get("links/").content.decode()


def test_a_retried_link_post_makes_one_link_and_one_email(
    alice, c1_sessions, mailoutbox, django_capture_on_commit_callbacks
):
    api = Api(alice)
    session = c1_sessions[3]
    Link.objects.filter(session=session).delete()
    body = {"session": session.pk, "send_email": True}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("links/", body, "link-0002")
        again = api.post("links/", body, "link-0002")
    assert again.json() == {**first.json(), "url": None}  # the secret URL is never stored
    assert Link.objects.filter(session=session).count() == 1
    assert len(mailoutbox) == 1


def test_a_link_with_nothing_due_says_why(alice, c1_episode):
    c1_episode.plan.all().delete()
    session = Session.objects.create(episode=c1_episode, number=1, date="2026-11-01")
    response = Api(alice).post("links/", {"session": session.pk}, "link-0003")
    assert response.status_code == 400
    assert "No client questionnaires are due" in response.json()["session"][0]


def test_alice_acknowledges_then_resolves_an_alert_with_a_note(alice, c1_alert):
    api = Api(alice)
    assert api.post(f"alerts/{c1_alert.pk}/acknowledge/", {}).json()["status"] == "acknowledged"
    assert api.post(f"alerts/{c1_alert.pk}/resolve/", {"note": ""}).status_code == 400
    done = api.post(f"alerts/{c1_alert.pk}/resolve/", {"note": "Talked it through."})
    assert done.json()["status"] == "resolved"
    assert Alert.objects.get(pk=c1_alert.pk).resolved_by == alice


def test_a_concurrent_duplicate_is_rolled_back_and_gets_the_first_answer(
    alice, c1_sessions, c1_episode, monkeypatch
):
    """Two requests with one key both miss the lookup; the second one to commit loses.

    Simulated deterministically: the other request's answer is already stored,
    but this request's lookup misses it (as if it ran a moment earlier).
    """
    from alliance.web.api import idempotency
    from alliance.web.api.models import IdempotentRequest

    api = Api(alice)
    body = {"episode": c1_episode.pk, "date": "2026-11-22"}
    first = api.post("sessions/", body, "race-0001")
    assert first.status_code == 201
    real = idempotency.stored_answer
    calls = iter([None])
    monkeypatch.setattr(idempotency, "stored_answer", lambda u, k: next(calls, None) or real(u, k))
    again = api.post("sessions/", body, "race-0001")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert Session.objects.filter(episode=c1_episode).count() == 5
    assert IdempotentRequest.objects.filter(key="race-0001").count() == 1


def test_the_tick_forgets_retry_records_older_than_a_week(alice, c1_sessions, c1_episode):
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from alliance.web.api.models import IdempotentRequest

    api = Api(alice)
    api.post("sessions/", {"episode": c1_episode.pk, "date": "2026-11-20"}, "old-0001")
    api.post("sessions/", {"episode": c1_episode.pk, "date": "2026-11-21"}, "new-0001")
    IdempotentRequest.objects.filter(key="old-0001").update(
        created=timezone.now() - dt.timedelta(days=8)
    )
    call_command("alliance_tick")
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new-0001"]
