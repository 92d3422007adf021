"""The score columns the clinic app reads, named once by the core from the instrument files.

:func:`alliance.scoring.score` writes ``{instrument}_{scale}`` columns;
:mod:`alliance.scoring.keys` names them (and fails at import if an instrument
lost the scale). Web code takes its columns from here, or asks
:func:`~alliance.scoring.keys.scale_key` for an instrument it was given, and never
spells one out: ``tests/web/test_score_columns_are_data.py`` fails if it does.
Built once, at import (naming a column reads the instrument registry).
"""

from __future__ import annotations

from functools import cache

from alliance.scoring.keys import scale_key, score_keys

__all__ = [
    "CNIP_PREFERENCES",
    "GAD7_TOTAL",
    "PHQ9_TOTAL",
    "SAI_TOTAL",
    "WAI_SCALES",
    "WAI_SR_MEANS",
    "WAI_SR_T_MEANS",
    "total_of",
]

SAI_TOTAL = scale_key("sai", "total")
PHQ9_TOTAL = scale_key("phq9", "total")
GAD7_TOTAL = scale_key("gad7", "total")

# WAI-SR item means by scale, the client's form and the therapist's (wai_sr_t).
WAI_SCALES = ("goal", "task", "bond", "total")
WAI_SR_MEANS = {s: scale_key("wai_sr", s, mean=True) for s in WAI_SCALES}
WAI_SR_T_MEANS = {s: scale_key("wai_sr_t", s, mean=True) for s in WAI_SCALES}

# The C-NIP's preference scales: score column -> scale id (kept on the episode).
CNIP_PREFERENCES = {k.column: k.part for k in score_keys("cnip") if k.kind == "scale"}


@cache
def total_of(instrument: str) -> str:
    """The column of an instrument's total score (ValueError if it has no ``total`` scale).

    >>> total_of("phq9")
    'phq9_total'
    """
    return scale_key(instrument, "total")
