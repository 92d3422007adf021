"""What the API shows of each record. Tokens and link secrets never appear.

OpenAPI component names end in ``Record`` (``ClientRecord``, ``ResponseRecord``):
the plain names (``Client``, ``Response``, ``Error``) are the runtime types of
common client generators (openapi-python-client's ``Client`` and ``Response``),
and a generated client with those names does not work.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from alliance.web.alerts.models import Alert
from alliance.web.care.models import Approach, Client, Episode, Session
from alliance.web.goals.models import Goal, Task
from alliance.web.measures.models import Link, Response


@extend_schema_serializer(component_name="ClientRecord")
class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "code", "therapist", "email", "created", "archived"]
        read_only_fields = fields


@extend_schema_serializer(component_name="EpisodeRecord")
class EpisodeSerializer(serializers.ModelSerializer):
    approach = serializers.ChoiceField(choices=Approach.choices, allow_blank=True, read_only=True)
    approach_suggested = serializers.ChoiceField(
        choices=Approach.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Episode
        fields = [
            "id",
            "client",
            "started",
            "ended",
            "hoped_change",
            "expected_sessions",
            "how_know_working",
            "approach",
            "approach_note",
            "approach_suggested",
            "approach_reasons",
            "consent_at",
            "consent_version",
            "cnip_scores",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="SessionRecord")
class SessionSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="episode.client_id", read_only=True)

    class Meta:
        model = Session
        fields = ["id", "episode", "client", "number", "date"]
        read_only_fields = ["id", "client", "number"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user is not None:
            field = self.fields["episode"]  # open episodes only, as on the web page
            field.queryset = Episode.objects.for_user(request.user).filter(ended__isnull=True)


@extend_schema_serializer(component_name="LinkRecord")
class LinkSerializer(serializers.ModelSerializer):
    """A questionnaire link (an administration). The secret URL is shown once, on creation."""

    client = serializers.IntegerField(source="session.episode.client_id", read_only=True)
    state = serializers.SerializerMethodField()

    class Meta:
        model = Link
        fields = [
            "id",
            "session",
            "client",
            "instruments",
            "state",
            "created",
            "expires_at",
            "sent_at",
            "reminded_at",
            "opened_at",
            "submitted_at",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_state(self, link: Link) -> str:
        return link.state()


@extend_schema_serializer(component_name="LinkCreate")
class LinkCreateSerializer(serializers.Serializer):
    session = serializers.PrimaryKeyRelatedField(queryset=Session.objects.none())
    send_email = serializers.BooleanField(
        default=False, help_text=gettext_lazy("E-mail the link to the client's address on file.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user is not None:
            field = self.fields["session"]
            field.queryset = Session.objects.for_user(request.user).select_related(
                "episode__client__organisation"
            )


@extend_schema_serializer(component_name="CreatedLinkRecord")
class CreatedLinkSerializer(LinkSerializer):
    url = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy("The client's single-use link. Shown only this once (null on a replay)."),
    )
    emailed = serializers.BooleanField()

    class Meta(LinkSerializer.Meta):
        fields = [*LinkSerializer.Meta.fields, "url", "emailed"]
        read_only_fields = fields


@extend_schema_serializer(component_name="ScoreRecord")
class ScoreSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="session.episode.client_id", read_only=True)
    episode = serializers.IntegerField(source="session.episode_id", read_only=True)
    session_number = serializers.IntegerField(source="session.number", read_only=True)
    session_date = serializers.DateField(source="session.date", read_only=True)
    scores = serializers.DictField(child=serializers.JSONField(), read_only=True)

    class Meta:
        model = Response
        fields = [
            "id",
            "session",
            "client",
            "episode",
            "session_number",
            "session_date",
            "instrument",
            "respondent",
            "scores",
            "submitted_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="ResponseRecord")
class ResponseSerializer(ScoreSerializer):
    answers = serializers.DictField(
        child=serializers.JSONField(), read_only=True, help_text=gettext_lazy("Item number -> answer.")
    )

    class Meta(ScoreSerializer.Meta):
        fields = [*ScoreSerializer.Meta.fields, "answers", "link"]
        read_only_fields = fields


@extend_schema_serializer(component_name="AlertRecord")
class AlertSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="episode.client_id", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "episode",
            "client",
            "rule",
            "severity",
            "session_number",
            "subscale",
            "title",
            "detail",
            "numbers",
            "next_steps",
            "status",
            "created",
            "acknowledged_at",
            "resolved_at",
            "resolution_note",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="AlertResolution")
class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text=gettext_lazy("What was done."))


@extend_schema_serializer(component_name="GoalRatingRecord")
class GoalRatingSerializer(serializers.Serializer):
    session = serializers.IntegerField(source="session_id", allow_null=True)
    level = serializers.IntegerField()
    rated_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="GoalRecord")
class GoalSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="episode.client_id", read_only=True)
    ratings = GoalRatingSerializer(many=True, read_only=True)
    agreed = serializers.BooleanField(read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "episode",
            "client",
            "text",
            "expected_level",
            "created_session",
            "client_confirmed_at",
            "therapist_confirmed_at",
            "agreed",
            "active",
            "ratings",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="TaskRecord")
class TaskSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="episode.client_id", read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "episode",
            "client",
            "text",
            "set_by",
            "set_session",
            "due_session",
            "done",
            "reflection",
            "updated",
        ]
        read_only_fields = fields
