"""Clients, their episodes of care and their sessions, scoped to caseloads.

Every query for client data starts from ``Client.objects.for_user(user)``
(or the episode and session equivalents), so a view cannot forget the
organisation or the caseload: admins and supervisors see their clinic,
therapists their own caseload, researchers no client records.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy

from alliance.web.crypto import EncryptedTextField


def _scope(user: Any, prefix: str = "") -> models.Q | None:
    """The filter that limits client data to what ``user`` may see, or None for nothing."""
    if (
        not getattr(user, "is_authenticated", False)
        or getattr(user, "organisation_id", None) is None
    ):
        return None
    q = models.Q(**{f"{prefix}organisation_id": user.organisation_id})
    if user.sees_whole_clinic:
        return q
    if user.role == "therapist":
        return q & models.Q(**{f"{prefix}therapist": user})
    return None


class ClientQuerySet(models.QuerySet["Client"]):
    def for_user(self, user: Any) -> ClientQuerySet:
        q = _scope(user)
        return self.filter(q) if q is not None else self.none()


class Client(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="clients"
    )
    code = models.CharField(
        max_length=40,
        validators=[
            RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", "Use letters, digits, '.', '-' or '_'.")
        ],
        help_text=gettext_lazy("A pseudonymous code, not the client's name."),
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caseload"
    )
    email = models.EmailField(blank=True, help_text=gettext_lazy("Where questionnaire links are sent. Optional."))
    language = models.CharField(
        "Preferred language",
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=(
            gettext_lazy("Used for the client's questionnaire pages, consent text, personal page, e-mails "
            "and text messages. Set by staff at intake; the client can change it on their page.")
        ),
    )
    phone = models.CharField(
        gettext_lazy("Mobile number"),
        max_length=16,
        blank=True,
        help_text=gettext_lazy("E.164 (for example +447400123456). Optional."),
    )
    # Texts are a separate consent from the questionnaires: when it was given and how,
    # and when it ended (withdrawn by staff, or the client replied STOP to a text).
    texts_consent_at = models.DateTimeField(null=True, blank=True)
    texts_consent_via = models.CharField(max_length=20, blank=True)
    texts_stopped_at = models.DateTimeField(null=True, blank=True)
    texts_stopped_via = models.CharField(max_length=20, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    archived = models.BooleanField(default=False)

    objects = ClientQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="client_code_unique_in_clinic"
            )
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def may_text(self) -> bool:
        """A number, consent to texts, and no STOP or withdrawal since."""
        return bool(self.phone) and self.texts_consent_at is not None and (
            self.texts_stopped_at is None or self.texts_stopped_at < self.texts_consent_at
        )

    def current_episode(self) -> Episode | None:
        return self.episodes.filter(ended__isnull=True).order_by("-started", "-id").first()


class Approach(models.TextChoices):
    DIRECTIVE = "directive", gettext_lazy("Directive")
    NONDIRECTIVE = "nondirective", gettext_lazy("Nondirective")
    FACILITATIVE = "facilitative", gettext_lazy("Facilitative")
    SUPPORTIVE = "supportive", gettext_lazy("Supportive")
    TASK_ORIENTED = "task_oriented", gettext_lazy("Task-oriented")


class EpisodeQuerySet(models.QuerySet["Episode"]):
    def for_user(self, user: Any) -> EpisodeQuerySet:
        q = _scope(user, "client__")
        return self.filter(q) if q is not None else self.none()


class Episode(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="episodes")
    started = models.DateField()
    ended = models.DateField(null=True, blank=True)
    hoped_change = EncryptedTextField("What the client hopes will change", blank=True)
    expected_sessions = models.PositiveSmallIntegerField(
        "Sessions the client expects to need",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
    )
    how_know_working = EncryptedTextField("How the client will know it is working", blank=True)
    approach = models.CharField(max_length=20, choices=Approach.choices, blank=True)
    approach_note = EncryptedTextField("Why this approach", blank=True)
    approach_suggested = models.CharField(max_length=20, choices=Approach.choices, blank=True)
    approach_reasons = models.JSONField(default=list, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_version = models.CharField(max_length=20, blank=True)
    cnip_scores = models.JSONField(default=dict, blank=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-started", "-id"]

    def __str__(self) -> str:
        return f"{self.client.code} from {self.started:%d %b %Y}"

    def latest_session_number(self) -> int:
        """Number of the latest session, 0 before the first."""
        number = self.sessions.order_by("-number").values_list("number", flat=True).first()
        return int(number or 0)


class SessionQuerySet(models.QuerySet["Session"]):
    def for_user(self, user: Any) -> SessionQuerySet:
        q = _scope(user, "episode__client__")
        return self.filter(q) if q is not None else self.none()


class Session(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    date = models.DateField()
    created = models.DateTimeField(auto_now_add=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "number"], name="session_number_unique_in_episode"
            )
        ]
        ordering = ["number"]

    def __str__(self) -> str:
        return f"session {self.number}"
