"""The client's questionnaire, page by page, through the Django test client.

Client c1's open link (session 4) asks for SAI, WAI-SR, session feedback,
PHQ-9 and GAD-7, one instrument per page.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import (
    ANSWERS,
    add_sessions,
    answer,
    core_scores,
    episode_of,
    make_client,
    same_scores,
    step_data,
    step_url,
)

from alliance.web.care.models import Episode
from alliance.web.consent.texts import CONSENT_VERSION
from alliance.web.measures.forms import TEXT_LIMIT
from alliance.web.measures.models import Link, Response
from alliance.web.measures.services import create_link


def test_the_link_asks_for_the_plans_instruments_in_a_kind_order(c1_link) -> None:
    assert c1_link.link.instruments == ["sai", "wai_sr", "session_feedback", "phq9", "gad7"]


# --- consent -------------------------------------------------------------------


@pytest.fixture
def newcomer_link(clinic_a, alice):
    """A new client of Alice's who has not yet seen the consent page."""
    client = make_client(clinic_a, alice, "N1-NEW", consent=False)
    (session,) = add_sessions(episode_of(client), 1)
    return create_link(session, alice)


def test_consent_comes_first_when_the_episode_has_none(client: HttpClient, newcomer_link) -> None:
    _link, token = newcomer_link
    page = client.get(reverse("measures:start", args=[token]))
    assert page.status_code == 200
    assert "Before you start" in page.content.decode()
    skipped = client.get(step_url(token, 1))
    assert skipped.status_code == 302
    assert skipped.headers["Location"] == reverse("measures:start", args=[token])


def test_going_on_without_ticking_consent_is_refused_beside_the_box(
    client: HttpClient, newcomer_link
) -> None:
    link, token = newcomer_link
    page = client.post(reverse("measures:start", args=[token]), {})
    assert page.status_code == 400
    assert 'id="consent-error"' in page.content.decode()
    assert Episode.objects.get(pk=link.session.episode_id).consent_at is None


def test_ticking_consent_records_it_and_opens_the_first_page(
    client: HttpClient, newcomer_link
) -> None:
    link, token = newcomer_link
    page = client.post(reverse("measures:start", args=[token]), {"consent": "yes"})
    assert page.status_code == 302
    assert page.headers["Location"] == step_url(token, 1)
    episode = Episode.objects.get(pk=link.session.episode_id)
    assert episode.consent_at is not None
    assert episode.consent_version == CONSENT_VERSION
    assert client.get(step_url(token, 1)).status_code == 200


def test_a_client_who_consented_goes_straight_to_the_questions(client: HttpClient, c1_link) -> None:
    page = client.get(reverse("measures:start", args=[c1_link.token]))
    assert page.headers["Location"] == step_url(c1_link.token, 1)


# --- drafts and coming back ------------------------------------------------------


def test_each_page_saves_a_draft(client: HttpClient, c1_link) -> None:
    page = answer(client, c1_link.token, c1_link.link.instruments, upto=2)
    assert page.status_code == 302
    assert page.headers["Location"] == step_url(c1_link.token, 3)
    link = Link.objects.get(pk=c1_link.link.pk)
    assert link.draft == {"sai": ANSWERS["sai"], "wai_sr": ANSWERS["wai_sr"]}
    assert link.submitted_at is None
    assert Response.objects.filter(link=link).count() == 0


def test_leaving_and_coming_back_resumes_at_the_first_unanswered_page(c1_link) -> None:
    answer(HttpClient(), c1_link.token, c1_link.link.instruments, upto=3)
    later = HttpClient()  # another day, another browser
    page = later.get(reverse("measures:start", args=[c1_link.token]))
    assert page.headers["Location"] == step_url(c1_link.token, 4)
    out_of_range = later.get(step_url(c1_link.token, 99))
    assert out_of_range.headers["Location"] == step_url(c1_link.token, 4)


def test_going_back_shows_the_saved_answers(client: HttpClient, c1_link) -> None:
    answer(client, c1_link.token, c1_link.link.instruments, upto=3)
    body = client.get(step_url(c1_link.token, 3)).content.decode()
    assert "Fewer questions at the start, please." in body
    sai = client.get(step_url(c1_link.token, 1)).content.decode()
    assert re.search(r'<input type="radio" name="item_1" value="5"[^>]* checked>', sai)
    assert not re.search(r'<input type="radio" name="item_1" value="4"[^>]* checked>', sai)


# --- validation --------------------------------------------------------------------


