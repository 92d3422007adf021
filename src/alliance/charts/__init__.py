"""Alliance charts: one set of definitions rendered server-side as inline SVG.

Pure standard library (no Django, no JavaScript, nothing from a CDN), so the
same charts serve the clinic pages, printed reports and the research report.
``alliance.charts.svg`` is the renderer; ``alliance.charts.definitions`` the
alliance charts built on it.
"""

from alliance.charts.definitions import (
    GAS_LEVELS,
    GAS_SHORT_LABELS,
    Chart,
    RuptureMark,
    alliance_chart,
    alliance_distribution_chart,
    goal_chart,
    outcome_chart,
    radar_chart,
    session_alliance_chart,
    therapist_chart,
)
from alliance.charts.svg import data_table_html, render

__all__ = [
    "GAS_LEVELS",
    "GAS_SHORT_LABELS",
    "Chart",
    "RuptureMark",
    "alliance_chart",
    "alliance_distribution_chart",
    "data_table_html",
    "goal_chart",
    "outcome_chart",
    "radar_chart",
    "render",
    "session_alliance_chart",
    "therapist_chart",
]
