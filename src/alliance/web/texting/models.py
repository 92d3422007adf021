"""Every text message to a client, kept with its status so none is lost."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from alliance.web.care.models import _scope
from alliance.web.crypto import EncryptedTextField


class Status(models.TextChoices):
    QUEUED = "queued", gettext_lazy("waiting to be sent")
    RETRYING = "retrying", gettext_lazy("not sent yet, will try again")
    SENT = "sent", gettext_lazy("sent")
    FAILED = "failed", gettext_lazy("could not be sent")


class Kind(models.TextChoices):
    INVITATION = "invitation", gettext_lazy("questionnaire link")
    REMINDER = "reminder", gettext_lazy("reminder")


class TextMessageQuerySet(models.QuerySet["TextMessage"]):
    def for_user(self, user: Any) -> TextMessageQuerySet:
        q = _scope(user, "client__")
        return self.filter(q) if q is not None else self.none()


class TextMessage(models.Model):
    """One text to a client. The body (it holds the link) is encrypted and blanked once sent."""

    client = models.ForeignKey("care.Client", on_delete=models.CASCADE, related_name="texts")
    link = models.ForeignKey(
        "measures.Link", on_delete=models.SET_NULL, null=True, blank=True, related_name="texts"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    to = models.CharField(max_length=16, help_text=gettext_lazy("E.164 number."))
    body = EncryptedTextField(blank=True)
    length = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_id = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = TextMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="text_retry_due")]

    def __str__(self) -> str:
        return f"text {self.pk} ({self.status})"
