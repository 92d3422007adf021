"""The caseload and the clinic overview list questionnaires sent, not answered, past the reminder.

c1's session-4 link (alice's client, clinic A) is open; the tests say when it was
sent. The clinic's reminder delay is 2 days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from alliance.web.followup.overdue import overdue_links
from alliance.web.measures.models import Link
from alliance.web.texting import backends
from alliance.web.texting.models import TextMessage
from alliance.web.texting.services import record_text_consent


def _sent(link: Link, days_ago: float) -> None:
    Link.objects.filter(pk=link.pk).update(sent_at=timezone.now() - dt.timedelta(days=days_ago), sent_to="c1@client.example")


def test_a_link_sent_past_the_reminder_delay_and_not_answered_is_overdue(alice: Any, c1_link: Any) -> None:
    _sent(c1_link.link, 3)
    (found,) = overdue_links(alice)
    assert found.link.pk == c1_link.link.pk and found.days == 3 and found.can_email


@pytest.mark.parametrize("days_ago", [0.5, 1.5])
def test_a_link_within_the_reminder_delay_is_not_overdue(alice: Any, c1_link: Any, days_ago: float) -> None:
    _sent(c1_link.link, days_ago)
    assert overdue_links(alice) == []


def test_answered_unsent_or_replaced_links_are_not_overdue(alice: Any, c1_link: Any) -> None:
    assert overdue_links(alice) == []  # never sent
    _sent(c1_link.link, 3)
    Link.objects.filter(pk=c1_link.link.pk).update(submitted_at=timezone.now())
    assert overdue_links(alice) == []
    Link.objects.filter(pk=c1_link.link.pk).update(submitted_at=None, revoked_at=timezone.now())
    assert overdue_links(alice) == []


def test_a_link_sent_only_by_text_counts_from_when_the_text_went(alice: Any, c1: Any, c1_link: Any) -> None:
    record_text_consent(c1, phone="+447400123456", via="staff")
    TextMessage.objects.create(
        client=c1, link=c1_link.link, kind="invitation", to=c1.phone, status="sent",
        sent_at=timezone.now() - dt.timedelta(days=4),
    )
    (found,) = overdue_links(alice)
    assert found.days == 4 and found.can_text


def test_overdue_list_follows_the_caseload(alice: Any, bob: Any, sue: Any, charlie: Any, c1_link: Any) -> None:
    _sent(c1_link.link, 3)
    assert len(overdue_links(alice)) == 1
    assert len(overdue_links(sue)) == 1  # supervisor: the whole clinic
    assert overdue_links(bob) == [] and overdue_links(charlie) == []


def test_caseload_and_supervisor_view_show_the_overdue_client(client: Any, alice: Any, sue: Any, c1_link: Any) -> None:
    _sent(c1_link.link, 3)
    client.force_login(alice)
    caseload = client.get(reverse("care:dashboard")).content.decode()
    assert 'id="overdue"' in caseload and "C1-ALPHA" in caseload.split('id="overdue"')[1]
    client.force_login(sue)
    overview = client.get(reverse("clinic:overview")).content.decode()
    assert 'id="overdue"' in overview and "C1-ALPHA" in overview.split('id="overdue"')[1]


def test_resend_by_email_makes_a_new_link_and_sends_it(client: Any, alice: Any, c1_link: Any) -> None:
    _sent(c1_link.link, 3)
    client.force_login(alice)
    answer = client.post(reverse("followup:resend", args=[c1_link.link.pk]), {"channel": "email", "next": "/"})
    assert answer.status_code == 302
    old = Link.objects.get(pk=c1_link.link.pk)
    assert old.revoked_at is not None
    new = Link.objects.get(session=old.session, revoked_at__isnull=True)
    assert new.sent_at is not None and len(mail.outbox) == 1
    assert overdue_links(alice) == []


def test_resend_by_text_queues_a_text_with_the_new_link(
    client: Any, alice: Any, c1: Any, c1_link: Any, django_capture_on_commit_callbacks: Any
) -> None:
    backends.outbox.clear()
    record_text_consent(c1, phone="+447400123456", via="staff")
    _sent(c1_link.link, 3)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("followup:resend", args=[c1_link.link.pk]), {"channel": "text"})
    (text,) = backends.outbox
    new = Link.objects.get(session=c1_link.link.session, revoked_at__isnull=True)
    assert text.to == "+447400123456" and new.pk != c1_link.link.pk


def test_resend_by_text_without_consent_is_refused_and_changes_nothing(client: Any, alice: Any, c1_link: Any) -> None:
    _sent(c1_link.link, 3)
    client.force_login(alice)
    client.post(reverse("followup:resend", args=[c1_link.link.pk]), {"channel": "text"})
    assert Link.objects.get(pk=c1_link.link.pk).revoked_at is None
