"""An API caller for the tests: a person's token sent as a bearer header."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient

from alliance.web.accounts.models import User
from alliance.web.api.pages import issue


def token_for(user: User, scopes: tuple[str, ...] = ("read", "write")) -> str:
    return issue(user, f"{user.username}'s test token", list(scopes), 30)[1]


class Api:
    """``Api(alice).get("clients/")`` -> the JSON of /api/v1/clients/ as alice."""

    def __init__(self, user: User, scopes: tuple[str, ...] = ("read", "write")) -> None:
        self.http = HttpClient()
        self.key = token_for(user, scopes)

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}", **(extra or {})}

    def get(self, path: str, **params: Any) -> Any:
        return self.http.get(f"/api/v1/{path}", params, **self._headers())

    def post(self, path: str, body: Any, key: str | None = None) -> Any:
        extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return self.http.post(
            f"/api/v1/{path}", body, content_type="application/json", **self._headers(extra)
        )
