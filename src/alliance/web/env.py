"""Settings from environment variables, through helpers that fail loudly.

After healthchecks' settings: a bad value stops start-up with a message that
names the variable, instead of silently falling back to a default.
``*_FILE`` variants read a secret from a file (Docker/Kubernetes secrets).
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def envstr(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected one of {sorted(TRUE | FALSE)}")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number}: must be at least {minimum}")
    return number


def envfraction(name: str, default: float) -> float:
    """A number strictly between 0 and 1 (a proportion such as a band's coverage)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a number") from None
    if not 0 < number < 1:
        raise ImproperlyConfigured(f"{name}={number}: must lie strictly between 0 and 1")
    return number


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


def envsecret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (not both)."""
    direct = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if direct and path:
        raise ImproperlyConfigured(f"set {name} or {name}_FILE, not both")
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                secret = fh.read().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE={path!r}: cannot read ({exc.strerror})"
            ) from None
        if not secret:
            raise ImproperlyConfigured(f"{name}_FILE={path!r}: the file is empty")
        return secret
    return direct or None
