"""Text a client their questionnaire link: consent, E.164 numbers, send, retry, STOP.

Every text is a ``TextMessage`` row first (in the caller's transaction) and is
sent by background work after commit, so a crash, a provider outage or a rate
limit never loses it: a failed send is retried with back-off (1, 2, 4, ...
minutes, at most ``ALLIANCE_SMS_MAX_ATTEMPTS`` attempts) and what still fails
is shown to the therapist on the client and session pages. Texts carry only the
clinic's name, "a short questionnaire" and the link (measures/invitations.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from alliance.web.audit.log import record
from alliance.web.care.models import Client
from alliance.web.measures.invitations import invitation_text
from alliance.web.texting.backends import STOPPED_CODE, SendError, get_backend
from alliance.web.texting.models import Kind, Status, TextMessage

BACKOFF_CAP_MINUTES = 60


def e164(raw: str, region: str | None = None) -> str:
    """A phone number as typed -> E.164 ('07400 123456' in GB -> '+447400123456').

    Raises ValidationError for anything that is not a valid number; a number
    typed without a country code is read in ``region`` (ALLIANCE_PHONE_REGION).
    """
    region = region or settings.ALLIANCE_PHONE_REGION
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            gettext_lazy("Enter a phone number, for example %(example)s.")
            % {"example": _example(region)}
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            gettext_lazy("That is not a valid phone number (for example %(example)s).")
            % {"example": _example(region)}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _example(region: str) -> str:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return "+447400123456"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def record_text_consent(
    client: Client, *, phone: str, via: str, request: HttpRequest | None = None
) -> None:
    """The client agreed to texts at ``phone`` (already E.164); audited."""
    now = timezone.now()
    Client.objects.filter(pk=client.pk).update(
        phone=phone, texts_consent_at=now, texts_consent_via=via
    )
    client.phone, client.texts_consent_at, client.texts_consent_via = phone, now, via
    record(request, "update", client, client=client, texts="consent given", via=via)


def stop_texts(client: Client, *, via: str, request: HttpRequest | None = None) -> None:
    """No more texts to this client (withdrawn by staff, or a STOP reply); audited."""
    now = timezone.now()
    Client.objects.filter(pk=client.pk).update(texts_stopped_at=now, texts_stopped_via=via)
    client.texts_stopped_at, client.texts_stopped_via = now, via
    TextMessage.objects.filter(
        client=client, status__in=[Status.QUEUED, Status.RETRYING]
    ).update(status=Status.FAILED, last_error="texts stopped before this was sent", body="")
    record(
        request,
        "update",
        client,
        client=client,
        actor_label="" if request is not None else via,
        texts="stopped",
        via=via,
    )


def stop_texts_to_number(phone: str, *, via: str) -> int:
    """A STOP from ``phone``: stop texts to every client with that number. Returns how many."""
    clients = list(Client.objects.filter(phone=phone, texts_stopped_at__isnull=True))
    for client in clients:
        stop_texts(client, via=via)
    return len(clients)


def text_link(
    link: Any,
    url: str,
    *,
    reminder: bool = False,
    by: Any = None,
    request: HttpRequest | None = None,
) -> TextMessage | None:
    """Queue the link as a text; None when the client has no number or no consent to texts.

    The row is written now and sent after the surrounding transaction commits.
    """
    client = link.client
    if not client.may_text:
        return None
    body = invitation_text(link, url, reminder=reminder)
    message = TextMessage.objects.create(
        client=client,
        link=link,
        kind=Kind.REMINDER if reminder else Kind.INVITATION,
        to=client.phone,
        body=body,
        length=len(body),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    record(request, "send", link, client=client, channel="text", reminder=reminder)
    from alliance.web.texting.tasks import deliver_text

    transaction.on_commit(lambda: deliver_text.enqueue(message.pk))
    return message


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after ``attempts`` failed ones: 1, 2, 4, ... minutes, capped."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), BACKOFF_CAP_MINUTES))


def deliver(message_id: int) -> str:
    """Try to send one queued or retrying message now; returns its status afterwards.

    Claims the row first (status and attempt count in one update), so two
    workers never send the same message twice.
    """
    message = TextMessage.objects.select_related("client").filter(pk=message_id).first()
    if message is None or message.status not in (Status.QUEUED, Status.RETRYING):
        return "" if message is None else message.status
    claimed = TextMessage.objects.filter(
        pk=message.pk, status=message.status, attempts=message.attempts
    ).update(attempts=message.attempts + 1, next_attempt_at=None)
    if not claimed:
        return TextMessage.objects.get(pk=message.pk).status
    attempts = message.attempts + 1
    now = timezone.now()
    if not message.client.may_text:
        TextMessage.objects.filter(pk=message.pk).update(
            status=Status.FAILED, last_error="the client no longer agrees to texts", body=""
        )
        return Status.FAILED
    try:
        provider_id = get_backend().send(message.to, message.body)
    except SendError as exc:
        if exc.code == STOPPED_CODE:
            stop_texts(message.client, via="provider STOP")
        final = not exc.retry or attempts >= settings.ALLIANCE_SMS_MAX_ATTEMPTS
        TextMessage.objects.filter(pk=message.pk).update(
            status=Status.FAILED if final else Status.RETRYING,
            last_error=exc.detail[:500],
            next_attempt_at=None if final else now + backoff(attempts),
        )
        return Status.FAILED if final else Status.RETRYING
    TextMessage.objects.filter(pk=message.pk).update(
        status=Status.SENT, provider_id=provider_id[:64], sent_at=now, body="", last_error=""
    )
    return Status.SENT


def retry_due(now: dt.datetime | None = None) -> int:
    """Send every message whose retry time has come (and any left queued); returns how many tried."""
    now = now or timezone.now()
    due = list(
        TextMessage.objects.filter(status=Status.RETRYING, next_attempt_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    stale = now - dt.timedelta(minutes=5)
    due += list(
        TextMessage.objects.filter(status=Status.QUEUED, created__lte=stale).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        deliver(pk)
    return len(due)


__all__ = [
    "backoff",
    "deliver",
    "e164",
    "record_text_consent",
    "retry_due",
    "stop_texts",
    "stop_texts_to_number",
    "text_link",
]
