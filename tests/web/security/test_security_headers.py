"""Every response carries the security headers; no page needs inline script or style.

The Content-Security-Policy allows no inline script and no inline style, so a
page with a ``style=`` attribute, a ``<style>`` or ``<script>`` element or an
``on...=`` handler would break under it: the main pages of each kind are
rendered and parsed, then every URL in the project is swept (so a new page is
checked without being listed here).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from web_factories import (
    ANSWERS,
    add_sessions,
    answer,
    episode_of,
    make_client,
    step_data,
    step_url,
)

from alliance.web.accounts.otp import TOTPDevice
from alliance.web.measures.models import Link
from alliance.web.measures.services import create_link
from alliance.web.security import CONTENT_SECURITY_POLICY

CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def csp(response: Any) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {
        name: value.strip()
        for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))
    }


def assert_security_headers(response: Any, *, page: bool = True) -> None:
    """The headers every response carries (``page``: also those of Django's own middleware)."""
    directives = csp(response)
    for name, value in CSP_DIRECTIVES.items():
        assert directives.get(name) == value, f"CSP {name}: {directives.get(name)!r}"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if page:
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "no-store" in response.headers["Cache-Control"]  # see test_no_store.py


class _InlineFinder(HTMLParser):
    """Collects what a strict CSP would block: inline styles, scripts and event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style" or (tag == "script" and not dict(attrs).get("src")):
            self.found.append(f"<{tag}>")  # a script file of our own (src=) is allowed
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def inline_code(response: Any) -> list[str]:
    if "html" not in response.headers.get("Content-Type", ""):
        return []
    finder = _InlineFinder()
    finder.feed(response.content.decode())
    return finder.found


def check_page(response: Any, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    assert_security_headers(response)
    assert inline_code(response) == []
    return response.content.decode()


def test_the_policy_is_the_one_the_operators_guide_gives() -> None:
    guide = Path(__file__).resolve().parents[3] / "docs" / "operators" / "security.md"
    documented = re.search(r"`Content-Security-Policy: ([^`]+)`", guide.read_text(encoding="utf-8"))
    assert documented is not None
    assert " ".join(documented.group(1).split()) == CONTENT_SECURITY_POLICY


def test_the_finder_finds_inline_style_script_and_handlers() -> None:
    finder = _InlineFinder()
    finder.feed(
        '<p style="width:1%">x</p><script>alert(1)</script><style>p{}</style>'
        '<a href="javascript:void(0)" onclick="f()">y</a><svg><rect fill="#000"/></svg>'
    )
    assert len(finder.found) == 5


# --- pages anyone can open ------------------------------------------------------------


@pytest.mark.django_db
def test_public_pages(client: HttpClient) -> None:
    for name in ("login", "password_reset", "password_reset_done", "password_reset_complete"):
        check_page(client.get(reverse(name)))
    check_page(
        client.get(reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "x-y"}))
    )
    health = client.get(reverse("health"))
    assert health.status_code == 200
    assert_security_headers(health)


@pytest.mark.django_db
def test_static_files_and_error_pages(client: HttpClient) -> None:
    css = client.get("/static/alliance/app.css")
    assert css.status_code == 200
    assert_security_headers(css, page=False)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert_security_headers(missing)
    assert inline_code(missing) == []


# --- staff pages ------------------------------------------------------------------------


def test_staff_pages(
    client: HttpClient, alice, ada, c1, c1_episode, c1_sessions, c1_link, c1_goal, c1_task, c1_alert
) -> None:
    client.force_login(ada)
    session = c1_sessions[3]
    pages = [
        reverse("care:dashboard"),
        reverse("care:client", args=[c1.pk]),  # charts (SVG), goals, tasks, alerts, forms
        reverse("care:items", args=[c1.pk, "sai"]),
        reverse("care:client_new"),
        reverse("care:session_new", args=[c1.pk]),
        reverse("care:session", args=[session.pk]),  # the QR code (inline SVG)
        reverse("care:therapist_form", args=[session.pk, "wai_sr_t"]),
        reverse("care:approach", args=[c1_episode.pk]),
        reverse("care:plan", args=[c1_episode.pk]),
        reverse("clinic:overview"),
        reverse("clinic:team"),
        reverse("audit:log"),
        reverse("accounts:clinic_security"),
    ]
    for url in pages:
        check_page(client.get(url))
    body = client.get(reverse("care:client", args=[c1.pk])).content.decode()
    assert "<svg" in body
    assert 'class="narrow"' in client.get(reverse("care:dashboard")).content.decode()


def test_the_authenticator_pages(client: HttpClient, alice, sue) -> None:
    client.force_login(alice)
    body = check_page(client.get(reverse("accounts:enrol")))  # its QR code is inline SVG
    assert "<svg" in body
    TOTPDevice.objects.create(user=sue, name="phone", confirmed=True)
    unverified = HttpClient()  # Django's own client: signed in with a password, no code yet
    unverified.force_login(sue)
    check_page(unverified.get(reverse("accounts:verify")))


# --- the client's pages -------------------------------------------------------------------


def test_questionnaire_pages(client: HttpClient, clinic_a, alice, c1_link) -> None:
    newcomer = make_client(clinic_a, alice, "N1-NEW", consent=False)
    (session,) = add_sessions(episode_of(newcomer), 1)
    _link, newcomer_token = create_link(session, alice)
    check_page(client.get(reverse("measures:start", args=[newcomer_token])))  # consent

    token = c1_link.token
    body = check_page(client.get(step_url(token, 1)))
    assert '<progress class="progress" max="100" value="0"' in body
    answer(client, token, c1_link.link.instruments, upto=3)
    assert 'value="60"' in check_page(client.get(step_url(token, 4)))
    crisis = client.post(step_url(token, 4), step_data("phq9", {**ANSWERS["phq9"], "9": 1.0}))
    assert "If you are not safe right now" in check_page(crisis)
    thanks = client.post(step_url(token, 5), step_data("gad7", ANSWERS["gad7"]))
    check_page(thanks)
    check_page(client.get(reverse("measures:start", args=[token])))  # already sent

    check_page(client.get(reverse("measures:start", args=["no-such-link"])), 404)


def test_expired_and_replaced_link_pages(client: HttpClient, c1_link, x1_link) -> None:
    Link.objects.filter(pk=c1_link.link.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    check_page(client.get(reverse("measures:start", args=[c1_link.token])), 410)
    Link.objects.filter(pk=x1_link.link.pk).update(revoked_at=timezone.now())
    check_page(client.get(reverse("measures:start", args=[x1_link.token])), 410)


def test_portal_pages(client: HttpClient, c1_sessions, c1_goal, c1_task, c1_portal_token) -> None:
    body = check_page(client.get(reverse("portal:home", args=[c1_portal_token])))
    assert c1_goal.text in body
    check_page(client.get(reverse("portal:home", args=["no-such-page"])), 404)


def test_the_too_many_requests_page(client: HttpClient, settings, c1_link) -> None:
    settings.ALLIANCE_LINK_RATE_LIMIT = 1
    client.get(step_url(c1_link.token, 1))
    check_page(client.get(step_url(c1_link.token, 1)), 429)


# --- HTTPS --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_https_responses_carry_hsts_with_subdomains_and_preload() -> None:
    response = HttpClient().get(reverse("login"), secure=True)
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert_security_headers(response)


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_but_the_health_check_is_not(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    http = HttpClient()  # a new handler reads the setting
    response = http.get(reverse("login"))
    assert response.status_code == 301
    assert response.headers["Location"] == "https://testserver/login/"
    assert_security_headers(response, page=False)
    assert http.get(reverse("health")).status_code == 200


@pytest.mark.django_db
def test_a_tls_proxy_header_counts_as_https_only_when_configured(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    http = HttpClient()
    assert http.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert http.get(reverse("login"), HTTP_X_FORWARDED_PROTO="http").status_code == 301


# --- every URL in the project ---------------------------------------------------------------


def _patterns(patterns: list[Any], namespace: str = "") -> Any:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p.url_patterns, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", p


def _kwargs_options(pattern: URLPattern, values: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(pattern.pattern.regex.groupindex)
    options: list[dict[str, Any]] = [{}]
    for name in names:
        options = [{**o, name: v} for o in options for v in values.get(name, ["x"])]
    return options


def test_every_url_answers_with_the_headers_and_no_inline_code(
    client: HttpClient,
    sue,
    c1,
    c1_episode,
    c1_sessions,
    c1_link,
    c1_goal,
    c1_task,
    c1_alert,
    c1_portal_token,
) -> None:
    """Every named URL, opened by a supervisor with each of c1's records (most are 200s)."""
    client.force_login(sue)
    values: dict[str, list[Any]] = {
        "pk": sorted(
            {
                c1.pk,
                c1_episode.pk,
                c1_sessions[3].pk,
                c1_link.link.pk,
                c1_goal.pk,
                c1_task.pk,
                c1_alert.pk,
            }
        ),
        "instrument": ["sai", "wai_sr_t"],
        "step": [1],
        "resource_id": [str(c1.pk)],  # FHIR ids (digits fit every FHIR route)
    }
    token_for = {"measures": c1_link.token, "portal": c1_portal_token}
    opened = 0
    for name, pattern in _patterns(get_resolver().url_patterns):
        if name == "password_reset_confirm":
            continue  # its own token: test_public_pages
        extra = {"token": [token_for.get(name.split(":")[0], "x")]}
        for kwargs in _kwargs_options(pattern, {**values, **extra}):
            response = client.get(reverse(name, kwargs=kwargs))
            opened += 1
            assert_security_headers(response, page=response.status_code != 301)
            assert inline_code(response) == [], f"{name} {kwargs}: {inline_code(response)}"
    assert opened > 40
