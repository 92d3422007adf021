"""Login throttling: 5 failures in 15 minutes lock a username (20 an address) for 15 minutes.

Counts live in the database, so every app process agrees. The message is
the same for accounts that exist and for names that do not, and for the
right password as for a wrong one while locked.
"""

from __future__ import annotations

import datetime as dt

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from signin_helpers import authenticator, sign_in, wrong_code

from alliance.web.accounts.forms import INVALID_LOGIN
from alliance.web.accounts.models import LoginThrottle
from alliance.web.accounts.throttle import locked_message
from alliance.web.audit.models import AuditEvent

LOCKED = locked_message()


def fail(http: HttpClient, username: str, times: int, **extra: str) -> str:
    body = ""
    for _ in range(times):
        page = sign_in(http, username, "not the password", **extra)
        assert page.status_code == 200
        body = page.content.decode()
    return body


def test_four_wrong_passwords_say_only_that_they_did_not_match(client: HttpClient, alice) -> None:
    body = fail(client, "alice", 4)
    assert INVALID_LOGIN in body
    assert LOCKED not in body
    assert sign_in(client, "alice").status_code == 302


def test_five_wrong_passwords_lock_the_username_and_the_right_password_gets_the_same_message(
    client: HttpClient, alice
) -> None:
    fifth = fail(client, "alice", 5)
    assert LOCKED in fifth
    right = sign_in(client, "alice")
    assert right.status_code == 200
    assert LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session
    row = LoginThrottle.objects.get(scope="username", key="alice")
    assert row.locked_until is not None
    remaining = row.locked_until - timezone.now()
    assert dt.timedelta(minutes=14) < remaining <= dt.timedelta(minutes=15)


def test_the_lock_is_the_same_for_a_username_that_does_not_exist(client: HttpClient, alice) -> None:
    real = fail(client, "alice", 5)
    other = HttpClient()
    made_up = fail(other, "nobody-here", 5)
    assert LOCKED in made_up
    assert _message(real) == _message(made_up)


def _message(body: str) -> str:
    return body.split('<ul class="errorlist" role="alert">', 1)[1].split("</ul>", 1)[0]


def test_the_lock_is_shared_by_every_browser_and_process(client: HttpClient, alice) -> None:
    for _ in range(5):
        fail(HttpClient(), "alice", 1)  # a new session (cookie jar) each time
    assert LOCKED in sign_in(client, "alice").content.decode()


def test_the_username_is_matched_whatever_its_case(client: HttpClient, alice) -> None:
    fail(client, "ALICE", 3)
    fail(client, "Alice", 2)
    assert LOCKED in sign_in(client, "alice").content.decode()


def test_the_lock_lifts_after_15_minutes(client: HttpClient, alice) -> None:
    fail(client, "alice", 5)
    LoginThrottle.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert sign_in(client, "alice").status_code == 302


def test_failures_older_than_15_minutes_are_forgotten(client: HttpClient, alice) -> None:
    fail(client, "alice", 4)
    row = LoginThrottle.objects.get(scope="username", key="alice")
    row.recent = [t - 16 * 60 for t in row.recent]
    row.save()
    assert LOCKED not in fail(client, "alice", 1)
    assert len(LoginThrottle.objects.get(scope="username", key="alice").recent) == 1


def test_the_window_slides_so_failures_either_side_of_a_boundary_still_count(
    client: HttpClient, alice
) -> None:
    fail(client, "alice", 2)
    row = LoginThrottle.objects.get(scope="username", key="alice")
    row.recent = [t - 14 * 60 for t in row.recent]  # two failures 14 minutes ago
    row.save()
    assert LOCKED in fail(client, "alice", 3)


def test_a_successful_sign_in_clears_the_usernames_count(client: HttpClient, alice) -> None:
    fail(client, "alice", 4)
    assert sign_in(client, "alice").status_code == 302
    assert not LoginThrottle.objects.filter(scope="username", key="alice").exists()


def test_many_usernames_from_one_address_lock_the_address(
    client: HttpClient, alice, settings
) -> None:
    settings.ALLIANCE_LOGIN_MAX_FAILURES_PER_IP = 6
    for n in range(6):
        fail(client, f"guess{n}", 1, REMOTE_ADDR="203.0.113.9")
    assert LOCKED in sign_in(client, "alice", REMOTE_ADDR="203.0.113.9").content.decode()
    assert sign_in(HttpClient(), "alice", REMOTE_ADDR="198.51.100.1").status_code == 302


def test_a_throttled_login_is_audited(client: HttpClient, alice) -> None:
    fail(client, "alice", 5)
    (event,) = AuditEvent.objects.filter(action="lockout")
    assert event.actor is None
    assert event.object_type == "accounts.loginthrottle"
    assert event.ip == "127.0.0.1"
    assert event.detail["scope"] == "username"
    assert event.detail["username"] == "alice"
    assert event.detail["account_exists"] is True
    fail(client, "alice", 3)  # refused while locked: no new lockout, no new event
    assert AuditEvent.objects.filter(action="lockout").count() == 1


def test_wrong_codes_count_too_and_the_fifth_signs_the_person_out(client: HttpClient, sue) -> None:
    device = authenticator(sue)
    sign_in(client, "sue")
    verify = reverse("accounts:verify")
    for _ in range(4):
        assert client.post(verify, {"code": wrong_code(device)}).status_code == 200
    out = client.post(verify, {"code": wrong_code(device)})
    assert out.headers["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert LOCKED in client.get(reverse("login")).content.decode()
    assert AuditEvent.objects.filter(action="lockout", detail__username="sue").exists()


def test_a_new_password_from_the_reset_e_mail_lifts_the_lock(
    client: HttpClient, alice, mailoutbox
) -> None:
    fail(client, "alice", 5)
    client.post(reverse("password_reset"), {"email": alice.email})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password-reset/" in line)
    path = "/" + link.split("/", 3)[3]
    form = client.get(path, follow=True)
    new = "a brand new long passphrase"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert sign_in(client, "alice", new).status_code == 302
