"""Free text is encrypted in the database, plaintext in Python and on pages, and fails loudly.

Each encrypted column is checked with raw SQL: the words a client or
therapist wrote never appear in the row, only ``enc1:`` and a Fernet token.
"""

from __future__ import annotations

from typing import Any

import pytest
from crypto_helpers import raw_value, set_raw, whole_database_text
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import FieldError, ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from web_factories import ANSWERS, answer

from alliance.web.alerts.models import Alert
from alliance.web.care.models import Episode
from alliance.web.crypto import PREFIX, DecryptionError, decrypt, encrypt
from alliance.web.goals.forms import GoalForm, TaskForm
from alliance.web.goals.models import Goal, Task
from alliance.web.measures.models import Link, Response
from alliance.web.portal.models import Feedback

ANSWERED = {"1": "Felt heard today", "2": "Less homework please", "3": 7.0}
DRAFT = {"session_feedback": {"1": "Half-written thought"}}

# label -> words that must not be in the row
WORDS = {
    "goals.Goal.text": "Walk to work",
    "goals.Goal.expected_level": "Walks in twice a week",
    "goals.Task.text": "Call the bank on Monday",
    "goals.Task.reflection": "Felt lighter after the call",
    "portal.Feedback.text": "I wish we talked about my dad",
    "alerts.Alert.resolution_note": "Talked about the rupture openly",
    "care.Episode.hoped_change": "Sleep without pills",
    "care.Episode.how_know_working": "Back at choir on Thursdays",
    "care.Episode.approach_note": "Prefers structure and homework",
    "measures.Response.answers": "Less homework please",
    "measures.Link.draft": "Half-written thought",
}


@pytest.fixture
def stored(
    c1_episode: Episode, c1_sessions, c1_link, c1_alert: Alert
) -> dict[str, tuple[type, Any, str]]:
    """One row per encrypted column, written through the ORM: label -> (model, pk, field name)."""
    w = WORDS
    goal = Goal.objects.create(
        episode=c1_episode, text=w["goals.Goal.text"], expected_level=w["goals.Goal.expected_level"]
    )
    task = Task.objects.create(
        episode=c1_episode,
        text=w["goals.Task.text"],
        set_by="client",
        reflection=w["goals.Task.reflection"],
    )
    feedback = Feedback.objects.create(episode=c1_episode, text=w["portal.Feedback.text"])
    c1_alert.resolution_note = w["alerts.Alert.resolution_note"]
    c1_alert.save()
    c1_episode.hoped_change = w["care.Episode.hoped_change"]
    c1_episode.how_know_working = w["care.Episode.how_know_working"]
    c1_episode.approach_note = w["care.Episode.approach_note"]
    c1_episode.save()
    response = Response.objects.create(
        session=c1_sessions[3], instrument="session_feedback", respondent="client", answers=ANSWERED
    )
    link = c1_link.link
    link.draft = DRAFT
    link.save()
    return {
        "goals.Goal.text": (Goal, goal.pk, "text"),
        "goals.Goal.expected_level": (Goal, goal.pk, "expected_level"),
        "goals.Task.text": (Task, task.pk, "text"),
        "goals.Task.reflection": (Task, task.pk, "reflection"),
        "portal.Feedback.text": (Feedback, feedback.pk, "text"),
        "alerts.Alert.resolution_note": (Alert, c1_alert.pk, "resolution_note"),
        "care.Episode.hoped_change": (Episode, c1_episode.pk, "hoped_change"),
        "care.Episode.how_know_working": (Episode, c1_episode.pk, "how_know_working"),
        "care.Episode.approach_note": (Episode, c1_episode.pk, "approach_note"),
        "measures.Response.answers": (Response, response.pk, "answers"),
        "measures.Link.draft": (Link, link.pk, "draft"),
    }


