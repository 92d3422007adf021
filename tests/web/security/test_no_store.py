"""Pages with client data are never kept by browsers or proxies: ``Cache-Control: no-store``.

One middleware marks every response except static files, so a new page cannot
forget it. Checked here over the URLs of the access matrix (every staff URL that
names a client's record, with each persona allowed to open it), the client's own
link and portal pages, and the staff pages without a record; the sweep of every
URL in test_security_headers checks it for all the others.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from test_access_matrix import ALLOWED, MATRIX, Entry, _request


def assert_not_stored(response: Any) -> None:
    assert "no-store" in response.headers.get("Cache-Control", ""), response.headers
    assert response.headers.get("Pragma") == "no-cache"


@pytest.mark.parametrize("entry", MATRIX, ids=lambda e: f"{e.method} {e.name}")
def test_every_page_naming_a_clients_record_is_not_stored(
    client: HttpClient, world: dict[str, Any], entry: Entry
) -> None:
    for persona in sorted(entry.allowed if entry.allowed is not None else ALLOWED):
        http = type(client)()
        http.force_login(world["users"][persona])
        response = _request(http, entry, world["pks"][entry.target])
        assert response.status_code < 400, (persona, response.status_code)
        assert_not_stored(response)


@pytest.mark.parametrize("entry", MATRIX[:3], ids=lambda e: f"{e.method} {e.name}")
def test_refusals_are_not_stored_either(
    client: HttpClient, world: dict[str, Any], entry: Entry
) -> None:
    client.force_login(world["users"]["outsider"])
    response = _request(client, entry, world["pks"][entry.target])
    assert response.status_code == 404
    assert_not_stored(response)


def test_the_clients_link_and_portal_pages_are_not_stored(
    client: HttpClient, c1_link, c1_portal_token
) -> None:
    for url in (
        reverse("measures:start", args=[c1_link.token]),
        reverse("measures:step", args=[c1_link.token, 1]),
        reverse("portal:home", args=[c1_portal_token]),
    ):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert_not_stored(response)


@pytest.mark.parametrize(
    "name", ["care:dashboard", "care:client_new", "clinic:overview", "clinic:team", "audit:log"]
)
def test_staff_pages_without_a_record_are_not_stored(
    client: HttpClient, ada, c1, name: str
) -> None:
    client.force_login(ada)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_not_stored(response)


def test_static_files_keep_their_own_caching(client: HttpClient, db) -> None:
    css = client.get("/static/alliance/app.css")
    assert css.status_code == 200
    assert "no-store" not in css.headers.get("Cache-Control", "")
    assert "Pragma" not in css.headers
