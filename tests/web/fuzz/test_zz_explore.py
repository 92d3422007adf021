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

import pytest, collections, traceback
from hypothesis import HealthCheck
from django.test import Client as HttpClient
from django.urls import NoReverseMatch, reverse
from fuzz_helpers import (
    FUZZ_SETTINGS,
    Form,
    body_of,
    fuzz_fields,
    parse_forms,
    sign_in,
    unsafe_markup,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.web.accounts.models import User


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


def crawl(http: HttpClient, personas: dict[str, User | None], pages: dict[str, list[str | None]]) -> list[Form]:
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
def test_explore(
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
            *[_url("measures:step", c1_link.token, n) for n in range(1, len(c1_link.link.instruments) + 1)],
            _url("portal:home", c1_portal_token),
        ],
    }
    http = HttpClient()
    forms = crawl(http, personas, pages)
    actions = {f.action for f in forms}
    # the crawl reached the forms that matter: questionnaire, portal, goals, tasks, alerts, intake
    assert len(forms) >= 15, sorted(actions)
    for expected in ("/q/", "/p/", "/goals/", "/alerts/", "/clients/new/"):
        assert any(expected in a for a in actions), (expected, sorted(actions))

    found = collections.Counter()
    examples = {}
    @settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), database=None, phases=[__import__("hypothesis").Phase.generate])
    @given(data=st.data())
    def post_one(data):
        form = data.draw(st.sampled_from(forms))
        payload = data.draw(fuzz_fields(form))
        sign_in(http, personas[form.persona])
        try:
            r = http.post(form.action, payload) if form.method == "post" else http.get(form.action, payload)
            if r.status_code >= 500: key=(form.action, "status", r.status_code)
            elif unsafe_markup(body_of(r)): key=(form.action, "markup", "")
            else: return
        except Exception as e:
            tb = traceback.extract_tb(e.__traceback__)
            frames = [f for f in tb if "/alliance/" in f.filename]
            key = (form.method+" "+__import__("re").sub(r"\d+", "N", form.action), type(e).__name__, (frames[-1].filename.split("alliance/")[-1]+":"+str(frames[-1].lineno)) if frames else "?", str(e)[:50].split(chr(39))[0])
        found[key]+=1
        examples.setdefault(key, {k: (v if not isinstance(v,str) else v[:60]) for k,v in payload.items()})
    post_one()
    for k,v in found.most_common():
        print("BUG", v, k, examples[k])
