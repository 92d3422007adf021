"""The whole loop in a real browser: link -> phone-sized questionnaire -> scores -> alert -> resolved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.alerts.models import Alert
from alliance.web.care.models import Client, Episode
from alliance.web.measures.models import Response
from alliance.web.measures.plans import create_default_plan

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-test-password-1"


def _clinic() -> tuple[User, Client]:
    org = Organisation.objects.create(name="Browser Clinic", slug="browser")
    alice = User.objects.create_user(
        username="alice",
        password=PASSWORD,
        first_name="Alice",
        role=Role.THERAPIST,
        organisation=org,
    )
    client = Client.objects.create(organisation=org, code="B-001", therapist=alice)
    episode = Episode.objects.create(client=client, started=dt.date.today() - dt.timedelta(days=7))
    create_default_plan(episode)
    return alice, client


def _answer_all(page: Any, value: str) -> None:
    """Pick the option with this value in every radio group on the page."""
    names = page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    for name in names:
        page.check(f"input[name='{name}'][value='{value}']")


def _submit(page: Any, text: str) -> None:
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(f"button:text-is('{text}'), a:text-is('{text}')").first.click()


def test_therapist_creates_link_client_answers_on_a_phone_and_therapist_resolves_the_alert(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    alice, client = _clinic()
    therapist = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    therapist.goto(f"{live_server.url}/login/")
    therapist.fill("#id_username", "alice")
    therapist.fill("#id_password", PASSWORD)
    with therapist.expect_navigation():
        therapist.click("button[type=submit]")
    therapist.goto(f"{live_server.url}/clients/{client.pk}/")
    _submit(therapist, "Record session 1")
    therapist.uncheck("#id_send_email")
    _submit(therapist, "Create session and link")
    link = therapist.inner_text(".linkbox").strip()
    assert "/q/" in link
    therapist.screenshot(path=str(artifacts / "1-therapist-session-link.png"), full_page=True)

    phone = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(link)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(artifacts / "2-client-consent-375.png"), full_page=True)
    phone.check("input[name=consent]")
    _submit(phone, "Go on")
    # Session alliance: "A little" everywhere -> SAI mean 1.0, a low alliance.
    assert "last session" in phone.inner_text("main").lower()
    _answer_all(phone, "1")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(artifacts / "3-client-sai-375.png"), full_page=True)
    _submit(phone, "Save and continue")
    phone.fill("textarea[name=item_2]", "Slow down a bit, please.")
    phone.check("input[name=item_3][value='3']")
    _submit(phone, "Save and continue")
    _answer_all(phone, "0")  # PHQ-9
    _submit(phone, "Save and continue")
    _answer_all(phone, "0")  # GAD-7
    _submit(phone, "Save and continue")
    # Preferences (C-NIP), asked once with the first questionnaire.
    assert "I would like the therapist to" in phone.inner_text("main")
    _answer_all(phone, "0")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(artifacts / "3b-client-preferences-375.png"), full_page=True)
    _submit(phone, "Send my answers")
    assert "Thank you" in phone.inner_text("h1")
    phone.screenshot(path=str(artifacts / "4-client-thanks-375.png"), full_page=True)

    stored = {r.instrument: r for r in Response.objects.filter(session__episode__client=client)}
    assert set(stored) == {"sai", "session_feedback", "phq9", "gad7", "cnip"}
    assert stored["sai"].scores["sai_total"] == 1.0

    therapist.goto(f"{live_server.url}/")
    row = therapist.inner_text(f"tr:has(a:text('{client.code}'))")
    assert "1.0" in row  # the new session alliance score on the caseload
    therapist.goto(f"{live_server.url}/clients/{client.pk}/")
    alert = Alert.objects.get(episode__client=client, rule="low_alliance")
    card = therapist.locator(f"#alert-{alert.pk}")
    assert "Next steps" in card.inner_text()
    assert "Slow down a bit, please." in therapist.inner_text("main")
    therapist.screenshot(path=str(artifacts / "5-therapist-sees-alert.png"), full_page=True)
    card.locator("input[name=note]").fill(
        "Asked for feedback at the start of the session; agreed a slower pace."
    )
    with therapist.expect_navigation():
        card.locator("text=Resolve").click()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert alert.resolved_by == alice
    assert "Resolved (1)" in therapist.inner_text("main")
    therapist.screenshot(path=str(artifacts / "6-therapist-resolved.png"), full_page=True)
