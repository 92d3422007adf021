"""One reminder per unanswered link, with a second token; both tokens open the same link."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from alliance.web.measures.models import Link
from alliance.web.measures.services import email_link
from alliance.web.measures.tasks import send_reminders


def sent_days_ago(link: Link, token: str, days: int) -> None:
    email_link(link, token)
    Link.objects.filter(pk=link.pk).update(sent_at=timezone.now() - dt.timedelta(days=days))
    mail.outbox.clear()


def reminder_token(body: str) -> str:
    path = body.split("/q/", 1)[1].split("/", 1)[0]
    return path


def test_an_unanswered_link_gets_one_reminder_after_the_clinics_delay(c1_link) -> None:
    sent_days_ago(c1_link.link, c1_link.token, days=2)
    assert send_reminders.call() == 1
    assert send_reminders.call() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Reminder:")
    assert Link.objects.get(pk=c1_link.link.pk).reminded_at is not None


def test_no_reminder_before_the_delay(c1_link) -> None:
    sent_days_ago(c1_link.link, c1_link.token, days=1)
    assert send_reminders.call() == 0
    assert mail.outbox == []


def test_both_the_first_and_the_reminder_token_open_the_link(c1_link) -> None:
    sent_days_ago(c1_link.link, c1_link.token, days=3)
    send_reminders.call()
    second = reminder_token(mail.outbox[0].body)
    assert second != c1_link.token
    for token in (c1_link.token, second):
        page = HttpClient().get(reverse("measures:start", args=[token]))
        assert page.headers["Location"] == reverse("measures:step", args=[token, 1])


def test_no_reminder_for_a_submitted_or_replaced_link(c1_link) -> None:
    sent_days_ago(c1_link.link, c1_link.token, days=3)
    Link.objects.filter(pk=c1_link.link.pk).update(revoked_at=timezone.now())
    assert send_reminders.call() == 0
    Link.objects.filter(pk=c1_link.link.pk).update(revoked_at=None, submitted_at=timezone.now())
    assert send_reminders.call() == 0
    assert mail.outbox == []
