"""Text messages: consent, E.164 numbers, sending through Twilio's API, retries, STOP.

The Twilio backend is tested against a local server (fake_twilio.py) that
answers as the Messages API documents: success, invalid number (21211),
rate limit (429), outage (500), a timeout, and an unsubscribed recipient.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

sys.path.insert(0, str(Path(__file__).parent))
import fake_twilio

from alliance.web.care.models import Client
from alliance.web.measures.models import Link
from alliance.web.measures.services import link_url
from alliance.web.measures.tasks import send_reminders
from alliance.web.texting import backends
from alliance.web.texting.config import check_sms_settings
from alliance.web.texting.models import Status, TextMessage
from alliance.web.texting.services import (
    backoff,
    deliver,
    e164,
    record_text_consent,
    retry_due,
    stop_texts,
    text_link,
)
from alliance.web.texting.signature import twilio_signature

PHONE = "+447400123456"
CLINICAL_WORDS = ("therap", "depress", "anxi", "phq", "gad", "mood", "mental", "alliance", "session", "risk", "harm")


@pytest.fixture(autouse=True)
def _empty_outbox() -> None:
    backends.outbox.clear()


@pytest.fixture
def twilio() -> Iterator[fake_twilio.FakeTwilio]:
    state, server = fake_twilio.start()
    with override_settings(
        ALLIANCE_SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=fake_twilio.SID,
        TWILIO_AUTH_TOKEN=fake_twilio.TOKEN,
        TWILIO_FROM_NUMBER=fake_twilio.SENDER,
        TWILIO_MESSAGING_SERVICE_SID="",
        TWILIO_API_BASE=state.url,
        TWILIO_TIMEOUT_SECONDS=1,
    ):
        yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def texting_client(c1: Client) -> Client:
    record_text_consent(c1, phone=PHONE, via="staff")
    return c1


def _queue(link: Link, token: str, django_capture_on_commit_callbacks: Any, **kw: Any) -> TextMessage:
    with django_capture_on_commit_callbacks(execute=True):
        message = text_link(link, link_url(token), **kw)
    assert message is not None
    message.refresh_from_db()
    return message


# --- numbers and consent ---------------------------------------------------------


def test_numbers_are_stored_in_e164() -> None:
    assert e164("07400 123456", "GB") == PHONE
    assert e164("+44 7400 123456") == PHONE
    assert e164("(202) 555-0143", "US") == "+12025550143"


@pytest.mark.parametrize("raw", ["", "hello", "0770", "+44 1234"])
def test_invalid_numbers_are_refused_with_an_example(raw: str) -> None:
    with pytest.raises(ValidationError, match="for example"):
        e164(raw, "GB")


def test_no_text_without_consent(c1: Client, c1_link: Any) -> None:
    Client.objects.filter(pk=c1.pk).update(phone=PHONE)
    c1_link.link.refresh_from_db()
    assert text_link(c1_link.link, link_url(c1_link.token)) is None
    assert TextMessage.objects.count() == 0


def test_no_text_after_consent_is_withdrawn(texting_client: Client, c1_link: Any) -> None:
    stop_texts(texting_client, via="staff")
    c1_link.link.refresh_from_db()
    assert text_link(c1_link.link, link_url(c1_link.token)) is None


# --- what a text says ------------------------------------------------------------


def test_text_says_clinic_name_short_questionnaire_and_link_and_nothing_clinical(
    texting_client: Client, c1_link: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c1_link.link.refresh_from_db()
    message = _queue(c1_link.link, c1_link.token, django_capture_on_commit_callbacks)
    (sent,) = backends.outbox
    assert message.status == Status.SENT and sent.to == PHONE
    assert texting_client.organisation.name in sent.body
    assert "a short questionnaire" in sent.body
    assert link_url(c1_link.token) in sent.body
    lowered = sent.body.replace(texting_client.organisation.name, "").replace(link_url(c1_link.token), "").lower()
    assert [w for w in CLINICAL_WORDS if w in lowered] == []


def test_text_is_in_the_clients_language(
    texting_client: Client, c1_link: Any, django_capture_on_commit_callbacks: Any
) -> None:
    Client.objects.filter(pk=texting_client.pk).update(language="es")
    link = Link.objects.get(pk=c1_link.link.pk)
    _queue(link, c1_link.token, django_capture_on_commit_callbacks)
    assert "cuestionario breve" in backends.outbox[0].body


def test_sent_text_keeps_no_link_in_the_database(
    texting_client: Client, c1_link: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c1_link.link.refresh_from_db()
    message = _queue(c1_link.link, c1_link.token, django_capture_on_commit_callbacks)
    assert message.body == "" and message.length > 0


# --- Twilio's API, against the local server ---------------------------------------------


def test_twilio_send_posts_the_documented_request(
    twilio: fake_twilio.FakeTwilio, texting_client: Client, c1_link: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c1_link.link.refresh_from_db()
    message = _queue(c1_link.link, c1_link.token, django_capture_on_commit_callbacks)
    (request,) = twilio.received
    assert request["auth_ok"]
    assert request["path"] == f"/2010-04-01/Accounts/{fake_twilio.SID}/Messages.json"
    assert request["form"]["To"] == PHONE and request["form"]["From"] == fake_twilio.SENDER
    assert link_url(c1_link.token) in request["form"]["Body"]
    assert message.status == Status.SENT and message.provider_id.startswith("SM")


def test_invalid_number_fails_at_once_and_is_shown_not_retried(
    twilio: fake_twilio.FakeTwilio, texting_client: Client, c1_link: Any, django_capture_on_commit_callbacks: Any
) -> None:
    twilio.script.append("invalid")
    c1_link.link.refresh_from_db()
    message = _queue(c1_link.link, c1_link.token, django_capture_on_commit_callbacks)
    assert message.status == Status.FAILED and "21211" in message.last_error
    assert message.next_attempt_at is None and message.attempts == 1
    assert retry_due(timezone.now() + dt.timedelta(days=1)) == 0


@pytest.mark.parametrize("trouble", ["rate", "down", "slow"])
def test_rate_limit_outage_or_timeout_is_retried_with_back_off_and_then_sent(
    trouble: str,
    twilio: fake_twilio.FakeTwilio,
    texting_client: Client,
    c1_link: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    twilio.script.append(trouble)
    c1_link.link.refresh_from_db()
    before = timezone.now()
    message = _queue(c1_link.link, c1_link.token, django_capture_on_commit_callbacks)
    assert message.status == Status.RETRYING and message.last_error
    assert message.next_attempt_at is not None
    assert message.next_attempt_at - before >= dt.timedelta(minutes=1)
    assert retry_due(before) == 0  # not before its time
    assert retry_due(message.next_attempt_at) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 2


def test_a_message_that_keeps_failing_is_marked_failed_and_kept(
    twilio: fake_twilio.FakeTwilio, texting_client: Client, c1_link: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.ALLIANCE_SMS_MAX_ATTEMPTS = 3
    twilio.script.extend(["down", "rate", "down", "down"])
    c1_link.link.refresh_from_db()
    message = _queue(c1_link.link, c1_link.token, django_capture_on_commit_callbacks)
    later = timezone.now()
    for _ in range(5):
        later += dt.timedelta(hours=2)
        retry_due(later)
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.attempts == 3
    assert len(twilio.received) == 3
    assert TextMessage.objects.filter(pk=message.pk).exists()


def test_unsubscribed_recipient_stops_texts_to_the_client(
    twilio: fake_twilio.FakeTwilio, texting_client: Client, c1_link: Any, django_capture_on_commit_callbacks: Any
) -> None:
    twilio.script.append("stopped")
    c1_link.link.refresh_from_db()
    message = _queue(c1_link.link, c1_link.token, django_capture_on_commit_callbacks)
    assert message.status == Status.FAILED
    texting_client.refresh_from_db()
    assert texting_client.texts_stopped_at is not None and not texting_client.may_text


def test_back_off_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 10)] == [1, 2, 4, 8, 60]


def test_a_message_is_sent_once_even_if_delivered_twice(
    texting_client: Client, c1_link: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c1_link.link.refresh_from_db()
    message = _queue(c1_link.link, c1_link.token, django_capture_on_commit_callbacks)
    assert deliver(message.pk) == Status.SENT
    assert len(backends.outbox) == 1


# --- the therapist sees what happened ----------------------------------------------


def test_session_page_shows_a_failed_text_to_the_therapist(
    client: Any, alice: Any, twilio: fake_twilio.FakeTwilio, texting_client: Client, c1_link: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    twilio.script.append("invalid")
    c1_link.link.refresh_from_db()
    _queue(c1_link.link, c1_link.token, django_capture_on_commit_callbacks)
    client.force_login(alice)
    session_page = client.get(reverse("care:session", args=[c1_link.link.session_id])).content.decode()
    assert "could not be sent" in session_page and "21211" in session_page
    client_page = client.get(reverse("care:client", args=[texting_client.pk])).content.decode()
    assert "could not be sent" in client_page


def test_therapist_records_consent_and_texts_the_link_from_the_session_page(
    client: Any, alice: Any, c1: Client, c1_sessions: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(alice)
    answer = client.post(reverse("texting:client_texts", args=[c1.pk]), {"phone": "07400 123456", "consent": "on"})
    assert answer.status_code == 302
    c1.refresh_from_db()
    assert c1.phone == PHONE and c1.may_text
    client.post(reverse("care:link_new", args=[c1_sessions[3].pk]))
    link = Link.objects.filter(session=c1_sessions[3], revoked_at__isnull=True).get()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("texting:link_text", args=[link.pk]))
    assert sent.status_code == 302
    (message,) = backends.outbox
    assert message.to == PHONE


def test_consent_form_refuses_a_bad_number(client: Any, alice: Any, c1: Client) -> None:
    client.force_login(alice)
    client.post(reverse("texting:client_texts", args=[c1.pk]), {"phone": "12", "consent": "on"})
    c1.refresh_from_db()
    assert c1.phone == "" and not c1.may_text


# --- reminders follow the clinic's setting -------------------------------------------


@pytest.mark.parametrize(("days_ago", "reminded"), [(3, True), (1, False)])
def test_reminder_by_text_follows_the_clinics_reminder_setting(
    days_ago: int, reminded: bool, texting_client: Client, c1_link: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c1_link.link.refresh_from_db()
    message = _queue(c1_link.link, c1_link.token, django_capture_on_commit_callbacks)
    sent_at = timezone.now() - dt.timedelta(days=days_ago)
    TextMessage.objects.filter(pk=message.pk).update(sent_at=sent_at)
    Link.objects.filter(pk=c1_link.link.pk).update(expires_at=timezone.now() + dt.timedelta(days=3))
    assert texting_client.organisation.reminder_after_days == 2
    with django_capture_on_commit_callbacks(execute=True):
        count = send_reminders.call()
    assert count == (1 if reminded else 0)
    reminders = TextMessage.objects.filter(kind="reminder")
    assert reminders.count() == (1 if reminded else 0)
    if reminded:
        assert "reminder" in backends.outbox[-1].body


# --- STOP replies through the provider's webhook -------------------------------------


def _signed_post(client: Any, params: dict[str, str], settings: Any, token: str = fake_twilio.TOKEN) -> Any:
    path = reverse("texting:inbound")
    signature = twilio_signature(token, f"{settings.SITE_URL}{path}", params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_stop_reply_withdraws_consent_to_texts(client: Any, texting_client: Client, settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = fake_twilio.TOKEN
    answer = _signed_post(client, {"From": PHONE, "To": fake_twilio.SENDER, "Body": " stop ", "MessageSid": "SM1"}, settings)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/xml")
    texting_client.refresh_from_db()
    assert texting_client.texts_stopped_at is not None and not texting_client.may_text


def test_other_replies_change_nothing(client: Any, texting_client: Client, settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = fake_twilio.TOKEN
    _signed_post(client, {"From": PHONE, "Body": "Thanks!", "MessageSid": "SM2"}, settings)
    texting_client.refresh_from_db()
    assert texting_client.may_text


def test_unsigned_or_forged_webhook_is_refused(client: Any, texting_client: Client, settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = fake_twilio.TOKEN
    forged = _signed_post(client, {"From": PHONE, "Body": "STOP"}, settings, token="not-the-token")
    unsigned = client.post(reverse("texting:inbound"), {"From": PHONE, "Body": "STOP"})
    assert forged.status_code == 403 and unsigned.status_code == 403
    texting_client.refresh_from_db()
    assert texting_client.may_text


# --- settings fail loudly ---------------------------------------------------------------


def _settings(**overrides: Any) -> dict[str, Any]:
    base = {
        "ALLIANCE_SMS_BACKEND": "twilio",
        "ALLIANCE_PHONE_REGION": "GB",
        "TWILIO_ACCOUNT_SID": fake_twilio.SID,
        "TWILIO_AUTH_TOKEN": "x",
        "TWILIO_FROM_NUMBER": "+447700900000",
        "TWILIO_MESSAGING_SERVICE_SID": "",
        "TWILIO_API_BASE": "https://api.twilio.com",
    }
    return {**base, **overrides}


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"ALLIANCE_SMS_BACKEND": "pigeon"}, "ALLIANCE_SMS_BACKEND"),
        ({"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_FROM_NUMBER": ""}, "TWILIO_FROM_NUMBER"),
        ({"TWILIO_FROM_NUMBER": "07700900000"}, "TWILIO_FROM_NUMBER"),
        ({"TWILIO_API_BASE": "ftp://x"}, "TWILIO_API_BASE"),
        ({"ALLIANCE_PHONE_REGION": "GBR"}, "ALLIANCE_PHONE_REGION"),
    ],
)
def test_bad_text_settings_stop_start_up_naming_the_setting(overrides: dict[str, Any], named: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=named):
        check_sms_settings(_settings(**overrides))


def test_good_twilio_settings_pass() -> None:
    check_sms_settings(_settings())
    check_sms_settings(_settings(TWILIO_FROM_NUMBER="", TWILIO_MESSAGING_SERVICE_SID="MG" + "ab" * 16))


def test_file_backend_appends_json_lines(tmp_path: Path, settings: Any) -> None:
    settings.ALLIANCE_SMS_BACKEND = "file"
    settings.ALLIANCE_SMS_FILE_PATH = str(tmp_path / "texts.jsonl")
    backends.get_backend().send(PHONE, "one")
    backends.get_backend().send(PHONE, "two")
    lines = (tmp_path / "texts.jsonl").read_text().splitlines()
    assert len(lines) == 2 and '"two"' in lines[1]


def test_client_stops_texts_on_their_own_page(texting_client: Client, c1_portal_token: str) -> None:
    from django.test import Client as HttpClient

    http = HttpClient()
    page = http.get(reverse("portal:home", args=[c1_portal_token])).content.decode()
    assert "Stop text messages" in page
    http.post(reverse("portal:texts_stop", args=[c1_portal_token]))
    texting_client.refresh_from_db()
    assert not texting_client.may_text and texting_client.texts_stopped_via == "client page"
