"""What /fhir/ serves: one table of resource types, each with its search parameters,
sort keys, reads and the records behind them.

The searches, the reads, the URL routes and the CapabilityStatement
(``metadata``) are all made from :data:`TYPES`, so what the server says it
does and what it does cannot drift apart. Every query starts from the web
app's ``for_user`` querysets (organisation and caseload).

Ids: Patient = client, Encounter = session, QuestionnaireResponse = stored
response, Observation = ``<response id>-<scale id>``, Questionnaire = the
instrument's FHIR id.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources as package_files
from typing import Any, ClassVar

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from alliance.fhir import fhir_id, questionnaire
from alliance.fhir.encounter import encounter
from alliance.fhir.meta import with_meta
from alliance.fhir.observation import scored_scales
from alliance.fhir.search import (
    DateRange,
    parse_date,
    parse_id,
    parse_reference,
    parse_token,
)
from alliance.instruments import Instrument
from alliance.web.care.models import Client, Session
from alliance.web.custominstruments.models import CustomInstrument
from alliance.web.custominstruments.registry import instruments_for
from alliance.web.fhirapi import services
from alliance.web.measures.models import Response

Resource = dict[str, Any]


@dataclass
class Caller:
    """Who is asking and how to write URLs: the same for every resource of one request."""

    user: Any
    base: str
    tz: dt.tzinfo = field(default_factory=timezone.get_current_timezone)
    today: dt.date = field(default_factory=timezone.localdate)

    @cached_property
    def instruments(self) -> dict[str, Instrument]:
        return instruments_for(getattr(self.user, "organisation_id", None))

    def instrument(self, instrument_id: str) -> Instrument:
        """One of the clinic's instruments, switched-off ones included (looked up once)."""
        if instrument_id not in self.instruments:
            found = services.instrument_of_clinic(self.user, instrument_id)
            self.instruments[instrument_id] = found
        return self.instruments[instrument_id]


@dataclass(frozen=True)
class SearchParam:
    """One search parameter: its FHIR name and type, what it means, and its filter
    (one value to a ``Q``; comma-separated values are OR-ed, repeated parameters AND-ed)."""

    name: str
    type: str
    documentation: str
    where: Callable[[str, Caller], Q]


@dataclass(frozen=True)
class SortKey:
    """A ``_sort`` key and the model fields it orders by (the primary key breaks ties)."""

    name: str
    fields: tuple[str, ...]


def date_q(lookup: str, r: DateRange, *, date_only: bool = False) -> Q:
    """A FHIR date comparison (prefixes eq ne lt le gt ge sa eb) on one stored point in time.

    A stored point is in the search range ``[start, end)`` for ``eq``; ``lt``/``eb``
    ask for points before ``start``, ``gt``/``sa`` for points from ``end`` on.
    ``date_only`` compares a date column with the range's days.
    """
    start: Any = r.start
    end: Any = r.end
    if date_only:
        start = r.start.date()
        whole_day = r.end.timetz().replace(tzinfo=None) == dt.time(0)
        end = r.end.date() if whole_day else r.end.date() + dt.timedelta(days=1)
    inside = Q(**{f"{lookup}__gte": start, f"{lookup}__lt": end})
    comparisons = {
        "eq": inside,
        "ne": ~inside,
        "lt": Q(**{f"{lookup}__lt": start}),
        "eb": Q(**{f"{lookup}__lt": start}),
        "le": Q(**{f"{lookup}__lt": end}),
        "gt": Q(**{f"{lookup}__gte": end}),
        "sa": Q(**{f"{lookup}__gte": end}),
        "ge": Q(**{f"{lookup}__gte": start}),
    }
    return comparisons[r.prefix]


def _date(name: str, lookup: str, doc: str, *, date_only: bool = False) -> SearchParam:
    return SearchParam(
        name,
        "date",
        doc,
        lambda raw, c: date_q(lookup, parse_date(name, raw, c.tz), date_only=date_only),
    )


def _reference(name: str, kind: str, lookup: str, doc: str) -> SearchParam:
    return SearchParam(
        name, "reference", doc, lambda raw, c: Q(**{lookup: parse_reference(name, raw, kind)})
    )


