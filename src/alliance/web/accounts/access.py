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

V = TypeVar("V", bound=Callable[..., HttpResponse])


def role_required(allowed: Callable[[Any], bool], refusal: str) -> Callable[[V], V]:
    """Logged in, in a clinic, and ``allowed(user)``; otherwise 403 with ``refusal``."""

    def decorate(view: V) -> V:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user: Any = request.user
            if user.organisation_id is None or not allowed(user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


# Clinical roles (admin, supervisor, therapist) may open client records.
clinician_required = role_required(
    lambda u: u.is_clinician, "Client records are open to the clinic's clinical staff only."
)
supervisor_required = role_required(
    lambda u: u.sees_whole_clinic, "This page is for supervisors and clinic administrators."
)
admin_required = role_required(
    lambda u: u.role == "admin", "This page is for clinic administrators."
)
