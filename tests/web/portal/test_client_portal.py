"""The client's own page: confirm goals, report tasks, send feedback; the therapist sees it all."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from alliance.web.goals.models import Task
from alliance.web.portal.models import Feedback, PortalAccess


def therapist_view(alice, c1) -> str:
    http = HttpClient()
    http.force_login(alice)
    return http.get(reverse("care:client", args=[c1.pk])).content.decode()


def test_the_client_sees_their_goals_and_tasks(
    client: HttpClient, c1_portal_token, c1_goal, c1_task
) -> None:
    page = client.get(reverse("portal:home", args=[c1_portal_token]))
    assert page.status_code == 200
    body = page.content.decode()
    assert c1_goal.text in body
    assert c1_task.text in body


def test_the_client_confirms_a_goal_and_the_therapist_sees_it_agreed(
    client: HttpClient, alice, c1, c1_portal_token, c1_goal
) -> None:
    assert "waiting for the client to confirm" in therapist_view(alice, c1)
    page = client.post(reverse("portal:goal_confirm", args=[c1_portal_token, c1_goal.pk]))
    assert page.status_code == 302
    c1_goal.refresh_from_db()
    assert c1_goal.client_confirmed_at is not None
    assert c1_goal.agreed
    assert "agreed by both" in therapist_view(alice, c1)


def test_the_client_marks_a_task_done_with_a_reflection(
    client: HttpClient, alice, c1, c1_portal_token, c1_task
) -> None:
    client.post(
        reverse("portal:task_done", args=[c1_portal_token, c1_task.pk]),
        {"done": "yes", "reflection": "Easier on the days I walked first."},
    )
    c1_task.refresh_from_db()
    assert (c1_task.done, c1_task.reflection) == (True, "Easier on the days I walked first.")
    body = therapist_view(alice, c1)
    assert '<span class="badge ok">done</span>' in body
    assert "Easier on the days I walked first." in body


def test_a_task_report_needs_a_yes_or_no(client: HttpClient, c1_portal_token, c1_task) -> None:
    page = client.post(
        reverse("portal:task_done", args=[c1_portal_token, c1_task.pk]),
        {"reflection": "hm"},
        follow=True,
    )
    assert "Please choose whether you did it." in page.content.decode()
    c1_task.refresh_from_db()
    assert (c1_task.done, c1_task.reflection) == (None, "")


def test_the_client_adds_a_task_of_their_own(
    client: HttpClient, alice, c1, c1_sessions, c1_portal_token
) -> None:
    client.post(
        reverse("portal:task_new", args=[c1_portal_token]), {"text": "Phone my sister on Sunday"}
    )
    task = Task.objects.get(set_by="client")  # text is encrypted at rest: not searchable in SQL
    assert task.text == "Phone my sister on Sunday"
    assert (task.set_by, task.set_session) == ("client", 4)
    assert "Phone my sister on Sunday" in therapist_view(alice, c1)


def test_the_client_sends_feedback_and_the_therapist_reads_it(
    client: HttpClient, alice, c1, c1_portal_token
) -> None:
    page = client.post(
        reverse("portal:feedback", args=[c1_portal_token]),
        {"text": "I wish we had more time on my mum."},
    )
    assert page.status_code == 302
    assert Feedback.objects.get().text == "I wish we had more time on my mum."
    body = therapist_view(alice, c1)
    assert "I wish we had more time on my mum." in body.split("In the client's own words", 1)[1]


def test_empty_feedback_is_refused(client: HttpClient, c1_portal_token) -> None:
    page = client.post(
        reverse("portal:feedback", args=[c1_portal_token]), {"text": ""}, follow=True
    )
    assert "Please write something first" in page.content.decode()
    assert not Feedback.objects.exists()


def test_an_expired_portal_link_gets_the_not_recognised_page(
    client: HttpClient, c1_portal_token, c1_goal
) -> None:
    PortalAccess.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    page = client.get(reverse("portal:home", args=[c1_portal_token]))
    assert page.status_code == 404
    assert "We could not open your page" in page.content.decode()
    assert (
        client.post(reverse("portal:goal_confirm", args=[c1_portal_token, c1_goal.pk])).status_code
        == 404
    )
    c1_goal.refresh_from_db()
    assert c1_goal.client_confirmed_at is None


def test_a_new_portal_link_replaces_the_old_one(
    client: HttpClient, alice, c1, c1_portal_token
) -> None:
    staff = HttpClient()
    staff.force_login(alice)
    page = staff.post(reverse("care:portal_link", args=[c1.pk]), follow=True)
    body = page.content.decode()
    new_token = staff.session.get(f"portal_token_{c1.pk}")
    assert new_token is None  # shown once, then forgotten
    old = client.get(reverse("portal:home", args=[c1_portal_token]))
    assert old.status_code == 404
    assert "We could not open your page" in old.content.decode()
    url = body.split('<p class="linkbox">', 1)[1].split("</p>", 1)[0]
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == (
        "http",
        "testserver",
    )  # absolute, from the request's host
    assert client.get(parts.path).status_code == 200
    again = staff.get(reverse("care:client", args=[c1.pk])).content.decode()
    assert url not in again