def _id_param(lookup: str = "pk") -> SearchParam:
    return SearchParam(
        "_id", "token", "The resource id.", lambda raw, c: Q(**{lookup: parse_id("_id", raw)})
    )


def _last_updated(lookup: str) -> SearchParam:
    return _date("_lastUpdated", lookup, "When Alliance stored the record (meta.lastUpdated).")


class ResourceType:
    """A FHIR resource type served from the database, one record per resource."""

    name: ClassVar[str]
    params: ClassVar[tuple[SearchParam, ...]]
    sorts: ClassVar[tuple[SortKey, ...]]
    default_sort: ClassVar[str]
    interactions: ClassVar[tuple[str, ...]] = ("read", "search-type")
    id_pattern: ClassVar[str] = r"[1-9][0-9]{0,18}"
    snapshot: ClassVar[bool] = True  # pages of one search never see records added after page 1

    def queryset(self, caller: Caller) -> QuerySet[Any]:
        raise NotImplementedError

    def resources(self, rows: Sequence[Any], caller: Caller) -> list[Resource]:
        raise NotImplementedError

    def clients(self, rows: Sequence[Any]) -> list[Client]:
        """The clients whose records ``rows`` are (each read is audited per client)."""
        raise NotImplementedError

    def page(
        self, queryset: QuerySet[Any], offset: int, count: int, caller: Caller
    ) -> tuple[list[Resource], list[Any], int]:
        """Resources ``offset`` to ``offset + count`` of the search, the rows read, and the total."""
        total = queryset.count()
        rows = list(queryset[offset : offset + count]) if count and offset < total else []
        return self.resources(rows, caller), rows, total

    def read(self, resource_id: str, caller: Caller) -> tuple[Resource, list[Any]] | None:
        row = self.queryset(caller).filter(pk=int(resource_id)).first()
        return (self.resources([row], caller)[0], [row]) if row is not None else None


def _responses(caller: Caller) -> QuerySet[Response]:
    return Response.objects.for_user(caller.user).select_related("session__episode__client")


_PATIENT_DOC = "The client (Patient/<id> or <id>)."


class QuestionnaireResponseType(ResourceType):
    name = "QuestionnaireResponse"
    interactions = ("read", "search-type", "create")
    params = (
        _id_param(),
        _last_updated("recorded_at"),
        _reference("patient", "Patient", "session__episode__client_id", _PATIENT_DOC),
        _reference("subject", "Patient", "session__episode__client_id", _PATIENT_DOC),
        _reference("encounter", "Encounter", "session_id", "The session (Encounter/<id>)."),
        _date("authored", "submitted_at", "When the answers were given (as sent, for imports)."),
        SearchParam(
            "questionnaire",
            "reference",
            "The Questionnaire answered: its canonical URL or id.",
            lambda raw, c: Q(instrument__in=_instrument_ids(raw, c)),
        ),
    )
    sorts = (
        SortKey("authored", ("submitted_at",)),
        SortKey("_lastUpdated", ("recorded_at",)),
        SortKey("_id", ()),
    )
    default_sort = "-authored"

    def queryset(self, caller: Caller) -> QuerySet[Any]:
        return _responses(caller)

    def resources(self, rows: Sequence[Any], caller: Caller) -> list[Resource]:
        found = []
        for r in rows:
            caller.instrument(r.instrument)
            resource = services.response_resource(r, caller.base, caller.instruments)
            found.append(with_meta(resource, r.recorded_at))
        return found

    def clients(self, rows: Sequence[Any]) -> list[Client]:
        return [r.session.episode.client for r in rows]


def _instrument_ids(raw: str, caller: Caller) -> list[str]:
    key = raw.split("|", 1)[0].rsplit("/", 1)[-1]
    return [i for i in caller.instruments if key in (i, fhir_id(i))]


