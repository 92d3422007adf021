"""Client rights: the clinic's retention period.

- :class:`RetentionPolicy`: how long a clinic keeps an episode's data after the
  episode ends. Without a row the placeholder default applies (see
  :data:`DEFAULT_RETENTION_MONTHS`).

The consent records and erasure marks this app's erasure, export and consent
pages work on live lower down, in :mod:`alliance.web.consent.models`, because
the questionnaire links and answers (``measures``) check them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

# A placeholder, not a legal norm: each clinic must set its own period from its
# own legal advice (professional body, health-records rules, insurer).
DEFAULT_RETENTION_MONTHS = 84


class RetentionPolicy(models.Model):
    """A clinic's retention period, set by one of its administrators."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="retention_policy"
    )
    months = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(1200)],
        help_text=gettext_lazy("Months after an episode ends before its data are erased."),
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"retention {self.months} months for organisation {self.organisation_id}"
