"""Measurement plans, questionnaire links and stored responses with their scores."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from alliance.web.care.models import _scope
from alliance.web.crypto import EncryptedJSONField


def new_token() -> tuple[str, str]:
    """A random 256-bit link token and its SHA-256 hash (only the hash is stored)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Respondent(models.TextChoices):
    CLIENT = "client", gettext_lazy("Client")
    THERAPIST = "therapist", gettext_lazy("Therapist")


class PlanEntry(models.Model):
    """One instrument in an episode's measurement plan: who answers, and how often."""

    episode = models.ForeignKey("care.Episode", on_delete=models.CASCADE, related_name="plan")
    instrument = models.CharField(max_length=40)
    respondent = models.CharField(max_length=10, choices=Respondent.choices)
    every = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text=gettext_lazy("Every n-th session."),
    )
    first_session = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "instrument", "respondent"], name="plan_entry_unique"
            )
        ]
        ordering = ["respondent", "instrument"]

    def due(self, session_number: int) -> bool:
        offset = session_number - self.first_session
        return offset >= 0 and offset % self.every == 0


class LinkQuerySet(models.QuerySet["Link"]):
    def for_user(self, user: Any) -> LinkQuerySet:
        q = _scope(user, "session__episode__client__")
        return self.filter(q) if q is not None else self.none()


class Link(models.Model):
    """A single-use questionnaire link for one client and one session."""

    session = models.ForeignKey("care.Session", on_delete=models.CASCADE, related_name="links")
    instruments = models.JSONField(help_text=gettext_lazy("Instrument ids the client answers, in order."))
    token_hash = models.CharField(max_length=64, unique=True)
    reminder_token_hash = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=gettext_lazy("Second token sent with the reminder."),
    )
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    sent_to = models.EmailField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    draft = EncryptedJSONField(
        default=dict, blank=True, help_text=gettext_lazy("Answers saved so far, per instrument.")
    )
    ask_consent = models.BooleanField(default=False)

    objects = LinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    @property
    def client(self) -> Any:
        return self.session.episode.client

    def state(self, now: Any = None) -> str:
        now = now or timezone.now()
        if self.submitted_at:
            return "submitted"
        if self.revoked_at:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "open"


class ResponseQuerySet(models.QuerySet["Response"]):
    def for_user(self, user: Any) -> ResponseQuerySet:
        q = _scope(user, "session__episode__client__")
        return self.filter(q) if q is not None else self.none()


class Source(models.TextChoices):
    """Which way an answer came in (every way goes through ``record_answers``)."""

    LINK = "link", gettext_lazy("Client link")
    THERAPIST = "therapist", gettext_lazy("Therapist form")
    API = "api", gettext_lazy("REST API")
    FHIR = "fhir", gettext_lazy("FHIR import")
    PAPER = "paper", gettext_lazy("Paper form")
    DEMO = "demo", gettext_lazy("Demo data")


class Response(models.Model):
    """One completed instrument for one session from one side, scored by the core engine.

    ``submitted_at`` is when the respondent answered (as they or their system
    stated it: a FHIR ``authored`` time, the date on a paper form);
    ``recorded_at`` is when Alliance stored it.
    """

    session = models.ForeignKey("care.Session", on_delete=models.CASCADE, related_name="responses")
    instrument = models.CharField(max_length=40)
    respondent = models.CharField(max_length=10, choices=Respondent.choices)
    answers = EncryptedJSONField(help_text=gettext_lazy("Item number -> answer, as given."))
    scores = models.JSONField(
        default=dict, help_text=gettext_lazy("Output of alliance.scoring.score for this row.")
    )
    link = models.ForeignKey(
        Link, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LINK)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "instrument", "respondent"],
                name="one_response_per_session_instrument_side",
            )
        ]
        ordering = ["session__number", "instrument"]
