"""Text-message backends, chosen by ALLIANCE_SMS_BACKEND like Django's EMAIL_BACKEND.

A backend has one method, ``send(to, body) -> provider message id``. It
raises :class:`SendError` when the message did not go: ``retry=True`` for
what may work later (rate limit, provider outage, timeout, bad credentials
being fixed), ``retry=False`` for what never will (an invalid number, a
recipient who replied STOP). The caller (texting.services) keeps every
message as a row with its status, so a failed send is retried or shown,
never lost.

The Twilio backend uses the standard library's HTTP client rather than the
twilio package: one documented POST is all it needs, and the API base URL is
a setting so the tests run it against a local server that answers as the
provider does.
"""

from __future__ import annotations

import base64
import json
import secrets
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from alliance.web.texting.config import backend_path

# Twilio error codes that no retry can fix (https://www.twilio.com/docs/api/errors).
PERMANENT_CODES = {
    21211: "invalid 'To' number",
    21214: "'To' number cannot be reached",
    21408: "sending to this region is not enabled",
    21610: "the recipient replied STOP",
    21612: "the 'To' number cannot receive this message",
    21614: "'To' number is not a mobile number",
}
STOPPED_CODE = 21610


class SendError(Exception):
    """A message did not go. ``retry``: whether trying again later may work."""

    def __init__(self, detail: str, *, retry: bool, code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry = retry
        self.code = code


class BaseBackend:
    def send(self, to: str, body: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Prints each message (the demo, development)."""

    def send(self, to: str, body: str) -> str:
        sys.stdout.write(f"--- text message to {to} ---\n{body}\n")
        sys.stdout.flush()
        return f"console-{secrets.token_hex(6)}"


@dataclass(frozen=True)
class SentText:
    to: str
    body: str
    provider_id: str


# Messages the locmem backend "sent", like django.core.mail.outbox (the tests clear it).
outbox: list[SentText] = []


class LocmemBackend(BaseBackend):
    """Keeps messages in ``outbox`` (the tests)."""

    def send(self, to: str, body: str) -> str:
        provider_id = f"locmem-{len(outbox) + 1}"
        outbox.append(SentText(to, body, provider_id))
        return provider_id


class FileBackend(BaseBackend):
    """Appends one JSON line per message to ALLIANCE_SMS_FILE_PATH."""

    def send(self, to: str, body: str) -> str:
        path = Path(str(settings.ALLIANCE_SMS_FILE_PATH))
        path.parent.mkdir(parents=True, exist_ok=True)
        provider_id = f"file-{secrets.token_hex(6)}"
        line = {"id": provider_id, "to": to, "body": body, "at": timezone.now().isoformat()}
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return provider_id


class TwilioBackend(BaseBackend):
    """Twilio's Messages API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json.

    Form fields To, From (or MessagingServiceSid) and Body, HTTP basic auth with
    the account SID and auth token; 201 with the message's ``sid`` on success,
    a JSON error with ``code`` and ``message`` otherwise.
    """

    def __init__(self) -> None:
        self.sid = settings.TWILIO_ACCOUNT_SID
        self.token = settings.TWILIO_AUTH_TOKEN
        self.sender = settings.TWILIO_FROM_NUMBER
        self.service = settings.TWILIO_MESSAGING_SERVICE_SID
        self.base = settings.TWILIO_API_BASE
        self.timeout = settings.TWILIO_TIMEOUT_SECONDS

    def _request(self, to: str, body: str) -> urllib.request.Request:
        fields = {"To": to, "Body": body}
        if self.service:
            fields["MessagingServiceSid"] = self.service
        else:
            fields["From"] = self.sender
        credentials = base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        return urllib.request.Request(  # noqa: S310 - the URL's scheme is checked at start-up
            f"{self.base}/2010-04-01/Accounts/{self.sid}/Messages.json",
            data=urllib.parse.urlencode(fields).encode(),
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )

    def send(self, to: str, body: str) -> str:
        try:
            with urllib.request.urlopen(  # noqa: S310 - see _request
                self._request(to, body), timeout=self.timeout
            ) as answer:
                payload = _json(answer.read())
        except urllib.error.HTTPError as exc:
            raise _error(exc.code, _json(exc.read())) from None
        except TimeoutError as exc:
            raise SendError(f"no answer from the provider within {self.timeout} s", retry=True) from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                raise SendError(
                    f"no answer from the provider within {self.timeout} s", retry=True
                ) from exc
            raise SendError(f"cannot reach the provider: {reason}", retry=True) from exc
        provider_id = str(payload.get("sid") or "")
        if not provider_id:
            raise SendError("the provider accepted the request but returned no message id", retry=False)
        return provider_id


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _error(status: int, payload: dict[str, Any]) -> SendError:
    code = payload.get("code")
    code = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
    message = str(payload.get("message") or f"HTTP {status}")
    if code in PERMANENT_CODES:
        return SendError(f"{PERMANENT_CODES[code]} ({code}): {message}", retry=False, code=code)
    if status == 429 or status >= 500:
        return SendError(f"provider busy or down (HTTP {status}): {message}", retry=True, code=code)
    if status in (401, 403):
        # The clinic's credentials are wrong; once fixed, the waiting messages go.
        return SendError(f"provider refused the credentials (HTTP {status}): {message}", retry=True, code=code)
    return SendError(f"provider refused the message (HTTP {status}): {message}", retry=False, code=code)


def get_backend() -> BaseBackend:
    """The configured backend (a new instance, so settings overridden in tests apply)."""
    cls = import_string(backend_path(settings.ALLIANCE_SMS_BACKEND))
    backend: BaseBackend = cls()
    return backend


__all__ = [
    "BaseBackend",
    "ConsoleBackend",
    "FileBackend",
    "LocmemBackend",
    "SendError",
    "SentText",
    "TwilioBackend",
    "get_backend",
    "outbox",
]
