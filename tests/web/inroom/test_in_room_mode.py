"""In-room mode: the therapist's device, handed to the client, opens nothing but their questionnaire.

alice (c1's therapist) makes a new link for session 4 on the session page, so
its token is in her session, and presses "Answer now, in the room".
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from web_factories import ANSWERS, step_data, step_url

from alliance.web.audit.models import AuditEvent
from alliance.web.inroom.lock import FLAG, MAX_UNLOCK_FAILURES
from alliance.web.measures.models import Link

PASSWORD = "correct horse battery"


@pytest.fixture
def in_room(client: Any, alice: Any, c1_sessions: Any) -> tuple[Any, Link, str]:
    alice.set_password(PASSWORD)
    alice.save()
    client.force_login(alice)
    client.post(reverse("care:link_new", args=[c1_sessions[3].pk]))
    link = Link.objects.get(session=c1_sessions[3], revoked_at__isnull=True)
    started = client.post(reverse("inroom:start", args=[link.pk]))
    assert started.status_code == 302
    token = started["Location"].split("/")[-2]
    assert started["Location"] == reverse("measures:start", args=[token])
    assert client.session[FLAG]["token_hash"] == link.token_hash
    assert token not in str(dict(client.session))
    return client, link, token


STAFF_PAGES = [
    ("care:dashboard", ()),
    ("care:client_new", ()),
    ("accounts:preferences", ()),
    ("audit:log", ()),
]


def test_session_page_offers_answer_now_in_the_room(client: Any, alice: Any, c1_sessions: Any) -> None:
    client.force_login(alice)
    client.post(reverse("care:link_new", args=[c1_sessions[3].pk]))
    page = client.get(reverse("care:session", args=[c1_sessions[3].pk])).content.decode()
    assert "Answer now, in the room" in page


@pytest.mark.parametrize(("name", "args"), STAFF_PAGES)
def test_locked_device_reaches_no_staff_page(in_room: Any, name: str, args: tuple[Any, ...]) -> None:
    client, _link, _token = in_room
    answer = client.get(reverse(name, args=args))
    assert answer.status_code == 302 and answer["Location"] == reverse("inroom:unlock")


def test_locked_device_reaches_no_client_record(in_room: Any, c1: Any) -> None:
    client, link, _token = in_room
    for url in (
        reverse("care:client", args=[c1.pk]),
        reverse("care:session", args=[link.session_id]),
        reverse("reports:client_report", args=[c1.pk]),
        "/api/clients/",
    ):
        answer = client.get(url)
        assert answer.status_code in (302, 401, 403), url
        if answer.status_code == 302:
            assert answer["Location"] == reverse("inroom:unlock"), url


def test_locked_device_opens_only_this_link(in_room: Any, x1_link: Any) -> None:
    client, _link, token = in_room
    assert client.get(step_url(token, 1)).status_code == 200
    other = client.get(step_url(x1_link.token, 1))
    assert other.status_code == 302 and other["Location"] == reverse("inroom:unlock")


def test_client_finishes_and_is_asked_to_hand_the_device_back(in_room: Any) -> None:
    client, link, token = in_room
    page = None
    for step, instrument in enumerate(link.instruments, start=1):
        page = client.post(step_url(token, step), step_data(instrument, ANSWERS[instrument]))
    assert page is not None and page.status_code == 200
    html = page.content.decode()
    assert "Please hand the device back" in html
    link.refresh_from_db()
    assert link.submitted_at is not None
    locked_page = client.get(reverse("inroom:unlock")).content.decode()
    assert "C1-ALPHA" not in locked_page and "Caseload" not in locked_page


def test_wrong_password_keeps_the_device_locked(in_room: Any) -> None:
    client, _link, _token = in_room
    refused = client.post(reverse("inroom:unlock"), {"secret": "guess"})
    assert refused.status_code == 400
    assert client.get(reverse("care:dashboard"))["Location"] == reverse("inroom:unlock")


def test_the_staff_password_unlocks_and_returns_to_the_session(in_room: Any) -> None:
    client, link, _token = in_room
    answer = client.post(reverse("inroom:unlock"), {"secret": PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == reverse("care:session", args=[link.session_id])
    assert client.get(reverse("care:dashboard")).status_code == 200


def test_the_in_room_pin_unlocks(in_room: Any, alice: Any) -> None:
    client, _link, _token = in_room
    type(alice).objects.filter(pk=alice.pk).update(in_room_pin=make_password("482913"))
    assert client.post(reverse("inroom:unlock"), {"secret": "482913"}).status_code == 302
    assert client.get(reverse("care:dashboard")).status_code == 200


def test_too_many_wrong_tries_sign_the_staff_member_out(in_room: Any) -> None:
    client, _link, _token = in_room
    for _ in range(MAX_UNLOCK_FAILURES):
        last = client.post(reverse("inroom:unlock"), {"secret": "guess"})
    assert last["Location"] == reverse("login")
    assert client.get(reverse("care:dashboard"))["Location"].startswith(reverse("login"))


def test_start_unlock_and_refusals_are_audited(in_room: Any) -> None:
    client, link, _token = in_room
    client.post(reverse("inroom:unlock"), {"secret": "guess"})
    client.post(reverse("inroom:unlock"), {"secret": PASSWORD})
    events = [e.detail.get("in_room") for e in AuditEvent.objects.filter(object_id=str(link.pk)).order_by("pk")]
    assert [e for e in events if e] == ["started", "unlock refused", "unlocked"]


def test_staff_set_a_pin_on_their_settings_page(client: Any, alice: Any) -> None:
    client.force_login(alice)
    client.post(reverse("accounts:preferences"), {"form": "pin", "pin": "12", "again": "12"})
    alice.refresh_from_db()
    assert alice.in_room_pin == ""
    client.post(reverse("accounts:preferences"), {"form": "pin", "pin": "482913", "again": "482913"})
    alice.refresh_from_db()
    assert alice.in_room_pin and "482913" not in alice.in_room_pin
