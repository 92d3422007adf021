"""The therapist adds goals and tasks and rates goals (Goal Attainment Scaling) on the client page.

A goal the therapist writes counts as confirmed by the therapist; the client
confirms it on their page. A goal is rated once per session (a second rating
is kept out, not overwritten). A task cannot be due before the session it was
set in. Texts have a length limit; nothing is stored when a form is refused.
"""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient
from django.urls import reverse

from alliance.web.audit.models import AuditEvent
from alliance.web.care.models import Session
from alliance.web.goals.models import Goal, GoalRating, Task


def _post(http: HttpClient, name: str, pk: int, data: dict[str, Any]) -> str:
    page = http.post(reverse(name, args=[pk]), data, follow=True)
    assert page.status_code == 200
    return page.content.decode()


def test_a_goal_the_therapist_adds_is_confirmed_by_the_therapist_and_audited(
    client: HttpClient, alice, c1_episode, c1_sessions
) -> None:
    client.force_login(alice)
    body = _post(client, "goals:goal_new", c1_episode.pk, {"text": "Walk to work twice a week"})
    assert "Goal added." in body
    goal = Goal.objects.get(episode=c1_episode)
    assert goal.therapist_confirmed_at is not None and goal.client_confirmed_at is None
    assert goal.created_session == len(c1_sessions)
    assert AuditEvent.objects.filter(action="create", object_type="goals.goal").exists()


def test_a_goal_over_300_characters_is_refused_and_nothing_is_stored(
    client: HttpClient, alice, c1_episode
) -> None:
    client.force_login(alice)
    body = _post(client, "goals:goal_new", c1_episode.pk, {"text": "x" * 301})
    assert "Goal: Ensure this value has at most 300 characters" in body
    assert not Goal.objects.filter(episode=c1_episode).exists()


def test_a_goal_is_rated_for_the_latest_session_once(
    client: HttpClient, alice, c1_goal, c1_sessions
) -> None:
    client.force_login(alice)
    body = _post(client, "goals:goal_rate", c1_goal.pk, {"level": "1"})
    latest = max(s.number for s in c1_sessions)
    assert f"Goal rated for session {latest}." in body
    again = _post(client, "goals:goal_rate", c1_goal.pk, {"level": "-2"})
    assert "already has a rating" in again
    (rating,) = GoalRating.objects.filter(goal=c1_goal)
    assert (rating.level, rating.session.number) == (1, latest)


def test_a_level_outside_minus_2_to_plus_2_is_refused(
    client: HttpClient, alice, c1_goal, c1_sessions
) -> None:
    client.force_login(alice)
    _post(client, "goals:goal_rate", c1_goal.pk, {"level": "3"})
    assert not GoalRating.objects.filter(goal=c1_goal).exists()


def test_a_goal_cannot_be_rated_before_any_session(client: HttpClient, alice, c1_goal) -> None:
    Session.objects.filter(episode=c1_goal.episode).delete()
    client.force_login(alice)
    body = _post(client, "goals:goal_rate", c1_goal.pk, {"level": "0"})
    assert "Start a session before rating goals." in body
    assert not GoalRating.objects.exists()


def test_a_task_is_set_at_the_latest_session_by_the_therapist(
    client: HttpClient, alice, c1_episode, c1_sessions
) -> None:
    client.force_login(alice)
    latest = len(c1_sessions)
    body = _post(
        client,
        "goals:task_new",
        c1_episode.pk,
        {"text": "Call a friend", "due_session": latest + 1},
    )
    assert "Task added." in body
    task = Task.objects.get(episode=c1_episode)
    assert (task.set_by, task.set_session, task.due_session) == ("therapist", latest, latest + 1)


def test_a_task_due_before_the_session_it_is_set_in_is_refused(
    client: HttpClient, alice, c1_episode, c1_sessions
) -> None:
    client.force_login(alice)
    latest = len(c1_sessions)
    body = _post(
        client,
        "goals:task_new",
        c1_episode.pk,
        {"text": "Call a friend", "due_session": latest - 1},
    )
    assert f"Due session must be {latest} or later." in body
    assert not Task.objects.filter(episode=c1_episode).exists()
