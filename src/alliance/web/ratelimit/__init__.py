"""Rate limits on the client-link pages (``/q/<token>/...``, ``/p/<token>/...``).

Two limits per client address, both sliding windows:

- **requests**: at most ``ALLIANCE_LINK_RATE_LIMIT`` (default 60) token-page
  requests in ``ALLIANCE_LINK_RATE_WINDOW`` seconds (default 5 minutes);
- **unknown tokens**: at most ``ALLIANCE_LINK_MAX_UNKNOWN`` (default 20) requests
  answered "link not recognised" (404) in ``ALLIANCE_LINK_UNKNOWN_WINDOW`` seconds
  (default 15 minutes). This is what stops anyone guessing tokens.

Past either limit every token page from that address gets a plain-words 429
page with ``Retry-After``, rendered before any token is looked up, so it shows
nothing about any client. The start of an unknown-token block is written to the
audit log (action ``lockout``) and the application log.

**Storage.** The counts live in the database (``LinkRateCounter``, one row per
address), so every app process agrees; Django's default cache is per process and
would not. Each request costs one statement, an upsert that returns the counts
(``INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING``: PostgreSQL, and SQLite
3.35 or later); a 404 costs one more. Counting happens before the decision, so
two processes racing at the limit can let one request too many through, never
block one too early. Rows idle past both windows are deleted when an address
comes back after such a pause.

**Addresses.** ``REMOTE_ADDR``, or with ``ALLIANCE_TRUSTED_PROXIES = n`` the
n-th address from the right of ``X-Forwarded-For`` (the one the outermost of
the n trusted proxies saw). IPv6 addresses count by their /64 network, which a
single household or phone usually holds whole.

The sliding-window estimate (as in Cloudflare's rate limiter): with fixed
windows of length W, ``estimate = current + previous * (1 - elapsed / W)``,
where ``elapsed`` is the time since the current window began.

>>> _estimate(10, 4, 6, 10, 0.5)
7.0
>>> _estimate(9, 4, 6, 10, 0.5)
2.0
>>> _estimate(7, 4, 6, 10, 0.5)
0.0
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

TABLE = "alliance_link_rate"  # LinkRateCounter's table (models.py); the SQL below names it.

# One statement per request: count it and read both counters back. SET expressions
# read the row as it was, so the order of the assignments does not matter. A server
# whose clock is a little behind keeps counting in the newest window (">=").
_COUNT_REQUEST = """
INSERT INTO alliance_link_rate
    (address, req_window, req_count, req_prev, unknown_window, unknown_count, unknown_prev,
     seen, was_idle)
VALUES (%s, %s, 1, 0, %s, 0, 0, %s, FALSE)
ON CONFLICT (address) DO UPDATE SET
    req_prev = CASE
        WHEN alliance_link_rate.req_window >= excluded.req_window THEN alliance_link_rate.req_prev
        WHEN alliance_link_rate.req_window = excluded.req_window - 1 THEN alliance_link_rate.req_count
        ELSE 0 END,
    req_count = CASE
        WHEN alliance_link_rate.req_window >= excluded.req_window THEN alliance_link_rate.req_count + 1
        ELSE 1 END,
    req_window = CASE
        WHEN alliance_link_rate.req_window > excluded.req_window THEN alliance_link_rate.req_window
        ELSE excluded.req_window END,
    was_idle = alliance_link_rate.seen < %s,
    seen = excluded.seen
RETURNING req_window, req_count, req_prev, unknown_window, unknown_count, unknown_prev, was_idle
"""

_COUNT_UNKNOWN = """
INSERT INTO alliance_link_rate
    (address, req_window, req_count, req_prev, unknown_window, unknown_count, unknown_prev,
     seen, was_idle)
VALUES (%s, %s, 0, 0, %s, 1, 0, %s, FALSE)
ON CONFLICT (address) DO UPDATE SET
    unknown_prev = CASE
        WHEN alliance_link_rate.unknown_window >= excluded.unknown_window
            THEN alliance_link_rate.unknown_prev
        WHEN alliance_link_rate.unknown_window = excluded.unknown_window - 1
            THEN alliance_link_rate.unknown_count
        ELSE 0 END,
    unknown_count = CASE
        WHEN alliance_link_rate.unknown_window >= excluded.unknown_window
            THEN alliance_link_rate.unknown_count + 1
        ELSE 1 END,
    unknown_window = CASE
        WHEN alliance_link_rate.unknown_window > excluded.unknown_window
            THEN alliance_link_rate.unknown_window
        ELSE excluded.unknown_window END,
    seen = excluded.seen
