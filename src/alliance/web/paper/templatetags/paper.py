"""``{% paper_forms session as paper %}``: the client's plan instruments, to print or enter."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from alliance.web.custominstruments.registry import instrument_for
from alliance.web.measures.models import Respondent

register = template.Library()


@register.simple_tag
def paper_forms(session: Any) -> dict[str, Any]:
    organisation_id = session.episode.client.organisation_id
    ids = sorted(
        {e.instrument for e in session.episode.plan.all() if e.respondent == Respondent.CLIENT}
    )
    answered = set(
        session.responses.filter(respondent=Respondent.CLIENT).values_list("instrument", flat=True)
    )
    return {
        "instruments": [
            {"id": i, "name": instrument_for(organisation_id, i).short_name, "answered": i in answered}
            for i in ids
        ],
        "languages": list(settings.LANGUAGES),
    }
