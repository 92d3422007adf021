"""Data minimisation: the audit log holds ids and labels, never answers or free text."""

from __future__ import annotations

import json

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import STEADY, step_data

from alliance.web.audit.chain import check_detail, verify
from alliance.web.audit.log import record
from alliance.web.audit.models import AuditEvent

FREE_TEXT = {
    "feedback": "I wish we had more time on my mum.",
    "reflection": "Easier on the days I walked first.",
    "client_task": "Phone my sister on Sunday",
    "goal": "Sleep through the night without waking",
    "task": "Write down one good thing each evening",
    "note": "Talked it through in session, safety plan agreed.",
    "questionnaire": STEADY["session_feedback"]["1"],
}


@pytest.mark.parametrize(
    ("detail", "error"),
    [
        ({"text": "low"}, ValueError),
        ({"reflection": "ok"}, ValueError),
        ({"answers": [1, 2, 3]}, ValueError),
        ({"page": "x" * 81}, ValueError),
        ({"page": "two\nlines"}, ValueError),
        ({"score": 12.5}, TypeError),
        ({"scores": {"phq9_total": 12}}, TypeError),
        ({"Bad Key": 1}, ValueError),
    ],
    ids=[
        "text",
        "reflection",
        "answers",
        "long-string",
        "multi-line",
        "float",
        "nested",
        "bad-key",
    ],
)
def test_record_refuses_answers_and_free_text(c1, detail, error) -> None:
    with pytest.raises(error):
        record(None, "view", c1, client=c1, **detail)
    assert not AuditEvent.objects.exists()


def test_record_accepts_ids_and_labels(c1) -> None:
    event = record(
        None, "update", c1, client=c1, instruments=["phq9", "gad7"], therapist_to=3, confirmed=True
    )
    assert event.detail == {"instruments": ["phq9", "gad7"], "therapist_to": 3, "confirmed": True}


def test_the_flows_that_carry_free_text_leave_none_of_it_in_the_audit_log(
    alice, c1, c1_episode, c1_link, c1_portal_token, c1_goal, c1_task, c1_alert
) -> None:
    client = HttpClient()
    for step, instrument in enumerate(c1_link.link.instruments, start=1):
        client.post(
            reverse("measures:step", args=[c1_link.token, step]),
            step_data(instrument, STEADY[instrument]),
        )
    client.post(reverse("portal:feedback", args=[c1_portal_token]), {"text": FREE_TEXT["feedback"]})
    client.post(
        reverse("portal:task_done", args=[c1_portal_token, c1_task.pk]),
        {"done": "yes", "reflection": FREE_TEXT["reflection"]},
    )
    client.post(
        reverse("portal:task_new", args=[c1_portal_token]), {"text": FREE_TEXT["client_task"]}
    )
    client.post(reverse("portal:goal_confirm", args=[c1_portal_token, c1_goal.pk]))
    staff = HttpClient()
    staff.force_login(alice)
    staff.post(reverse("goals:goal_new", args=[c1_episode.pk]), {"text": FREE_TEXT["goal"]})
    staff.post(reverse("goals:task_new", args=[c1_episode.pk]), {"text": FREE_TEXT["task"]})
    staff.post(reverse("alerts:resolve", args=[c1_alert.pk]), {"note": FREE_TEXT["note"]})

    events = list(AuditEvent.objects.all())
    kinds = {(e.action, e.object_type) for e in events}
    assert {
        ("submit", "measures.link"),
        ("create", "portal.feedback"),
        ("update", "goals.task"),
        ("create", "goals.goal"),
        ("update", "alerts.alert"),
    } <= kinds, "the flows above must all have been recorded"
    stored = json.dumps([e.detail for e in events] + [e.actor_label for e in events])
    for what, text in FREE_TEXT.items():
        assert text not in stored, f"the {what} text reached the audit log"
    for event in events:
        assert check_detail(event.detail) == event.detail
    assert verify().ok