@pytest.mark.parametrize("label", list(WORDS))
def test_the_database_row_holds_no_plaintext(stored, label: str) -> None:
    model, pk, name = stored[label]
    raw = raw_value(model, pk, name)
    assert WORDS[label] not in raw
    assert raw.startswith(PREFIX)
    if model is Response:
        assert '"3"' not in raw and "7.0" not in raw  # the item answers are hidden too


@pytest.mark.parametrize("label", list(WORDS))
def test_the_model_reads_back_the_plaintext(stored, label: str) -> None:
    model, pk, name = stored[label]
    value = getattr(model.objects.get(pk=pk), name)
    if model is Response:
        assert value == ANSWERED
    elif model is Link:
        assert value == DRAFT
    else:
        assert value == WORDS[label]


def test_the_stored_format_is_a_version_prefix_and_a_fernet_token_under_the_first_key(
    c1_episode,
) -> None:
    goal = Goal.objects.create(episode=c1_episode, text="Walk to work")
    raw = raw_value(Goal, goal.pk, "text")
    token = raw.removeprefix(PREFIX).encode("ascii")
    assert Fernet(settings.ALLIANCE_DATA_KEYS[0]).decrypt(token) == b"Walk to work"


def test_the_same_text_twice_gives_two_different_ciphertexts(c1_episode) -> None:
    a = Goal.objects.create(episode=c1_episode, text="Walk to work")
    b = Goal.objects.create(episode=c1_episode, text="Walk to work")
    assert raw_value(Goal, a.pk, "text") != raw_value(Goal, b.pk, "text")


@pytest.mark.parametrize(
    "text",
    [
        "Walk to work",
        "Ça va mieux — 😊\nnew line\ttab",
        "<script>alert(1)</script> & 'quotes'",
        " padded ",
    ],
)
def test_any_text_round_trips_exactly(c1_episode, text: str) -> None:
    task = Task.objects.create(episode=c1_episode, text="t", set_by="client", reflection=text)
    task.refresh_from_db()
    assert task.reflection == text


def test_an_empty_text_stays_empty_and_is_stored_empty(c1_task: Task) -> None:
    assert raw_value(Task, c1_task.pk, "reflection") == ""
    c1_task.refresh_from_db()
    assert c1_task.reflection == ""
    assert encrypt("") == "" and decrypt("") == ""


def test_json_keeps_its_types_and_an_empty_draft_is_encrypted_too(c1_link) -> None:
    link = Link.objects.get(pk=c1_link.link.pk)
    assert link.draft == {}
    assert raw_value(Link, link.pk, "draft").startswith(PREFIX)
    r = Response.objects.create(
        session=link.session,
        instrument="sai",
        respondent="client",
        answers={"1": 4.0, "2": 3, "6": None},
    )
    r.refresh_from_db()
    assert r.answers == {"1": 4.0, "2": 3, "6": None}
    assert isinstance(r.answers["2"], int)


def test_queryset_update_bulk_create_and_bulk_update_encrypt(c1_episode, c1_sessions) -> None:
    goals = Goal.objects.bulk_create(
        [Goal(episode=c1_episode, text=f"Bulk goal {n}") for n in range(3)]
    )
    for g in goals:
        assert "Bulk goal" not in raw_value(Goal, g.pk, "text")
    Goal.objects.filter(pk=goals[0].pk).update(text="Updated goal")
    for g in goals:
        g.text = f"Changed goal {g.pk}"
    Goal.objects.bulk_update(goals[1:], ["text"])
    raws = [raw_value(Goal, g.pk, "text") for g in goals]
    assert all(r.startswith(PREFIX) and "goal" not in r for r in raws)
    assert [g.text for g in Goal.objects.filter(pk__in=[g.pk for g in goals]).order_by("pk")] == [
        "Updated goal",
        f"Changed goal {goals[1].pk}",
        f"Changed goal {goals[2].pk}",
    ]
    # Responses made by the factories (bulk_create) are encrypted as well.
    steady = Response.objects.filter(session=c1_sessions[0], instrument="session_feedback").get()
    assert "feel heard" not in raw_value(Response, steady.pk, "answers")
    assert steady.answers["1"] == "Going well, I feel heard."


