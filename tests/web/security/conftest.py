"""Fixtures of the security tests: c1's records as the access matrix builds them."""

from __future__ import annotations

from test_access_matrix import world  # noqa: F401 (the fixture, shared with the access matrix)
