"""The supervisor's repair rate and the client page's rupture marks read the stored
findings: the same sessions and repair status as the rupture alerts, never a second
detector run with other settings."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from web_factories import add_sessions, episode_of, make_client, response

from alliance.web.accounts.models import Organisation, User
from alliance.web.alerts.models import Alert
from alliance.web.alerts.services import refresh_alerts
from alliance.web.caseload.page import client_page_context


def _sai(level: int) -> dict[str, Any]:
    return {str(n): level for n in range(1, 7)}


def _client_with_sai(clinic: Organisation, therapist: User, code: str, levels: list[int]) -> Any:
    client = make_client(clinic, therapist, code)
    episode = episode_of(client)
    for session, level in zip(add_sessions(episode, len(levels)), levels, strict=True):
        response(session, "sai", _sai(level))
    refresh_alerts(episode, notify=False)
    return client


def test_the_repair_rate_counts_repaired_ruptures_among_those_that_can_be_judged(
    client: Any, clinic_a: Organisation, alice: User, sue: User
) -> None:
    # a drop at session 5 that comes back at 6; one that never comes back; one too recent
    _client_with_sai(clinic_a, alice, "R-REPAIRED", [4, 4, 4, 4, 1, 4, 4, 4])
    _client_with_sai(clinic_a, alice, "R-NOT", [4, 4, 4, 4, 1, 1, 1, 1])
    _client_with_sai(clinic_a, alice, "R-SOON", [4, 4, 4, 4, 1])
    ruptures = Alert.objects.filter(rule="rupture")
    assert ruptures.count() == 3
    client.force_login(sue)
    page = client.get(reverse("clinic:overview"))
    assert page.context["ruptures"] == {"total": 3, "repaired": 1, "judged": 2}
    assert page.context["repair_rate"] == 50.0
    assert "50.0% of the 2 that can be judged were repaired" in page.content.decode()


def test_a_rupture_repaired_later_is_counted_as_repaired_and_keeps_its_status(
    clinic_a: Organisation, alice: User
) -> None:
    client = _client_with_sai(clinic_a, alice, "R-LATER", [4, 4, 4, 4, 1])
    alert = Alert.objects.get(episode__client=client, rule="rupture")
    assert alert.numbers["repair_known"] == 0.0
    Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.ACKNOWLEDGED)
    episode = client.current_episode()
    (later,) = add_sessions(episode, 1)
    response(later, "sai", _sai(4))
    refresh_alerts(episode, notify=False)
    alert.refresh_from_db()
    assert alert.numbers["repaired"] == 1.0 and alert.severity == "info"
    assert alert.status == Alert.Status.ACKNOWLEDGED


def test_the_client_page_marks_exactly_the_stored_ruptures(
    clinic_a: Organisation, alice: User
) -> None:
    client = _client_with_sai(clinic_a, alice, "R-MARKS", [4, 4, 4, 4, 1, 4, 4, 4])
    stored = list(Alert.objects.filter(episode__client=client, rule="rupture"))
    context = client_page_context(client)
    (chart, *_rest) = context["alliance_charts"]
    assert [a.session_number for a in stored] == [5]
    assert "repaired" in str(chart).lower()
    # a rupture the clinic's settings did not flag is not drawn: remove the stored finding
    Alert.objects.filter(episode__client=client, rule="rupture").delete()
    unmarked = client_page_context(client)["alliance_charts"][0]
    assert str(unmarked) != str(chart)


def test_the_overview_states_the_rupture_alerts_false_alarm_rate(client: Any, sue: User) -> None:
    client.force_login(sue)
    body = client.get(reverse("clinic:overview")).content.decode()
    assert "expected false alarms on stable clients: 1.01 per 100 sessions" in body
    assert "documented default until the clinic has its own estimate" in body
