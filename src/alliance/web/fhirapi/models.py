"""Bulk Data exports (``GET /fhir/$export``): the request, its progress and its NDJSON files.

Files are kept in the database, encrypted like the answers they hold, and
are served only to the person who asked for them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from alliance.web.crypto import EncryptedTextField


class BulkExport(models.Model):
    """One asynchronous export, from kick-off to its files (deleted when cancelled)."""

    class Status(models.TextChoices):
        QUEUED = "queued", gettext_lazy("Queued")
        RUNNING = "running", gettext_lazy("Running")
        DONE = "done", gettext_lazy("Done")
        FAILED = "failed", gettext_lazy("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    request_url = models.CharField(max_length=2000)
    types = models.JSONField(default=list, help_text=gettext_lazy("Resource types, in export order."))
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)


class BulkExportFile(models.Model):
    """One NDJSON file of an export: one resource type, at most ``MAX_LINES`` resources."""

    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    part = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    ndjson = EncryptedTextField()
    clients = models.JSONField(default=list, help_text=gettext_lazy("Ids of the clients whose records it has."))

    class Meta:
        ordering = ["pk"]
