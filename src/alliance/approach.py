"""Suggest an alliance approach for an episode from the client's preferences.

The five approaches (directive, nondirective, facilitative, supportive,
task-oriented) are DESIGN.md's alliance styles. The suggestion reads the
client's C-NIP scale scores (Cooper & Norcross 2016), where + means the
first-named pole: Therapist Directiveness (+) vs Client Directiveness (-),
Emotional Intensity vs Reserve, Past vs Present Orientation, Warm Support
(+) vs Focused Challenge (-). Accommodating preferences roughly halves
dropout (Swift et al. 2018: OR 1.79), which is why the suggestion comes
with its reasons and the therapist decides.

The C-NIP's strong-preference cut-offs are "tentative" and were not
retrieved, so the threshold here is a project default (a mean of at least
1 point per item towards one pole), configurable and labelled as such.

>>> s = suggest_approach({"directiveness": 8, "warm_support": 2})
>>> s.approach
'directive'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["APPROACHES", "SCALE_ITEMS", "THRESHOLD_SOURCE", "Suggestion", "suggest_approach"]

APPROACHES = ("directive", "nondirective", "facilitative", "supportive", "task_oriented")
SCALE_ITEMS = {
    "directiveness": 5,
    "emotional_intensity": 5,
    "past_orientation": 3,
    "warm_support": 5,
}
THRESHOLD_SOURCE = (
    "Project default, not a validated cut-off: a preference counts as clear when the scale "
    "score averages at least 1 point per item towards one pole (C-NIP cut-offs not retrieved)."
)


@dataclass(frozen=True)
class Suggestion:
    approach: str
    reasons: tuple[str, ...]
    threshold_source: str = THRESHOLD_SOURCE


def _clear(scores: Mapping[str, float | None], scale: str, per_item: float) -> int:
    """+1 / -1 for a clear preference towards the first / second pole, 0 otherwise."""
    value = scores.get(scale)
    if value is None:
        return 0
    limit = per_item * SCALE_ITEMS[scale]
    if value >= limit:
        return 1
    if value <= -limit:
        return -1
    return 0


def suggest_approach(
    cnip: Mapping[str, float | None],
    *,
    severe_symptoms: bool = False,
    per_item_threshold: float = 1.0,
) -> Suggestion:
    """Suggest one of the five approaches, with the reasons in plain words.

    ``cnip`` maps C-NIP scale ids (``directiveness``, ``emotional_intensity``,
    ``past_orientation``, ``warm_support``) to scale sums; missing scales are
    treated as no preference. ``severe_symptoms`` (e.g. PHQ-9 in the severe
    band) adds a reason to favour structure.
    """
    unknown = set(cnip) - set(SCALE_ITEMS)
    if unknown:
        raise ValueError(
            f"unknown C-NIP scale(s): {sorted(unknown)}; expected {sorted(SCALE_ITEMS)}"
        )
    if per_item_threshold <= 0:
        raise ValueError("per_item_threshold must be positive")
    direct = _clear(cnip, "directiveness", per_item_threshold)
    warm = _clear(cnip, "warm_support", per_item_threshold)
    intense = _clear(cnip, "emotional_intensity", per_item_threshold)
    reasons: list[str] = []
    if direct > 0:
        reasons.append(
            "The client would like the therapist to take the lead, give structure, teach skills "
            f"or set homework (C-NIP directiveness {cnip['directiveness']:+g})."
        )
    elif direct < 0:
        reasons.append(
            "The client would like to lead and set the pace themselves "
            f"(C-NIP directiveness {cnip['directiveness']:+g})."
        )
    if warm > 0:
        reasons.append(
            f"The client prefers gentle, warm support (C-NIP warm support {cnip['warm_support']:+g})."
        )
    elif warm < 0:
        reasons.append(
            f"The client welcomes focused challenge (C-NIP warm support {cnip['warm_support']:+g})."
        )
    if intense > 0:
        reasons.append(
            "The client wants room for strong feelings "
            f"(C-NIP emotional intensity {cnip['emotional_intensity']:+g})."
        )
    if severe_symptoms:
        reasons.append(
            "Symptoms are severe at intake: clear structure and shared tasks often help early on."
        )

    if direct > 0 and warm < 0:
        approach = "task_oriented"
    elif direct > 0 or (severe_symptoms and direct == 0 and warm <= 0):
        approach = "directive" if not severe_symptoms or direct > 0 else "task_oriented"
    elif direct < 0:
        approach = "nondirective"
    elif warm > 0:
        approach = "supportive"
    else:
        approach = "facilitative"
        if not reasons:
            reasons.append(
                "No clear preference for who leads or for support versus challenge: a "
                "facilitative, collaborative start leaves room to adjust."
            )
    return Suggestion(approach=approach, reasons=tuple(reasons))
