"""Organisations (clinics) and their staff, and the sign-in throttle.

Clients are not users: they reach their questionnaires and their portal
through personal links (see measures.Link and portal.PortalAccess).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, gettext_lazy, gettext_noop

# The default crisis text, translated for each client; a clinic's own text is shown as written.
DEFAULT_CRISIS_TEXT = gettext_noop(
    "If you are thinking about ending your life or harming yourself, or you are in "
    "danger now, call 999 or go to your nearest A&E. You can talk to Samaritans any "
    "time, free, on 116 123."
)


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    link_expiry_days = models.PositiveSmallIntegerField(
        default=settings.ALLIANCE_LINK_EXPIRY_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=gettext_lazy("Days before a questionnaire link expires."),
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        default=settings.ALLIANCE_REMINDER_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=gettext_lazy("Days after sending before an unanswered link gets one reminder."),
    )
    crisis_text = models.TextField(
        default=DEFAULT_CRISIS_TEXT,
        help_text=gettext_lazy("Shown to a client at once when they report thoughts of self-harm."),
    )
    require_2fa_for_therapists = models.BooleanField(
        default=False,
        help_text=(
            gettext_lazy("Therapists must sign in with a code from an authenticator app as well as their "
            "password. Administrators and supervisors always must.")
        ),
    )
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def crisis_message(self) -> str:
        """The crisis text in the active language when it is the default; else as the clinic wrote it."""
        if self.crisis_text == DEFAULT_CRISIS_TEXT:
            return gettext(DEFAULT_CRISIS_TEXT)
        return self.crisis_text


class Role(models.TextChoices):
    ADMIN = "admin", gettext_lazy("Clinic administrator")
    SUPERVISOR = "supervisor", gettext_lazy("Supervisor")
    THERAPIST = "therapist", gettext_lazy("Therapist")
    RESEARCHER = "researcher", gettext_lazy("Researcher")


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.THERAPIST)
    language = models.CharField(
        "Interface language",
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=gettext_lazy("The language of the pages you see. Empty: follow the browser."),
    )
    # A short PIN (hashed like a password) that unlocks this person's device after a client
    # answered in the room; their password always works too.
    in_room_pin = models.CharField(max_length=128, blank=True)

    @property
    def sees_whole_clinic(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR)

    @property
    def is_clinician(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR, Role.THERAPIST)

    def display(self) -> str:
        return self.get_full_name() or self.username

    @property
    def requires_two_factor(self) -> bool:
        """Must this person sign in with an authenticator code before seeing anything?

        Administrators and supervisors always; therapists when their clinic says
        so; nobody when ALLIANCE_REQUIRE_2FA is off (the demo). Anyone who has set
        up an authenticator is asked for a code at sign-in either way.
        """
        if not settings.ALLIANCE_REQUIRE_2FA:
            return False
        if self.is_superuser or self.role in (Role.ADMIN, Role.SUPERVISOR):
            return True
        if self.role == Role.THERAPIST and self.organisation_id is not None:
            organisation = self.organisation
            return organisation is not None and organisation.require_2fa_for_therapists
        return False


class LoginThrottle(models.Model):
    """Failed sign-ins per username and per network address, shared by every app process.

    After ``ALLIANCE_LOGIN_MAX_FAILURES`` failures for one username (or
    ``ALLIANCE_LOGIN_MAX_FAILURES_PER_IP`` from one address) within any
    ``ALLIANCE_LOCKOUT_MINUTES`` (a sliding window), sign-in for it is refused
    for ``ALLIANCE_LOCKOUT_MINUTES``. Usernames are counted whether or not an
    account has that name, so a lockout says nothing about who exists.
    """

    class Scope(models.TextChoices):
        USERNAME = "username", gettext_lazy("Username")
        IP = "ip", gettext_lazy("Network address")

    scope = models.CharField(max_length=10, choices=Scope.choices)
    key = models.CharField(max_length=150, help_text=gettext_lazy("Case-folded username, or an IP address."))
    recent = models.JSONField(
        default=list, blank=True, help_text=gettext_lazy("Times (Unix seconds) of the failures in the window.")
    )
    locked_until = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="login_throttle_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
