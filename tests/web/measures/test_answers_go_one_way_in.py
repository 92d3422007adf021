"""Every way in for answers goes through record_answers: checked, scored once, stored once,
audited, and its alert evaluation enqueued in the same transaction (the outbox)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client as HttpClient
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from web_factories import ANSWERS, answer

from alliance.web.accounts.models import User
from alliance.web.alerts.models import Alert
from alliance.web.alerts.tasks import evaluate_alerts
from alliance.web.audit.models import AuditEvent
from alliance.web.care.models import Session
from alliance.web.consent.models import Channel
from alliance.web.consent.services import withdraw_consent
from alliance.web.measures.answers import AnswersConflict, AnswersRefused, record_answers
from alliance.web.measures.models import Response, Source

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RISK = {**{str(n): 1.0 for n in range(1, 9)}, "9": 2.0}


def _pending_evaluations() -> int:
    return DBTaskResult.objects.filter(
        task_path="alliance.web.alerts.tasks.evaluate_alerts", status="READY"
    ).count()


def test_a_therapist_retrying_the_same_answers_stores_one_response(
    c1_sessions: list[Session], alice: User
) -> None:
    session = c1_sessions[3]
    first = record_answers(session, "phq9", "client", RISK, source=Source.API, by=alice)
    again = record_answers(session, "phq9", "client", RISK, source=Source.API, by=alice)
    assert first.created and not again.created
    assert again.response.pk == first.response.pk
    assert Response.objects.filter(session=session, instrument="phq9").count() == 1
    assert first.response.source == "api"


def test_other_answers_for_a_stored_response_are_refused_and_the_first_kept(
    c1_sessions: list[Session], alice: User
) -> None:
    session = c1_sessions[3]
    record_answers(session, "gad7", "client", {str(n): 1 for n in range(1, 8)}, source="api")
    with pytest.raises(AnswersConflict, match="kept, not overwritten"):
        record_answers(session, "gad7", "client", {str(n): 2 for n in range(1, 8)}, source="api")
    stored = Response.objects.get(session=session, instrument="gad7")
    assert stored.scores["gad7_total"] == 7


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"1": 4}, r"phq9 item 1: 4 is not one of 0, 1, 2, 3"),
        ({"10": 1}, r"phq9 has no item '10'"),
        ({"1": float("nan")}, r"phq9 item 1: nan is not a number"),
        ({"1": "2"}, r"phq9 item 1: the item takes a number"),
        ({"1": True}, r"phq9 item 1: the item takes a number"),
    ],
)
def test_bad_answers_name_the_item_and_store_nothing(
    c1_sessions: list[Session], answers: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        record_answers(c1_sessions[3], "phq9", "client", answers, source="api")
    assert not Response.objects.filter(session=c1_sessions[3], instrument="phq9").exists()


def test_a_client_who_withdrew_consent_has_no_answers_stored(
    c1_sessions: list[Session], alice: User
) -> None:
    episode = c1_sessions[3].episode
    from alliance.web.consent.services import record_consent

    record_consent(episode, via=Channel.STAFF, by=alice)
    withdraw_consent(episode, via=Channel.STAFF, by=alice)
    with pytest.raises(AnswersRefused, match="withdrew consent"):
        record_answers(c1_sessions[3], "phq9", "client", RISK, source=Source.FHIR, by=alice)
    assert not Response.objects.filter(session=c1_sessions[3], instrument="phq9").exists()


def test_each_stored_response_is_audited_with_its_way_in(
    c1_sessions: list[Session], alice: User
) -> None:
    recorded = record_answers(c1_sessions[3], "phq9", "client", RISK, source="paper", by=alice)
    event = AuditEvent.objects.get(
        object_type="measures.response", object_id=str(recorded.response.pk)
    )
    assert event.detail == {"instrument": "phq9", "via": "paper"}


@override_settings(TASKS=DATABASE_TASKS)
def test_the_alert_evaluation_is_enqueued_with_the_answers_and_run_by_a_worker(
    c1_sessions: list[Session],
) -> None:
    session = c1_sessions[3]
    record_answers(session, "phq9", "client", RISK, source=Source.LINK)
    # committed together: the response and the task that evaluates its alerts
    assert _pending_evaluations() == 1
    assert not Alert.objects.filter(episode=session.episode, rule="risk").exists()
    # the worker's part: run the task the row describes (db_worker would, then close the
    # connection, which the test's own transaction cannot survive on PostgreSQL)
    (row,) = DBTaskResult.objects.filter(task_path="alliance.web.alerts.tasks.evaluate_alerts")
    assert row.args_kwargs["args"] == [session.episode.pk]
    evaluate_alerts.call(*row.args_kwargs["args"])
    assert Alert.objects.filter(episode=session.episode, rule="risk", severity="urgent").exists()


@override_settings(TASKS=DATABASE_TASKS)
def test_answers_rolled_back_leave_no_evaluation_behind(c1_sessions: list[Session]) -> None:
    class Crash(Exception):
        pass

    with pytest.raises(Crash), transaction.atomic():
        record_answers(c1_sessions[3], "phq9", "client", RISK, source=Source.LINK)
        raise Crash
    assert _pending_evaluations() == 0
    assert not Response.objects.filter(session=c1_sessions[3], instrument="phq9").exists()


@override_settings(TASKS=DATABASE_TASKS)
def test_a_client_whose_answers_are_stored_is_thanked_while_the_evaluation_waits(
    c1_link: Any,
) -> None:
    page = answer(HttpClient(), c1_link.token, c1_link.link.instruments)
    assert page.status_code == 200 and b"Thank you" in page.content
    sources = set(Response.objects.filter(link=c1_link.link).values_list("source", flat=True))
    assert sources == {"link"}
    # one evaluation for the whole link, enqueued with its answers
    assert _pending_evaluations() == 1
    assert set(ANSWERS) >= set(c1_link.link.instruments)