def test_a_missing_answer_is_marked_beside_its_question_and_nothing_is_stored(
    client: HttpClient, c1_link
) -> None:
    partial = {k: v for k, v in ANSWERS["sai"].items() if k != "6"}
    page = client.post(step_url(c1_link.token, 1), step_data("sai", partial))
    assert page.status_code == 400
    body = page.content.decode()
    assert '<p class="errorlist" id="id_item_6-error">Please choose one answer.</p>' in body
    assert 'aria-describedby="id_item_6-error"' in body
    assert "id_item_1-error" not in body
    assert Link.objects.get(pk=c1_link.link.pk).draft == {}


def test_an_answer_outside_the_scale_is_refused(client: HttpClient, c1_link) -> None:
    page = client.post(
        step_url(c1_link.token, 1), {**step_data("sai", ANSWERS["sai"]), "item_2": "9"}
    )
    assert page.status_code == 400
    assert (
        '<p class="errorlist" id="id_item_2-error">Please choose one of the answers shown.</p>'
        in page.content.decode()
    )
    assert Link.objects.get(pk=c1_link.link.pk).draft == {}


def test_a_written_answer_over_the_limit_is_refused(client: HttpClient, c1_link) -> None:
    answer(client, c1_link.token, c1_link.link.instruments, upto=2)
    data = {
        **step_data("session_feedback", ANSWERS["session_feedback"]),
        "item_1": "x" * (TEXT_LIMIT + 1),
    }
    page = client.post(step_url(c1_link.token, 3), data)
    assert page.status_code == 400
    assert 'id="id_item_1-error"' in page.content.decode()
    assert "session_feedback" not in Link.objects.get(pk=c1_link.link.pk).draft


def test_the_last_page_with_a_missing_answer_stores_nothing(client: HttpClient, c1_link) -> None:
    answer(client, c1_link.token, c1_link.link.instruments, upto=4)
    page = client.post(step_url(c1_link.token, 5), step_data("gad7", {"1": 1.0}))
    assert page.status_code == 400
    assert Response.objects.filter(session=c1_link.link.session).count() == 0
    assert Link.objects.get(pk=c1_link.link.pk).submitted_at is None


def test_sending_the_last_page_before_the_others_goes_back_to_the_first_unanswered(c1_link) -> None:
    """A bookmarked or shared last page must not be a server error."""
    http = HttpClient(raise_request_exception=False)
    page = http.post(step_url(c1_link.token, 5), step_data("gad7", ANSWERS["gad7"]))
    assert page.status_code in (302, 400), f"got {page.status_code}"
    if page.status_code == 302:
        assert page.headers["Location"] == step_url(c1_link.token, 1)
    assert Response.objects.filter(session=c1_link.link.session).count() == 0
    assert Link.objects.get(pk=c1_link.link.pk).submitted_at is None


# --- sending ---------------------------------------------------------------------


def test_the_last_page_stores_one_response_per_instrument_scored_by_the_core(
    client: HttpClient, c1_link
) -> None:
    page = answer(client, c1_link.token, c1_link.link.instruments)
    assert page.status_code == 200
    assert "Your answers have gone to your therapist" in page.content.decode()
    stored = {r.instrument: r for r in Response.objects.filter(session=c1_link.link.session)}
    assert sorted(stored) == sorted(c1_link.link.instruments)
    for instrument, row in stored.items():
        assert row.respondent == "client"
        assert row.link_id == c1_link.link.pk
        assert row.answers == ANSWERS[instrument]
        assert same_scores(row.scores, core_scores(instrument, ANSWERS[instrument])), instrument
    assert stored["phq9"].scores["phq9_total"] == 10
    assert Link.objects.get(pk=c1_link.link.pk).submitted_at is not None


def test_a_double_click_on_send_says_already_received_and_stores_nothing_more(
    client: HttpClient, c1_link
) -> None:
    answer(client, c1_link.token, c1_link.link.instruments)
    again = client.post(step_url(c1_link.token, 5), step_data("gad7", ANSWERS["gad7"]))
    assert again.status_code == 200
    assert "Your answers are already in" in again.content.decode()
    assert Response.objects.filter(session=c1_link.link.session).count() == 5


def test_the_link_works_once(client: HttpClient, c1_link) -> None:
    answer(client, c1_link.token, c1_link.link.instruments)
    later = HttpClient().get(reverse("measures:start", args=[c1_link.token]))
    assert "Your answers are already in" in later.content.decode()
    changed = HttpClient().post(
        step_url(c1_link.token, 1), step_data("sai", {str(n): 0.0 for n in range(1, 7)})
    )
    assert "Your answers are already in" in changed.content.decode()
    assert (
        Response.objects.get(session=c1_link.link.session, instrument="sai").answers
        == ANSWERS["sai"]
    )
