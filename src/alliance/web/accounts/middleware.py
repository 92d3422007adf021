"""Idle logout and the two-factor gate. Installed after AuthenticationMiddleware (see settings)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from alliance.web.accounts.otp import confirmed_device, is_verified

LAST_SEEN = "alliance_last_seen"
IDLE_NOTICE = "alliance_signed_out_idle"
LOCKED_NOTICE = "alliance_signed_out_locked"
# Set at sign-in for anyone with an authenticator: their code is asked for even when not required.
CODE_PENDING = "alliance_code_pending"
# The last-seen time is written at most this often (one session write a minute, not one a request).
TOUCH_SECONDS = 60

# What a signed-in person may open before giving their code (or setting up an authenticator).
OPEN_BEFORE_CODE = frozenset(
    {
        "login",
        "logout",
        "health",
        "accounts:verify",
        "accounts:enrol",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
    }
)


def stamp_activity(request: HttpRequest) -> None:
    request.session[LAST_SEEN] = int(time.time())


class IdleTimeoutMiddleware:
    """Sign staff out after ALLIANCE_IDLE_MINUTES without a request (checked on the server).

    The login page then says why. Only requests with a session cookie are
    looked at, so client links and health checks cost nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if isinstance(last, int) and now - last > settings.ALLIANCE_IDLE_MINUTES * 60:
                logout(request)
                request.session[IDLE_NOTICE] = True
            elif not isinstance(last, int) or now - last >= TOUCH_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


def code_step_url(user: Any, next_url: str = "") -> str:
    """Where a signed-in person without a verified session goes: the code, or set-up."""
    name = "accounts:verify" if confirmed_device(user) is not None else "accounts:enrol"
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def needs_code(request: HttpRequest) -> bool:
    user: Any = request.user
    if not user.is_authenticated or is_verified(user):
        return False
    return bool(user.requires_two_factor or request.session.get(CODE_PENDING))


class TwoFactorMiddleware:
    """Staff who must use an authenticator see nothing else until their session is verified.

    Runs after django-otp's OTPMiddleware. Staff with no authenticator yet are
    sent to set one up; staff with one are asked for a code. Only the pages in
    OPEN_BEFORE_CODE are reachable meanwhile (an allow-list: new pages are
    closed by default).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_code(request) and not _open_before_code(request.path_info):
            next_url = request.get_full_path() if request.method == "GET" else ""
            return HttpResponseRedirect(code_step_url(request.user, next_url))
        return self.get_response(request)


def _open_before_code(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in OPEN_BEFORE_CODE
