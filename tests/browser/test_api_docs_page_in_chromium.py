"""The API docs page renders in a real browser under the strict CSP, from the app's own files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_lists_every_operation_without_csp_errors_or_outside_requests(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    problems: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=20_000)
    operations = page.locator(".opblock").count()
    page.screenshot(path=str(artifacts / "api-docs.png"), full_page=False)
    assert operations >= 20
    assert page.locator("text=Alliance API").count() >= 1
    assert not problems, problems
    assert not [u for u in outside if not u.startswith("data:")], outside
