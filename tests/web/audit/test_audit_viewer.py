"""The audit log viewer: clinic administrators only, their own clinic only, filtered, paginated, itself audited."""

from __future__ import annotations

import datetime as dt

import pytest
from audit_helpers import log_events, tamper
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from alliance.web.audit.chain import append, verify
from alliance.web.audit.log import record
from alliance.web.audit.models import AuditEvent
from alliance.web.clinic.audit_views import PAGE_SIZE

URL = "/audit/"


def test_the_viewer_lives_at_slash_audit() -> None:
    assert reverse("audit:log") == URL


def test_ada_the_clinic_administrator_sees_her_clinics_events(client: HttpClient, ada, c1) -> None:
    record(None, "view", c1, client=c1, actor_label="client portal")
    client.force_login(ada)
    page = client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert "client portal" in body
    assert "C1-ALPHA" in body


@pytest.mark.parametrize("persona", ["sue", "alice", "rita"])
def test_supervisors_therapists_and_researchers_are_refused(
    client: HttpClient, request, persona: str
) -> None:
    client.force_login(request.getfixturevalue(persona))
    before = AuditEvent.objects.count()
    assert client.get(URL).status_code == 403
    assert AuditEvent.objects.count() == before, "a refused request records no view"


def test_anonymous_visitors_are_sent_to_the_login_page(client: HttpClient, db) -> None:
    page = client.get(URL)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))


def test_an_administrator_without_a_clinic_is_refused(client: HttpClient, db) -> None:
    from web_factories import make_user

    loner = make_user("loner", "admin", None)
    client.force_login(loner)
    assert client.get(URL).status_code == 403


def test_another_clinics_events_are_never_shown(
    client: HttpClient, ada, clinic_b, charlie, x1
) -> None:
    record(None, "view", x1, client=x1, actor_label="client portal")
    record(None, "create", charlie, role="therapist")  # no request: no organisation
    client.force_login(ada)
    body = client.get(URL).content.decode()
    assert "X1-BRAVO" not in body
    # Not even when asked for by name.
    body = client.get(URL, {"client": "X1-BRAVO"}).content.decode()
    assert "X1-BRAVO" not in body.split("<tbody>")[1]
    assert "No events match" in body


def test_viewing_the_audit_log_is_itself_recorded_with_its_filters(
    client: HttpClient, ada, clinic_a, c1
) -> None:
    client.force_login(ada)
    client.get(URL, {"client": "C1-ALPHA", "action": "view"})
    event = AuditEvent.objects.filter(actor=ada).latest("seq")
    assert (event.action, event.object_type, event.organisation) == (
        "view",
        "accounts.organisation",
        clinic_a,
    )
    assert event.client == c1
    assert event.detail == {
        "page": "audit log",
        "page_number": "1",
        "filter_client": "C1-ALPHA",
        "filter_action": "view",
    }
    assert verify().ok


def test_the_page_shows_who_what_when_and_from_where(client: HttpClient, ada, c1, alice) -> None:
    client.force_login(alice)
    client.get(reverse("care:client", args=[c1.pk]))
    client.force_login(ada)
    body = client.get(URL, {"actor": f"staff:{alice.pk}"}).content.decode()
    row = body.split("<tbody>")[1]
    assert "alice" in row
    assert "View" in row
    assert f"care.client {c1.pk}" in row
    assert "127.0.0.1" in row
    assert timezone.localtime().strftime("%Y") in row


# --- filters -----------------------------------------------------------------


@pytest.fixture
def mixed_log(ada, alice, sue, c1, clinic_a, c1_goal):
    """Events by alice (c1, a view and an update), sue (c1 view), the client portal, and ada."""
    http = HttpClient()
    http.force_login(alice)
    http.get(reverse("care:client", args=[c1.pk]))
    record(None, "update", c1_goal, client=c1, actor_label="client portal", confirmed=True)
    http.force_login(sue)
    http.get(reverse("care:client", args=[c1.pk]))
    log_events(2, clinic_a)
    return http


def rows(http: HttpClient, **params: str) -> list[AuditEvent]:
    """The events the viewer lists for these filters (read back from the page's context)."""
    page = http.get(URL, params)
    assert page.status_code == 200
    return list(page.context["page"].object_list)


def test_filtering_by_actor_shows_only_that_persons_events(
    client: HttpClient, ada, alice, mixed_log
) -> None:
    client.force_login(ada)
    listed = rows(client, actor=f"staff:{alice.pk}")
    assert listed and {e.actor for e in listed} == {alice}


