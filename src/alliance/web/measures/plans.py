"""Measurement plans: which instruments each side answers at which session."""

from __future__ import annotations

from alliance.web.care.models import Episode
from alliance.web.measures.models import PlanEntry, Respondent

# Default plan (issue #3): SAI, session feedback, PHQ-9 and GAD-7 every session
# from the client; WAI-SR and the therapist parallel form every 4th session.
DEFAULT_PLAN: tuple[tuple[str, str, int, int], ...] = (
    ("sai", Respondent.CLIENT, 1, 1),
    ("wai_sr", Respondent.CLIENT, 4, 4),
    ("phq9", Respondent.CLIENT, 1, 1),
    ("gad7", Respondent.CLIENT, 1, 1),
    ("session_feedback", Respondent.CLIENT, 1, 1),
    ("wai_sr_t", Respondent.THERAPIST, 4, 4),
)
CLIENT_ORDER = ("sai", "wai_sr", "session_feedback", "phq9", "gad7")


def create_default_plan(episode: Episode) -> list[PlanEntry]:
    return PlanEntry.objects.bulk_create(
        PlanEntry(episode=episode, instrument=i, respondent=r, every=every, first_session=first)
        for i, r, every, first in DEFAULT_PLAN
    )


def due(entries: list[PlanEntry], session_number: int, respondent: str) -> list[str]:
    """Instrument ids due at a session for one side, in a kind order for the client."""
    ids = [e.instrument for e in entries if e.respondent == respondent and e.due(session_number)]
    rank = {k: i for i, k in enumerate(CLIENT_ORDER)}
    return sorted(ids, key=lambda i: (rank.get(i, len(rank)), i))
