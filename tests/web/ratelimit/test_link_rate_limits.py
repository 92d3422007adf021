"""Client links are rate-limited per address, and nothing about a client shows before the token checks out.

Limits (settings): ALLIANCE_LINK_RATE_LIMIT requests per ALLIANCE_LINK_RATE_WINDOW
seconds, and ALLIANCE_LINK_MAX_UNKNOWN unknown tokens per
ALLIANCE_LINK_UNKNOWN_WINDOW seconds, from one address; counted in the database.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from web_factories import step_url

from alliance.web import ratelimit
from alliance.web.audit.models import AuditEvent
from alliance.web.measures.models import Link
from alliance.web.portal.models import PortalAccess
from alliance.web.ratelimit.models import TABLE, LinkRateCounter

CLIENT_A = "203.0.113.10"
CLIENT_B = "198.51.100.20"
T0 = 1_900_000_800.0  # the start of a 5-minute window and of a 15-minute window


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The limiter's clock, set by the test: ``clock[0] = ...``."""
    now = [T0]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    return now


@pytest.fixture
def low_limits(settings: Any) -> Any:
    settings.ALLIANCE_LINK_RATE_LIMIT = 5
    settings.ALLIANCE_LINK_MAX_UNKNOWN = 3
    return settings


def get(url: str, address: str = CLIENT_A, **extra: Any) -> Any:
    return HttpClient().get(url, REMOTE_ADDR=address, **extra)


def secrets_of(link: Any) -> list[str]:
    client = link.link.session.episode.client
    names = [client.code, client.organisation.name, client.therapist.username, client.email]
    return [n for n in (*names, client.therapist.first_name) if n]


def test_the_defaults_are_60_requests_in_5_minutes_and_20_unknown_links_in_15() -> None:
    from django.conf import settings

    assert settings.ALLIANCE_LINK_RATE_LIMIT == 60
    assert settings.ALLIANCE_LINK_RATE_WINDOW == 300
    assert settings.ALLIANCE_LINK_MAX_UNKNOWN == 20
    assert settings.ALLIANCE_LINK_UNKNOWN_WINDOW == 900


def test_the_sql_names_the_models_table() -> None:
    assert LinkRateCounter._meta.db_table == TABLE == ratelimit.TABLE
    for sql in (ratelimit._COUNT_REQUEST, ratelimit._COUNT_UNKNOWN, ratelimit._FORGET_STALE):
        assert set(re.findall(r"alliance_\w+", sql)) == {TABLE}


def _patterns(patterns: list[Any], namespace: str = "") -> Any:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p.url_patterns, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", p


def test_every_url_that_takes_a_client_token_is_rate_limited() -> None:
    with_token = {
        name: pattern.callback
        for name, pattern in _patterns(get_resolver().url_patterns)
        if "token" in pattern.pattern.regex.groupindex and name != "password_reset_confirm"
    }
    assert {"measures:start", "measures:step", "portal:home", "portal:feedback"} <= set(with_token)
    unlimited = sorted(
        n for n, view in with_token.items() if not getattr(view, "rate_limited", False)
    )
    assert unlimited == [], "decorate these client-link views with @rate_limited"


# --- requests ---------------------------------------------------------------------------


def test_requests_past_the_limit_get_a_429_page_in_plain_words(low_limits, clock, c1_link) -> None:
    url = step_url(c1_link.token, 1)
    for _ in range(5):
        assert get(url).status_code == 200
    refused = get(url)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "300"
    assert "no-store" in refused.headers["Cache-Control"]
    body = refused.content.decode()
    assert "Please wait 5 minutes, then open your link again" in body
    for secret in secrets_of(c1_link):
        assert secret not in body
    assert c1_link.token not in body


def test_a_valid_link_still_works_from_another_address(low_limits, clock, c1_link) -> None:
    url = step_url(c1_link.token, 1)
    for _ in range(6):
        get(url, CLIENT_A)
    assert get(url, CLIENT_A).status_code == 429
    assert get(url, CLIENT_B).status_code == 200


