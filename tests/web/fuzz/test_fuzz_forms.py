"""Every form the app renders, fed hostile input: never a server error, never injected markup.

The forms are found by reading the pages each persona sees (therapist,
supervisor, administrator, and the client's link and portal pages), so a form
added to a template is fuzzed without touching this file. Each example posts
one form with its fields fuzzed (oversized, unicode, HTML and script,
SQL-like), left out, repeated or given a valid option, follows a redirect,
and checks neither answer is a 5xx or carries script markup.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import NoReverseMatch, reverse
from fuzz_helpers import (
    FUZZ_SETTINGS,
    Form,
    avoid_known_bugs,
    body_of,
    fuzz_fields,
    parse_forms,
    sign_in,
    unsafe_markup,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from web_factories import add_sessions, episode_of, make_client

from alliance.web.accounts.models import User
from alliance.web.measures.services import create_link


@pytest.fixture
def no_link_rate_limits(settings: Any) -> None:
    """Every request here comes from 127.0.0.1: keep the per-address limits out of the way."""
    settings.ALLIANCE_LINK_RATE_LIMIT = 10**9
    settings.ALLIANCE_LINK_MAX_UNKNOWN = 10**9
    settings.ALLIANCE_LOGIN_MAX_FAILURES_PER_IP = 10**9


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a page this version of the app does not have
        return None


def crawl(
    http: HttpClient, personas: dict[str, User | None], pages: dict[str, list[str | None]]
) -> list[Form]:
    forms: list[Form] = []
    for persona, urls in pages.items():
        sign_in(http, personas[persona])
        for url in urls:
            if url is None:
                continue
            r = http.get(url, follow=True)
            assert r.status_code < 500, f"GET {url} as {persona}: {r.status_code}"
            forms += [
                f
                for f in parse_forms(r.request["PATH_INFO"], persona, body_of(r))
                if "/logout/" not in f.action  # signing out ends the persona's session
            ]
    return forms


@pytest.mark.usefixtures("no_link_rate_limits", "c1_goal", "c1_task", "c1_alert")
def test_every_rendered_form_answers_hostile_input_without_5xx_or_injected_markup(
    alice: User,
    sue: User,
    ada: User,
    c1: Any,
    c1_sessions: list[Any],
    c1_link: Any,
    c1_portal_token: str,
) -> None:
    episode = c1_sessions[0].episode
    session = c1_sessions[3]
    # a new client's first link asks for consent first: that form too
    newcomer = make_client(c1.organisation, alice, "C2-NEW", consent=False)
    (first,) = add_sessions(episode_of(newcomer), 1)
    _, consent_token = create_link(first, alice)
    personas: dict[str, User | None] = {"alice": alice, "sue": sue, "ada": ada, "anon": None}
    pages = {
        "alice": [
            _url("care:dashboard"),
            _url("care:client", c1.pk),
            _url("care:client_new"),
            _url("care:session_new", c1.pk),
            _url("care:session", session.pk),
            _url("care:approach", episode.pk),
            _url("care:plan", episode.pk),
            _url("care:therapist_form", session.pk, "wai_sr_t"),
            _url("accounts:enrol"),
        ],
        "sue": [_url("care:client", c1.pk), _url("clinic:overview")],
        "ada": [
            _url("clinic:team"),
            _url("accounts:clinic_security"),
            _url("audit:log"),
            _url("rights:retention"),
            _url("rights:client_erase", c1.pk),
        ],
        "anon": [
            _url("login"),
            _url("password_reset"),
            _url("measures:start", consent_token),
            *[
                _url("measures:step", c1_link.token, n)
                for n in range(1, len(c1_link.link.instruments) + 1)
            ],
            _url("portal:home", c1_portal_token),
        ],
    }
    http = HttpClient()
    forms = crawl(http, personas, pages)
    actions = {f.action for f in forms}
    # the crawl reached the forms that matter: questionnaire, portal, goals, tasks, alerts, intake
    assert len(forms) >= 15, sorted(actions)
    for expected in ("/q/", "/p/", "/goals/", "/alerts/", "/clients/new/", consent_token):
        assert any(expected in a for a in actions), (expected, sorted(actions))

    @settings(max_examples=600, **FUZZ_SETTINGS)
    @given(data=st.data())
    def post_one(data: st.DataObject) -> None:
        form = data.draw(st.sampled_from(forms), label="form")
        payload = avoid_known_bugs(form.action, data.draw(fuzz_fields(form), label="fields"))
        sign_in(http, personas[form.persona])
        if form.method == "post":
            r = http.post(form.action, payload)
        else:
            r = http.get(form.action, payload)
        assert r.status_code < 500, f"{form.label()}: {r.status_code}"
        assert not unsafe_markup(body_of(r)), form.label()
        location = r.headers.get("Location", "") if r.status_code in (301, 302, 303) else ""
        if location.startswith("/"):
            page = http.get(location)
            assert page.status_code < 500, f"{form.label()} -> GET {location}: {page.status_code}"
            assert not unsafe_markup(body_of(page)), f"{form.label()} -> {location}"

    post_one()
