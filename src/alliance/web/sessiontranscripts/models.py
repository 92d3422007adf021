"""A session's transcript and its analysis, encrypted at rest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from alliance.web.crypto import EncryptedJSONField, EncryptedTextField


class Transcript(models.Model):
    session = models.OneToOneField(
        "care.Session", on_delete=models.CASCADE, related_name="transcript"
    )
    filename = models.CharField(max_length=200)
    format = models.CharField(max_length=10)
    text = EncryptedTextField(help_text=gettext_lazy("The uploaded file, as text."))
    profile = EncryptedJSONField(default=dict, help_text=gettext_lazy("Session profile and moments to review."))
    html = EncryptedTextField(help_text=gettext_lazy("The rendered timeline page."))
    utterances = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
