"""FHIR R4 search values read from a query string (no Django): dates, references,
tokens, ``_count``, ``_sort`` and the ``Prefer: handling`` header.

The web app turns these into database filters; keeping the parsing here
means every resource type reads a value the same way and a bad value gets
the same message (a :class:`~alliance.fhir.errors.FhirError`, a 400).
Rules follow the FHIR R4 search page (https://hl7.org/fhir/R4/search.html).

>>> r = parse_date("_lastUpdated", "ge2026-12", dt.timezone.utc)
>>> r.prefix, r.start.isoformat(), r.end.isoformat()
('ge', '2026-12-01T00:00:00+00:00', '2027-01-01T00:00:00+00:00')
>>> parse_reference("patient", "Patient/12", "Patient")
12
>>> parse_token("identifier", "https://x.org/code|C-7")
('https://x.org/code', 'C-7')
>>> parse_sort("-authored,_id", ("authored", "_id"))
[('authored', True), ('_id', False)]
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from alliance.fhir.errors import FhirError

__all__ = [
    "DATE_PREFIXES",
    "MAX_ID",
    "DateRange",
    "parse_count",
    "parse_date",
    "parse_id",
    "parse_offset",
    "parse_reference",
    "parse_sort",
    "parse_token",
    "prefer_handling",
]

DATE_PREFIXES = ("eq", "ne", "lt", "gt", "le", "ge", "sa", "eb")
MAX_ID = 2**63 - 1
_DATE = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@dataclass(frozen=True)
class DateRange:
    """A date search value: its prefix and the interval it stands for, ``[start, end)``.

    ``2026-12`` stands for the whole month, ``2026-12-09T09:30`` for one minute.
    """

    prefix: str
    start: dt.datetime
    end: dt.datetime


def _one(raw: str, what: str) -> str:
    return raw[:60] + ("..." if len(raw) > 60 else "") if raw else f"(empty {what})"


def parse_date(name: str, raw: str, tz: dt.tzinfo) -> DateRange:
    """A FHIR date search value (``[prefix]YYYY[-MM[-DD[Thh:mm[:ss[.fff]][zone]]]]``).

    A value without a zone is read in ``tz`` (the server's zone, as the
    specification says).

    >>> parse_date("date", "2026-12-09T09:30Z", dt.timezone.utc).end.isoformat()
    '2026-12-09T09:31:00+00:00'
    >>> parse_date("date", "soon", dt.timezone.utc)
    Traceback (most recent call last):
    ...
    alliance.fhir.errors.FhirError: date: 'soon' is not a FHIR date (e.g. 2026-12-09, ge2026-12-01T09:00:00Z)
    """
    prefix, value = (raw[:2], raw[2:]) if raw[:2] in DATE_PREFIXES else ("eq", raw)
    match = _DATE.match(value)
    bad = FhirError(
        f"{name}: {_one(raw, 'date')!r} is not a FHIR date (e.g. 2026-12-09, ge2026-12-01T09:00:00Z)"
    )
    if match is None:
        raise bad
    parts = {k: v for k, v in match.groupdict().items() if v is not None}
    if "hour" in parts and "second" not in parts and "minute" not in parts:
        raise bad
    zone = _zone(parts.get("tz"), tz)
    try:
        start = dt.datetime(
            int(parts["year"]),
            int(parts.get("month", 1)),
            int(parts.get("day", 1)),
            int(parts.get("hour", 0)),
            int(parts.get("minute", 0)),
            int(parts.get("second", 0)),
            int((parts.get("fraction", "") + "000000")[:6]),
            tzinfo=zone,
        )
        end = _end(start, parts)
    except (ValueError, OverflowError):
        raise bad from None
    return DateRange(prefix, start, end)


def _zone(text: str | None, default: dt.tzinfo) -> dt.tzinfo:
    if text is None:
        return default
    if text == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _end(start: dt.datetime, parts: dict[str, str]) -> dt.datetime:
    if "fraction" in parts:
        return start + dt.timedelta(microseconds=1)
    if "second" in parts:
        return start + dt.timedelta(seconds=1)
    if "minute" in parts:
        return start + dt.timedelta(minutes=1)
    if "day" in parts:
        return start + dt.timedelta(days=1)
    if "month" in parts:
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return start.replace(year=year, month=month)
    return start.replace(year=start.year + 1)


def parse_reference(name: str, raw: str, kind: str) -> int:
    """The record number in a reference value: ``12``, ``Patient/12`` or ``<base>/Patient/12``.

    >>> parse_reference("subject", "Encounter/3", "Patient")
    Traceback (most recent call last):
    ...
    alliance.fhir.errors.FhirError: subject: 'Encounter/3' is not a Patient reference (Patient/<id> or <id>)
    """
    parts = raw.rsplit("/", 2)
    number_text = parts[-1]
    if (len(parts) > 1 and parts[-2] != kind) or not (
        number_text.isascii() and number_text.isdigit() and len(number_text) <= 19
    ):
        raise FhirError(
            f"{name}: {_one(raw, 'reference')!r} is not a {kind} reference ({kind}/<id> or <id>)"
        )
    number = int(number_text)
    if not 0 < number <= MAX_ID:
        raise FhirError(f"{name}: {number} is not a record number")
    return number


def parse_id(name: str, raw: str) -> int:
    """A numeric resource id (``_id``).

    >>> parse_id("_id", "7")
    7
    """
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw[:20]) <= MAX_ID:
        raise FhirError(f"{name}: {_one(raw, 'id')!r} is not an id of this server (1, 2, ...)")
    return int(raw)


def parse_token(name: str, raw: str) -> tuple[str | None, str | None]:
    """A token value as (system, code): ``system|code``, ``|code`` (no system), ``code``
    (any system) or ``system|`` (any code in the system); None means "any".

    >>> parse_token("identifier", "|C-7"), parse_token("identifier", "C-7")
    (('', 'C-7'), (None, 'C-7'))
    """
    if not raw:
        raise FhirError(f"{name}: give a code, or system|code")
    if "|" not in raw:
        return None, raw
    system, code = raw.split("|", 1)
    return system, code or None


def parse_count(raw: str | None, default: int, maximum: int) -> int:
    """``_count``: 0 (only the total) up to ``maximum``; more asks for ``maximum``.

    >>> parse_count("0", 50, 100), parse_count("500", 50, 100), parse_count(None, 50, 100)
    (0, 100, 50)
    """
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise FhirError(f"_count: {_one(raw, 'number')!r} is not a whole number of 0 or more")
    return min(int(raw), maximum)


def parse_offset(name: str, raw: str | None) -> int:
    """``_offset`` or ``_snapshot``: a whole number set by the Bundle's links.

    >>> parse_offset("_offset", "20")
    20
    """
    if raw is None:
        return 0
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise FhirError(f"{name}: {_one(raw, 'number')!r} is not a whole number of 0 or more")
    return int(raw)


def parse_sort(raw: str, allowed: tuple[str, ...]) -> list[tuple[str, bool]]:
    """``_sort``: comma-separated keys, ``-`` for descending; (key, descending) pairs.

    >>> parse_sort("date", ("date",))
    [('date', False)]
    >>> parse_sort("size", ("date",))
    Traceback (most recent call last):
    ...
    alliance.fhir.errors.FhirError: _sort: 'size' is not supported here; sort by date (- first for newest first)
    """
    keys = []
    for part in raw.split(","):
        descending = part.startswith("-")
        key = part.removeprefix("-")
        if key not in allowed:
            raise FhirError(
                f"_sort: {_one(key, 'key')!r} is not supported here; sort by "
                f"{', '.join(allowed)} (- first for newest first)"
            )
        keys.append((key, descending))
    return keys


def prefer_handling(header: str | None) -> str | None:
    """The ``handling`` preference of a ``Prefer`` header: ``strict``, ``lenient`` or None.

    >>> prefer_handling("return=minimal, handling=lenient")
    'lenient'
    """
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "handling" and value.strip().lower() in ("strict", "lenient"):
            return value.strip().lower()
    return None
