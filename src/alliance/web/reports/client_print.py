"""Chart SVG made ready for the PDF renderer.

The core's charts draw a white halo behind labels with ``paint-order="stroke"``
(stroke first, then the fill). WeasyPrint's SVG renderer ignores
``paint-order`` and paints the white stroke over the letters, so labels print
as white blobs. :func:`print_svg` draws each such label twice instead: the
stroked copy first, then the plain copy on top, which is what ``paint-order``
means. The browser page keeps the original SVG.

>>> print_svg('<text x="1" fill="#555" stroke="#ffffff" stroke-width="6" '
...           'stroke-linejoin="round" paint-order="stroke">Mild</text>')
'<text x="1" fill="#555" stroke="#ffffff" stroke-width="6" stroke-linejoin="round">Mild</text><text x="1" fill="#555">Mild</text>'
"""

from __future__ import annotations

import re
from dataclasses import replace

from django.utils.safestring import mark_safe

from alliance.web.charts import ChartHtml

_HALO = re.compile(
    r'<text (?P<attrs>[^>]*?) (?P<stroke>stroke="[^"]*" stroke-width="[^"]*" '
    r'stroke-linejoin="round") paint-order="stroke">(?P<body>.*?)</text>',
    re.DOTALL,
)
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)


def _two_copies(match: re.Match[str]) -> str:
    attrs, stroke, body = match["attrs"], match["stroke"], match["body"]
    under = _TITLE.sub("", body)
    return f"<text {attrs} {stroke}>{under}</text><text {attrs}>{body}</text>"


def print_svg(svg: str) -> str:
    """``svg`` with every haloed label drawn as stroke copy + fill copy (see the module doc)."""
    if not isinstance(svg, str):
        raise TypeError("svg must be a str")
    return _HALO.sub(_two_copies, svg)


def for_print(chart: ChartHtml) -> ChartHtml:
    """The chart with its SVG made ready for the PDF renderer; the data table as it was."""
    return replace(chart, svg=mark_safe(print_svg(chart.svg)))  # noqa: S308 - same escaped SVG
