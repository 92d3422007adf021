"""REST endpoints: thin views over the same querysets and services as the web pages.

Every list is ``Model.objects.for_user(request.user)`` (organisation and
caseload), every read of client data is audited once per client per request,
and every POST that creates something needs an ``Idempotency-Key``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models, transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.serializers import BaseSerializer

from alliance.web.alerts import lifecycle
from alliance.web.alerts.models import Alert
from alliance.web.api import serializers as s
from alliance.web.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from alliance.web.api.idempotency import run_once
from alliance.web.api.pagination import Pages
from alliance.web.audit.log import record
from alliance.web.care.models import Client, Episode, Session
from alliance.web.goals.models import Goal, Task
from alliance.web.measures.models import Link, Response
from alliance.web.measures.services import email_link, link_url, replace_link, start_session

MAX_ID = 2**63 - 1


def _id_param(name: str, what: str) -> OpenApiParameter:
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return OpenApiParameter(name, schema, description=f"Only this {what}'s records.")


class ClinicalViewSet(viewsets.GenericViewSet):
    """Lists and reads of one model, scoped, filtered by ``?client=`` etc., and audited.

    ``client_path`` is the lookup from the model to its Client; ``filters``
    maps query parameters to lookups.
    """

    model: ClassVar[type[models.Model]]
    client_path: ClassVar[str]
    filters: ClassVar[dict[str, str]] = {}
    related: ClassVar[tuple[str, ...]] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        allowed = set(self.filters) | ({"page", "page_size"} if self.action == "list" else set())
        for name in ("page", "page_size"):
            if name in allowed and name in request.query_params:
                self._int(name, request.query_params[name])
        size = request.query_params.get("page_size") if "page_size" in allowed else None
        if size is not None and int(size) > Pages.max_page_size:
            raise exceptions.ValidationError(
                {"page_size": [f"At most {Pages.max_page_size} a page; follow 'next' for more."]}
            )
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            known = ", ".join(sorted(allowed)) or "none"
            raise exceptions.ValidationError(
                {
                    name[:40]: [f"Unknown parameter; this endpoint takes: {known}."]
                    for name in unknown
                }
            )

    def get_queryset(self) -> Any:
        queryset = self.model.objects.for_user(self.request.user)  # type: ignore[attr-defined]
        related = self.related or ((self.client_path,) if self.client_path else ())
        if related:
            queryset = queryset.select_related(*related)
        for param, lookup in self.filters.items():
            raw = self.request.query_params.get(param)
            if raw is None:
                continue
            queryset = queryset.filter(**{lookup: self._int(param, raw)})
        return queryset.order_by("pk")

    @staticmethod
    def _int(param: str, raw: str) -> int:
        if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
            raise exceptions.ValidationError({param: [f"{raw!r} is not a record number."]})
        return int(raw)

    def _client_of(self, obj: models.Model) -> Client:
        node: Any = obj
        for part in self.client_path.split("__") if self.client_path else ():
            node = getattr(node, part)
        return node

    def audit(self, objects: list[models.Model]) -> None:
        seen: set[int] = set()
        for obj in objects:
            client = self._client_of(obj)
            if client.pk not in seen:
                seen.add(client.pk)
                record(self.request, "view", client, client=client, api=self.basename)

    def list(self, request: Request) -> ApiResponse:
        page = self.paginate_queryset(self.get_queryset())
        objects = list(page if page is not None else [])
        self.audit(objects)
        return self.get_paginated_response(self.get_serializer(objects, many=True).data)

    def retrieve(self, request: Request, pk: str | None = None) -> ApiResponse:
        obj = self.get_object()
        self.audit([obj])
        return ApiResponse(self.get_serializer(obj).data)


def _filters(*names: tuple[str, str]) -> Any:
    return extend_schema_view(list=extend_schema(parameters=[_id_param(n, w) for n, w in names]))


@_filters(("therapist", "therapist"))
class ClientViewSet(ClinicalViewSet):
    """Clients on the caller's caseload (the whole clinic for supervisors and administrators)."""

    model = Client
    client_path = ""
    serializer_class = s.ClientSerializer
    filters: ClassVar[dict[str, str]] = {"therapist": "therapist_id"}
    related = ("organisation",)


@_filters(("client", "client"))
class EpisodeViewSet(ClinicalViewSet):
    """Episodes of care."""

    model = Episode
    client_path = "client"
    serializer_class = s.EpisodeSerializer
    filters: ClassVar[dict[str, str]] = {"client": "client_id"}


