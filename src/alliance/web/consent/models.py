"""What a client allowed, and whether their answers may still be stored.

- :class:`ConsentRecord`: each consent a client gives (which text, when, how) and
  its withdrawal. Evidence of what was agreed: kept after an erasure (it holds
  no answers or free text, only a version, a hash of the text shown and times).
- :class:`Erasure`: that a client's (or one episode's) data were erased, when,
  by whom and why. The client row stays as a pseudonymous shell, so the audit
  trail, which points at it, stays whole.

Both were made by the ``rights`` app and keep its tables (``rights_consentrecord``,
``rights_erasure``); they live here, below ``measures``, because links and answers
check them. The erasure itself, the client's export and the consent pages stay in
``rights``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class Channel(models.TextChoices):
    CLIENT_LINK = "client_link", gettext_lazy("questionnaire link")
    PORTAL = "portal", gettext_lazy("client's own page")
    STAFF = "staff", gettext_lazy("recorded by staff")


class ConsentRecord(models.Model):
    """One consent to the questionnaires of an episode, and its withdrawal if any."""

    client = models.ForeignKey(
        "care.Client", on_delete=models.PROTECT, related_name="consent_records"
    )
    episode = models.ForeignKey(
        "care.Episode", on_delete=models.PROTECT, related_name="consent_records"
    )
    version = models.CharField(max_length=20, help_text=gettext_lazy("Version of the consent text shown."))
    text_sha256 = models.CharField(
        max_length=64,
        blank=True,
        help_text=gettext_lazy("SHA-256 of the text shown (empty when the version's text is not known)."),
    )
    given_at = models.DateTimeField(default=timezone.now)
    given_via = models.CharField(max_length=12, choices=Channel.choices)
    given_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_via = models.CharField(max_length=12, choices=Channel.choices, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "rights_consentrecord"
        ordering = ["given_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_live_consent_per_episode",
            )
        ]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "given"
        return f"consent {self.version} for episode {self.episode_id} ({state})"

    @property
    def live(self) -> bool:
        return self.withdrawn_at is None


class Erasure(models.Model):
    """That a client's data (``episode`` empty) or one episode's data were erased."""

    class Reason(models.TextChoices):
        REQUEST = "request", gettext_lazy("on request")
        RETENTION = "retention", gettext_lazy("retention period ended")

    client = models.ForeignKey("care.Client", on_delete=models.PROTECT, related_name="erasures")
    episode = models.ForeignKey(
        "care.Episode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="erasures",
        help_text=gettext_lazy("Empty: the whole client was erased."),
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    erased_at = models.DateTimeField(default=timezone.now)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    erased_by_label = models.CharField(max_length=150)
    counts = models.JSONField(default=dict, blank=True, help_text=gettext_lazy("Rows removed, per kind."))

    class Meta:
        db_table = "rights_erasure"
        ordering = ["erased_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(episode__isnull=True),
                name="one_client_erasure",
            ),
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(episode__isnull=False),
                name="one_episode_erasure",
            ),
        ]

    def __str__(self) -> str:
        what = f"episode {self.episode_id}" if self.episode_id else f"client {self.client_id}"
        return f"erasure of {what} ({self.reason})"
