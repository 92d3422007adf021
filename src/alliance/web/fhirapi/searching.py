"""FHIR search over the types of :mod:`alliance.web.fhirapi.resources`, answered as a
searchset Bundle with ``self``, ``first``, ``previous``, ``next`` and ``last`` links.

Paging: results are newest first unless ``_sort`` says otherwise, ties broken
by id, so the order is total. The first page fixes a ``_snapshot`` (the
highest record id at that moment) that every link carries: records stored
while a client pages are left out of that search, so pages never shift,
repeat or skip. ``_offset`` says where a page starts; clients follow the links
rather than build them. ``_count`` (0 to 100, default 50) counts the
resources of the type searched for (Observations, not responses); 0 answers
only ``total``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max, Q, QuerySet

from alliance.fhir import FhirError
from alliance.fhir.search import parse_count, parse_offset, parse_sort
from alliance.web.api.errors import operation_outcome
from alliance.web.fhirapi.resources import Caller, QuestionnaireType, ResourceType

DEFAULT_COUNT = 50
MAX_COUNT = 100
FORMATS = ("json", "application/json", "application/fhir+json", "application/json+fhir")
TOTALS = {"_total": ("none", "estimate", "accurate"), "_totalMethod": ("count", "estimate", "none")}
RESULT_PARAMS: dict[str, tuple[str, str]] = {
    "_count": ("number", f"Resources per page, 0 (total only) to {MAX_COUNT}; default 50."),
    "_sort": ("string", "Sort keys, comma-separated, '-' first for descending (see each type)."),
    "_offset": ("number", "Where a page starts; set by the Bundle's links, follow those."),
    "_snapshot": ("number", "Fixes a search's records at its first page; set by the links."),
    "_format": ("string", "json, application/json or application/fhir+json (the only format)."),
    "_total": ("string", "none, estimate or accurate: the total is always given, exactly."),
    "_totalMethod": (
        "string",
        "count, estimate or none (as fhirpy's count() sends it): as _total.",
    ),
}
"""Parameters every search takes besides its type's own (advertised at rest level)."""


@dataclass
class Search:
    """A search as understood: filters, order, page, and what was ignored (lenient)."""

    type: ResourceType
    wheres: list[list[Q]] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0
    snapshot: int | None = None
    kept: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def read_search(kind: ResourceType, params: Any, caller: Caller, *, lenient: bool) -> Search:
    """Read a query string (a QueryDict) into a :class:`Search`; bad values raise FhirError.

    Unknown parameters raise FhirError unless ``lenient`` (``Prefer: handling=lenient``),
    when they are left out and listed in ``ignored``.
    """
    search = Search(kind)
    by_name = {p.name: p for p in kind.params}
    for name in params:
        values = params.getlist(name)
        if name in by_name:
            for value in values:
                if value == "":
                    raise FhirError(f"{name}: give a value (an empty value is refused)")
                parts = value.split(",")
                search.wheres.append([by_name[name].where(part, caller) for part in parts])
                search.kept.append((name, value))
        elif name in RESULT_PARAMS:
            _result_param(search, name, values)
        elif lenient:
            search.ignored.append(name[:40])
        else:
            raise FhirError(
                f"unsupported search parameter {name[:40]!r}; {kind.name} takes "
                f"{', '.join([*by_name, *RESULT_PARAMS])} (or send Prefer: handling=lenient "
                "to have unknown parameters ignored)"
            )
    if not search.sort:
        search.sort = parse_sort(kind.default_sort, tuple(s.name for s in kind.sorts))
    return search


def _result_param(search: Search, name: str, values: list[str]) -> None:
    if len(values) > 1:
        raise FhirError(f"{name}: give it once (got {len(values)} values)")
    value = values[0]
    if name == "_count":
        search.count = parse_count(value, DEFAULT_COUNT, MAX_COUNT)
        search.kept.append((name, value))
    elif name == "_sort":
        search.sort = parse_sort(value, tuple(s.name for s in search.type.sorts))
        search.kept.append((name, value))
    elif name == "_offset":
        search.offset = parse_offset("_offset", value)
    elif name == "_snapshot":
        search.snapshot = parse_offset("_snapshot", value)
    elif name in ("_total", "_totalMethod"):
        allowed = TOTALS[name]
        if value not in allowed:
            raise FhirError(f"{name}: {value[:40]!r}; one of {', '.join(allowed)}")
    elif value not in FORMATS:
        raise FhirError(f"_format: {value[:40]!r}; this server answers JSON only ({FORMATS[0]})")


def _ordered(search: Search, queryset: QuerySet[Any]) -> QuerySet[Any]:
    fields = {s.name: s.fields for s in search.type.sorts}
    order: list[str] = []
    for key, descending in search.sort:
        order += [("-" if descending else "") + f for f in fields[key]]
    last_descending = search.sort[-1][1] if search.sort else False
    order.append("-pk" if last_descending else "pk")
    return queryset.order_by(*order)


def run(search: Search, caller: Caller) -> tuple[list[dict[str, Any]], list[Any], int]:
    """The page's resources, the records read (to audit) and the total; fixes the snapshot."""
    kind = search.type
    if isinstance(kind, QuestionnaireType):
        descending = bool(search.sort and search.sort[0][1])
        found, total = kind.search(search.wheres, search.offset, search.count, descending, caller)
        return found, [], total
    queryset = kind.queryset(caller)
    for alternatives in search.wheres:
        either = Q()
        for q in alternatives:
            either |= q
        queryset = queryset.filter(either)
    if search.snapshot is None:
        search.snapshot = queryset.aggregate(top=Max("pk"))["top"] or 0
    queryset = _ordered(search, queryset.filter(pk__lte=search.snapshot))
    return kind.page(queryset, search.offset, search.count, caller)


def _url(base: str, search: Search, offset: int) -> str:
    query = list(search.kept)
    if search.snapshot is not None:
        query.append(("_snapshot", str(search.snapshot)))
    if offset:
        query.append(("_offset", str(offset)))
    return (
        f"{base}/{search.type.name}?{urlencode(query)}" if query else f"{base}/{search.type.name}"
    )


def links(base: str, search: Search, total: int) -> list[dict[str, str]]:
    """self, first, previous, next and last (only the ones that exist)."""
    found = [{"relation": "self", "url": _url(base, search, search.offset)}]
    count = search.count
    if count == 0:
        return found
    last = max(0, (total - 1) // count * count)
    found.append({"relation": "first", "url": _url(base, search, 0)})
    if search.offset > 0:
        previous = max(0, min(search.offset - count, last))
        found.append({"relation": "previous", "url": _url(base, search, previous)})
    if search.offset + count < total:
        found.append({"relation": "next", "url": _url(base, search, search.offset + count)})
    found.append({"relation": "last", "url": _url(base, search, last)})
    return found


def searchset(
    base: str, search: Search, resources: list[dict[str, Any]], total: int
) -> dict[str, Any]:
    """The searchset Bundle; a lenient search names the parameters it ignored in an
    OperationOutcome entry (search mode ``outcome``)."""
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in resources
    ]
    if search.ignored:
        outcome = operation_outcome(
            "not-supported",
            f"ignored unsupported parameter(s): {', '.join(search.ignored)}",
            severity="warning",
        )
        entries.append({"resource": outcome, "search": {"mode": "outcome"}})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links(base, search, total),
    }
    if entries:  # FHIR JSON has no empty arrays
        bundle["entry"] = entries
    return bundle
