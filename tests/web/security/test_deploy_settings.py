"""Production settings pass ``manage.py check --deploy`` with no warnings, and their knobs work.

Each test starts a fresh Python with a production environment (DEBUG off, not
under pytest), as an app server would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[3]
CLEARED = (
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set while the browser tests' Chromium is open
    "ALLIANCE_TESTING",
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY_FILE",
    "ALLIANCE_DATA_KEYS_FILE",
    "ALLIANCE_REQUIRE_2FA",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "ALLIANCE_TRUSTED_PROXIES",
)


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(
        DEBUG="false",
        SECRET_KEY="q8Zr-3vN_pK7wY2tLx9bM4cH6jF1sD0gA5eU8iO3nT7rW2yQ6vB9mC4kX1zJ5hP0",
        ALLOWED_HOSTS="alliance.example.org",
        ALLIANCE_DATA_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        ALLIANCE_VAR_DIR=str(tmp_path),
    )
    env.update(overrides)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SECURE_PROXY_SSL_HEADER, s.ALLIANCE_TRUSTED_PROXIES)"
)


def show(env: dict[str, str]) -> str:
    env = {**env, "DJANGO_SETTINGS_MODULE": "alliance.web.settings"}
    done = run(env, "-c", SHOW)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_check_deploy_reports_no_issues_on_the_production_defaults(tmp_path: Path) -> None:
    done = run(
        production_env(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_defaults_are_https_only(tmp_path: Path) -> None:
    assert show(production_env(tmp_path)) == "True 31536000 True True True True None 0"


def test_the_demo_serves_plain_http(tmp_path: Path) -> None:
    assert show(production_env(tmp_path, DEBUG="true")) == "False 0 True True False False None 0"


def test_the_knobs_are_read_from_the_environment(tmp_path: Path) -> None:
    env = production_env(
        tmp_path,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_HSTS_PRELOAD="no",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        ALLIANCE_TRUSTED_PROXIES="2",
    )
    assert show(env) == ("False 600 False False True True ('HTTP_X_FORWARDED_PROTO', 'https') 2")


def test_check_deploy_says_when_hsts_preload_is_turned_off(tmp_path: Path) -> None:
    env = production_env(tmp_path, SECURE_HSTS_PRELOAD="false")
    done = run(env, "manage.py", "check", "--deploy")
    assert "security.W021" in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https"),
        ("SECURE_HSTS_PRELOAD", "maybe"),
        ("SECURE_HSTS_SECONDS", "-1"),
        ("ALLIANCE_LINK_RATE_LIMIT", "0"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(
    tmp_path: Path, name: str, value: str
) -> None:
    env = {
        **production_env(tmp_path, **{name: value}),
        "DJANGO_SETTINGS_MODULE": "alliance.web.settings",
    }
    done = run(env, "-c", SHOW)
    assert done.returncode != 0
    assert name in done.stderr
