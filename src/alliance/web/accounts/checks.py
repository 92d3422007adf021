"""``manage.py check --deploy``: warn when two-factor sign-in is switched off outside the demo."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


def two_factor_off_in_production(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if settings.ALLIANCE_REQUIRE_2FA or settings.DEBUG:
        return []
    return [
        checks.Warning(
            "ALLIANCE_REQUIRE_2FA is off: administrators and supervisors can sign in with a "
            "password alone.",
            hint="Unset ALLIANCE_REQUIRE_2FA (it defaults to on); only the demo turns it off.",
            id="accounts.W001",
        )
    ]
