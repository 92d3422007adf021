"""The client-link endpoints (``/q/<token>/...``, ``/p/<token>/...``) under hostile input.

Tokens of any shape (oversized, unicode, HTML, SQL-like, path tricks), any
step number, GET or POST with fuzzed fields, from fuzzed forwarded addresses
behind a trusted proxy, with the per-address rate limits on: the answer is
always a clear page (200, redirect, 400, 404, 405, 410 or 429), never a
server error, never reflected markup, and never a page about a client for a
token that is not theirs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client as HttpClient
from fuzz_helpers import FUZZ_SETTINGS, body_of, nasty_text, unsafe_markup
from hypothesis import given, settings
from hypothesis import strategies as st

CLEAR = {200, 301, 302, 400, 404, 405, 410, 429}
ROUTES = (
    "/q/{t}/",
    "/q/{t}/{n}/",
    "/p/{t}/",
    "/p/{t}/feedback/",
    "/p/{t}/tasks/new/",
    "/p/{t}/tasks/{n}/done/",
    "/p/{t}/goals/{n}/confirm/",
    "/p/{t}/my-data/",
    "/p/{t}/consent/withdraw/",
)

tokens = st.one_of(
    nasty_text(80),
    st.text(
        st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        min_size=40,
        max_size=50,
    ),
    st.sampled_from(("..", ".", "%2e%2e", "%00", "q", "admin", "' OR 1=1 --")),
)
steps = st.one_of(st.integers(0, 12), st.sampled_from((99999, 10**12, 2**63, 10**30)))
addresses = st.one_of(
    st.ip_addresses().map(str),
    nasty_text(30),
    st.lists(st.ip_addresses().map(str), min_size=2, max_size=4).map(", ".join),
)


@pytest.fixture
def behind_one_proxy(settings: Any) -> None:
    """Addresses come from X-Forwarded-For (fuzzed); the limits stay at their defaults."""
    settings.ALLIANCE_TRUSTED_PROXIES = 1


@pytest.mark.usefixtures("behind_one_proxy")
def test_token_endpoints_answer_any_token_step_and_address_clearly(
    c1: Any, c1_link: Any, c1_portal_token: str
) -> None:
    http = HttpClient()
    real = {"link": c1_link.token, "portal": c1_portal_token}

    @settings(max_examples=600, **FUZZ_SETTINGS)
    @given(
        route=st.sampled_from(ROUTES),
        token=st.one_of(st.sampled_from(sorted(real.values())), tokens),
        n=steps,
        method=st.sampled_from(("get", "get", "get", "post", "post", "post", "put", "head")),
        fields=st.dictionaries(
            st.sampled_from(
                ("item_1", "item_2", "text", "reflection", "done", "confirm", "consent", "x")
            ),
            st.one_of(nasty_text(), st.lists(nasty_text(20), min_size=2, max_size=3)),
            max_size=4,
        ),
        forwarded=addresses,
    )
    def hit(
        route: str, token: str, n: int, method: str, fields: dict[str, Any], forwarded: str
    ) -> None:
        path = route.format(t=quote(token, safe=""), n=n)
        extra = {"HTTP_X_FORWARDED_FOR": forwarded}
        if method == "post":
            r = http.post(path, fields, **extra)
        elif method == "get":
            r = http.get(path, fields, **extra)
        else:
            r = getattr(http, method)(path, **extra)
        assert r.status_code in CLEAR, (method, path[:120], r.status_code)
        body = body_of(r)
        assert not unsafe_markup(body), (method, path[:120])
        if token not in real.values() and r.status_code == 200:
            assert c1.code not in body, "a page about the client for someone else's token"

    hit()
