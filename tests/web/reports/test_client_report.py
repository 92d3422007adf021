"""The client's progress report page: who may open it, what it says, and what it leaves out.

``history`` builds a client with a realistic course (PHQ-9 18 -> 7, GAD-7
15 -> 6, SAI and WAI-SR rising, the therapist's own WAI-SR forms, goals with
ratings, tasks, an alert and a therapist's approach note); the PDF tests in
``test_client_report_pdf.py`` use it too.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from web_factories import (
    add_sessions,
    episode_of,
    make_alert,
    make_client,
    make_goal,
    make_task,
    response,
)

from alliance.web.alerts.timeline import load_timeline
from alliance.web.audit.models import AuditEvent
from alliance.web.care.models import Client
from alliance.web.goals.models import GoalRating
from alliance.web.reports.client_summary import NOT_ENOUGH, outcome_sentence, summary

PHQ9 = [18, 17, 17, 15, 14, 13, 12, 11, 10, 9, 8, 7]
GAD7 = [15, 15, 14, 13, 12, 11, 10, 9, 8, 7, 7, 6]
SAI = [18, 19, 21, 20, 23, 24, 23, 25, 26, 26, 27, 28]  # item sums: means 3 -> 4.67
WAI = {4: (12, 11, 14), 8: (14, 14, 16), 12: (17, 16, 18)}  # goal, task, bond item sums
ALERT_TEXTS = (
    "Session alliance below the threshold",
    "SAI 2.1 at the last session.",
    "Ask openly how the last session felt.",
)
APPROACH_NOTE = "Therapist-only: go slowly, earlier ruptures around homework"


def spread(total: int, items: int, top: int = 3) -> dict[str, float]:
    """Item answers (0..top) adding up to ``total``, spread evenly over ``items`` items."""
    base, extra = divmod(total, items)
    if base + (extra > 0) > top:
        raise ValueError(f"{total} does not fit {items} items of at most {top}")
    return {str(n): float(base + (1 if n <= extra else 0)) for n in range(1, items + 1)}


def wai(goal: int, task: int, bond: int) -> dict[str, float]:
    """WAI-SR answers with these subscale item sums (goal 4,6,8,11; task 1,2,10,12; bond 3,5,7,9)."""
    answers: dict[str, float] = {}
    for total, items in ((goal, (4, 6, 8, 11)), (task, (1, 2, 10, 12)), (bond, (3, 5, 7, 9))):
        for k, value in spread(total, 4, top=5).items():
            answers[str(items[int(k) - 1])] = value
    return answers


def history(client: Client, sessions: int = 12) -> None:
    """``sessions`` answered sessions (up to 12 follow the course above, then it repeats)."""
    episode = episode_of(client)
    made = add_sessions(episode, sessions)
    rows = []
    for i, s in enumerate(made):
        k = i % len(PHQ9)
        rows.append(response(s, "phq9", {**spread(PHQ9[k], 8), "9": 0.0}, save=False))
        rows.append(response(s, "gad7", spread(GAD7[k], 7), save=False))
        rows.append(response(s, "sai", spread(SAI[k], 6, top=5), save=False))
        rows.append(response(s, "session_feedback", save=False))
        if s.number % 4 == 0:
            rows.append(response(s, "wai_sr", wai(*WAI[4 + (s.number - 4) % 12]), save=False))
            rows.append(response(s, "wai_sr_t", wai(8, 8, 8), "therapist", save=False))
    from alliance.web.measures.models import Response

    Response.objects.bulk_create(rows)
    sleep = make_goal(episode, "Sleep through the night most nights", client_confirmed=True)
    make_goal(episode, "Call a friend every week")
    GoalRating.objects.bulk_create(
        GoalRating(goal=sleep, session=s, level=min(2, -2 + i // 3)) for i, s in enumerate(made)
    )
    done = make_task(episode, "Write down three things that went all right", set_session=2)
    done.done = True
    done.save()
    make_task(episode, "Walk for ten minutes before work", set_session=max(1, sessions - 1))
    make_alert(episode, session_number=sessions)
    episode.approach_note = APPROACH_NOTE
    episode.save(update_fields=["approach_note"])


@pytest.fixture
def rich(c1: Client) -> Client:
    history(c1)
    return c1


def url(client: Client, name: str = "reports:client_report") -> str:
    return reverse(name, args=[client.pk])


# --- who may open it ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("sue", 200), ("ada", 200), ("bob", 404), ("charlie", 404), ("rita", 403)],
)
def test_the_report_opens_for_the_therapist_and_the_clinic_leads_only(
    client: HttpClient, request: pytest.FixtureRequest, c1: Client, persona: str, status: int
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(c1)).status_code == status


def test_signed_out_visitors_are_sent_to_the_login_page(client: HttpClient, c1: Client) -> None:
    page = client.get(url(c1))
    assert page.status_code == 302
    assert "/login" in page["Location"] or "login" in page["Location"]


def test_opening_the_report_is_written_to_the_audit_log(
    client: HttpClient, alice, c1: Client
) -> None:
    client.force_login(alice)
    client.get(url(c1))
    event = AuditEvent.objects.filter(client=c1).latest("seq")
    assert (event.action, event.actor, event.detail) == ("view", alice, {"view": "report"})


def test_a_refused_request_writes_nothing_to_the_audit_log(
    client: HttpClient, bob, c1: Client
) -> None:
    client.force_login(bob)
    client.get(url(c1))
    assert not AuditEvent.objects.filter(client=c1).exists()


def test_the_page_is_not_kept_in_caches(client: HttpClient, alice, c1: Client) -> None:
    client.force_login(alice)
    assert client.get(url(c1))["Cache-Control"] == "no-store"


# --- what it shows --------------------------------------------------------------------


def body_of(http: HttpClient, user: Any, client: Client) -> str:
    http.force_login(user)
    page = http.get(url(client))
    assert page.status_code == 200
    return page.content.decode()


def test_the_report_has_the_client_code_not_the_email(
    client: HttpClient, alice, rich: Client
) -> None:
    body = body_of(client, alice, rich)
    assert "Progress report: C1-ALPHA" in body
    assert "c1@client.example" not in body


def test_the_report_shows_alliance_outcome_and_goal_charts(
    client: HttpClient, alice, rich: Client
) -> None:
    body = body_of(client, alice, rich)
    # SAI, WAI-SR over time, WAI-SR first vs latest, PHQ-9 + GAD-7, goals
    assert body.count("<svg") == 5
    for title in (
        "How each session went (SAI)",
        "Working together (WAI-SR)",
        "First and latest rating (WAI-SR)",
        "Your mood and worry scores",
        "Progress towards your goals",
    ):
        assert title in body


def test_the_outcome_chart_has_severity_zones_and_the_reliable_change_zone(
    client: HttpClient, alice, rich: Client
) -> None:
    body = body_of(client, alice, rich)
    assert "Moderately severe" in body  # PHQ-9 band from phq9.toml
    assert "No reliable change (intake 18 ± 6)" in body  # phq9.toml: 6 points
    assert "No reliable change (intake 15 ± 4)" in body  # gad7.toml: 4 points


def test_the_summary_tells_the_change_in_plain_words_with_bands(
    client: HttpClient, alice, rich: Client
) -> None:
    body = body_of(client, alice, rich)
    assert (
        "Your score for low mood (PHQ-9) went from 18 (moderately severe) at session 1 to "
        "7 (mild) at session 12. That is a clear improvement: bigger than the usual ups and downs."
    ) in body
    assert "went from 15 (severe) at session 1 to 6 (mild) at session 12" in body
    assert "a change of 6 points or more from your first score" in body
    assert "Low mood (PHQ-9): lower scores are better." in body
    assert "minimal 0-4, mild 5-9, moderate 10-14, moderately severe 15-19, severe 20-27" in body


def test_goals_show_agreement_and_the_latest_rating_in_words(
    client: HttpClient, alice, rich: Client
) -> None:
    body = body_of(client, alice, rich)
    assert "Sleep through the night most nights" in body
    assert (
        "Agreed by you and your therapist · latest rating: somewhat more than expected (session 12)"
        in body
    )
    assert "Call a friend every week" in body
    assert "Waiting for you to confirm · latest rating: none yet" in body
    assert "You have 2 goals: 1 agreed by you both, 1 with a progress rating so far." in body


def test_tasks_show_whether_the_client_did_them(client: HttpClient, alice, rich: Client) -> None:
    body = body_of(client, alice, rich)
    assert re.search(
        r"Write down three things that went all right <span class=\"badge ok\">done</span>", body
    )
    assert re.search(
        r"Walk for ten minutes before work <span class=\"badge info\">not answered yet</span>", body
    )


def test_nothing_for_the_therapist_only_reaches_the_report(
    client: HttpClient, alice, rich: Client, x1: Client
) -> None:
    make_client(rich.organisation, alice, "C2-OTHER")
    body = body_of(client, alice, rich)
    for text in (
        *ALERT_TEXTS,
        APPROACH_NOTE,
        "X1-BRAVO",
        "C2-OTHER",
        "Therapist",
        "therapist (",
        "upture",
    ):
        assert text not in body, text
    assert "item 9" not in body.lower() and "risk" not in body.lower()


def test_the_therapists_own_ratings_are_not_charted(
    client: HttpClient, alice, rich: Client
) -> None:
    body = body_of(client, alice, rich)
    # the therapist rated 2.0 on every subscale; the client never did
    assert "(therapist)" not in body
    assert ">2</td>" not in body


def test_a_client_without_answers_gets_a_report_that_says_there_is_not_enough_yet(
    client: HttpClient, alice, c1: Client
) -> None:
    body = body_of(client, alice, c1)
    assert NOT_ENOUGH in body
    assert "<svg" not in body


def test_the_page_links_to_the_pdf(client: HttpClient, alice, c1: Client) -> None:
    body = body_of(client, alice, c1)
    assert f'href="{url(c1, "reports:client_report_pdf")}"' in body


# --- queries --------------------------------------------------------------------------


def queries_for(http: HttpClient, address: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert http.get(address).status_code == 200
    return len(queries)


def test_the_report_runs_the_same_queries_for_3_or_20_sessions(
    client: HttpClient, alice, clinic_a, capsys: pytest.CaptureFixture[str]
) -> None:
    client.force_login(alice)
    small, large = make_client(clinic_a, alice, "Q-SMALL"), make_client(clinic_a, alice, "Q-LARGE")
    history(small, 3)
    history(large, 20)
    queries_for(client, url(small))  # warm-up: per-process lookups made once, not per request
    few, many = queries_for(client, url(small)), queries_for(client, url(large))
    with capsys.disabled():
        print(f"\n  queries, client report: {few} with 3 sessions, {many} with 20", end="")
    assert few == many
    assert many <= 25


# --- the summary on its own -----------------------------------------------------------


def test_one_score_is_not_called_a_change(c1: Client) -> None:
    history(c1, 1)
    timeline = load_timeline(episode_of(c1))
    sentence = outcome_sentence(timeline, "phq9", "phq9_total", "low mood (PHQ-9)")
    assert sentence == (
        "Your score for low mood (PHQ-9) was 18 (moderately severe) at session 1. "
        "One score is not enough to show a change yet."
    )


def test_a_change_smaller_than_the_norm_is_called_ups_and_downs(c1: Client) -> None:
    history(c1, 4)  # PHQ-9 18 -> 15: 3 points, under phq9.toml's 6
    timeline = load_timeline(episode_of(c1))
    sentence = outcome_sentence(timeline, "phq9", "phq9_total", "low mood (PHQ-9)")
    assert sentence.endswith(
        "That is within the usual ups and downs so far. Change often takes a few more sessions."
    )


def test_alliance_ratings_are_not_judged_without_a_published_norm(c1: Client) -> None:
    history(c1, 12)
    episode = episode_of(c1)
    lines = summary(load_timeline(episode), [], [])
    sai = next(s for s in lines if "rated how each session went" in s)
    assert "3 out of 5 at session 1 and 4.7 out of 5 at session 12" in sai
    assert not any(word in sai for word in ("improve", "clear", "reliable"))


def test_without_an_episode_the_summary_says_there_is_not_enough() -> None:
    assert summary(None, [], []) == [
        NOT_ENOUGH,
        "You and your therapist have not written goals yet.",
    ]


def test_one_wai_sr_rating_gets_its_chart_but_no_first_and_latest_comparison(
    client: HttpClient, alice, c1: Client
) -> None:
    history(c1, 4)  # WAI-SR at session 4 only
    body = body_of(client, alice, c1)
    assert "Working together (WAI-SR)" in body
    assert "First and latest rating (WAI-SR)" not in body
    assert body.count("<svg") == 4  # SAI, WAI-SR, outcomes, goals