def test_values_list_decrypts(c1_goal: Goal) -> None:
    assert list(Goal.objects.filter(pk=c1_goal.pk).values_list("text", flat=True)) == [c1_goal.text]


def test_filtering_on_an_encrypted_column_is_refused_with_a_clear_message(
    c1_goal: Goal, c1_sessions
) -> None:
    with pytest.raises(FieldError, match=r"goals\.Goal\.text is encrypted"):
        Goal.objects.filter(text=c1_goal.text).count()
    with pytest.raises(FieldError, match="encrypted"):
        Goal.objects.filter(text__icontains="sleep").count()
    with pytest.raises(FieldError, match="encrypted"):
        Response.objects.filter(answers__1="x").count()
    assert Goal.objects.filter(text__isnull=False).count() == 1


# --- keys that do not fit ------------------------------------------------------


def test_a_wrong_key_raises_a_clear_error_without_the_ciphertext(c1_goal: Goal, settings) -> None:
    raw = raw_value(Goal, c1_goal.pk, "text")
    settings.ALLIANCE_DATA_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(
        DecryptionError, match=r"goals\.Goal\.text: no key in ALLIANCE_DATA_KEYS opens"
    ) as err:
        Goal.objects.get(pk=c1_goal.pk)
    assert raw not in str(err.value)
    assert raw.removeprefix(PREFIX)[:20] not in str(err.value)


def test_a_damaged_value_raises_a_clear_error(c1_goal: Goal) -> None:
    set_raw(Goal, c1_goal.pk, "text", PREFIX + "gAAAAA-not-a-token")
    with pytest.raises(DecryptionError, match=r"goals\.Goal\.text: no key"):
        c1_goal.refresh_from_db()


def test_a_plaintext_value_in_an_encrypted_column_is_refused_not_shown(c1_goal: Goal) -> None:
    set_raw(Goal, c1_goal.pk, "text", "Walk to work")
    with pytest.raises(DecryptionError, match="not encrypted"):
        Goal.objects.get(pk=c1_goal.pk)


def test_a_json_value_that_does_not_decrypt_raises(c1_link) -> None:
    set_raw(Link, c1_link.link.pk, "draft", '{"sai": {"1": 4}}')
    with pytest.raises(DecryptionError, match=r"measures\.Link\.draft"):
        Link.objects.get(pk=c1_link.link.pk)


# --- pages and forms -----------------------------------------------------------


def test_pages_show_the_plaintext_escaped(
    client: HttpClient, alice, c1, c1_episode, c1_portal_token
) -> None:
    Goal.objects.create(
        episode=c1_episode,
        text='<b>Walk</b> to work & "rest"',
        therapist_confirmed_at=timezone.now(),
    )
    escaped = "&lt;b&gt;Walk&lt;/b&gt; to work &amp; &quot;rest&quot;"
    portal = client.get(reverse("portal:home", args=[c1_portal_token])).content.decode()
    client.force_login(alice)
    staff = client.get(reverse("care:client", args=[c1.pk])).content.decode()
    for body in (portal, staff):
        assert escaped in body
        assert "<b>Walk</b>" not in body
        assert PREFIX not in body


def test_a_page_whose_text_cannot_be_decrypted_fails_without_showing_ciphertext(
    client: HttpClient, alice, c1, c1_goal: Goal
) -> None:
    other = Fernet(Fernet.generate_key())
    token = other.encrypt(c1_goal.text.encode()).decode()
    set_raw(Goal, c1_goal.pk, "text", PREFIX + token)
    client.raise_request_exception = False
    client.force_login(alice)
    page = client.get(reverse("care:client", args=[c1.pk]))
    assert page.status_code == 500
    body = page.content.decode()
    assert token not in body and PREFIX not in body and c1_goal.text not in body


