"""Who is calling: bearer tokens, their scopes, and a request budget per token.

The API acts as the token's owner, with exactly the web app's rules: the same
``for_user`` querysets scope every list to the organisation and caseload, and
only clinical staff (administrators, supervisors, therapists) read client
records. A token's scopes narrow that further: ``read`` for GET, ``write`` for
everything that changes data.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Sum, Value, When
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from alliance.web.api.models import ApiToken, Scope, hash_key

SAFE = ("GET", "HEAD", "OPTIONS")


class TokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer alk_...``; the token must be active and its owner too."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization: give 'Bearer' and one token.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                "The token has characters it cannot have."
            ) from None
        token = (
            ApiToken.objects.usable().select_related("user").filter(key_hash=hash_key(key)).first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown, expired or revoked token.")
        if not token.user.is_active or token.user.organisation_id is None:
            raise exceptions.AuthenticationFailed("This token's owner cannot use the API.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="alliance"'


class ScopedClinicalAccess(permissions.BasePermission):
    """Signed in with a token whose scopes cover the method, as clinical staff."""

    message = "Client records are open to the clinic's clinical staff only."

    def has_permission(self, request: Request, view: Any) -> bool:
        check_token_scope(request)
        return bool(getattr(request.user, "is_clinician", False))


class TokenWithScope(permissions.BasePermission):
    """Any member of staff with a token whose scopes cover the method (no client data)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        check_token_scope(request)
        return True


def check_token_scope(request: Request) -> None:
    """A token is present and has ``read`` (GET) or ``write`` (anything else)."""
    token = request.auth
    if not isinstance(token, ApiToken):
        raise exceptions.NotAuthenticated("Send an API token: Authorization: Bearer <token>.")
    needed = Scope.READ if request.method in SAFE else Scope.WRITE
    if needed not in token.scopes:
        raise exceptions.PermissionDenied(f"This token lacks the '{needed}' scope.")


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/min"`` -> (600, 60). Raises ValueError naming the bad part."""
    count, _, period = rate.partition("/")
    seconds = {"s": 1, "sec": 1, "min": 60, "m": 60, "hour": 3600, "h": 3600, "day": 86400}
    if not count.isdigit() or int(count) < 1 or period not in seconds:
        raise ValueError(f"rate {rate!r}: expected '<number>/<s|min|hour|day>'")
    return int(count), seconds[period]


class TokenRateThrottle(BaseThrottle):
    """At most ``ALLIANCE_API_RATE`` requests per person per window, all their tokens together.

    Each token's row counts its own requests in the current window, advanced by
    one UPDATE, so every app process shares the count (the default DRF
    throttles keep it in a per-process cache); the person's budget is the sum
    over their tokens, so more tokens do not mean more requests.
    """

    def allow_request(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True  # unauthenticated requests are refused before any data is read
        limit, seconds = parse_rate(settings.ALLIANCE_API_RATE)
        window = int(time.time()) // seconds
        ApiToken.objects.filter(pk=token.pk).update(
            window_count=Case(
                When(window=window, then=F("window_count") + 1),
                default=Value(1),
                output_field=models.IntegerField(),
            ),
            window=window,
            last_used_at=timezone.now(),
        )
        used = ApiToken.objects.filter(user_id=token.user_id, window=window).aggregate(
            total=Sum("window_count")
        )["total"]
        self._wait = seconds - (time.time() % seconds)
        return used is not None and used <= limit

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class TokenScheme(OpenApiAuthenticationExtension):
    """Describes the bearer token in the OpenAPI schema."""

    target_class = "alliance.web.api.auth.TokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "An Alliance API token."}
