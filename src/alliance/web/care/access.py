"""Access helpers: every client-specific view fetches through these.

A client outside the user's clinic or caseload is a 404 (its existence is
not revealed); a role without access to client records is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from alliance.web.care.models import Client, Episode, Session

V = TypeVar("V", bound=Callable[..., HttpResponse])


def clinician_required(view: V) -> V:
    """Logged in, in a clinic, with a clinical role (admin, supervisor, therapist)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if user.organisation_id is None or not user.is_clinician:
            raise PermissionDenied("Client records are open to the clinic's clinical staff only.")
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def supervisor_required(view: V) -> V:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if user.organisation_id is None or not user.sees_whole_clinic:
            raise PermissionDenied("This page is for supervisors and clinic administrators.")
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_required(view: V) -> V:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if user.organisation_id is None or user.role != "admin":
            raise PermissionDenied("This page is for clinic administrators.")
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def client_for(request: HttpRequest, pk: int) -> Client:
    return get_object_or_404(
        Client.objects.for_user(request.user).select_related("therapist"), pk=pk
    )


def episode_for(request: HttpRequest, pk: int) -> Episode:
    return get_object_or_404(
        Episode.objects.for_user(request.user).select_related("client__therapist"), pk=pk
    )


def session_for(request: HttpRequest, pk: int) -> Session:
    return get_object_or_404(
        Session.objects.for_user(request.user).select_related("episode__client__therapist"), pk=pk
    )
