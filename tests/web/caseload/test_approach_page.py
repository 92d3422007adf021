"""The approach page shows the core's suggestion with its reasons; the therapist decides."""

from __future__ import annotations

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils.html import escape
from web_factories import add_sessions, response

from alliance.approach import suggest_approach
from alliance.web.care.models import Approach, Episode
from alliance.web.caseload.forms import APPROACH_NOTE_LIMIT

PREFERS_LEAD = {
    "directiveness": 8,
    "emotional_intensity": 0,
    "past_orientation": 0,
    "warm_support": 6,
}
PREFERS_CHALLENGE = {
    "directiveness": 8,
    "emotional_intensity": 0,
    "past_orientation": 0,
    "warm_support": -7,
}


def open_page(http: HttpClient, user, episode: Episode, cnip: dict[str, int]) -> str:
    Episode.objects.filter(pk=episode.pk).update(cnip_scores=cnip)
    http.force_login(user)
    page = http.get(reverse("care:approach", args=[episode.pk]))
    assert page.status_code == 200
    return page.content.decode()


def test_the_page_shows_the_suggestion_with_its_reasons(
    client: HttpClient, alice, c1_episode
) -> None:
    body = open_page(client, alice, c1_episode, PREFERS_LEAD)
    expected = suggest_approach(PREFERS_LEAD)
    assert expected.approach == "directive"
    assert "Suggested: Directive" in body
    assert expected.reasons
    for reason in expected.reasons:
        assert escape(reason) in body
    assert escape(expected.threshold_source) in body


def test_the_suggestion_is_named_as_the_approach_is_labelled(
    client: HttpClient, alice, c1_episode
) -> None:
    body = open_page(client, alice, c1_episode, PREFERS_CHALLENGE)
    assert suggest_approach(PREFERS_CHALLENGE).approach == "task_oriented"
    assert f"Suggested: {Approach.TASK_ORIENTED.label}" in body


def test_severe_symptoms_at_intake_add_a_reason(client: HttpClient, alice, c1_episode) -> None:
    (first,) = add_sessions(c1_episode, 1)
    response(first, "phq9", {str(n): 3.0 for n in range(1, 9)} | {"9": 0.0})
    body = open_page(client, alice, c1_episode, {})
    assert "No preference questionnaire (C-NIP) yet" in body
    assert "Symptoms are severe at intake" in body


def test_saving_keeps_the_choice_and_the_suggestion_with_its_reasons(
    client: HttpClient, alice, c1_episode
) -> None:
    open_page(client, alice, c1_episode, PREFERS_LEAD)
    page = client.post(
        reverse("care:approach", args=[c1_episode.pk]),
        {"approach": "supportive", "approach_note": "Early trust first"},
    )
    assert page.status_code == 302
    c1_episode.refresh_from_db()
    assert (c1_episode.approach, c1_episode.approach_note) == ("supportive", "Early trust first")
    assert c1_episode.approach_suggested == "directive"
    assert c1_episode.approach_reasons == list(suggest_approach(PREFERS_LEAD).reasons)


def test_an_approach_must_be_chosen(client: HttpClient, alice, c1_episode) -> None:
    open_page(client, alice, c1_episode, PREFERS_LEAD)
    page = client.post(reverse("care:approach", args=[c1_episode.pk]), {"approach_note": "?"})
    assert page.status_code == 200
    assert 'id="id_approach-error"' in page.content.decode()
    c1_episode.refresh_from_db()
    assert c1_episode.approach == ""


def test_a_note_longer_than_the_limit_is_refused_and_nothing_is_saved(client: HttpClient, alice, c1_episode) -> None:
    open_page(client, alice, c1_episode, PREFERS_LEAD)
    url = reverse("care:approach", args=[c1_episode.pk])
    page = client.post(url, {"approach": "supportive", "approach_note": "x" * (APPROACH_NOTE_LIMIT + 1)})
    assert page.status_code == 200
    assert f"at most {APPROACH_NOTE_LIMIT} characters" in page.content.decode()
    c1_episode.refresh_from_db()
    assert (c1_episode.approach, c1_episode.approach_note) == ("", "")
    assert client.post(url, {"approach": "supportive", "approach_note": "x" * APPROACH_NOTE_LIMIT}).status_code == 302


def test_the_note_limit_matches_the_other_episode_texts() -> None:
    assert APPROACH_NOTE_LIMIT == 2000
