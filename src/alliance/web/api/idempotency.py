"""``Idempotency-Key``: a retried POST gets the first answer and stores nothing twice.

Every POST that creates something requires the header. The first request's
answer is stored with the key in the same transaction as what it created; a
retry with the same key and body replays it (``Idempotent-Replayed: true``);
the same key with another body is refused with 422. Two concurrent requests
with one key: the second one's work is rolled back and the first's answer
replayed, so exactly one record exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.web.api.models import IdempotentRequest

HEADER = "Idempotency-Key"
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{8,80}$")

PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    pattern=_VALID.pattern,
    description="A fresh random value per operation (e.g. a UUID); resend it when retrying.",
)


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = f"This {HEADER} was used before for a different request."


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(stored: IdempotentRequest, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise KeyReused()
    return Response(stored.body, status=stored.status, headers={"Idempotent-Replayed": "true"})


def _key(request: Request) -> str:
    key = request.headers.get(HEADER, "")
    if not _VALID.fullmatch(key):
        raise exceptions.ValidationError(
            {HEADER: [f"Send a {HEADER} header of 8-80 letters, digits or . _ : - characters."]}
        )
    return key


def stored_answer(user: Any, key: str) -> IdempotentRequest | None:
    return IdempotentRequest.objects.filter(user=user, key=key).first()


def _storable(data: Any, secret_fields: tuple[str, ...]) -> Any:
    """The answer as stored for replays: JSON, without secrets (link URLs)."""
    body = json.loads(json.dumps(data, default=str))
    if isinstance(body, dict):
        for name in secret_fields:
            if name in body:
                body[name] = None
    return body


def run_once(
    request: Request, create: Callable[[], Response], *, secret_fields: tuple[str, ...] = ()
) -> Response:
    """Run ``create`` at most once per (user, key); replay its answer on retries.

    ``secret_fields`` of the answer are not stored: a replay shows them as null.
    """
    key = _key(request)
    fingerprint = _fingerprint(request)
    stored = stored_answer(request.user, key)
    if stored is not None:
        return _replay(stored, fingerprint)
    try:
        with transaction.atomic():
            response = create()
            if response.status_code >= 400:  # errors are not stored: the retry may succeed
                return response
            body = _storable(response.data, secret_fields)
            IdempotentRequest.objects.create(
                user=request.user,
                key=key,
                fingerprint=fingerprint,
                status=response.status_code,
                body=body,
            )
    except IntegrityError:  # a concurrent request with this key committed first
        stored = stored_answer(request.user, key)
        if stored is None:
            raise
        return _replay(stored, fingerprint)
    return response


KEEP_DAYS = 7


def forget_old(days: int = KEEP_DAYS) -> int:
    """Delete stored answers older than ``days`` (retries come within minutes); returns how many."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _ = IdempotentRequest.objects.filter(created__lt=cutoff).delete()
    return deleted
