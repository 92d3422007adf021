"""Every number of a research report as plain JSON-ready data.

:func:`report_numbers` walks the :class:`alliance.reports.model.Report`
(every number the HTML and PDF show lives there) and returns nested dicts
and lists: NaN and infinities become ``None``; charts are left out (they
draw numbers that are in their sections, e.g. the per-therapist rows). The
alliance-outcome section also gets ``within`` and ``between`` objects
(``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p``) for the two effects
researchers look for first.

>>> from alliance.simulate import simulate_cohort
>>> from alliance.reports.build import build_report
>>> numbers = report_numbers(build_report(simulate_cohort(40, 6, seed=2).data))
>>> sorted(numbers["outcome"]["within"])
['ci_high', 'ci_low', 'estimate', 'p', 'se']
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from alliance.charts.definitions import Chart
from alliance.reports.model import OutcomeSection, Report
from alliance.stats.outcome import BETWEEN, WITHIN

__all__ = ["report_json", "report_numbers"]

_EFFECT_FIELDS = ("estimate", "se", "ci_low", "ci_high", "p")


def _plain(value: object) -> Any:
    if isinstance(value, Chart):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not isinstance(getattr(value, f.name), Chart)
        }
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _effect(section: OutcomeSection, term: str) -> dict[str, float | None] | None:
    hit = next((c for c in section.coefficients if c.term == term), None)
    if hit is None:
        return None
    return {f: _plain(getattr(hit, f)) for f in _EFFECT_FIELDS}


def report_numbers(report: Report) -> dict[str, Any]:
    """The report's numbers and words as nested dicts (see the module docstring)."""
    out: dict[str, Any] = _plain(report)
    out["outcome"]["within"] = _effect(report.outcome, WITHIN)
    out["outcome"]["between"] = _effect(report.outcome, BETWEEN)
    return out


def report_json(report: Report) -> str:
    """:func:`report_numbers` as JSON text (UTF-8 safe, indented, NaN written as null)."""
    return json.dumps(report_numbers(report), indent=2, ensure_ascii=False, allow_nan=False)
