"""Expired, replaced, unknown and tampered links get a clear page, never an error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from web_factories import step_data

from alliance.web.measures.models import Link, Response


def pages(token: str) -> list[str]:
    return [reverse("measures:start", args=[token]), reverse("measures:step", args=[token, 1])]


def test_an_expired_link_shows_the_expired_page_with_410(client: HttpClient, c1_link) -> None:
    Link.objects.filter(pk=c1_link.link.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    for url in pages(c1_link.token):
        page = client.get(url)
        assert page.status_code == 410
        assert "This link has expired" in page.content.decode()


def test_answers_sent_to_an_expired_link_are_not_kept(client: HttpClient, c1_link) -> None:
    Link.objects.filter(pk=c1_link.link.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    page = client.post(
        reverse("measures:step", args=[c1_link.token, 1]),
        step_data("sai", {str(n): 3.0 for n in range(1, 7)}),
    )
    assert page.status_code == 410
    assert Link.objects.get(pk=c1_link.link.pk).draft == {}


def test_a_link_replaced_by_the_therapist_shows_the_replaced_page_with_410(
    client: HttpClient, alice, c1_link
) -> None:
    staff = HttpClient()
    staff.force_login(alice)
    staff.post(reverse("care:link_new", args=[c1_link.link.session_id]))
    assert Link.objects.get(pk=c1_link.link.pk).revoked_at is not None
    for url in pages(c1_link.token):
        page = client.get(url)
        assert page.status_code == 410
        assert "This link has been replaced" in page.content.decode()
    newest = Link.objects.filter(session_id=c1_link.link.session_id, revoked_at__isnull=True).get()
    assert newest.pk != c1_link.link.pk


def test_a_new_link_is_refused_once_the_clients_answers_are_in(
    client: HttpClient, alice, c1_sessions
) -> None:
    client.force_login(alice)
    answered = c1_sessions[0]
    client.post(reverse("care:link_new", args=[answered.pk]))
    assert not Link.objects.filter(session=answered).exists()


@pytest.mark.parametrize(
    "token",
    [
        "unknown-token",
        "a" * 43,
        "x" * 100,
        "x" * 101,
        "x" * 5000,
        "é-ü-ß",
        "%00",
        "' OR 1=1 --",
        "..",
        "☃",
    ],
)
def test_an_unknown_token_gets_the_not_recognised_page_never_a_500(
    client: HttpClient, c1_link, token: str
) -> None:
    for url in pages(token):
        for method in (client.get, client.post):
            page = method(url)
            assert page.status_code == 404
            assert "We could not open this link" in page.content.decode()
    assert Response.objects.count() == Response.objects.filter(link__isnull=True).count()