RETURNING unknown_window, unknown_count, unknown_prev
"""

_FORGET_STALE = "DELETE FROM alliance_link_rate WHERE seen < %s"

TOO_MANY_TEMPLATE = "ratelimit/too_many.html"


def _now() -> float:
    """The current Unix time (a function, so tests can move the clock)."""
    return time.time()


def _estimate(
    stored_window: int, count: int, prev: int, window: int, elapsed_fraction: float
) -> float:
    """Requests in the sliding window ending now, from fixed-window counts (see the module)."""
    if stored_window >= window:
        return count + prev * (1.0 - elapsed_fraction)
    if stored_window == window - 1:
        return count * (1.0 - elapsed_fraction)
    return 0.0


@dataclass(frozen=True)
class _Clock:
    """Where ``now`` falls in one kind of fixed window."""

    index: int
    fraction: float

    @classmethod
    def at(cls, now: float, length: int) -> _Clock:
        index = math.floor(now / length)
        return cls(index, (now - index * length) / length)


def client_address(request: HttpRequest) -> str:
    """The address the limits count: see the module docstring. Never empty."""
    raw = request.META.get("REMOTE_ADDR") or ""
    hops = settings.ALLIANCE_TRUSTED_PROXIES
    if hops:
        forwarded = [
            part.strip()
            for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            raw = forwarded[-hops]
    return _bucket(raw)


def _bucket(raw: str) -> str:
    """An IPv4 address as itself, an IPv6 address as its /64; anything else as 'unknown'.

    >>> _bucket("203.0.113.9"), _bucket("2001:db8:1:2:3:4:5:6"), _bucket("::ffff:192.0.2.1")
    ('203.0.113.9', '2001:db8:1:2::/64', '192.0.2.1')
    >>> _bucket("not an address")
    'unknown'
    """
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _stale_before(now: float) -> int:
    """Rows last seen before this (Unix seconds) hold no count that still matters."""
    longest = max(settings.ALLIANCE_LINK_RATE_WINDOW, settings.ALLIANCE_LINK_UNKNOWN_WINDOW)
    return math.floor(now) - 2 * longest


@dataclass(frozen=True)
class Verdict:
    requests: float  # estimate, this request included
    unknown: float  # estimate of unknown tokens so far
    reason: str | None  # "requests", "unknown" or None (let through)


def count_request(address: str, now: float) -> Verdict:
    """Count one token-page request from ``address``; say whether it may go on."""
    req = _Clock.at(now, settings.ALLIANCE_LINK_RATE_WINDOW)
    unk = _Clock.at(now, settings.ALLIANCE_LINK_UNKNOWN_WINDOW)
    stale = _stale_before(now)
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_REQUEST, [address, req.index, unk.index, math.floor(now), stale])
        row = cursor.fetchone()
    r_window, r_count, r_prev, u_window, u_count, u_prev, was_idle = row
    requests = _estimate(r_window, r_count, r_prev, req.index, req.fraction)
    unknown = _estimate(u_window, u_count, u_prev, unk.index, unk.fraction)
    if was_idle:
        with connection.cursor() as cursor:
            cursor.execute(_FORGET_STALE, [stale])
    reason = None
    if unknown >= settings.ALLIANCE_LINK_MAX_UNKNOWN:
        reason = "unknown"
    elif requests > settings.ALLIANCE_LINK_RATE_LIMIT:
        reason = "requests"
        if requests - 1 <= settings.ALLIANCE_LINK_RATE_LIMIT:
            logger.warning("client links: requests from %s paused (over the rate limit)", address)
    return Verdict(requests, unknown, reason)


def count_unknown(request: HttpRequest, address: str, now: float) -> float:
    """Count one unknown token from ``address``; audit and log the start of a block."""
    req = _Clock.at(now, settings.ALLIANCE_LINK_RATE_WINDOW)
    unk = _Clock.at(now, settings.ALLIANCE_LINK_UNKNOWN_WINDOW)
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_UNKNOWN, [address, req.index, unk.index, math.floor(now)])
        u_window, u_count, u_prev = cursor.fetchone()
    unknown = _estimate(u_window, u_count, u_prev, unk.index, unk.fraction)
    limit = settings.ALLIANCE_LINK_MAX_UNKNOWN
    if unknown >= limit > unknown - 1:
        _record_block(request, address, now)
    return unknown


def _record_block(request: HttpRequest, address: str, now: float) -> None:
    from alliance.web.audit.log import record
    from alliance.web.ratelimit.models import LinkRateCounter

    minutes = math.ceil(settings.ALLIANCE_LINK_UNKNOWN_WINDOW / 60)
    logger.warning(
        "client links: %s paused after %s unknown links (possible guessing)",
        address,
        settings.ALLIANCE_LINK_MAX_UNKNOWN,
    )
    row = LinkRateCounter.objects.filter(pk=address).first()
    if row is None:  # deleted meanwhile: nothing to point the event at
        return
    record(
        request,
        "lockout",
        row,
        actor_label="client-link rate limit",
        scope="unknown_tokens",
        failures=settings.ALLIANCE_LINK_MAX_UNKNOWN,
        paused_minutes=minutes,
    )


def too_many(request: HttpRequest, reason: str) -> HttpResponse:
    """The 429 page: plain words, nothing about any client, the same for both limits
    but for the wait."""
    seconds = (
        settings.ALLIANCE_LINK_UNKNOWN_WINDOW
        if reason == "unknown"
        else settings.ALLIANCE_LINK_RATE_WINDOW
    )
    response = render(
        request, TOO_MANY_TEMPLATE, {"minutes": max(1, math.ceil(seconds / 60))}, status=429
    )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


View = Callable[..., HttpResponse]


def rate_limited(view: View) -> View:
    """Apply the client-link limits to a view that takes a token (see the module)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        address = client_address(request)
        now = _now()
        verdict = count_request(address, now)
        if verdict.reason is not None:
            return too_many(request, verdict.reason)
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            count_unknown(request, address, now)
            raise
        if response.status_code == 404:
            count_unknown(request, address, now)
        return response

    wrapped.__dict__["rate_limited"] = True  # seen through outer decorators (functools.wraps)
    return wrapped
