"""Charts for templates: the core's chart definitions, marked safe for Django.

The SVG and table come from alliance.charts, which escapes every text it
renders, so they can be inserted as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from alliance.charts.definitions import Chart


@dataclass(frozen=True)
class ChartHtml:
    svg: SafeString
    table: SafeString


def as_html(chart: Chart | None) -> ChartHtml | None:
    if chart is None:
        return None
    return ChartHtml(
        svg=mark_safe(chart.svg()),  # noqa: S308 - rendered and escaped by alliance.charts
        table=mark_safe(chart.table_html()),  # noqa: S308
    )
