"""Keep a just-created link token in the staff member's session without storing it raw.

Only a hash of each link token is stored with the link. So that the
therapist can show the link (QR code, copy, e-mail) for the rest of their
login, the token also sits in their session, encrypted (Fernet, AES-128-CBC
with HMAC) under a key derived from SECRET_KEY: a copy of the database alone
does not reveal live client links.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.http import HttpRequest

_PURPOSE = b"alliance.session-token.v1"


def _box() -> Fernet:
    digest = hashlib.sha256(_PURPOSE + str(settings.SECRET_KEY).encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(token: str) -> str:
    return _box().encrypt(token.encode("utf-8")).decode("ascii")


def unseal(sealed: object) -> str | None:
    """The token, or None when the value is missing, tampered or sealed under another key."""
    if not isinstance(sealed, str):
        return None
    try:
        return _box().decrypt(sealed.encode("ascii")).decode("utf-8")
    except InvalidToken:
        return None


def keep(request: HttpRequest, name: str, token: str) -> None:
    request.session[name] = seal(token)


def read(request: HttpRequest, name: str, *, pop: bool = False) -> str | None:
    return unseal(request.session.pop(name, None) if pop else request.session.get(name))
