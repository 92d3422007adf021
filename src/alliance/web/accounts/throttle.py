"""Sign-in throttle: failures counted in the database, per username and per network address.

Every app process reads and writes the same rows (``LoginThrottle``), inside a
transaction with the row locked, so several processes agree on the count.
A username is counted whether or not an account has it; the lockout message
is the same either way, so it tells an attacker nothing about who exists.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from alliance.web.accounts.models import LoginThrottle, User
from alliance.web.audit.log import client_ip, record

Scope = LoginThrottle.Scope

LOCKED_MESSAGE = (
    "Too many unsuccessful attempts to sign in. For safety, signing in with this username "
    "or from this network is paused for {minutes} minutes. Please wait and try again, or "
    "reset your password below."
)


def locked_message() -> str:
    return LOCKED_MESSAGE.format(minutes=settings.ALLIANCE_LOCKOUT_MINUTES)


def username_key(username: str) -> str:
    return username.strip().casefold()[:150]


def _keys(username: str | None, ip: str | None) -> list[tuple[str, str, int]]:
    keys: list[tuple[str, str, int]] = []
    if username:
        keys.append((Scope.USERNAME, username_key(username), settings.ALLIANCE_LOGIN_MAX_FAILURES))
    if ip:
        keys.append((Scope.IP, ip, settings.ALLIANCE_LOGIN_MAX_FAILURES_PER_IP))
    return keys


def is_locked(username: str | None, ip: str | None) -> bool:
    """Is sign-in paused for this username or this address? (One query.)"""
    keys = _keys(username, ip)
    if not keys:
        return False
    match = Q()
    for scope, key, _limit in keys:
        match |= Q(scope=scope, key=key)
    return LoginThrottle.objects.filter(match, locked_until__gt=timezone.now()).exists()


def record_failure(request: HttpRequest, username: str | None) -> bool:
    """Count one failed attempt; True when it starts a lockout (which is audited)."""
    now = timezone.now()
    window = dt.timedelta(minutes=settings.ALLIANCE_LOCKOUT_MINUTES)
    ip = client_ip(request)
    started: list[LoginThrottle] = []
    with transaction.atomic():
        for scope, key, limit in _keys(username, ip):
            row, _ = LoginThrottle.objects.select_for_update().get_or_create(scope=scope, key=key)
            since = (now - window).timestamp()
            recent = [t for t in row.recent if isinstance(t, int | float) and t > since]
            recent.append(now.timestamp())
            if len(recent) >= limit:
                recent, row.locked_until = [], now + window
                started.append(row)
            row.recent = recent
            row.save()
        # Forget rows long past their window and lock (kept a day at least, for the audit trail).
        stale = now - max(dt.timedelta(days=1), 2 * window)
        LoginThrottle.objects.filter(updated__lt=stale).delete()
    for row in started:
        record(
            request,
            "lockout",
            row,
            actor_label="sign-in throttle",
            scope=row.scope,
            username=_label(username or ""),
            account_exists=bool(username)
            and User.objects.filter(username__iexact=username_key(username or "")).exists(),
            locked_until=row.locked_until.isoformat() if row.locked_until else None,
            failures=settings.ALLIANCE_LOGIN_MAX_FAILURES
            if row.scope == Scope.USERNAME
            else settings.ALLIANCE_LOGIN_MAX_FAILURES_PER_IP,
        )
    return bool(started)


def _label(typed: str) -> str:
    """What was typed as a username, as a one-line label for the audit log (80 characters)."""
    return "".join(ch if ch.isprintable() else "?" for ch in typed.strip())[:80]


def clear_username(username: str) -> None:
    """A successful sign-in (or a new password) clears that username's count, not the address's."""
    LoginThrottle.objects.filter(scope=Scope.USERNAME, key=username_key(username)).delete()
