"""The clinic report page: who may open it, whose data it shows, what it costs.

Sue (supervisor) and Ada (admin) see their clinic's report; Alice
(therapist) and Rita (researcher) are refused; nothing of Charlie's clinic
ever appears; the numbers are those of the core report builder on the same
data; the page runs the same number of queries for 3 or 30 clients.
"""

from __future__ import annotations

import re

import pytest
from clinic_data import fill_clinic
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from web_factories import make_user

from alliance.reports import HEADINGS, build_report
from alliance.web.accounts.models import Role
from alliance.web.audit.models import AuditEvent
from alliance.web.reports.clinic import THERAPIST, clinic_data

URL = "reports:clinic_report"


@pytest.fixture
def clinic(clinic_a, alice, bob, charlie):
    """Clinic A with 12 simulated clients of Alice and Bob; clinic B with 6 of Charlie's."""
    fill_clinic(clinic_a, [alice, bob], 12, seed=5, prefix="A")
    fill_clinic(charlie.organisation, [charlie], 6, seed=9, prefix="B")
    return clinic_a


def test_supervisor_sees_every_section_with_charts_and_a_pdf_link(client, clinic, sue):
    client.force_login(sue)
    page = client.get(reverse(URL))
    assert page.status_code == 200
    html = page.content.decode()
    for heading in HEADINGS:
        assert heading in html
    assert html.count("<svg") >= 3  # distribution, by therapist, ruptures by therapist
    assert reverse("reports:clinic_report_pdf") in html
    assert "Download PDF" in html


def test_admin_sees_the_report(client, clinic, ada):
    client.force_login(ada)
    assert client.get(reverse(URL)).status_code == 200


@pytest.mark.parametrize("persona", ["alice", "rita"])
def test_therapists_and_researchers_are_refused(client, clinic, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(URL)).status_code == 403
    assert client.get(reverse("reports:clinic_report_pdf")).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, clinic):
    page = client.get(reverse(URL))
    assert page.status_code == 302
    assert "login" in page["Location"]


def test_another_clinics_data_never_appear(client, clinic, sue, charlie):
    data = clinic_data(sue.organisation_id)
    assert set(data.frame.get_column(THERAPIST).unique()) == {"Alice Tester", "Bob Tester"}
    assert data.clients == 12
    client.force_login(sue)
    html = client.get(reverse(URL)).content.decode()
    assert "Charlie" not in html
    assert "Southbank" not in html


def test_the_page_shows_the_core_builders_numbers_on_the_clinics_data(client, clinic, sue):
    expected = build_report(clinic_data(sue.organisation_id).frame)
    client.force_login(sue)
    html = client.get(reverse(URL)).content.decode()
    overall = expected.ruptures.overall
    assert f"{overall.ruptures:,} rupture" in html
    assert f"{overall.per_100_sessions:.1f} per 100 sessions" in html
    alpha = next(r for r in expected.reliability.rows if r.instrument == "phq9").alpha
    assert alpha is not None
    assert f"{alpha:.3f}" in html
    assert f"{expected.distribution.mean:.2f}" in html


def test_item_answers_and_scores_come_through_for_each_instrument(clinic, sue):
    frame = clinic_data(sue.organisation_id).frame
    for column in ("sai_total", "wai_sr_total", "phq9_total", "gad7_total", "phq9_9", "sai_6"):
        assert column in frame.columns
    assert frame.height == frame.select("id", "session").unique().height
    assert not any(c.startswith("session_feedback") for c in frame.columns)


def test_a_therapist_named_like_markup_stays_text(client, clinic_a, sue):
    odd = make_user("mallory", Role.THERAPIST, clinic_a, first_name="<script>alert(1)</script>")
    fill_clinic(clinic_a, [odd], 4, seed=3, prefix="M")
    client.force_login(sue)
    html = client.get(reverse(URL)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_clinic_without_answers_gets_a_message_not_an_error(client, clinic_a, sue):
    client.force_login(sue)
    page = client.get(reverse(URL))
    assert page.status_code == 200
    assert "No questionnaires have been answered" in page.content.decode()
    assert client.get(reverse("reports:clinic_report_pdf")).status_code == 404


def test_opening_the_report_is_audited(client, clinic, sue):
    client.force_login(sue)
    before = AuditEvent.objects.count()
    client.get(reverse(URL))
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None
    assert (event.action, event.actor, event.detail) == ("view", sue, {"page": "clinic report"})


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse(URL))
    assert page.status_code == 200
    assert re.search(r"<svg", page.content.decode())
    return len(queries)


def test_the_page_runs_the_same_queries_for_3_or_30_clients(client, clinic_a, alice, bob, sue):
    fill_clinic(clinic_a, [alice, bob], 3, seed=1, prefix="S")
    client.force_login(sue)
    _queries(client)  # warm-up: per-process lookups made once, not per request
    small = _queries(client)
    fill_clinic(clinic_a, [alice, bob], 27, seed=2, prefix="L")
    large = _queries(client)
    assert small == large
    assert large <= 12
