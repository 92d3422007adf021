"""Recording sessions (each makes a link for the plan's instruments due then) and the therapist's form."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import core_scores, episode_of, make_client, same_scores, step_data

from alliance.web.crypto.secrets_box import unseal
from alliance.web.measures.answers import AnswersConflict
from alliance.web.measures.models import Link, Response
from alliance.web.measures.services import save_therapist_response

EVERY_SESSION = ["sai", "session_feedback", "phq9", "gad7"]
WITH_WAI = ["sai", "wai_sr", "session_feedback", "phq9", "gad7"]
THERAPIST_WAI = {str(n): float(1 + (n * 2) % 5) for n in range(1, 13)}


@pytest.fixture
def fresh(clinic_a, alice):
    return make_client(clinic_a, alice, "F1-FRESH")


def test_each_session_gets_a_link_for_the_instruments_due_then(
    client: HttpClient, alice, fresh
) -> None:
    client.force_login(alice)
    for _ in range(8):
        page = client.post(reverse("care:session_new", args=[fresh.pk]), {"date": "2026-02-02"})
        assert page.status_code == 302
    links = {
        link.session.number: link.instruments
        for link in Link.objects.filter(session__episode__client=fresh).select_related("session")
    }
    assert links == {
        1: [*EVERY_SESSION, "cnip"],  # preferences once, with the first questionnaire
        2: EVERY_SESSION,
        3: EVERY_SESSION,
        4: WITH_WAI,
        5: EVERY_SESSION,
        6: EVERY_SESSION,
        7: EVERY_SESSION,
        8: WITH_WAI,
    }


def test_the_session_page_shows_the_new_link_and_its_qr_code(
    client: HttpClient, alice, fresh
) -> None:
    client.force_login(alice)
    page = client.post(
        reverse("care:session_new", args=[fresh.pk]), {"date": "2026-02-02"}, follow=True
    )
    link = Link.objects.get(session__episode__client=fresh)
    body = page.content.decode()
    token = unseal(client.session[f"link_token_{link.pk}"])
    assert f"http://testserver{reverse('measures:start', args=[token])}" in body
    assert "<svg" in body


def test_sessions_are_numbered_in_order(client: HttpClient, alice, fresh) -> None:
    client.force_login(alice)
    for date in ("2026-02-02", "2026-02-09", "2026-02-16"):
        client.post(reverse("care:session_new", args=[fresh.pk]), {"date": date})
    assert list(episode_of(fresh).sessions.values_list("number", flat=True)) == [1, 2, 3]


def test_the_therapist_form_is_stored_once_even_when_sent_twice(
    client: HttpClient, alice, c1_sessions
) -> None:
    client.force_login(alice)
    session = c1_sessions[3]
    url = reverse("care:therapist_form", args=[session.pk, "wai_sr_t"])
    first = client.post(url, step_data("wai_sr_t", THERAPIST_WAI))
    second = client.post(url, step_data("wai_sr_t", {str(n): 1.0 for n in range(1, 13)}))
    assert first.status_code == second.status_code == 302
    stored = Response.objects.get(session=session, instrument="wai_sr_t")
    assert stored.respondent == "therapist"
    assert stored.submitted_by == alice
    assert stored.answers == THERAPIST_WAI
    assert same_scores(stored.scores, core_scores("wai_sr_t", THERAPIST_WAI))


def test_a_second_save_of_the_therapist_form_keeps_the_first(alice, c1_sessions) -> None:
    session = c1_sessions[3]
    first, created = save_therapist_response(session, "wai_sr_t", THERAPIST_WAI, alice)
    again, created_again = save_therapist_response(session, "wai_sr_t", THERAPIST_WAI, alice)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    with pytest.raises(AnswersConflict, match="kept, not overwritten"):
        save_therapist_response(session, "wai_sr_t", {str(n): 1.0 for n in range(1, 13)}, alice)
    assert Response.objects.filter(session=session, instrument="wai_sr_t").count() == 1
    assert Response.objects.get(pk=first.pk).answers == THERAPIST_WAI


def test_a_therapist_form_not_due_at_the_session_is_not_offered(
    client: HttpClient, alice, c1_sessions
) -> None:
    client.force_login(alice)
    page = client.get(reverse("care:therapist_form", args=[c1_sessions[0].pk, "wai_sr_t"]))
    assert page.status_code == 404


def test_an_incomplete_therapist_form_is_refused_beside_the_field(
    client: HttpClient, alice, c1_sessions
) -> None:
    client.force_login(alice)
    partial = {k: v for k, v in THERAPIST_WAI.items() if k != "12"}
    page = client.post(
        reverse("care:therapist_form", args=[c1_sessions[3].pk, "wai_sr_t"]),
        step_data("wai_sr_t", partial),
    )
    assert page.status_code == 200
    assert 'id="id_item_12-error"' in page.content.decode()
    assert not Response.objects.filter(instrument="wai_sr_t").exists()