class ObservationType(ResourceType):
    """Scale scores: one Observation per scored scale of a stored response; a page counts
    Observations, not responses."""

    name = "Observation"
    id_pattern = r"[1-9][0-9]{0,18}-[a-z0-9-]{1,40}"
    params = (
        _last_updated("recorded_at"),
        _reference("patient", "Patient", "session__episode__client_id", _PATIENT_DOC),
        _reference("subject", "Patient", "session__episode__client_id", _PATIENT_DOC),
        _date("date", "submitted_at", "effectiveDateTime: when the answers were given."),
        SearchParam(
            "derived-from",
            "reference",
            "The QuestionnaireResponse scored (QuestionnaireResponse/<id>).",
            lambda raw, c: Q(pk=parse_reference("derived-from", raw, "QuestionnaireResponse")),
        ),
    )
    sorts = (SortKey("date", ("submitted_at",)), SortKey("_lastUpdated", ("recorded_at",)))
    default_sort = "-date"

    def queryset(self, caller: Caller) -> QuerySet[Any]:
        return _responses(caller)

    def _observations(self, row: Response, caller: Caller) -> list[Resource]:
        caller.instrument(row.instrument)
        found = services.observation_resources(row, caller.base, caller.instruments)
        return [with_meta(o, row.recorded_at) for o in found]

    def resources(self, rows: Sequence[Any], caller: Caller) -> list[Resource]:
        return [o for row in rows for o in self._observations(row, caller)]

    def clients(self, rows: Sequence[Any]) -> list[Client]:
        return [r.session.episode.client for r in rows]

    def _sizes(self, queryset: QuerySet[Any], caller: Caller) -> Iterable[tuple[int, int]]:
        """(response pk, number of Observations) in search order, from the scores alone."""
        for pk, instrument_id, scores in queryset.values_list("pk", "instrument", "scores"):
            yield pk, len(scored_scales(caller.instrument(instrument_id), scores or {}))

    def page(
        self, queryset: QuerySet[Any], offset: int, count: int, caller: Caller
    ) -> tuple[list[Resource], list[Any], int]:
        total, skip = 0, 0
        wanted: list[int] = []
        for pk, size in self._sizes(queryset, caller):
            if size and total + size > offset and total < offset + count:
                if not wanted:
                    skip = offset - total
                wanted.append(pk)
            total += size
        if not wanted:
            return [], [], total
        by_pk = {r.pk: r for r in queryset.filter(pk__in=wanted)}
        rows = [by_pk[pk] for pk in wanted]
        return self.resources(rows, caller)[skip : skip + count], rows, total

    def read(self, resource_id: str, caller: Caller) -> tuple[Resource, list[Any]] | None:
        response_id = resource_id.split("-", 1)[0]
        row = self.queryset(caller).filter(pk=int(response_id)).first()
        if row is None:
            return None
        found = [o for o in self._observations(row, caller) if o["id"] == resource_id]
        return (found[0], [row]) if found else None


class EncounterType(ResourceType):
    name = "Encounter"
    params = (
        _id_param(),
        _reference("patient", "Patient", "episode__client_id", _PATIENT_DOC),
        _reference("subject", "Patient", "episode__client_id", _PATIENT_DOC),
        _date("date", "date", "The session's day (Encounter.period).", date_only=True),
    )
    sorts = (SortKey("date", ("date",)), SortKey("_id", ()))
    default_sort = "-date"

    def queryset(self, caller: Caller) -> QuerySet[Any]:
        return Session.objects.for_user(caller.user).select_related("episode__client")

    def resources(self, rows: Sequence[Any], caller: Caller) -> list[Resource]:
        found = []
        for s in rows:
            resource = encounter(
                str(s.pk),
                subject=f"Patient/{s.episode.client_id}",
                date=s.date,
                today=caller.today,
            )
            found.append(with_meta(resource, _encounter_updated(s, caller)))
        return found

    def clients(self, rows: Sequence[Any]) -> list[Client]:
        return [s.episode.client for s in rows]


def _encounter_updated(session: Session, caller: Caller) -> dt.datetime:
    """The session's record time, or the start of its day once that day made it finished."""
    if session.date > caller.today:
        return session.created
    day = dt.datetime.combine(session.date, dt.time(0), tzinfo=caller.tz)
    return max(session.created, day)


