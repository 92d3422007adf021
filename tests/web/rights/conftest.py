"""Fixtures of the client-rights tests: c1 and x1 with something of everything, in their own words.

c1 (Alice's, clinic A) has answered sessions 1-3, an open link for session 4
with a half-written draft, a goal with a rating, a task with a reflection,
feedback, an alert with a resolution note and a personal page link. x1
(Charlie's, clinic B) has a goal, feedback and one answered session of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rights_helpers import (
    C1_ANSWER,
    C1_DRAFT,
    C1_FEEDBACK,
    C1_NOTE,
    C1_REFLECTION,
    X1_ANSWER,
    X1_FEEDBACK,
    X1_GOAL,
)
from web_factories import add_sessions, answer_sessions, episode_of, make_goal

from alliance.web.alerts.models import Alert
from alliance.web.goals.models import GoalRating
from alliance.web.measures.models import Link, Response
from alliance.web.portal.models import Feedback


@dataclass(frozen=True)
class Everything:
    token: str  # c1's personal page
    link_token: str  # c1's open questionnaire link (session 4)
    texts: tuple[str, ...]  # c1's words, as stored (encrypted) in the database


@pytest.fixture
def c1_everything(
    c1, c1_sessions, c1_link, c1_goal, c1_task, c1_alert, c1_portal_token
) -> Everything:
    answered = Response.objects.get(session=c1_sessions[0], instrument="session_feedback")
    answered.answers = {"1": C1_ANSWER, "3": 5.0}
    answered.save()
    Link.objects.filter(pk=c1_link.link.pk).update(
        draft={"session_feedback": {"2": C1_DRAFT, "3": 6.0}}
    )
    GoalRating.objects.create(goal=c1_goal, session=c1_sessions[2], level=1)
    c1_task.done, c1_task.reflection = True, C1_REFLECTION
    c1_task.save()
    Feedback.objects.create(episode=c1_sessions[0].episode, text=C1_FEEDBACK)
    c1_alert.status, c1_alert.resolution_note = Alert.Status.RESOLVED, C1_NOTE
    c1_alert.save()
    return Everything(
        token=c1_portal_token,
        link_token=c1_link.token,
        texts=(
            C1_ANSWER,
            C1_DRAFT,
            C1_REFLECTION,
            C1_FEEDBACK,
            C1_NOTE,
            c1_goal.text,
            c1_task.text,
        ),
    )


@pytest.fixture
def x1_everything(x1, x1_link, x1_portal_token) -> tuple[str, ...]:
    episode = episode_of(x1)
    make_goal(episode, X1_GOAL)
    Feedback.objects.create(episode=episode, text=X1_FEEDBACK)
    (session,) = add_sessions(episode, 1)
    (row, *_) = answer_sessions([session], ("session_feedback",))
    row.answers = {"1": X1_ANSWER, "3": 4.0}
    row.save()
    return (X1_GOAL, X1_FEEDBACK, X1_ANSWER, "X1-BRAVO", "x1@client.example")