def test_the_form_limits_the_plaintext_not_the_ciphertext(c1_episode) -> None:
    assert not GoalForm(data={"text": "x" * 301}).is_valid()
    form = GoalForm(data={"text": "y" * 300, "expected_level": ""})
    assert form.is_valid(), form.errors
    goal = form.save(commit=False)
    goal.episode = c1_episode
    goal.full_clean()
    goal.save()
    assert len(raw_value(Goal, goal.pk, "text")) > 300
    goal.refresh_from_db()
    assert goal.text == "y" * 300
    goal.text = "z" * 301
    with pytest.raises(ValidationError) as err:
        goal.full_clean()
    assert "text" in err.value.message_dict


def test_one_line_fields_keep_a_one_line_input_with_its_maxlength() -> None:
    html = str(TaskForm()["text"])
    assert html.startswith("<input") and 'maxlength="300"' in html


# --- a stolen copy of the whole database --------------------------------------


def test_nothing_written_through_the_pages_is_readable_in_the_database(
    client: HttpClient, alice, c1, c1_episode, c1_sessions, c1_link, c1_portal_token, c1_alert
) -> None:
    words = {
        "hoped_change": "Hope-5c1e: get back to work",
        "how_know_working": "Know-5c1e: go out more",
        "approach_note": "Note-5c1e: likes structure",
        "goal": "Goal-5c1e: walk to work",
        "expected": "Expected-5c1e: twice a week",
        "task": "Task-5c1e: call the bank",
        "client_task": "Mine-5c1e: phone my sister",
        "reflection": "Reflect-5c1e: it was easier",
        "feedback": "Feedback-5c1e: more time on my mum",
        "resolution": "Resolved-5c1e: talked it through",
    }
    # the client: questionnaire with written answers, a task, a reflection, feedback
    assert answer(client, c1_link.token, c1_link.link.instruments).status_code in (200, 302)
    portal = c1_portal_token
    client.post(reverse("portal:task_new", args=[portal]), {"text": words["client_task"]})
    task = Task.objects.get(set_by="client")
    client.post(
        reverse("portal:task_done", args=[portal, task.pk]),
        {"done": "yes", "reflection": words["reflection"]},
    )
    client.post(reverse("portal:feedback", args=[portal]), {"text": words["feedback"]})
    # the therapist: intake, approach, goal, task, resolving an alert
    client.force_login(alice)
    client.post(
        reverse("care:client_new"),
        {
            "code": "C2-NEW",
            "started": "2026-01-05",
            "hoped_change": words["hoped_change"],
            "how_know_working": words["how_know_working"],
        },
    )
    client.post(
        reverse("care:approach", args=[c1_episode.pk]),
        {"approach": "directive", "approach_note": words["approach_note"]},
    )
    client.post(
        reverse("goals:goal_new", args=[c1_episode.pk]),
        {"text": words["goal"], "expected_level": words["expected"]},
    )
    client.post(reverse("goals:task_new", args=[c1_episode.pk]), {"text": words["task"]})
    client.post(reverse("alerts:resolve", args=[c1_alert.pk]), {"note": words["resolution"]})

    page = client.get(reverse("care:client", args=[c1.pk])).content.decode()
    for key in ("approach_note", "goal", "client_task", "reflection", "feedback", "resolution"):
        assert words[key] in page, key  # they all got in, and read back
    assert Goal.objects.get(episode=c1_episode).expected_level == words["expected"]
    new_episode = Episode.objects.get(client__code="C2-NEW")
    assert (new_episode.hoped_change, new_episode.how_know_working) == (
        words["hoped_change"],
        words["how_know_working"],
    )
    assert (
        Response.objects.filter(session=c1_sessions[3], instrument="session_feedback")
        .get()
        .answers["2"]
        == (ANSWERS["session_feedback"]["2"])
    )

    dump = whole_database_text()
    for word in [
        *words.values(),
        *(v for v in ANSWERS["session_feedback"].values() if isinstance(v, str)),
    ]:
        assert word.split(":")[0] not in dump, word
