"""A session's transcript and its analysis, encrypted at rest.

The analysis runs as background work (:mod:`alliance.web.sessiontranscripts.tasks`):
``status`` goes queued -> running -> done (or failed), with ``progress`` (0-100)
and ``stage`` saying where it is, so that the page can show it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from alliance.web.crypto import EncryptedJSONField, EncryptedTextField


class Transcript(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", gettext_lazy("Waiting to be analysed")
        RUNNING = "running", gettext_lazy("Being analysed")
        DONE = "done", gettext_lazy("Analysed")
        FAILED = "failed", gettext_lazy("Analysis failed")

    session = models.OneToOneField(
        "care.Session", on_delete=models.CASCADE, related_name="transcript"
    )
    filename = models.CharField(max_length=200)
    format = models.CharField(max_length=10)
    text = EncryptedTextField(help_text=gettext_lazy("The uploaded file, as text."))
    profile = EncryptedJSONField(default=dict, help_text=gettext_lazy("Session profile and moments to review."))
    html = EncryptedTextField(help_text=gettext_lazy("The rendered timeline page."))
    utterances = models.PositiveIntegerField(default=0)
    notes = EncryptedJSONField(
        default=list, help_text=gettext_lazy("What the parser noted: cues without a speaker, malformed fields.")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=80, blank=True)
    error = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
