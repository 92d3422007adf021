"""``{% rights_for client episode as rights %}``: consent and erasure facts for a page.

The client page and the client's own page include ``rights/_client_panel.html``,
``rights/_erasure_notice.html`` or ``rights/_portal_panel.html`` with it; its
queries run once, when first used (two for any page, one more for the
retention period on an administrator's client page).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django import template

from alliance.web.care.models import Client, Episode
from alliance.web.consent.models import ConsentRecord, Erasure
from alliance.web.consent.services import ConsentState, state_from
from alliance.web.rights.retention import Period, period_for

register = template.Library()


class Rights:
    def __init__(self, client: Client, episode: Episode | None, user: Any = None) -> None:
        self.client = client
        self.episode = episode
        self.user = user

    @cached_property
    def consent_records(self) -> list[ConsentRecord]:
        return list(
            ConsentRecord.objects.filter(client=self.client)
            .select_related("episode", "given_recorded_by", "withdrawn_recorded_by")
            .order_by("-given_at", "-id")
        )

    @cached_property
    def erasures(self) -> list[Erasure]:
        return list(
            Erasure.objects.filter(client=self.client).select_related("erased_by", "episode")
        )

    @cached_property
    def client_erasure(self) -> Erasure | None:
        return next((e for e in self.erasures if e.episode_id is None), None)

    @cached_property
    def episode_erasures(self) -> list[Erasure]:
        return [e for e in self.erasures if e.episode_id is not None]

    @cached_property
    def consent(self) -> ConsentState | None:
        if self.episode is None:
            return None
        return state_from(self.episode, sorted(self.consent_records, key=lambda r: r.given_at))

    @property
    def is_admin(self) -> bool:
        return getattr(self.user, "role", None) == "admin"

    @cached_property
    def retention(self) -> Period:
        return period_for(self.client.organisation)


@register.simple_tag(takes_context=True)
def rights_for(context: template.Context, client: Client, episode: Episode | None = None) -> Rights:
    request = context.get("request")
    return Rights(client, episode, getattr(request, "user", None))
