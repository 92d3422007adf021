"""Twilio's request signature (X-Twilio-Signature), checked on the inbound webhook.

HMAC-SHA1, keyed with the account's auth token, of the full URL Twilio called
followed by every POST parameter's name and value sorted by name; base64.
(https://www.twilio.com/docs/usage/webhooks/webhooks-security). Written here
rather than taken from the twilio package: it is these few lines.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def valid_signature(auth_token: str, url: str, params: Mapping[str, str], given: str) -> bool:
    if not auth_token or not given:
        return False
    return hmac.compare_digest(twilio_signature(auth_token, url, params), given)
