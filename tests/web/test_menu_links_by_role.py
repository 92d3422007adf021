"""The menu shows each new page only to the roles that may open it, and every link it shows opens."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

NEW = {
    "Clinic report": "reports:clinic_report",
    "Instruments": "custominstruments:list",
    "Research export": "research:export",
    "API tokens": "api:tokens",
}
SEES = {
    "alice": {"API tokens"},
    "sue": {"Clinic report", "API tokens"},
    "ada": {"Clinic report", "Instruments", "Research export", "API tokens"},
    "rita": {"Research export"},
}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_menu_links_match_what_each_role_may_open(
    request: pytest.FixtureRequest, client, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    client.force_login(user)
    home = "/research/" if persona == "rita" else reverse("care:dashboard")
    page = client.get(home)
    assert page.status_code == 200, page.status_code
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page.content.decode(), re.S)
    assert nav is not None
    shown = {label for label in NEW if f">{label}</a>" in nav.group(1)}
    assert shown == SEES[persona]
    for label, name in NEW.items():
        status = client.get(reverse(name)).status_code
        assert (status == 200) == (label in SEES[persona]), (persona, label, status)


def test_client_page_links_to_the_progress_report(client, alice, c1, c1_sessions) -> None:
    client.force_login(alice)
    body = client.get(reverse("care:client", args=[c1.pk])).content.decode()
    assert reverse("reports:client_report", args=[c1.pk]) in body


def test_overview_links_to_the_clinic_report(client, sue, ada) -> None:
    client.force_login(sue)
    body = client.get(reverse("clinic:overview")).content.decode()
    assert body.count(reverse("reports:clinic_report")) == 2  # menu and button
    assert reverse("custominstruments:list") not in body
    client.force_login(ada)
    body = client.get(reverse("clinic:overview")).content.decode()
    assert body.count(reverse("custominstruments:list")) == 2
