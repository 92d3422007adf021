"""Alerts: findings of the core's alert rules, stored with their lifecycle."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from alliance.web.care.models import _scope
from alliance.web.crypto import EncryptedTextField


class AlertQuerySet(models.QuerySet["Alert"]):
    def for_user(self, user: Any) -> AlertQuerySet:
        q = _scope(user, "episode__client__")
        return self.filter(q) if q is not None else self.none()

    def open(self) -> AlertQuerySet:
        return self.exclude(status=Alert.Status.RESOLVED)


class Alert(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        ACKNOWLEDGED = "acknowledged", gettext_lazy("Acknowledged")
        RESOLVED = "resolved", gettext_lazy("Resolved")

    class Severity(models.TextChoices):
        URGENT = "urgent", gettext_lazy("Urgent")
        WARNING = "warning", gettext_lazy("Warning")
        INFO = "info", gettext_lazy("Info")

    episode = models.ForeignKey("care.Episode", on_delete=models.CASCADE, related_name="alerts")
    key = models.CharField(
        max_length=120, help_text=gettext_lazy("Rule, session and subscale: one alert per firing.")
    )
    rule = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    session_number = models.PositiveSmallIntegerField()
    subscale = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=200)
    detail = models.TextField()
    numbers = models.JSONField(default=dict)
    next_steps = models.JSONField(default=list)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    created = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = EncryptedTextField(blank=True, max_length=2000)

    objects = AlertQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "key"], name="one_alert_per_firing")
        ]
        ordering = ["status", "-created"]

    @property
    def severity_rank(self) -> int:
        return {"urgent": 0, "warning": 1, "info": 2}.get(self.severity, 3)
