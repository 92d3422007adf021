"""``{% texts_for client as texts %}`` and ``{% texts_for_link link as texts %}`` for pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from alliance.web.texting.forms import TextConsentForm
from alliance.web.texting.models import Status, TextMessage

register = template.Library()


@register.simple_tag
def texts_for(client: Any) -> dict[str, Any]:
    recent = list(TextMessage.objects.filter(client=client)[:5])
    return {
        "recent": recent,
        "unsent": [m for m in recent if m.status in (Status.FAILED, Status.RETRYING)],
        "form": TextConsentForm(initial={"phone": client.phone}),
        "languages": list(settings.LANGUAGES),
    }


@register.simple_tag
def texts_for_link(link: Any) -> list[TextMessage]:
    return list(TextMessage.objects.filter(link=link)[:10])
