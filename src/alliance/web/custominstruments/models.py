"""A clinic's own instruments (e.g. a licensed SRS or ORS), stored as their definitions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from alliance.instruments import Instrument, parse_instrument


class Source(models.TextChoices):
    FHIR = "fhir", gettext_lazy("FHIR Questionnaire")
    TOML = "toml", gettext_lazy("Alliance instrument file (TOML)")


class CustomInstrumentQuerySet(models.QuerySet["CustomInstrument"]):
    def for_user(self, user: Any) -> CustomInstrumentQuerySet:
        """The instruments of the user's own clinic (none without a clinic)."""
        organisation_id = getattr(user, "organisation_id", None)
        if organisation_id is None:
            return self.none()
        return self.filter(organisation_id=organisation_id)


class CustomInstrument(models.Model):
    """One imported instrument of one clinic; ``definition`` is the validated project format."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="custom_instruments"
    )
    instrument_id = models.CharField(max_length=40)
    definition = models.JSONField(help_text=gettext_lazy("The instrument in the project format (model_dump)."))
    source = models.CharField(max_length=8, choices=Source.choices)
    licence_confirmed = models.BooleanField(
        default=False, help_text=gettext_lazy("The clinic confirmed that it holds a licence to use it.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    objects = CustomInstrumentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "instrument_id"], name="custom_instrument_unique"
            )
        ]
        ordering = ["instrument_id"]

    def __str__(self) -> str:
        return f"{self.instrument_id} ({self.organisation_id})"

    def instrument(self) -> Instrument:
        """The stored definition, validated again (a stored row is never trusted blindly)."""
        return parse_instrument(dict(self.definition), f"custom instrument {self.instrument_id}")
