"""What clients and therapists write is shown escaped, whatever it is.

Each example makes a new client through the intake form and writes a payload
(fuzzed text around a unique tag, an attribute break-out and a script) into
every free-text field, through the app's own forms: intake (hopes, how they
will know it works), goals (with a rating, so the goal chart draws it), tasks
from both sides, the client's reflection and feedback, the approach note, an
alert resolution note and the client's questionnaire answers in their own
words. Then the therapist's client page, the session page, the approach page
and the client's portal page must show each stored payload only in its
escaped form, and never a tag, attribute or script from it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from fuzz_helpers import FUZZ_SETTINGS, Marker, body_of, nasty_text, sign_in, unsafe_markup
from hypothesis import example, given, settings
from hypothesis import strategies as st
from web_factories import add_sessions, make_alert

from alliance.web.accounts.models import User
from alliance.web.care.models import Client
from alliance.web.goals.models import Task
from alliance.web.measures.models import Link, new_token
from alliance.web.portal.services import create_portal_link

_codes = itertools.count(1)


@pytest.fixture
def no_link_rate_limits(settings: Any) -> None:
    settings.ALLIANCE_LINK_RATE_LIMIT = 10**9
    settings.ALLIANCE_LINK_MAX_UNKNOWN = 10**9


def _feedback_link(session: Any, user: User) -> str:
    """A one-page link for the session-feedback questions (two free-text answers)."""
    token, digest = new_token()
    Link.objects.create(
        session=session,
        instruments=["session_feedback"],
        token_hash=digest,
        created_by=user,
        expires_at=timezone.now() + dt.timedelta(days=4),
    )
    return token


@pytest.mark.usefixtures("no_link_rate_limits")
def test_stored_free_text_is_rendered_only_escaped_on_staff_and_client_pages(alice: User) -> None:
    staff = sign_in(HttpClient(), alice)
    anon = HttpClient()
    counter = itertools.count(1)
    checked: set[tuple[str, int]] = set()  # (page, field index) seen escaped

    @settings(max_examples=40, **FUZZ_SETTINGS)
    @given(around=st.lists(nasty_text(40), min_size=11, max_size=11))
    @example(around=['Zoë\'s <b>plan</b> & "quotes"'] * 11)  # accepted by every field
    def write_everywhere_then_read(around: list[str]) -> None:
        m = [Marker(next(counter), a) for a in around]
        code = f"FZ-{next(_codes)}"
        intake = {"code": code, "started": "2026-01-05", "expected_sessions": "8"}
        r = staff.post(
            reverse("care:client_new"),
            {**intake, "hoped_change": m[0].text, "how_know_working": m[1].text},
        )
        assert r.status_code in (200, 302), r.status_code
        assert not unsafe_markup(body_of(r)) and not m[0].raw_problems(body_of(r))
        if not Client.objects.filter(organisation=alice.organisation, code=code).exists():
            # refused (too long, a NUL...): the form shown again was checked above
            staff.post(reverse("care:client_new"), intake)
        client = Client.objects.get(organisation=alice.organisation, code=code)
        shown: dict[str, list[Marker]] = {"client": [], "portal": [], "approach": [], "session": []}
        episode = client.current_episode()
        assert episode is not None
        stored_intake = [
            mk
            for mk, value in ((m[0], episode.hoped_change), (m[1], episode.how_know_working))
            if value
        ]
        shown["client"] += stored_intake
        (session,) = add_sessions(episode, 1)
        portal = create_portal_link(client)

        def post(http: HttpClient, url: str, data: dict[str, str]) -> None:
            resp = http.post(url, data)
            assert resp.status_code < 500, (url, resp.status_code)
            assert not unsafe_markup(body_of(resp)), url
            for mk in m:
                assert not mk.raw_problems(body_of(resp)), (url, mk.raw_problems(body_of(resp)))

        post(
            staff,
            reverse("goals:goal_new", args=[episode.pk]),
            {"text": m[2].text, "expected_level": m[3].text},
        )
        goal = episode.goals.order_by("-id").first()
        if goal is not None:
            shown["client"].append(m[2])
            shown["portal"].append(m[2])
            post(staff, reverse("goals:goal_rate", args=[goal.pk]), {"level": "1"})
        post(staff, reverse("goals:task_new", args=[episode.pk]), {"text": m[4].text})
        task = Task.objects.filter(episode=episode, set_by=Task.SetBy.THERAPIST).first()
        if task is not None:
            shown["client"].append(m[4])
            shown["portal"].append(m[4])
            post(
                anon,
                reverse("portal:task_done", args=[portal, task.pk]),
                {"done": "yes", "reflection": m[5].text},
            )
            task.refresh_from_db()
            if task.reflection:
                shown["client"].append(m[5])
                shown["portal"].append(m[5])
        post(anon, reverse("portal:task_new", args=[portal]), {"text": m[6].text})
        if Task.objects.filter(episode=episode, set_by=Task.SetBy.CLIENT).exists():
            shown["client"].append(m[6])
            shown["portal"].append(m[6])
        post(anon, reverse("portal:feedback", args=[portal]), {"text": m[7].text})
        if episode.feedback.exists():
            shown["client"].append(m[7])
        post(
            staff,
            reverse("care:approach", args=[episode.pk]),
            {"approach": "supportive", "approach_note": m[8].text},
        )
        episode.refresh_from_db()
        if episode.approach_note:
            shown["client"].append(m[8])
            shown["approach"].append(m[8])
        alert = make_alert(episode, session_number=1)
        post(staff, reverse("alerts:resolve", args=[alert.pk]), {"note": m[9].text})
        alert.refresh_from_db()
        if alert.resolution_note:
            shown["client"].append(m[9])
        token = _feedback_link(session, alice)
        post(
            anon,
            reverse("measures:step", args=[token, 1]),
            {"item_1": m[10].text, "item_2": m[10].text, "item_3": "7"},
        )
        if session.responses.filter(instrument="session_feedback").exists():
            shown["client"].append(m[10])

        pages = {
            "client": staff.get(reverse("care:client", args=[client.pk])),
            "session": staff.get(reverse("care:session", args=[session.pk])),
            "approach": staff.get(reverse("care:approach", args=[episode.pk])),
            "portal": anon.get(reverse("portal:home", args=[portal])),
        }
        for name, page in pages.items():
            assert page.status_code == 200, (name, page.status_code)
            body = body_of(page)
            assert not unsafe_markup(body), (name, unsafe_markup(body))
            for mk in m:
                assert not mk.raw_problems(body), (name, mk.raw_problems(body))
            for mk in shown[name]:
                assert mk.escaped_tag in body, f"{name} page does not show payload {mk.n} (escaped)"
                checked.add((name, m.index(mk)))

    write_everywhere_then_read()
    # every field was stored and then found escaped on the pages that show it, at least once
    assert {i for _, i in checked} == set(range(11)) - {3}, sorted(
        checked
    )  # 3: expected level, not shown
    assert {p for p, _ in checked} == {"client", "portal", "approach"}