def test_every_token_page_counts_towards_one_limit(
    low_limits, clock, c1_link, c1_portal_token, c1_goal
) -> None:
    http = HttpClient(REMOTE_ADDR=CLIENT_A)
    assert http.get(reverse("measures:start", args=[c1_link.token])).status_code == 302
    assert http.get(step_url(c1_link.token, 1)).status_code == 200
    assert http.get(reverse("portal:home", args=[c1_portal_token])).status_code == 200
    feedback = reverse("portal:feedback", args=[c1_portal_token])
    assert http.post(feedback, {"text": "Thank you"}).status_code == 302
    goal = reverse("portal:goal_confirm", args=[c1_portal_token, c1_goal.pk])
    assert http.post(goal).status_code == 302
    assert http.post(feedback, {"text": "And again"}).status_code == 429
    assert http.get(reverse("portal:home", args=[c1_portal_token])).status_code == 429


def test_the_window_slides(low_limits, clock, c1_link) -> None:
    url = step_url(c1_link.token, 1)
    for _ in range(5):
        assert get(url).status_code == 200
    clock[0] = T0 + 300 + 60  # next window, 1/5 in: 5 * 4/5 = 4 still count
    assert get(url).status_code == 200
    assert get(url).status_code == 429
    clock[0] = T0 + 900  # three windows on: nothing from before counts
    for _ in range(5):
        assert get(url).status_code == 200


def test_the_counts_are_shared_through_the_database(low_limits, clock, c1_link) -> None:
    """Separate clients (as separate app processes would) add up in one row."""
    url = step_url(c1_link.token, 1)
    for _ in range(3):
        HttpClient().get(url, REMOTE_ADDR=CLIENT_A)
    row = LinkRateCounter.objects.get(address=CLIENT_A)
    assert (row.req_count, row.req_prev, row.unknown_count) == (3, 0, 0)


def test_counting_a_request_is_one_statement(clock, db) -> None:
    for _ in range(2):  # the first inserts the row, the second updates it
        with CaptureQueriesContext(connection) as queries:
            verdict = ratelimit.count_request(CLIENT_A, T0)
        assert len(queries) == 1
    assert verdict.requests == 2
    assert verdict.reason is None


def test_rows_idle_past_both_windows_are_forgotten(clock, db) -> None:
    ratelimit.count_request("192.0.2.1", T0)
    ratelimit.count_request("192.0.2.2", T0)
    clock[0] = T0 + 2 * 900 + 1
    ratelimit.count_request("192.0.2.1", clock[0])  # back after a long pause
    assert list(LinkRateCounter.objects.values_list("address", "req_count")) == [("192.0.2.1", 1)]


# --- unknown tokens -------------------------------------------------------------------------


def test_unknown_tokens_are_limited_more_strictly(low_limits, clock, c1_link) -> None:
    for n in range(3):
        assert get(reverse("measures:start", args=[f"guess-{n}"])).status_code == 404
    # Past the limit even a real link is refused from that address, before it is looked up...
    refused = get(step_url(c1_link.token, 1))
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "900"
    assert "Please wait 15 minutes" in refused.content.decode()
    assert Link.objects.get(pk=c1_link.link.pk).opened_at is None
    # ...while it opens from anywhere else.
    assert get(step_url(c1_link.token, 1), CLIENT_B).status_code == 200
    clock[0] = T0 + 2 * 900
    assert get(step_url(c1_link.token, 1)).status_code == 200


def test_unknown_portal_tokens_and_records_count_too(low_limits, clock, c1_portal_token) -> None:
    http = HttpClient(REMOTE_ADDR=CLIENT_A)
    assert http.get(reverse("portal:home", args=["guess"])).status_code == 404
    other_clients_goal = reverse("portal:goal_confirm", args=[c1_portal_token, 987_654])
    assert http.post(other_clients_goal).status_code == 404
    assert http.get(reverse("portal:home", args=["another-guess"])).status_code == 404
    assert http.get(reverse("portal:home", args=[c1_portal_token])).status_code == 429


