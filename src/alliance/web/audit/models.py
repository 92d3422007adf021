"""Who read or changed what, and when: one row per access to client data."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view"
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"
        SUBMIT = "submit"
        EXPORT = "export"
        SEND = "send"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(
        max_length=150, help_text="Who, when not a staff user (e.g. 'client link')."
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)
    client = models.ForeignKey(
        "care.Client", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True)

    class Meta:
        ordering = ["-at", "-id"]
