"""A FHIR caller for the /fhir/ tests: a person's token as a bearer header, and
searches followed through their ``next`` links."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.test import Client as HttpClient
from fhir.resources.R4B.operationoutcome import OperationOutcome

from alliance.web.api.pages import issue

FHIR = "application/fhir+json"


class Fhir:
    def __init__(self, user: Any, scopes: tuple[str, ...] = ("read", "write")) -> None:
        self.http = HttpClient()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {issue(user, 'ehr', list(scopes), 30)[1]}"}

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        return self.http.get(f"/fhir/{path}", params, headers=headers, **self.auth)

    def post(self, path: str, body: Any) -> Any:
        data = body if isinstance(body, str) else json.dumps(body)
        return self.http.post(f"/fhir/{path}", data, content_type=FHIR, **self.auth)

    def follow(self, url: str) -> Any:
        """GET an absolute URL from a Bundle link (the server's base is SITE_URL/fhir)."""
        base = settings.SITE_URL.rstrip("/")
        assert url.startswith(f"{base}/fhir/"), url
        return self.http.get(url.removeprefix(base), **self.auth)

    def search_all(self, path: str, **params: Any) -> tuple[list[dict[str, Any]], list[Any]]:
        """Every resource of a search, page after page through ``next``; and the Bundles."""
        answer = self.get(path, **params)
        assert answer.status_code == 200, answer.content
        bundles = [answer.json()]
        while True:
            nxt = [link["url"] for link in bundles[-1]["link"] if link["relation"] == "next"]
            if not nxt:
                break
            answer = self.follow(nxt[0])
            assert answer.status_code == 200, answer.content
            bundles.append(answer.json())
            assert len(bundles) < 1000
        resources = [
            e["resource"]
            for b in bundles
            for e in b.get("entry", [])
            if e["search"]["mode"] == "match"
        ]
        return resources, bundles


def outcome(response: Any) -> str:
    """The diagnostics of an OperationOutcome answer (which must be FHIR JSON and valid)."""
    assert response["Content-Type"].startswith(FHIR), response["Content-Type"]
    body = response.json()
    OperationOutcome.model_validate(body)
    return " ".join(issue["diagnostics"] for issue in body["issue"])
