"""A client, episode or session by id, only if the signed-in member of staff may see it.

Built on the model managers' ``for_user`` scoping, so a view cannot forget the
clinic or the caseload: anything else is a 404, never a 403 that would confirm
the record exists.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from alliance.web.care.models import Client, Episode, Session

__all__ = ["client_for", "episode_for", "session_for"]


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
