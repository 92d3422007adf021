"""Record access to client data. Every view that reads or changes client data calls this.

Events go to the end of the hash chain (:func:`alliance.web.audit.chain.append`)
in the caller's transaction. ``detail`` holds ids and labels only, never answers
or free text: :func:`alliance.web.audit.chain.check_detail` refuses anything else.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from alliance.web.audit.chain import append
from alliance.web.audit.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    request: HttpRequest | None,
    action: str,
    obj: models.Model,
    *,
    client: Any = None,
    actor_label: str = "",
    **detail: Any,
) -> AuditEvent:
    """Append one audit event for ``obj`` (who comes from the request).

    ``detail`` keyword arguments are ids and labels (``instrument="phq9"``),
    never answers or free text; anything else raises ``ValueError``/``TypeError``.
    """
    user = getattr(request, "user", None) if request is not None else None
    staff = user if user is not None and user.is_authenticated else None
    organisation_id = getattr(staff, "organisation_id", None)
    if organisation_id is None and client is not None:
        organisation_id = client.organisation_id
    event = AuditEvent(
        organisation_id=organisation_id,
        actor=staff,
        actor_label=actor_label or (staff.get_username() if staff else "anonymous"),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        client=client,
        detail=detail,
        ip=client_ip(request),
    )
    return append(event)
