"""Start-up checks for the text-message settings: a bad value stops the app with its name.

Imported by settings.py, so it must not import Django models or anything configured.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured

SHORT_NAMES = {
    "console": "alliance.web.texting.backends.ConsoleBackend",
    "locmem": "alliance.web.texting.backends.LocmemBackend",
    "file": "alliance.web.texting.backends.FileBackend",
    "twilio": "alliance.web.texting.backends.TwilioBackend",
}
DOTTED = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")


def backend_path(value: str) -> str:
    """The backend class's dotted path for a short name or a dotted path."""
    return SHORT_NAMES.get(value, value)


def check_sms_settings(settings: dict[str, Any]) -> None:
    """Raise ImproperlyConfigured for a backend name or a Twilio setting that cannot work."""
    backend = settings["ALLIANCE_SMS_BACKEND"]
    if backend not in SHORT_NAMES and not DOTTED.match(backend):
        raise ImproperlyConfigured(
            f"ALLIANCE_SMS_BACKEND={backend!r}: use one of {sorted(SHORT_NAMES)} "
            "or the dotted path of a backend class"
        )
    region = settings["ALLIANCE_PHONE_REGION"]
    if not re.fullmatch(r"[A-Z]{2}", region):
        raise ImproperlyConfigured(
            f"ALLIANCE_PHONE_REGION={region!r}: expected a two-letter country code such as GB"
        )
    if backend_path(backend) != SHORT_NAMES["twilio"]:
        return
    sid = settings["TWILIO_ACCOUNT_SID"]
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", sid):
        raise ImproperlyConfigured(
            f"TWILIO_ACCOUNT_SID={sid!r}: expected 'AC' followed by 32 hexadecimal characters"
        )
    if not settings["TWILIO_AUTH_TOKEN"]:
        raise ImproperlyConfigured("TWILIO_AUTH_TOKEN (or TWILIO_AUTH_TOKEN_FILE) must be set")
    sender, service = settings["TWILIO_FROM_NUMBER"], settings["TWILIO_MESSAGING_SERVICE_SID"]
    if bool(sender) == bool(service):
        raise ImproperlyConfigured(
            "Set exactly one of TWILIO_FROM_NUMBER (an E.164 number such as +447400123456) "
            "and TWILIO_MESSAGING_SERVICE_SID"
        )
    if sender and not re.fullmatch(r"\+[1-9]\d{6,14}", sender):
        raise ImproperlyConfigured(
            f"TWILIO_FROM_NUMBER={sender!r}: expected an E.164 number such as +447400123456"
        )
    if service and not re.fullmatch(r"MG[0-9a-fA-F]{32}", service):
        raise ImproperlyConfigured(
            f"TWILIO_MESSAGING_SERVICE_SID={service!r}: expected 'MG' and 32 hexadecimal characters"
        )
    base = settings["TWILIO_API_BASE"]
    if not re.match(r"^https?://[^/\s]+", base):
        raise ImproperlyConfigured(f"TWILIO_API_BASE={base!r}: expected an http(s) URL")
