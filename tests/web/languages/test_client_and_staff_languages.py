"""Clients see their own language; staff see theirs; the login page follows the browser.

c1 is alice's client; the tests switch c1 to Spanish ("es"). No validated
Spanish translation of any questionnaire ships, so each questionnaire page
says plainly that it is only available in English and marks its text lang="en".
"""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import ANSWERS, step_data, step_url

from alliance.web.care.models import Client, Episode
from alliance.web.measures.services import email_link


def _spanish(client: Client) -> Client:
    Client.objects.filter(pk=client.pk).update(language="es")
    client.refresh_from_db()
    return client


def test_spanish_client_gets_the_consent_page_in_spanish_with_lang_es(c1, c1_link) -> None:
    _spanish(c1)
    Episode.objects.filter(client=c1).update(consent_at=None)
    type(c1_link.link).objects.filter(pk=c1_link.link.pk).update(ask_consent=True)
    page = HttpClient().get(reverse("measures:start", args=[c1_link.token]))
    html = page.content.decode()
    assert '<html lang="es"' in html
    assert "Antes de empezar" in html
    assert "La confidencialidad tiene un límite" in html
    assert "Before you start" not in html
    HttpClient().post(reverse("measures:start", args=[c1_link.token]), {"consent": "yes"})
    from alliance.web.audit.models import AuditEvent

    assert AuditEvent.objects.filter(detail__consent__isnull=False, detail__language="es").exists()


def test_spanish_client_is_told_plainly_the_questionnaire_is_only_in_english(c1, c1_link) -> None:
    _spanish(c1)
    html = HttpClient().get(step_url(c1_link.token, 1)).content.decode()
    assert '<html lang="es"' in html
    assert "Este cuestionario solo está disponible en inglés" in html
    assert "Guardar y seguir" in html
    # The English questionnaire text is marked as English for screen readers.
    assert re.search(r'<h1 lang="en">', html)


def test_english_client_sees_no_language_note(c1_link) -> None:
    html = HttpClient().get(step_url(c1_link.token, 1)).content.decode()
    assert '<html lang="en-gb"' in html
    assert "only available in English" not in html


def test_spanish_client_completes_the_questionnaire_and_thanks_is_spanish(c1, c1_link) -> None:
    _spanish(c1)
    http = HttpClient()
    page = None
    for step, instrument in enumerate(c1_link.link.instruments, start=1):
        page = http.post(step_url(c1_link.token, step), step_data(instrument, ANSWERS[instrument]))
    assert page is not None and page.status_code == 200
    assert "Gracias" in page.content.decode()
    c1_link.link.refresh_from_db()
    assert c1_link.link.submitted_at is not None


def test_missing_answer_error_is_in_the_clients_language(c1, c1_link) -> None:
    _spanish(c1)
    page = HttpClient().post(step_url(c1_link.token, 1), {})
    assert page.status_code == 400
    assert "Por favor, elija una respuesta." in page.content.decode()


def test_link_email_is_written_in_the_clients_language(c1, c1_link) -> None:
    _spanish(c1)
    c1_link.link.refresh_from_db()
    assert email_link(c1_link.link, c1_link.token)
    (message,) = mail.outbox
    assert message.subject == "Unas preguntas después de su sesión"
    assert "A su terapeuta le gustaría saber" in message.body
    assert c1_link.token in message.body


def test_client_changes_their_language_on_their_page(c1, c1_portal_token) -> None:
    http = HttpClient()
    answer = http.post(reverse("portal:language", args=[c1_portal_token]), {"language": "es"})
    assert answer.status_code == 302
    c1.refresh_from_db()
    assert c1.language == "es"
    html = http.get(reverse("portal:home", args=[c1_portal_token])).content.decode()
    assert '<html lang="es"' in html and "Su página" in html


def test_client_cannot_choose_a_language_that_does_not_ship(c1, c1_portal_token) -> None:
    HttpClient().post(reverse("portal:language", args=[c1_portal_token]), {"language": "xx"})
    c1.refresh_from_db()
    assert c1.language == "en-gb"


def test_login_page_follows_the_browser_language(db) -> None:
    spanish = HttpClient().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    assert '<html lang="es"' in spanish.content.decode()
    assert "Iniciar sesión" in spanish.content.decode()
    english = HttpClient().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert '<html lang="en-gb"' in english.content.decode()


def test_staff_choose_their_interface_language(client, alice) -> None:
    client.force_login(alice)
    saved = client.post(reverse("accounts:preferences"), {"form": "language", "language": "es"})
    assert saved.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "es"
    page = client.get(reverse("care:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="es"' in page.content.decode() and "Casos" in page.content.decode()


def test_staff_language_does_not_change_the_clients_pages(client, alice, c1_link) -> None:
    """A therapist's Spanish interface does not turn an English client's tablet page Spanish."""
    alice.language = "es"
    alice.save()
    client.force_login(alice)
    html = client.get(step_url(c1_link.token, 1)).content.decode()
    assert '<html lang="en-gb"' in html and "Save and continue" in html


def test_intake_sets_the_clients_preferred_language(client, alice) -> None:
    client.force_login(alice)
    client.post(
        reverse("care:client_new"),
        {"code": "ES-1", "email": "", "language": "es", "started": "2026-11-02"},
    )
    assert Client.objects.get(code="ES-1").language == "es"


def test_plan_page_tells_the_therapist_which_questionnaires_have_no_translation(
    client, alice, c1, c1_episode
) -> None:
    _spanish(c1)
    client.force_login(alice)
    html = client.get(reverse("care:plan", args=[c1_episode.pk])).content.decode()
    assert 'id="untranslated"' in html
    assert "PHQ-9" in html.split('id="untranslated"')[1].split("</p>")[0]


def test_default_crisis_text_is_in_the_clients_language_and_a_clinics_own_text_as_written(c1) -> None:
    from django.utils import translation

    organisation = c1.organisation
    with translation.override("es"):
        assert "llame al 999" in organisation.crisis_message()
    organisation.crisis_text = "Call our duty line on 0100 000 000."
    with translation.override("es"):
        assert organisation.crisis_message() == "Call our duty line on 0100 000 000."


def test_alert_email_is_in_the_therapists_language(alice, c1_alert) -> None:
    from alliance.web.alerts.mail import email_alert

    type(alice).objects.filter(pk=alice.pk).update(language="es", email="alice@clinic.example")
    assert email_alert.call(c1_alert.pk)
    (message,) = mail.outbox
    assert message.subject == "Urgente: alerta del cliente C1-ALPHA"


def test_staff_change_the_clients_language_on_the_client_page(client, alice, c1) -> None:
    client.force_login(alice)
    page = client.get(reverse("care:client", args=[c1.pk])).content.decode()
    assert reverse("texting:client_language", args=[c1.pk]) in page
    client.post(reverse("texting:client_language", args=[c1.pk]), {"language": "es"})
    c1.refresh_from_db()
    assert c1.language == "es"
    client.post(reverse("texting:client_language", args=[c1.pk]), {"language": "fr"})
    c1.refresh_from_db()
    assert c1.language == "es"
