"""Goals agreed together (with goal-attainment ratings) and tasks between sessions."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy

from alliance.web.care.models import _scope
from alliance.web.crypto import EncryptedCharField, EncryptedTextField


class GoalQuerySet(models.QuerySet["Goal"]):
    def for_user(self, user: Any) -> GoalQuerySet:
        q = _scope(user, "episode__client__")
        return self.filter(q) if q is not None else self.none()


class Goal(models.Model):
    episode = models.ForeignKey("care.Episode", on_delete=models.CASCADE, related_name="goals")
    text = EncryptedCharField("Goal, in the client's words", max_length=300)
    expected_level = EncryptedCharField(
        "What 'as expected' (0) looks like", max_length=300, blank=True
    )
    created_session = models.PositiveSmallIntegerField(default=1)
    client_confirmed_at = models.DateTimeField(null=True, blank=True)
    therapist_confirmed_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]

    @property
    def agreed(self) -> bool:
        return bool(self.client_confirmed_at and self.therapist_confirmed_at)


class GoalRating(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    session = models.ForeignKey(
        "care.Session", on_delete=models.CASCADE, related_name="goal_ratings"
    )
    level = models.SmallIntegerField(validators=[MinValueValidator(-2), MaxValueValidator(2)])
    rated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["goal", "session"], name="one_rating_per_goal_session")
        ]
        ordering = ["session__number"]


class TaskQuerySet(models.QuerySet["Task"]):
    def for_user(self, user: Any) -> TaskQuerySet:
        q = _scope(user, "episode__client__")
        return self.filter(q) if q is not None else self.none()


class Task(models.Model):
    class SetBy(models.TextChoices):
        CLIENT = "client", gettext_lazy("Client")
        THERAPIST = "therapist", gettext_lazy("Therapist")

    episode = models.ForeignKey("care.Episode", on_delete=models.CASCADE, related_name="tasks")
    text = EncryptedCharField(max_length=300)
    set_by = models.CharField(max_length=10, choices=SetBy.choices)
    set_session = models.PositiveSmallIntegerField(default=1)
    due_session = models.PositiveSmallIntegerField(null=True, blank=True)
    done = models.BooleanField(null=True, blank=True, help_text=gettext_lazy("Empty until the client says."))
    reflection = EncryptedTextField("What the client noticed", blank=True, max_length=2000)
    updated = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["-set_session", "id"]
