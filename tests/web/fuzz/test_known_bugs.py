"""Server errors found by the fuzzing and the load runs, fixed and kept as guards.

Each test states the behaviour the app must have for an input that once
caused a 500: Unicode digits in id fields, control characters in the audit
viewer's query, a NUL in the caseload search (PostgreSQL), and a failed alert
refresh after a client's answers were stored.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.test import Client as HttpClient
from django.urls import reverse
from fuzz_helpers import sign_in
from web_factories import add_sessions

from alliance.web.accounts.models import User
from alliance.web.measures.models import Link, Response, new_token

ON_POSTGRES = connection.vendor == "postgresql"


def _http(user: User | None) -> HttpClient:
    return sign_in(HttpClient(raise_request_exception=False), user)


def test_reassign_with_a_non_numeric_therapist_says_choose_a_therapist(sue: User, c1: Any) -> None:
    # found by the fuzzing (ValueError, 500) and fixed meanwhile; kept as a guard
    r = _http(sue).post(reverse("care:reassign", args=[c1.pk]), {"therapist": "<b>x</b>"})
    assert r.status_code == 302


def test_reassign_with_a_superscript_digit_says_choose_a_therapist(sue: User, c1: Any) -> None:
    r = _http(sue).post(reverse("care:reassign", args=[c1.pk]), {"therapist": "²"})
    assert r.status_code == 302


def test_reset_authenticator_with_a_superscript_digit_is_not_found(ada: User) -> None:
    r = _http(ada).post(reverse("accounts:reset_authenticator"), {"user": "²"})
    assert r.status_code == 404


@pytest.mark.parametrize("query", [{"page": "2\n"}, {"page": "\x00"}, {"client": "C1\tALPHA"}])
def test_audit_log_with_control_characters_in_the_query_answers_a_page(
    ada: User, query: dict[str, str]
) -> None:
    r = _http(ada).get(reverse("audit:log"), query)
    assert r.status_code == 200


def test_dashboard_search_with_a_nul_character_finds_nothing(alice: User, c1: Any) -> None:
    r = _http(alice).get(reverse("care:dashboard"), {"q": "C1\x00"})
    assert r.status_code == 200


def test_answers_stored_are_acknowledged_even_if_the_alert_refresh_fails(
    alice: User, c1: Any
) -> None:
    episode = c1.current_episode()
    (session,) = add_sessions(episode, 1)
    token, digest = new_token()
    Link.objects.create(
        session=session,
        instruments=["sai"],
        token_hash=digest,
        created_by=alice,
        expires_at=session.created.replace(year=session.created.year + 1),
    )
    failing = mock.patch(
        "alliance.web.alerts.tasks.refresh_alerts",
        side_effect=DatabaseError("server closed the connection unexpectedly"),
    )
    with failing:
        r = _http(None).post(
            reverse("measures:step", args=[token, 1]), {f"item_{n}": "3" for n in range(1, 7)}
        )
    assert Response.objects.filter(session=session, instrument="sai").count() == 1
    assert r.status_code == 200 and b"Thank you" in r.content
