"""Fixtures of the audit-log tests.

The sign-in gate (authenticator codes) is the accounts app's to test; here
staff sessions are plain logins, so the viewer's own permissions decide.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import web_env


@pytest.fixture(autouse=True)
def _plain_staff_logins(settings: Any) -> None:
    settings.ALLIANCE_REQUIRE_2FA = False


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with every migration applied (made once per test session)."""
    path = tmp_path_factory.mktemp("migrated") / "alliance.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
        env=web_env(path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def sqlite_file(migrated_template: Path, tmp_path: Path) -> Path:
    """A fresh migrated SQLite database file for one test."""
    path = tmp_path / "alliance.sqlite3"
    shutil.copy(migrated_template, path)
    return path
