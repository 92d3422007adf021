"""Personal portal links for clients (only the hash of the token is stored)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from alliance.web.care.models import Client
from alliance.web.measures.models import hash_token, new_token
from alliance.web.portal.models import PortalAccess


def create_portal_link(client: Client) -> str:
    """A new portal token for the client; earlier ones are revoked."""
    now = timezone.now()
    PortalAccess.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=now)
    token, digest = new_token()
    PortalAccess.objects.create(
        client=client,
        token_hash=digest,
        expires_at=now + dt.timedelta(days=settings.ALLIANCE_PORTAL_LINK_DAYS),
    )
    return token


def find_portal(token: str) -> PortalAccess | None:
    """The live portal access for a token, or None (unknown, expired or revoked)."""
    if not token or len(token) > 100:
        return None
    access = (
        PortalAccess.objects.select_related("client__organisation", "client__therapist")
        .filter(
            token_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .first()
    )
    return access