@_filters(("client", "client"), ("episode", "episode"))
class SessionViewSet(mixins.CreateModelMixin, ClinicalViewSet):
    """Sessions. POST adds the episode's next session (numbers count up from 1)."""

    model = Session
    client_path = "episode__client"
    serializer_class = s.SessionSerializer
    filters: ClassVar[dict[str, str]] = {"client": "episode__client_id", "episode": "episode_id"}

    @extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: s.SessionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> ApiResponse:
        return run_once(request, lambda: self._create(request))

    def _create(self, request: Request) -> ApiResponse:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        episode: Episode = serializer.validated_data["episode"]
        session = start_session(episode, serializer.validated_data["date"])
        record(request, "create", session, client=episode.client, api="sessions")
        session.episode = episode
        return ApiResponse(self.get_serializer(session).data, status=status.HTTP_201_CREATED)


@_filters(("client", "client"), ("session", "session"))
class LinkViewSet(mixins.CreateModelMixin, ClinicalViewSet):
    """Questionnaire links (administrations).

    POST creates the link due at a session (older open links of the session stop
    working) and returns its URL once. A retried POST (same Idempotency-Key)
    returns the same link without the URL, which is never stored: create a new
    link if it was lost.
    """

    model = Link
    client_path = "session__episode__client"
    serializer_class = s.LinkSerializer
    filters: ClassVar[dict[str, str]] = {
        "client": "session__episode__client_id",
        "session": "session_id",
    }

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return s.LinkCreateSerializer if self.action == "create" else s.LinkSerializer

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.LinkCreateSerializer,
        responses={201: s.CreatedLinkSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> ApiResponse:
        return run_once(request, lambda: self._create(request), secret_fields=("url",))

    def _create(self, request: Request) -> ApiResponse:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session: Session = serializer.validated_data["session"]
        try:  # the web page's rules: not once answered; older open links stop working
            link, token = replace_link(session, request.user, request._request)
        except ValueError as exc:  # answered, nothing due, or consent withdrawn: say why
            raise exceptions.ValidationError({"session": [str(exc)]}) from None
        client = session.episode.client
        emailed = bool(serializer.validated_data["send_email"] and client.email)
        if emailed:
            transaction.on_commit(lambda: email_link(link, token, request._request))
        link.session = session
        data = dict(s.LinkSerializer(link).data)
        data.update(url=link_url(token, request._request), emailed=emailed)
        return ApiResponse(data, status=status.HTTP_201_CREATED)


_RESPONSE_FILTERS: dict[str, str] = {
    "client": "session__episode__client_id",
    "episode": "session__episode_id",
    "session": "session_id",
}


@_filters(("client", "client"), ("episode", "episode"), ("session", "session"))
class ResponseViewSet(ClinicalViewSet):
    """Completed questionnaires with the answers as given and their scores."""

    model = Response
    client_path = "session__episode__client"
    serializer_class = s.ResponseSerializer
    filters = _RESPONSE_FILTERS


@_filters(("client", "client"), ("episode", "episode"), ("session", "session"))
class ScoreViewSet(ClinicalViewSet):
    """Scale scores, bands and flags of each completed questionnaire (no answers)."""

    model = Response
    client_path = "session__episode__client"
    serializer_class = s.ScoreSerializer
    filters = _RESPONSE_FILTERS


@_filters(("client", "client"), ("episode", "episode"))
class AlertViewSet(ClinicalViewSet):
    """Alerts with their next steps. POST acknowledge/resolve moves them on."""

    model = Alert
    client_path = "episode__client"
    serializer_class = s.AlertSerializer
    filters: ClassVar[dict[str, str]] = {"client": "episode__client_id", "episode": "episode_id"}

    @extend_schema(request=None, responses={200: s.AlertSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> ApiResponse:
        """Open -> acknowledged. Repeating it changes nothing."""
        alert = self.get_object()
        lifecycle.acknowledge(alert, request.user, request._request)
        alert.refresh_from_db()
        return ApiResponse(s.AlertSerializer(alert).data)

    @extend_schema(request=s.ResolveSerializer, responses={200: s.AlertSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> ApiResponse:
        """Resolved, with a note on what was done. Repeating it changes nothing."""
        alert = self.get_object()
        serializer = s.ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            lifecycle.resolve(
                alert, request.user, serializer.validated_data["note"], request._request
            )
        except ValueError as exc:
            raise exceptions.ValidationError({"note": [str(exc)]}) from None
        alert.refresh_from_db()
        return ApiResponse(s.AlertSerializer(alert).data)


@_filters(("client", "client"), ("episode", "episode"))
class GoalViewSet(ClinicalViewSet):
    """Goals in the client's words, with agreement and goal-attainment ratings."""

    model = Goal
    client_path = "episode__client"
    serializer_class = s.GoalSerializer
    filters: ClassVar[dict[str, str]] = {"client": "episode__client_id", "episode": "episode_id"}

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("ratings")


@_filters(("client", "client"), ("episode", "episode"))
class TaskViewSet(ClinicalViewSet):
    """Tasks (homework) with the client's completion and reflection."""

    model = Task
    client_path = "episode__client"
    serializer_class = s.TaskSerializer
    filters: ClassVar[dict[str, str]] = {"client": "episode__client_id", "episode": "episode_id"}
