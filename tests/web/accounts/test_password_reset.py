"""Password reset by e-mail: Django's views, our pages, no way to learn who has an account."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks import default_task_backend
from signin_helpers import sign_in

from alliance.web.accounts.tasks import send_password_reset

NEW = "a brand new long passphrase"


def _without_csrf(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html.decode())


def test_a_real_user_gets_a_reset_e_mail_with_a_link_from_site_url(
    client: HttpClient, alice, mailoutbox
) -> None:
    page = client.post(reverse("password_reset"), {"email": "ALICE@northside.example"})
    assert page.headers["Location"] == reverse("password_reset_done")
    (mail,) = mailoutbox
    assert mail.to == [alice.email]
    assert "Choose a new Alliance password" in mail.subject
    (link,) = [line for line in mail.body.splitlines() if "/password-reset/" in line]
    assert link.startswith(settings.SITE_URL + "/password-reset/")
    form = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.headers["Location"] == reverse("password_reset_complete")
    assert sign_in(client, "alice", NEW).status_code == 302


def test_the_response_is_identical_for_an_unknown_e_mail(
    client: HttpClient, alice, mailoutbox
) -> None:
    known = client.post(reverse("password_reset"), {"email": alice.email}, follow=True)
    unknown = HttpClient().post(
        reverse("password_reset"), {"email": "nobody@nowhere.example"}, follow=True
    )
    assert len(mailoutbox) == 1
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert _without_csrf(known.content) == _without_csrf(unknown.content)


def test_a_reset_link_works_once(client: HttpClient, alice, mailoutbox) -> None:
    client.post(reverse("password_reset"), {"email": alice.email})
    (link,) = [line for line in mailoutbox[0].body.splitlines() if "/password-reset/" in line]
    form = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    again = HttpClient().get(link.removeprefix(settings.SITE_URL), follow=True)
    assert "This link no longer works" in again.content.decode()


def test_the_login_page_offers_the_reset(client: HttpClient) -> None:
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


@pytest.fixture
def queued_tasks(settings) -> Any:
    """Background work is kept, not run: the test sees what a request enqueued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend


@pytest.mark.parametrize("address", ["alice@northside.example", "nobody@nowhere.example"])
def test_the_request_only_enqueues_the_e_mail_the_same_way_for_any_address(
    client: HttpClient, alice, mailoutbox, queued_tasks, address: str
) -> None:
    page = client.post(reverse("password_reset"), {"email": address})
    assert page.headers["Location"] == reverse("password_reset_done")
    assert mailoutbox == [], "nothing is sent inside the request"
    (queued,) = queued_tasks.results
    assert queued.task.name == "send_password_reset"
    assert queued.args == [] and queued.kwargs == {"email": address}, "only the address travels"


def test_known_and_unknown_addresses_make_the_same_database_queries(
    alice, queued_tasks
) -> None:
    # Who has an account is looked up by the background task, not by the request.
    counts = []
    for address in ("alice@northside.example", "nobody@nowhere.example"):
        with CaptureQueriesContext(connection) as queries:
            HttpClient().post(reverse("password_reset"), {"email": address})
        counts.append([q["sql"] for q in queries.captured_queries])
    assert counts[0] == counts[1]


def test_the_task_sends_the_e_mail_to_a_known_address_and_nothing_to_an_unknown_one(
    alice, mailoutbox
) -> None:
    send_password_reset.call(email="nobody@nowhere.example")
    assert mailoutbox == []
    send_password_reset.call(email="ALICE@northside.example")
    (mail,) = mailoutbox
    assert mail.to == [alice.email]
    assert any(line.startswith(settings.SITE_URL + "/password-reset/") for line in mail.body.splitlines())
