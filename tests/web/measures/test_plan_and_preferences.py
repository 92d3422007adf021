"""Editing the measurement plan, and preferences (C-NIP) asked once at the start."""

from __future__ import annotations

from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import add_sessions, episode_of, make_client, step_data, step_url

from alliance.web.measures.models import PlanEntry
from alliance.web.measures.services import create_link


def _plan_post(**overrides: int) -> dict[str, int]:
    data = {
        "client__sai__every": 1,
        "client__sai__first": 1,
        "client__wai_sr__every": 4,
        "client__wai_sr__first": 4,
        "client__session_feedback__every": 1,
        "client__session_feedback__first": 1,
        "client__phq9__every": 1,
        "client__phq9__first": 1,
        "client__gad7__every": 1,
        "client__gad7__first": 1,
        "client__gas__every": 0,
        "client__gas__first": 1,
        "therapist__wai_sr_t__every": 4,
        "therapist__wai_sr_t__first": 4,
    }
    data.update(overrides)
    return data


def test_therapist_turns_gad7_off_and_wai_sr_to_every_second_session(
    client: HttpClient, alice, c1_episode
) -> None:
    client.force_login(alice)
    page = client.post(
        reverse("care:plan", args=[c1_episode.pk]),
        _plan_post(client__gad7__every=0, client__wai_sr__every=2, client__wai_sr__first=2),
    )
    assert page.status_code == 302
    plan = {(e.instrument, e.respondent): (e.every, e.first_session) for e in c1_episode.plan.all()}
    assert ("gad7", "client") not in plan
    assert plan[("wai_sr", "client")] == (2, 2)


def test_a_plan_without_any_client_questionnaire_is_refused_and_nothing_changes(
    client: HttpClient, alice, c1_episode
) -> None:
    client.force_login(alice)
    before = list(PlanEntry.objects.filter(episode=c1_episode).values_list("instrument", "every"))
    off = {k: 0 for k in _plan_post() if k.startswith("client__") and k.endswith("__every")}
    page = client.post(reverse("care:plan", args=[c1_episode.pk]), _plan_post(**off))
    assert page.status_code == 200
    assert "Keep at least one client questionnaire" in page.content.decode()
    after = list(PlanEntry.objects.filter(episode=c1_episode).values_list("instrument", "every"))
    assert after == before


def test_preferences_are_asked_with_the_first_questionnaire_and_kept_on_the_episode(
    client: HttpClient, clinic_a, alice
) -> None:
    newcomer = make_client(clinic_a, alice, "N-PREF")
    episode = episode_of(newcomer)
    (first,) = add_sessions(episode, 1)
    link, token = create_link(first, alice)
    assert link.instruments[-1] == "cnip"
    answers = {
        "sai": {str(n): 4 for n in range(1, 7)},
        "session_feedback": {"3": 8},
        "phq9": {str(n): 0 for n in range(1, 10)},
        "gad7": {str(n): 0 for n in range(1, 8)},
        "cnip": {str(n): (2 if n <= 5 else 0) for n in range(1, 19)},
    }
    client.get(reverse("measures:start", args=[token]))
    for step, instrument in enumerate(link.instruments, start=1):
        page = client.post(step_url(token, step), step_data(instrument, answers[instrument]))
        assert page.status_code in (200, 302)
    episode.refresh_from_db()
    # Directiveness = items 1-5 at +2 each = +10 (Cooper & Norcross: + is the first pole).
    assert episode.cnip_scores["directiveness"] == 10
    assert episode.cnip_scores["warm_support"] == 0
    (second,) = add_sessions(episode, 1)
    later, _ = create_link(second, alice)
    assert "cnip" not in later.instruments