def test_the_start_of_a_block_is_audited_and_logged_once(
    low_limits, clock, c1_link, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="alliance.web.ratelimit"):
        for n in range(5):
            get(reverse("measures:start", args=[f"guess-{n}"]))
    (event,) = AuditEvent.objects.filter(action="lockout")
    assert event.actor_label == "client-link rate limit"
    assert event.object_id == CLIENT_A
    assert event.client_id is None
    assert event.detail["scope"] == "unknown_tokens"
    assert [r.getMessage() for r in caplog.records if r.name == "alliance.web.ratelimit"] == [
        f"client links: {CLIENT_A} paused after 3 unknown links (possible guessing)"
    ]


@pytest.fixture
def portal_pk(c1_portal_token) -> int:
    return PortalAccess.objects.get().pk


# --- the "not recognised" pages say nothing ----------------------------------------------------


def _page(url: str) -> str:
    response = get(url)
    assert response.status_code == 404
    return response.content.decode()


@pytest.mark.parametrize("app", ["measures:start", "portal:home"])
def test_an_unknown_token_page_is_the_same_for_any_token_and_reveals_nothing(
    clock, c1_link, c1_portal_token, x1_link, app: str
) -> None:
    real = c1_link.token if app == "measures:start" else c1_portal_token
    near_miss = real[:-1] + ("A" if real[-1] != "A" else "B")
    pages = {
        token: _page(reverse(app, args=[token]))
        for token in ("x", "unknown-token", near_miss, "Z" * 100, "Z" * 101)
    }
    assert len(set(pages.values())) == 1, "the page must not depend on the token"
    body = next(iter(pages.values()))
    for token in pages:
        assert token not in body
    for secret in [*secrets_of(c1_link), *secrets_of(x1_link)]:
        assert secret not in body


def test_a_revoked_portal_link_looks_like_an_unknown_one(clock, c1_portal_token, portal_pk) -> None:
    from django.utils import timezone

    unknown = _page(reverse("portal:home", args=["unknown-token"]))
    PortalAccess.objects.filter(pk=portal_pk).update(revoked_at=timezone.now())
    assert _page(reverse("portal:home", args=[c1_portal_token])) == unknown


# --- addresses ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "bucket"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::2", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("", "unknown"),
        ("nonsense", "unknown"),
    ],
)
def test_addresses_are_counted_by_ipv4_address_or_ipv6_64(
    rf, settings, raw: str, bucket: str
) -> None:
    settings.ALLIANCE_TRUSTED_PROXIES = 0
    assert ratelimit.client_address(rf.get("/", REMOTE_ADDR=raw)) == bucket


def test_behind_trusted_proxies_the_address_they_saw_is_counted(rf, settings) -> None:
    forwarded = "10.9.9.9, 203.0.113.5, 192.0.2.77"  # spoofed, client, first proxy
    request = rf.get("/", REMOTE_ADDR="192.0.2.200", HTTP_X_FORWARDED_FOR=forwarded)
    settings.ALLIANCE_TRUSTED_PROXIES = 0
    assert ratelimit.client_address(request) == "192.0.2.200"
    settings.ALLIANCE_TRUSTED_PROXIES = 1
    assert ratelimit.client_address(request) == "192.0.2.77"
    settings.ALLIANCE_TRUSTED_PROXIES = 2
    assert ratelimit.client_address(request) == "203.0.113.5"
    short = rf.get("/", REMOTE_ADDR="192.0.2.200", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert ratelimit.client_address(short) == "192.0.2.200"  # did not come through both


def test_spoofed_forwarded_for_headers_do_not_escape_the_limit(low_limits, clock, c1_link) -> None:
    low_limits.ALLIANCE_TRUSTED_PROXIES = 1
    url = step_url(c1_link.token, 1)
    for n in range(5):
        assert (
            get(url, "192.0.2.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, {CLIENT_A}").status_code == 200
        )
    assert get(url, "192.0.2.1", HTTP_X_FORWARDED_FOR=f"10.0.0.99, {CLIENT_A}").status_code == 429
