"""API tokens (hashed, scoped, per user) and the record that makes POST retries safe."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

TOKEN_PREFIX = "alk_"  # noqa: S105 - a public marker, not a secret


class Scope(models.TextChoices):
    READ = "read", gettext_lazy("Read client records, scores and alerts")
    WRITE = "write", gettext_lazy("Add sessions and questionnaire links, update alerts, import FHIR responses")


def hash_key(key: str) -> str:
    """SHA-256 of a token: tokens are 256-bit random, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def for_user(self, user: Any) -> ApiTokenQuerySet:
        """A person's own tokens; a clinic administrator sees the clinic's."""
        if user.role == "admin" and user.organisation_id is not None:
            return self.filter(user__organisation_id=user.organisation_id)
        return self.filter(user=user)

    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """One person's key to the REST and FHIR API. Only its hash is stored.

    The API acts as the person: the same organisation and caseload scoping as
    the web pages, narrowed further by the token's scopes.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, help_text=gettext_lazy("What it is for, e.g. 'record system'."))
    prefix = models.CharField(max_length=12, help_text=gettext_lazy("First characters, to recognise it."))
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Fixed-window request counter shared by every app process (see throttling.py).
    window = models.BigIntegerField(default=0)
    window_count = models.IntegerField(default=0)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}...)"

    @property
    def active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class IdempotentRequest(models.Model):
    """The stored answer to a POST sent with an ``Idempotency-Key`` header.

    A retry with the same key and the same body gets the same answer and stores
    nothing again; the same key with another body is refused.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    fingerprint = models.CharField(max_length=64, help_text=gettext_lazy("SHA-256 of method, path and body."))
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
