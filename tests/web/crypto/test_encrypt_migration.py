"""The encryption migrations (0002 columns, 0003 rows) encrypt rows written before them, and undo."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from crypto_helpers import raw_value
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from alliance.web.crypto import PREFIX

BEFORE = [
    ("alerts", "0001_alerts"),
    ("care", "0001_clients_episodes_sessions"),
    ("goals", "0001_goals_ratings_tasks"),
    ("measures", "0001_plans_links_responses"),
    ("portal", "0001_portal_access_and_feedback"),
]
AFTER = [(app, "0003_encrypt_existing_rows") for app, _ in BEFORE]
ANSWERS = {"1": "Felt heard today", "2": "Less homework please", "3": 7.0}


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.fixture
def before_encryption(transactional_db: None, alice) -> Iterator[dict[str, Any]]:
    """Rows written by the 0001 schema (plain text), then the migrations back at the leaves."""
    executor = migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Client, Episode, Session = (
            old.get_model("care", m) for m in ("Client", "Episode", "Session")
        )
        client = Client.objects.create(
            organisation_id=alice.organisation_id, therapist_id=alice.pk, code="OLD-1"
        )
        episode = Episode.objects.create(
            client=client,
            started=dt.date(2026, 1, 5),
            hoped_change="Sleep without pills",
            approach_note="",
        )
        session = Session.objects.create(episode=episode, number=1, date=dt.date(2026, 1, 5))
        rows = {
            "episode": episode.pk,
            "goal": old.get_model("goals", "Goal")
            .objects.create(episode=episode, text="Walk to work")
            .pk,
            "task": old.get_model("goals", "Task")
            .objects.create(
                episode=episode,
                text="enc1:looks encrypted but is not",
                set_by="client",
                reflection="Easier",
            )
            .pk,
            "feedback": old.get_model("portal", "Feedback")
            .objects.create(episode=episode, text="More time, please")
            .pk,
            "alert": old.get_model("alerts", "Alert")
            .objects.create(
                episode=episode,
                key="k",
                rule="low_alliance",
                severity="warning",
                session_number=1,
                title="t",
                detail="d",
                resolution_note="Talked it through",
            )
            .pk,
            "response": old.get_model("measures", "Response")
            .objects.create(
                session=session, instrument="session_feedback", respondent="client", answers=ANSWERS
            )
            .pk,
            "link": old.get_model("measures", "Link")
            .objects.create(
                session=session,
                instruments=["sai"],
                token_hash="0" * 64,
                created_by_id=alice.pk,
                expires_at=timezone.now(),
                draft={"sai": {"1": 4}},
            )
            .pk,
        }
        yield rows
    finally:
        # Back to every app's latest migration: going back unapplied the apps that
        # depend on these (rights, session transcripts ...), whose tables later tests need.
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_migrating_encrypts_existing_rows_and_backwards_decrypts_them(before_encryption) -> None:
    from alliance.web.alerts.models import Alert
    from alliance.web.care.models import Episode
    from alliance.web.goals.models import Goal, Task
    from alliance.web.measures.models import Link, Response
    from alliance.web.portal.models import Feedback

    rows = before_encryption
    migrate(AFTER)
    # read back with today's models: every later migration applied on top
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    expect = [
        (Episode, rows["episode"], "hoped_change", "Sleep without pills"),
        (Goal, rows["goal"], "text", "Walk to work"),
        (Task, rows["task"], "text", "enc1:looks encrypted but is not"),
        (Task, rows["task"], "reflection", "Easier"),
        (Feedback, rows["feedback"], "text", "More time, please"),
        (Alert, rows["alert"], "resolution_note", "Talked it through"),
        (Response, rows["response"], "answers", ANSWERS),
        (Link, rows["link"], "draft", {"sai": {"1": 4}}),
    ]
    for model, pk, name, value in expect:
        raw = raw_value(model, pk, name)
        assert raw.startswith(PREFIX) and "Walk" not in raw and "heard" not in raw, (model, name)
        assert getattr(model.objects.get(pk=pk), name) == value, (model, name)
    assert raw_value(Episode, rows["episode"], "approach_note") == ""

    # One app back and forth: plain again, then encrypted afresh.
    before = raw_value(Goal, rows["goal"], "text")
    migrate(BEFORE[2:3])
    assert raw_value(Goal, rows["goal"], "text") == "Walk to work"
    migrate(AFTER[2:3])
    assert raw_value(Goal, rows["goal"], "text") != before
    assert Goal.objects.get(pk=rows["goal"]).text == "Walk to work"

    migrate(BEFORE)
    assert raw_value(Goal, rows["goal"], "text") == "Walk to work"
    assert raw_value(Task, rows["task"], "text") == "enc1:looks encrypted but is not"
    assert raw_value(Episode, rows["episode"], "hoped_change") == "Sleep without pills"
    answers = raw_value(Response, rows["response"], "answers")
    assert (json.loads(answers) if isinstance(answers, str) else answers) == ANSWERS


def test_the_data_step_leaves_encrypted_rows_alone_so_a_rerun_is_harmless(c1_goal, c1_task) -> None:
    from django.apps import apps

    from alliance.web.crypto import encrypt_existing
    from alliance.web.goals.models import Goal, Task

    before = (raw_value(Goal, c1_goal.pk, "text"), raw_value(Task, c1_task.pk, "text"))
    editor = SimpleNamespace(connection=connection)
    encrypt_existing("goals", "Goal", ["text", "expected_level"]).code(apps, editor)
    encrypt_existing("goals", "Task", ["text", "reflection"]).code(apps, editor)
    assert (raw_value(Goal, c1_goal.pk, "text"), raw_value(Task, c1_task.pk, "text")) == before
