"""The client's own way in: a personal portal link, and feedback at any time."""

from __future__ import annotations

from django.db import models

from alliance.web.crypto import EncryptedTextField


class PortalAccess(models.Model):
    client = models.ForeignKey("care.Client", on_delete=models.CASCADE, related_name="portal_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)


class Feedback(models.Model):
    """Something the client wants their therapist to know, in their own words."""

    episode = models.ForeignKey("care.Episode", on_delete=models.CASCADE, related_name="feedback")
    text = EncryptedTextField(max_length=4000)
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
