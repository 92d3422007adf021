"""Who may open what: every client-specific URL x every persona, generated.

Alice owns client c1. Sue (supervisor) and Ada (admin) see the whole of
clinic A. Bob (another therapist in clinic A) and Charlie (clinic B) get a
404 that is byte-for-byte the 404 of a record that does not exist. Rita
(researcher) is refused. Anonymous visitors are sent to the login page.
Nothing changes in the database on a refused request.

The list of URLs is checked against the project's resolver, so a new URL
that takes a record's pk fails here until it has a row in the matrix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alliance.web.alerts.models import Alert
from alliance.web.api.models import ApiToken
from alliance.web.api.pages import issue
from alliance.web.care.models import Client, Episode, Session
from alliance.web.consent.models import ConsentRecord, Erasure
from alliance.web.goals.models import Goal, GoalRating, Task
from alliance.web.measures.models import Link, Response
from alliance.web.portal.models import Feedback, PortalAccess
from alliance.web.sessiontranscripts.models import Transcript

MISSING_PK = 987_654


@dataclass(frozen=True)
class Entry:
    name: str
    method: str
    target: str  # which of c1's records the pk names
    extra: tuple[tuple[str, str], ...] = ()
    data: tuple[tuple[str, str], ...] = ()
    allowed: frozenset[str] | None = None  # None: the usual ALLOWED personas

    def kwargs(self, pk: int) -> dict[str, Any]:
        return {"pk": pk, **dict(self.extra)}


MATRIX = (
    Entry("care:client", "GET", "client"),
    Entry("care:items", "GET", "client", extra=(("instrument", "sai"),)),
    Entry("care:session_new", "GET", "client"),
    Entry("care:session", "GET", "session"),
    Entry("care:link_new", "POST", "session"),
    Entry("care:link_email", "POST", "link"),
    Entry("texting:link_text", "POST", "link"),
    Entry("inroom:start", "POST", "link"),
    Entry("followup:resend", "POST", "link", data=(("channel", "email"),)),
    Entry("paper:enter", "GET", "session", extra=(("instrument", "phq9"),)),
    Entry("texting:client_texts", "POST", "client", data=(("action", "stop"),)),
    Entry("texting:client_language", "POST", "client", data=(("language", "es"),)),
    Entry("care:therapist_form", "GET", "session", extra=(("instrument", "wai_sr_t"),)),
    Entry("care:approach", "GET", "episode"),
    Entry("care:plan", "GET", "episode"),
    Entry("care:portal_link", "POST", "client"),
    Entry("care:reassign", "POST", "client", data=(("therapist", "0"),)),
    # Transcripts: the client's therapist and the clinic's supervisors only (not administrators).
    Entry(
        "sessiontranscripts:upload", "POST", "session", allowed=frozenset({"owner", "supervisor"})
    ),
    Entry(
        "sessiontranscripts:detail", "GET", "session", allowed=frozenset({"owner", "supervisor"})
    ),
    Entry(
        "sessiontranscripts:timeline", "GET", "session", allowed=frozenset({"owner", "supervisor"})
    ),
    Entry(
        "sessiontranscripts:status", "GET", "session", allowed=frozenset({"owner", "supervisor"})
    ),
    Entry(
        "sessiontranscripts:delete", "POST", "session", allowed=frozenset({"owner", "supervisor"})
    ),
    # Client rights: export and erasure are the clinic administrator's; consent in person is
    # recorded by any of the client's clinicians.
    Entry("rights:client_export", "GET", "client", allowed=frozenset({"admin"})),
    Entry("rights:client_erase", "GET", "client", allowed=frozenset({"admin"})),
    Entry(
        "rights:client_erase",
        "POST",
        "client",
        data=(("code", "C1-ALPHA"),),
        allowed=frozenset({"admin"}),
    ),
    Entry(
        "rights:episode_consent",
        "POST",
        "episode",
        data=(("action", "withdrawn"), ("confirm", "yes")),
    ),
    Entry("goals:goal_new", "POST", "episode", data=(("text", "Walk to work twice a week"),)),
    Entry("goals:goal_rate", "POST", "goal", data=(("level", "1"),)),
    Entry("goals:task_new", "POST", "episode", data=(("text", "Call a friend"),)),
    Entry("alerts:acknowledge", "POST", "alert"),
    # Reports: the client's progress report, as the client page.
    Entry("reports:client_report", "GET", "client"),
    Entry("reports:client_report_pdf", "GET", "client"),
    # API tokens: their owner and the clinic's administrator may revoke them.
    Entry("api:token_revoke", "POST", "token", allowed=frozenset({"owner", "admin"})),
    Entry("alerts:resolve", "POST", "alert", data=(("note", "Talked it through in session."),)),
)

# Client-facing URLs: reached with a token, never with a login (tested below).
TOKEN_URLS = {
    "measures:start",
    "measures:step",
    "portal:home",
    "portal:goal_confirm",
    "portal:task_done",
    "portal:task_new",
    "portal:feedback",
    "portal:language",
    "portal:texts_stop",
    "rights:portal_export",
    "rights:portal_withdraw",
}

PERSONAS = ("owner", "colleague", "outsider", "supervisor", "admin", "researcher", "anonymous")
ALLOWED = {"owner", "supervisor", "admin"}


@pytest.fixture
def world(
    alice,
    bob,
    charlie,
    sue,
    ada,
    rita,
    c1,
    c1_episode,
    c1_sessions,
    c1_link,
    c1_goal,
    c1_task,
    c1_alert,
    x1,
):
    Transcript.objects.create(
        session=c1_sessions[3],
        filename="s4.txt",
        format="txt",
        text="T: Hello\nC: Hi",
        profile={},
        html="<p>timeline</p>",
        uploaded_by=alice,
        status=Transcript.Status.DONE,
    )
    return {
        "users": {
            "owner": alice,
            "colleague": bob,
            "outsider": charlie,
            "supervisor": sue,
            "admin": ada,
            "researcher": rita,
            "anonymous": None,
        },
        "pks": {
            "client": c1.pk,
            "episode": c1_episode.pk,
            "session": c1_sessions[3].pk,  # session 4: the therapist's WAI-SR is due
            "link": c1_link.link.pk,
            "goal": c1_goal.pk,
            "alert": c1_alert.pk,
            "token": issue(alice, "record system", ["read"], 30)[0].pk,
        },
        "secrets": ("C1-ALPHA", c1_goal.text, c1_task.text, "Alice"),
    }


def _request(http: HttpClient, entry: Entry, pk: int):
    url = reverse(entry.name, kwargs=entry.kwargs(pk))
    if entry.method == "POST":
        return http.post(url, dict(entry.data))
    return http.get(url)


def _snapshot() -> tuple[Any, ...]:
    """Everything a client-specific URL could change."""
    return (
        Session.objects.count(),
        sorted(Link.objects.values_list("pk", "revoked_at", "sent_at")),
        sorted(Goal.objects.values_list("pk", "text")),
        GoalRating.objects.count(),
        Task.objects.count(),
        Response.objects.count(),
        Feedback.objects.count(),
        sorted(PortalAccess.objects.values_list("pk", "revoked_at")),
        sorted(Alert.objects.values_list("pk", "status", "resolution_note")),
        sorted(Episode.objects.values_list("pk", "approach", "consent_at")),
        sorted(Client.objects.values_list("pk", "email", "archived")),
        sorted(ConsentRecord.objects.values_list("pk", "withdrawn_at")),
        Erasure.objects.count(),
        Transcript.objects.count(),
        sorted(ApiToken.objects.values_list("pk", "revoked_at")),
    )


def _without_csrf(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html.decode())


def _iter_patterns(patterns: list[Any], namespace: str = "") -> Any:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _iter_patterns(p.url_patterns, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", set(getattr(p.pattern, "converters", {}))


def test_matrix_covers_every_url_that_takes_a_record_pk() -> None:
    patterns = dict(_iter_patterns(get_resolver().url_patterns))
    staff_with_pk = {
        name for name, params in patterns.items() if "pk" in params and "token" not in params
    }
    with_token = {name for name, params in patterns.items() if "token" in params}
    assert staff_with_pk == {e.name for e in MATRIX}, (
        "add the new URL to MATRIX (and decide who may open it)"
    )
    assert with_token == TOKEN_URLS, "add the new client-facing URL to the token tests"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("entry", MATRIX, ids=lambda e: f"{e.method} {e.name}")
def test_access(client: HttpClient, world: dict[str, Any], entry: Entry, persona: str) -> None:
    user = world["users"][persona]
    if user is not None:
        client.force_login(user)
    pk = world["pks"][entry.target]
    before = _snapshot()

    response = _request(client, entry, pk)

    if persona in (entry.allowed if entry.allowed is not None else ALLOWED):
        assert 200 <= response.status_code < 400, (
            f"{persona} should be let in: {response.status_code}"
        )
        assert not response.headers.get("Location", "").startswith(reverse("login"))
        return
    assert _snapshot() == before, f"a refused request by {persona} changed data"
    body = response.content.decode()
    if persona == "anonymous":
        url = reverse(entry.name, kwargs=entry.kwargs(pk))
        assert response.status_code == 302
        assert response.headers["Location"] == f"{reverse('login')}?next={url}"
    elif persona == "researcher":
        assert response.status_code in (403, 404)
    else:
        assert response.status_code == 404
        missing = _request(client, entry, MISSING_PK)
        assert missing.status_code == 404
        assert _without_csrf(response.content) == _without_csrf(missing.content), (
            "the 404 for someone else's record must not differ from the 404 for no record"
        )
    for secret in world["secrets"]:
        assert secret not in body


@pytest.mark.parametrize(
    ("persona", "sees_c1"),
    [("alice", True), ("sue", True), ("ada", True), ("bob", False), ("charlie", False)],
)
def test_dashboard_lists_only_clients_the_user_may_see(
    client: HttpClient, request: pytest.FixtureRequest, c1_sessions, x1, persona: str, sees_c1: bool
) -> None:
    client.force_login(request.getfixturevalue(persona))
    body = client.get(reverse("care:dashboard")).content.decode()
    assert ("C1-ALPHA" in body) is sees_c1
    assert ("X1-BRAVO" in body) is (persona == "charlie")


def test_researcher_cannot_open_the_caseload(client: HttpClient, rita, c1) -> None:
    client.force_login(rita)
    response = client.get(reverse("care:dashboard"))
    assert response.status_code == 403
    assert "C1-ALPHA" not in response.content.decode()


# --- client-facing URLs: a token opens one client's data, and nothing else ---------


def _tampered(token: str) -> list[str]:
    flipped = ("A" if token[0] != "A" else "B") + token[1:]
    return [flipped, token[:-1], token + "x", token.upper(), "x" * 101, "0"]


C1_SECRET = "C1 private: I could not say this in the room"


@pytest.fixture
def c1_draft(c1_link) -> None:
    """Client c1 has started: a written answer is in the draft."""
    Link.objects.filter(pk=c1_link.link.pk).update(
        draft={"session_feedback": {"2": C1_SECRET, "3": 6.0}}
    )


def _visible(body: str) -> None:
    for secret in (C1_SECRET, "Northside", "Alice", "C1-ALPHA"):
        assert secret not in body


def test_another_clients_questionnaire_link_shows_only_their_questionnaire(
    client: HttpClient, c1_draft, x1_link
) -> None:
    start = client.get(reverse("measures:start", args=[x1_link.token]))
    assert start.status_code == 302
    total = len(x1_link.link.instruments)
    for step in range(1, total + 1):
        page = client.get(reverse("measures:step", args=[x1_link.token, step]))
        assert page.status_code == 200
        body = page.content.decode()
        assert f"Part {step} of {total}" in body
        assert "Southbank Counselling" in body
        _visible(body)


@pytest.mark.parametrize("variant", range(6))
def test_a_tampered_questionnaire_token_gets_the_not_recognised_page(
    client: HttpClient, c1_link, c1_draft, variant: int
) -> None:
    token = _tampered(c1_link.token)[variant]
    for url in (reverse("measures:start", args=[token]), reverse("measures:step", args=[token, 3])):
        for method in (client.get, client.post):
            page = method(url)
            assert page.status_code == 404
            assert "We could not open this link" in page.content.decode()
            _visible(page.content.decode())
    assert Response.objects.filter(link=c1_link.link).count() == 0


def test_the_stored_hash_does_not_work_as_a_token(client: HttpClient, c1_link) -> None:
    page = client.get(reverse("measures:start", args=[c1_link.link.token_hash]))
    assert page.status_code == 404


def test_another_clients_portal_shows_only_their_own_page(
    client: HttpClient, c1_goal, c1_task, x1, x1_portal_token
) -> None:
    page = client.get(reverse("portal:home", args=[x1_portal_token]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Southbank Counselling" in body
    for secret in (c1_goal.text, c1_task.text, "Northside", "C1-ALPHA"):
        assert secret not in body


def test_another_clients_portal_token_cannot_touch_c1s_goals_or_tasks(
    client: HttpClient, c1_goal, c1_task, x1_portal_token
) -> None:
    confirm = client.post(reverse("portal:goal_confirm", args=[x1_portal_token, c1_goal.pk]))
    done = client.post(
        reverse("portal:task_done", args=[x1_portal_token, c1_task.pk]),
        {"done": "yes", "reflection": "hijack"},
    )
    assert (confirm.status_code, done.status_code) == (404, 404)
    c1_goal.refresh_from_db()
    c1_task.refresh_from_db()
    assert c1_goal.client_confirmed_at is None
    assert (c1_task.done, c1_task.reflection) == (None, "")


PORTAL_POSTS: tuple[tuple[str, Callable[[Any, Any], tuple[Any, ...]], dict[str, str]], ...] = (
    ("portal:goal_confirm", lambda goal, task: (goal.pk,), {}),
    ("portal:task_done", lambda goal, task: (task.pk,), {"done": "yes", "reflection": "noted"}),
    ("portal:task_new", lambda goal, task: (), {"text": "Try the breathing exercise"}),
    ("portal:feedback", lambda goal, task: (), {"text": "Thanks for last week"}),
    ("rights:portal_withdraw", lambda goal, task: (), {"confirm": "yes"}),
)


@pytest.mark.parametrize("variant", range(6))
def test_a_tampered_portal_token_gets_the_not_recognised_page_and_changes_nothing(
    client: HttpClient, c1_portal_token, c1_goal, c1_task, variant: int
) -> None:
    token = _tampered(c1_portal_token)[variant]
    before = _snapshot()
    home = client.get(reverse("portal:home", args=[token]))
    assert home.status_code == 404
    assert "We could not open your page" in home.content.decode()
    for name, args, data in PORTAL_POSTS:
        page = client.post(reverse(name, args=[token, *args(c1_goal, c1_task)]), data)
        assert page.status_code == 404, name
        assert c1_goal.text not in page.content.decode()
    assert _snapshot() == before
