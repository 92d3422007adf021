"""``{% overdue_for user as overdue %}`` for the caseload and the clinic overview."""

from __future__ import annotations

from typing import Any

from django import template

from alliance.web.followup.overdue import Overdue, overdue_links

register = template.Library()


@register.simple_tag
def overdue_for(user: Any) -> list[Overdue]:
    return overdue_links(user)
