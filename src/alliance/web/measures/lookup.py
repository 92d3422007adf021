"""A questionnaire link a member of staff may act on, and its token kept in their session.

Sending a link by e-mail or text, resending it and opening it in the room all
start the same way; this module is that start, scoped by ``Link.objects.for_user``
so no view can forget the clinic and caseload.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from alliance.web.crypto.secrets_box import read
from alliance.web.measures.models import Link

__all__ = ["open_token", "staff_link"]


def staff_link(request: HttpRequest, pk: int) -> Link | HttpResponse:
    """The link ``pk`` if the signed-in member of staff may see it, else the not-found page."""
    link = (
        Link.objects.for_user(request.user)
        .select_related("session__episode__client")
        .filter(pk=pk)
        .first()
    )
    if link is None:
        return render(request, "care/not_found.html", {"what": gettext_lazy("link")}, status=404)
    return link


def open_token(request: HttpRequest, link: Link) -> str | None:
    """The link's token from this staff session while the link is still open, else None."""
    token = read(request, f"link_token_{link.pk}")
    return token if token and link.state() == "open" else None
