"""The busiest pages run a fixed number of queries, however large the caseload.

Each test measures a page in a clinic of 3 clients, grows the clinic to 30
(each client with several answered sessions, goals, tasks and alerts) and
measures again: the counts must be equal.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from web_factories import (
    STEADY,
    add_sessions,
    answer_sessions,
    episode_of,
    make_alert,
    make_client,
    make_goal,
    make_task,
    step_data,
)

from alliance.web.care.models import Client
from alliance.web.goals.models import GoalRating
from alliance.web.measures.models import Link
from alliance.web.measures.services import create_link
from alliance.web.portal.models import Feedback

SMALL, LARGE = 3, 30
# A submission stores each of the link's 5 instruments through record_answers (duplicate
# check, savepoint, insert, consent check, audit event: about 8 queries each) and then
# evaluates the alerts once: bounded by the instruments, never by the caseload.
LIMITS = {"dashboard": 8, "client page": 25, "questionnaire submission": 70}


def full_history(client: Client, sessions: int = 4) -> None:
    """Answered sessions, a goal with ratings, a task, feedback and an alert."""
    episode = episode_of(client)
    made = add_sessions(episode, sessions)
    answer_sessions(made, ("sai", "session_feedback", "phq9", "gad7"))
    goal = make_goal(episode, "See friends once a week", client_confirmed=True)
    GoalRating.objects.bulk_create(GoalRating(goal=goal, session=s, level=0) for s in made)
    make_task(episode, "Walk before work", set_session=1)
    Feedback.objects.create(episode=episode, text="Thanks")
    make_alert(episode, session_number=sessions)


def grow(clinic, therapist, to: int) -> None:
    have = Client.objects.filter(organisation=clinic).count()
    for i in range(have, to):
        full_history(make_client(clinic, therapist, f"LOAD-{i:03d}", email=f"l{i}@client.example"))


def count(http: HttpClient, method: str, url: str, data: dict[str, str] | None = None) -> int:
    """Queries for one request, from a cold cache (the client page caches the clinic's band)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        page = getattr(http, method)(url, data or {})
    assert page.status_code in (200, 302), page.status_code
    return len(queries)


def report(capsys: pytest.CaptureFixture[str], what: str, small: int, large: int) -> None:
    with capsys.disabled():
        print(
            f"\n  queries, {what}: {small} with {SMALL} clients, {large} with {LARGE} clients",
            end="",
        )


def test_the_dashboard_runs_the_same_queries_for_3_or_30_clients(
    client: HttpClient, clinic_a, alice, capsys, django_assert_max_num_queries
) -> None:
    client.force_login(alice)
    grow(clinic_a, alice, SMALL)
    small = count(client, "get", reverse("care:dashboard"))
    grow(clinic_a, alice, LARGE)
    large = count(client, "get", reverse("care:dashboard"))
    body = client.get(reverse("care:dashboard")).content.decode()
    assert all(f"LOAD-{i:03d}" in body for i in range(LARGE))
    report(capsys, "dashboard", small, large)
    assert small == large
    with django_assert_max_num_queries(LIMITS["dashboard"]):
        client.get(reverse("care:dashboard"))


def test_the_client_page_runs_the_same_queries_for_3_or_30_clients(
    client: HttpClient, clinic_a, alice, c1, capsys, django_assert_max_num_queries
) -> None:
    full_history(c1)
    client.force_login(alice)
    url = reverse("care:client", args=[c1.pk])
    grow(clinic_a, alice, SMALL)
    count(client, "get", url)  # warm-up: per-process lookups made once, not per request
    small = count(client, "get", url)
    grow(clinic_a, alice, LARGE)
    large = count(client, "get", url)
    report(capsys, "client page", small, large)
    assert small == large
    with django_assert_max_num_queries(LIMITS["client page"]):
        client.get(url)


def test_the_client_page_runs_the_same_queries_for_4_or_16_sessions(
    client: HttpClient, clinic_a, alice, capsys
) -> None:
    short, long = (make_client(clinic_a, alice, code) for code in ("SHORT", "LONG"))
    full_history(short, sessions=4)
    full_history(long, sessions=16)
    client.force_login(alice)
    count(client, "get", reverse("care:client", args=[short.pk]))  # warm-up, as above
    few = count(client, "get", reverse("care:client", args=[short.pk]))
    many = count(client, "get", reverse("care:client", args=[long.pk]))
    with capsys.disabled():
        print(f"\n  queries, client page: {few} with 4 sessions, {many} with 16 sessions", end="")
    assert few == many


def ready_to_send(client: Client, therapist) -> tuple[str, int]:
    """A link for the next session with every page but the last already saved."""
    (session,) = add_sessions(episode_of(client), 1)
    link, token = create_link(session, therapist)
    Link.objects.filter(pk=link.pk).update(draft={i: STEADY[i] for i in link.instruments[:-1]})
    return token, len(link.instruments)


def test_sending_a_questionnaire_runs_the_same_queries_for_3_or_30_clients(
    clinic_a, alice, capsys, django_assert_max_num_queries
) -> None:
    first, second = (make_client(clinic_a, alice, code) for code in ("PROBE-1", "PROBE-2"))
    full_history(first)
    full_history(second)
    grow(clinic_a, alice, SMALL)
    token, last = ready_to_send(first, alice)
    small = count(
        HttpClient(),
        "post",
        reverse("measures:step", args=[token, last]),
        step_data("gad7", STEADY["gad7"]),
    )
    grow(clinic_a, alice, LARGE)
    token, last = ready_to_send(second, alice)
    large = count(
        HttpClient(),
        "post",
        reverse("measures:step", args=[token, last]),
        step_data("gad7", STEADY["gad7"]),
    )
    report(capsys, "questionnaire submission", small, large)
    assert small == large
    assert small <= LIMITS["questionnaire submission"]
