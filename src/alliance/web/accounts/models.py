"""Organisations (clinics) and their staff.

Clients are not users: they reach their questionnaires and their portal
through personal links (see measures.Link and portal.PortalAccess).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    link_expiry_days = models.PositiveSmallIntegerField(
        default=settings.ALLIANCE_LINK_EXPIRY_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Days before a questionnaire link expires.",
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        default=settings.ALLIANCE_REMINDER_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Days after sending before an unanswered link gets one reminder.",
    )
    crisis_text = models.TextField(
        default=(
            "If you are thinking about ending your life or harming yourself, or you are in "
            "danger now, call 999 or go to your nearest A&E. You can talk to Samaritans any "
            "time, free, on 116 123."
        ),
        help_text="Shown to a client at once when they report thoughts of self-harm.",
    )
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic administrator"
    SUPERVISOR = "supervisor", "Supervisor"
    THERAPIST = "therapist", "Therapist"
    RESEARCHER = "researcher", "Researcher"


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.THERAPIST)

    @property
    def sees_whole_clinic(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR)

    @property
    def is_clinician(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR, Role.THERAPIST)

    def display(self) -> str:
        return self.get_full_name() or self.username
