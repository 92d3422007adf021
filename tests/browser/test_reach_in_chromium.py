"""Reach every client, in Chromium: a Spanish-speaking client on a phone, in-room mode, axe-core.

- A Spanish-speaking client completes their questionnaire at 375 px, in Spanish.
- In-room mode: the handed-over device reaches no staff page until the password
  (or PIN) is given.
- axe-core finds no serious or critical WCAG 2.1 AA violation on each page type,
  in English and in Spanish.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.care.models import Client, Episode, Session
from alliance.web.measures.models import Link, Response
from alliance.web.measures.plans import create_default_plan
from alliance.web.measures.services import create_link
from alliance.web.portal.services import create_portal_link

from .accessibility import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-test-password-1"
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


def _clinic(language: str = "en-gb") -> tuple[User, Client, Session]:
    org = Organisation.objects.create(name="Browser Clinic", slug="browser")
    alice = User.objects.create_user(
        username="alice", password=PASSWORD, first_name="Alice", role=Role.THERAPIST, organisation=org
    )
    client = Client.objects.create(organisation=org, code="B-001", therapist=alice, language=language)
    episode = Episode.objects.create(client=client, started=dt.date.today() - dt.timedelta(days=7))
    create_default_plan(episode)
    session = Session.objects.create(episode=episode, number=1, date=dt.date.today())
    return alice, client, session


def _answer_all(page: Any, value: str) -> None:
    names = page.eval_on_selector_all("input[type=radio]", "els => [...new Set(els.map(e => e.name))]")
    for name in names:
        page.check(f"input[name='{name}'][value='{value}']")


def _click(page: Any, text: str) -> None:
    with page.expect_navigation():
        page.locator(f"button:text-is('{text}'), a:text-is('{text}')").first.click()


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_spanish_speaking_client_completes_the_questionnaire_on_a_phone_in_spanish(
    live_server: Any, browser: Any, artifacts: Any
) -> None:
    alice, _client, session = _clinic(language="es")
    link, token = create_link(session, alice)
    phone = browser.new_context(**PHONE, bypass_csp=True).new_page()
    phone.goto(f"{live_server.url}/q/{token}/")
    assert phone.get_attribute("html", "lang") == "es"
    assert "Antes de empezar" in phone.inner_text("main")
    _fits(phone)
    assert serious_violations(phone) == []
    phone.check("input[name=consent]")
    _click(phone, "Seguir")
    for step, _instrument in enumerate(link.instruments, start=1):
        assert phone.get_attribute("html", "lang") == "es"
        assert "solo está disponible en inglés" in phone.inner_text("main")
        _fits(phone)
        if step == 1:
            assert serious_violations(phone) == []
            phone.screenshot(path=str(artifacts / "reach-1-spanish-step-375.png"), full_page=True)
        _answer_all(phone, "1")
        last = step == len(link.instruments)
        _click(phone, "Enviar mis respuestas" if last else "Guardar y seguir")
        if "Si ahora mismo no está a salvo" in phone.inner_text("main") and not last:
            # PHQ-9 item 9 answered above 0: the crisis page, in Spanish, then on.
            assert "llame al 999" in phone.inner_text("main")
            assert serious_violations(phone) == []
            _click(phone, "Seguir con las preguntas")
    assert "Gracias" in phone.inner_text("main")
    _fits(phone)
    assert serious_violations(phone) == []
    assert Response.objects.filter(session=session, respondent="client").count() == len(link.instruments)


def test_in_room_device_reaches_no_staff_page_until_the_password_is_given(
    live_server: Any, browser: Any, artifacts: Any
) -> None:
    _alice, client, _session = _clinic()
    tablet = browser.new_context(viewport={"width": 820, "height": 1180}, bypass_csp=True).new_page()
    _sign_in(tablet, live_server.url)
    tablet.goto(f"{live_server.url}/clients/{client.pk}/sessions/new/")
    tablet.uncheck("#id_send_email")
    _click(tablet, "Create session and link")
    _click(tablet, "Answer now, in the room")
    questionnaire = tablet.url
    assert "/q/" in questionnaire
    for path in ("/", f"/clients/{client.pk}/", "/account/preferences/", "/audit/"):
        tablet.goto(f"{live_server.url}{path}")
        assert tablet.url.endswith("/in-room/locked/"), path
        assert "B-001" not in tablet.content()
    assert serious_violations(tablet) == []
    # The client answers on the tablet and is asked to hand it back.
    tablet.goto(questionnaire)
    tablet.check("input[name=consent]")
    _click(tablet, "Go on")
    link = Link.objects.filter(session__episode__client=client, revoked_at__isnull=True).latest("pk")
    for step in range(1, len(link.instruments) + 1):
        _answer_all(tablet, "1")
        _click(tablet, "Send my answers" if step == len(link.instruments) else "Save and continue")
        if "Continue with the questions" in tablet.inner_text("main"):
            _click(tablet, "Continue with the questions")
    assert "Please hand the device back" in tablet.inner_text("main")
    _click(tablet, "Done")
    assert tablet.url.endswith("/in-room/locked/")
    artifacts.mkdir(parents=True, exist_ok=True)
    tablet.screenshot(path=str(artifacts / "reach-2-in-room-locked.png"), full_page=True)
    tablet.fill("#id_secret", "not-the-password")
    with tablet.expect_navigation():
        tablet.click("button[type=submit]")
    assert tablet.url.endswith("/in-room/locked/")
    tablet.goto(f"{live_server.url}/")
    assert tablet.url.endswith("/in-room/locked/")
    tablet.fill("#id_secret", PASSWORD)
    with tablet.expect_navigation():
        tablet.click("button[type=submit]")
    assert f"/sessions/{link.session_id}/" in tablet.url
    tablet.goto(f"{live_server.url}/clients/{client.pk}/")
    assert "B-001" in tablet.inner_text("main")


def _pages(base: str, client: Client, session: Session, token: str, portal: str) -> dict[str, str]:
    return {
        "caseload": f"{base}/",
        "client": f"{base}/clients/{client.pk}/",
        "session": f"{base}/sessions/{session.pk}/",
        "plan": f"{base}/episodes/{client.current_episode().pk}/plan/",
        "settings": f"{base}/account/preferences/",
        "paper entry": f"{base}/sessions/{session.pk}/paper/phq9/",
        "questionnaire": f"{base}/q/{token}/1/",
        "personal page": f"{base}/p/{portal}/",
    }


@pytest.mark.parametrize("language", ["en-gb", "es"])
def test_no_serious_accessibility_violation_on_any_page_type(
    live_server: Any, browser: Any, language: str
) -> None:
    alice, client, session = _clinic(language=language)
    User.objects.filter(pk=alice.pk).update(language=language)
    Episode.objects.filter(client=client).update(consent_at=dt.datetime.now(dt.UTC), consent_version="2026-11-v1")
    _link, token = create_link(session, alice)
    portal = create_portal_link(client)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True, locale="es-ES" if language == "es" else "en-GB"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    assert page.get_attribute("html", "lang") == language
    found = {"login": serious_violations(page)}
    _sign_in(page, live_server.url)
    for name, url in _pages(live_server.url, client, session, token, portal).items():
        page.goto(url)
        assert page.get_attribute("html", "lang") == language, name
        found[name] = serious_violations(page)
    phone = browser.new_context(**PHONE, bypass_csp=True).new_page()
    phone.goto(f"{live_server.url}/q/{token}/1/")
    found["questionnaire at 375 px"] = serious_violations(phone)
    assert {k: v for k, v in found.items() if v} == {}
