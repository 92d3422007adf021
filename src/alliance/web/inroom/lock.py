"""In-room mode: the therapist's signed-in device handed to the client, locked to one link.

"Answer now, in the room" puts a flag in the staff member's session naming
the link. While it is there, InRoomMiddleware lets through only that link's
questionnaire pages, the unlock page and signing out; every other page
redirects to the unlock page, which asks for the staff member's password or
their in-room PIN before anything with client data shows again. Start, unlock
and failed unlocks are audited.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from alliance.web.measures.models import hash_token

FLAG = "alliance_in_room"
# After this many wrong passwords or PINs the staff member is signed out altogether.
MAX_UNLOCK_FAILURES = 5
ALWAYS_OPEN = frozenset({"inroom:unlock", "logout", "login", "health"})
LINK_PAGES = frozenset({"measures:start", "measures:step"})


def lock(request: HttpRequest, *, link_pk: int, token: str) -> None:
    """Only the token's hash goes in the session, like the link's own row: a copy of the
    session table alone does not reveal the client's link."""
    request.session[FLAG] = {
        "link": link_pk,
        "token_hash": hash_token(token),
        "since": int(time.time()),
        "failures": 0,
    }


def locked(request: HttpRequest) -> dict[str, Any] | None:
    session = getattr(request, "session", None)
    value = session.get(FLAG) if session is not None else None
    return value if isinstance(value, dict) else None


def unlock(request: HttpRequest) -> None:
    request.session.pop(FLAG, None)


def note_failure(request: HttpRequest) -> bool:
    """Count a wrong password or PIN; True when the staff member was signed out for it."""
    state = locked(request)
    if state is None:
        return False
    state["failures"] = int(state.get("failures", 0)) + 1
    request.session[FLAG] = state
    if state["failures"] >= MAX_UNLOCK_FAILURES:
        logout(request)
        return True
    return False


def allowed(request: HttpRequest, state: dict[str, Any]) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    if match.view_name in ALWAYS_OPEN:
        return True
    token = match.kwargs.get("token")
    return (
        match.view_name in LINK_PAGES
        and isinstance(token, str)
        and hash_token(token) == state.get("token_hash")
    )


class InRoomMiddleware:
    """While a device is in in-room mode, nothing but the client's own questionnaire opens."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = locked(request)
        if state is not None and not allowed(request, state):
            return HttpResponseRedirect(reverse("inroom:unlock"))
        return self.get_response(request)
