"""``meta.versionId`` and ``meta.lastUpdated`` for resources served from stored records.

The records keep no version history, so the version id is a digest of the
resource's content: it changes whenever what a client would read changes,
and an ETag built from it (``W/"<versionId>"``) makes conditional reads
(``If-None-Match``) exact. ``vread`` (``_history``) is not offered.

>>> r = with_meta({"resourceType": "Patient", "id": "1"}, dt.datetime(2026, 12, 9, tzinfo=dt.UTC))
>>> r["meta"]["lastUpdated"], len(r["meta"]["versionId"])
('2026-12-09T00:00:00+00:00', 16)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["VERSION_LENGTH", "etag", "version_id", "with_meta"]

VERSION_LENGTH = 16


def version_id(resource: Mapping[str, Any]) -> str:
    """A digest (16 hex digits of SHA-256) of the resource's canonical JSON, ``meta`` left out.

    >>> version_id({"a": 1, "meta": {"x": 2}}) == version_id({"a": 1})
    True
    """
    content = {k: v for k, v in resource.items() if k != "meta"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:VERSION_LENGTH]


def with_meta(resource: Mapping[str, Any], last_updated: dt.datetime) -> dict[str, Any]:
    """A copy of ``resource`` with ``meta`` (after ``resourceType`` and ``id``)."""
    if last_updated.tzinfo is None:
        raise ValueError(f"last_updated needs a time zone; got {last_updated.isoformat()}")
    meta = {"versionId": version_id(resource), "lastUpdated": last_updated.isoformat()}
    result: dict[str, Any] = {}
    for key, value in resource.items():
        if key == "meta":
            continue
        result[key] = value
        if key == "id":
            result["meta"] = meta
    result.setdefault("meta", meta)
    return result


def etag(resource: Mapping[str, Any]) -> str:
    """The weak ETag of a resource served with meta, as the FHIR HTTP page asks.

    >>> etag({"meta": {"versionId": "ab"}})
    'W/"ab"'
    """
    return f'W/"{resource["meta"]["versionId"]}"'