def test_filtering_by_a_non_staff_actor_shows_the_client_portals_events(
    client: HttpClient, ada, mixed_log
) -> None:
    client.force_login(ada)
    listed = rows(client, actor="label:client portal")
    assert [(e.action, e.object_type) for e in listed] == [("update", "goals.goal")]


def test_filtering_by_client_code_shows_only_that_clients_events(
    client: HttpClient, ada, c1, mixed_log
) -> None:
    client.force_login(ada)
    listed = rows(client, client="C1-ALPHA")
    # alice's view, the portal's update, sue's view, and this look at c1's audit trail.
    assert [e.actor_label for e in listed] == ["ada", "sue", "client portal", "alice"]
    assert {e.client for e in listed} == {c1}


def test_filtering_by_action_and_record_type(client: HttpClient, ada, mixed_log) -> None:
    client.force_login(ada)
    assert {e.action for e in rows(client, action="update")} == {"update"}
    listed = rows(client, object_type="care.client")
    assert len(listed) == 2
    assert {e.object_type for e in listed} == {"care.client"}


def test_filtering_by_a_moved_model_finds_its_events_under_the_old_label_too(
    client: HttpClient, ada, clinic_a
) -> None:
    # Consent records belonged to the rights app: earlier events say "rights.consentrecord".
    for label in ("rights.consentrecord", "consent.consentrecord", "rights.erasure"):
        event = AuditEvent(
            organisation=clinic_a,
            actor_label="system",
            action="create",
            object_type=label,
            object_id="1",
        )
        append(event)
    client.force_login(ada)
    listed = rows(client, object_type="consent.consentrecord")
    labels = sorted(e.object_type for e in listed)
    assert labels == ["consent.consentrecord", "rights.consentrecord"]


def test_filtering_by_date_range_includes_the_end_day(
    client: HttpClient, ada, c1, mixed_log
) -> None:
    client.force_login(ada)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    tamper(
        "UPDATE audit_auditevent SET at = %s WHERE client_id = %s",
        [timezone.now() - dt.timedelta(days=3), c1.pk],
    )
    recent = rows(client, since=yesterday.isoformat(), until=today.isoformat())
    assert recent and all(e.client_id != c1.pk for e in recent)
    old = rows(client, until=(today - dt.timedelta(days=2)).isoformat())
    assert len(old) == 3 and {e.client_id for e in old} == {c1.pk}


def test_an_end_date_before_the_start_date_is_an_error_and_lists_nothing(
    client: HttpClient, ada, mixed_log
) -> None:
    client.force_login(ada)
    page = client.get(URL, {"since": "2026-02-02", "until": "2026-02-01"})
    assert "The end date is before the start date." in page.content.decode()
    assert list(page.context["page"].object_list) == []


def test_filters_combine(client: HttpClient, ada, sue, mixed_log) -> None:
    client.force_login(ada)
    listed = rows(client, actor=f"staff:{sue.pk}", client="C1-ALPHA", action="view")
    assert len(listed) == 1 and listed[0].actor == sue


def test_the_log_is_paginated_newest_first_and_pages_keep_the_filters(
    client: HttpClient, ada, clinic_a
) -> None:
    log_events(PAGE_SIZE + 5, clinic_a)
    client.force_login(ada)
    first = client.get(URL, {"action": "view"})
    listed = list(first.context["page"].object_list)
    assert len(listed) == PAGE_SIZE
    seqs = [e.seq for e in listed]
    assert seqs == sorted(seqs, reverse=True)
    assert "?action=view&amp;page=2" in first.content.decode()
    second = client.get(URL, {"action": "view", "page": "2"})
    assert second.context["page"].number == 2
    # The first request's own view event shifts everything by one.
    assert len(second.context["page"].object_list) == 7


def test_the_viewer_only_answers_get(client: HttpClient, ada) -> None:
    client.force_login(ada)
    assert client.post(URL).status_code == 405


@pytest.mark.parametrize(
    ("field", "day"),
    [
        ("until", "9999-12-31"),
        ("since", "0001-01-01"),
        ("since", "9999-12-31"),
        ("until", "0001-01-01"),
    ],
)
def test_a_date_at_the_edge_of_the_calendar_is_a_form_error_not_a_server_error(
    client: HttpClient, ada, mixed_log, field: str, day: str
) -> None:
    client.force_login(ada)
    page = client.get(URL, {field: day})
    assert page.status_code == 200
    assert "Give a date between the years" in page.content.decode()
    assert list(page.context["page"].object_list) == []
