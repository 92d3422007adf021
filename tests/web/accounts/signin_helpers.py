"""Helpers for the sign-in tests: a real password step and real authenticator codes."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.oath import totp
from web_factories import PASSWORD

from alliance.web.accounts.models import User
from alliance.web.accounts.otp import TOTPDevice


def sign_in(http: HttpClient, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return http.post(reverse("login"), {"username": username, "password": password}, **extra)


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the person's phone shows now (or ``steps_ahead`` 30-second steps later)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead):06d}"


def wrong_code(device: TOTPDevice) -> str:
    """A 6-digit code that is none of those accepted now (the current one and its neighbours)."""
    accepted = {code_for(device, n) for n in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000, 1010)) if c not in accepted)


def authenticator(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