class PatientType(ResourceType):
    name = "Patient"
    params = (
        _id_param(),
        SearchParam(
            "identifier",
            "token",
            "The client code: <system>|<code> (the system is in each Patient's identifier), "
            "or the code alone.",
            lambda raw, c: _identifier_q(raw, c),
        ),
    )
    sorts = (SortKey("_id", ()),)
    default_sort = "_id"

    def queryset(self, caller: Caller) -> QuerySet[Any]:
        erased = Q(erasures__episode__isnull=True)
        return (
            Client.objects.for_user(caller.user)
            .select_related("organisation")
            .annotate(erased_at=Max("erasures__erased_at", filter=erased))
        )

    def resources(self, rows: Sequence[Any], caller: Caller) -> list[Resource]:
        return [
            with_meta(
                services.patient_resource(c, caller.base), max(c.created, c.erased_at or c.created)
            )
            for c in rows
        ]

    def clients(self, rows: Sequence[Any]) -> list[Client]:
        return list(rows)


def _identifier_q(raw: str, caller: Caller) -> Q:
    system, code = parse_token("identifier", raw)
    organisation = getattr(caller.user, "organisation", None)
    ours = services.client_code_system(caller.base, organisation.slug) if organisation else None
    if system is not None and system != ours:
        return Q(pk__in=[])  # no client has an identifier in another system
    return Q(code=code) if code is not None else Q()


class QuestionnaireType(ResourceType):
    """The clinic's instruments (built in and its own); served from memory, not a table."""

    name = "Questionnaire"
    id_pattern = r"[A-Za-z0-9\-.]{1,64}"
    snapshot = False
    params = (
        SearchParam("_id", "token", "The Questionnaire id.", lambda raw, c: Q(id=raw)),
        SearchParam(
            "url",
            "uri",
            "The canonical URL (<base>/Questionnaire/<id>).",
            lambda raw, c: Q(url=raw),
        ),
    )
    sorts = (SortKey("_id", ()),)
    default_sort = "_id"

    def all(self, caller: Caller) -> list[Resource]:
        org = getattr(caller.user, "organisation_id", None)
        rows = CustomInstrument.objects.filter(organisation_id=org) if org else None
        created = dict(rows.values_list("instrument_id", "created_at")) if rows else {}
        found = []
        for instrument_id, instrument in sorted(caller.instruments.items()):
            resource = questionnaire(instrument, base_url=caller.base)
            when = created.get(instrument_id) or _builtin_updated(instrument_id)
            found.append(with_meta(resource, when))
        return found

    def search(
        self, wheres: list[list[Q]], offset: int, count: int, descending: bool, caller: Caller
    ) -> tuple[list[Resource], int]:
        found = self.all(caller)
        for alternatives in wheres:  # Q(id=..) / Q(url=..) tested against each resource
            found = [r for r in found if any(_matches(r, q) for q in alternatives)]
        if descending:
            found.reverse()
        return found[offset : offset + count], len(found)

    def read(self, resource_id: str, caller: Caller) -> tuple[Resource, list[Any]] | None:
        found = [r for r in self.all(caller) if r["id"] == resource_id]
        return (found[0], []) if found else None

    def clients(self, rows: Sequence[Any]) -> list[Client]:
        return []


def _matches(resource: Resource, q: Q) -> bool:
    key, value = q.children[0]  # type: ignore[misc]
    return bool(resource.get(str(key)) == value)


def _builtin_updated(instrument_id: str) -> dt.datetime:
    """When this server's copy of a built-in instrument file last changed."""
    path = package_files.files("alliance.instruments") / "data" / f"{instrument_id}.toml"
    try:
        stamp = os.stat(str(path)).st_mtime
    except OSError:
        stamp = _STARTED.timestamp()
    return dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC)


_STARTED = timezone.now()

TYPES: dict[str, ResourceType] = {
    t.name: t
    for t in (
        PatientType(),
        EncounterType(),
        QuestionnaireType(),
        QuestionnaireResponseType(),
        ObservationType(),
    )
}
"""Every resource type served, by name (the CapabilityStatement lists them in this order)."""
