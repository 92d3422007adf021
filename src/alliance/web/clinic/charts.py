"""Supervisor charts from the core's chart definitions."""

from __future__ import annotations

from alliance.charts.definitions import alliance_distribution_chart as core_distribution
from alliance.charts.definitions import therapist_chart
from alliance.web.charts import ChartHtml, as_html


def alliance_distribution_chart(values: list[float]) -> ChartHtml | None:
    if not values:
        return None
    return as_html(
        core_distribution(
            values,
            bins=10,
            value_range=(0.0, 5.0),
            title="Latest session alliance (SAI) across clients",
            x_label="Session alliance (0-5, higher = stronger)",
        )
    )


def alerts_by_therapist_chart(counts: dict[str, tuple[int, int]]) -> ChartHtml | None:
    if not counts:
        return None
    top = max([u + w for u, w in counts.values()] + [1])
    return as_html(
        therapist_chart(
            {name: float(u + w) for name, (u, w) in counts.items()},
            x_min=0.0,
            x_max=float(top),
            title="Open urgent and warning alerts by therapist",
            x_label="Open alerts",
            notes={name: f"{u} urgent, {w} warnings" for name, (u, w) in counts.items()},
        )
    )
