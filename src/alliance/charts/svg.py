"""Server-side SVG charts: pure standard library, deterministic, accessible.

One renderer serves the clinic pages (no JavaScript, no CDN), printed reports
and the research HTML report. Every chart is described by a frozen dataclass
(a *spec*) and rendered to an inline ``<svg>`` string:

- ``line_chart(LineChart)``: series over sessions, with gaps, shaded bands,
  horizontal zones, reference lines and event markers (ruptures, repairs ...).
- ``bar_chart(BarChart)``: horizontal bars with labels and values.
- ``histogram(values, bins, ...)``: a distribution (``Histogram`` spec).
- ``radar(RadarChart)``: a polygon per series over three or more axes.
- ``stacked(Stack)``: several line charts in one figure (one per measure).
- ``render(spec)``: any of the above; ``data_table_html(spec)``: the same data
  as an HTML table for screen readers and for printing without SVG.

Design rules:

- Responsive: ``viewBox`` plus ``width="100%"``; the height follows the
  aspect ratio. All sizes derive from the viewBox width so that at the
  narrowest supported display (``MIN_DISPLAY_PX`` = 320 CSS px) every text is
  at least ``MIN_FONT_PX`` = 12 px. Tick counts are chosen so labels do not
  collide; the legend sits below the plot and wraps.
- Accessible: ``role="img"`` with ``<title>`` and ``<desc>`` (named through
  ``aria-labelledby``); points and markers carry ``<title>`` tooltips; series
  differ by dash pattern and marker shape as well as colour (Okabe-Ito).
- Safe: every text is XML-escaped and stripped of characters XML forbids, so
  user text (names, labels) cannot inject markup. Only presentation
  attributes are used (no ``style`` attribute or element), so a strict
  Content-Security-Policy does not break the charts.
- Deterministic: the same spec gives a byte-identical SVG; coordinates are
  rounded to one decimal.
- Values outside the y range are drawn at the edge as hollow markers, noted in
  their tooltip, in the ``<desc>`` and in a visible note; the data table keeps
  the true value.

Example:

>>> spec = LineChart(
...     title="SAI", description="Session alliance per session.",
...     x_label="Session", y_label="SAI (0-5)", y_min=0, y_max=5,
...     series=(Series("SAI", ((1, 3.5), (2, None), (3, 4.0))),))
>>> svg = line_chart(spec)
>>> svg.startswith("<svg") and 'role="img"' in svg
True
"""

from __future__ import annotations

import hashlib
import html
import itertools
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = [
    "FONT_FAMILY",
    "MIN_DISPLAY_PX",
    "MIN_FONT_PX",
    "PALETTE",
    "TEXT_COLOUR",
    "Band",
    "Bar",
    "BarChart",
    "ChartSpec",
    "HLine",
    "Histogram",
    "LegendEntry",
    "LineChart",
    "Marker",
    "RadarChart",
    "RadarSeries",
    "Series",
    "Stack",
    "VLine",
    "Zone",
    "bar_chart",
    "bin_values",
    "data_table_html",
    "escape",
    "format_number",
    "histogram",
    "histogram_spec",
    "line_chart",
    "radar",
    "render",
    "stacked",
]

LineStyle: TypeAlias = Literal["solid", "dashed"]
RefStyle: TypeAlias = Literal["solid", "dashed", "dotted"]
MarkerKind: TypeAlias = Literal["rupture", "repair", "risk", "note"]
LegendSample: TypeAlias = Literal["line", "swatch", "rupture", "repair", "risk", "note"]

#: Narrowest display width (CSS px) the charts are designed for.
MIN_DISPLAY_PX = 320
#: Smallest text size (CSS px) at ``MIN_DISPLAY_PX``.
MIN_FONT_PX = 12
#: Text and axis colour: near-black on white (contrast 15.9:1).
TEXT_COLOUR = "#222222"
#: Okabe-Ito colour-blind-safe palette, ordered by contrast on white; the
#: yellow (#F0E442) is left out because it is unreadable as a line on white.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
)
#: System fonts only: nothing is loaded from a CDN.
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

_GRID = "#dddddd"
_MUTED = "#555555"
_BG = "#ffffff"
_SERIES_MARKERS = frozenset({"circle", "square", "triangle", "triangle-down", "diamond", "none"})
_LINE_STYLES = frozenset({"solid", "dashed"})
_REF_STYLES = frozenset({"solid", "dashed", "dotted"})
_EVENT_KINDS: tuple[MarkerKind, ...] = ("rupture", "repair", "risk", "note")
_EVENT_NAMES: dict[str, str] = {
    "rupture": "Rupture",
    "repair": "Repair",
    "risk": "Risk",
    "note": "Note",
}
# kind -> (shape, fill, stroke)
_EVENT_STYLE: dict[str, tuple[str, str, str]] = {
    "rupture": ("triangle-down", "#D55E00", _BG),
    "repair": ("triangle", "#009E73", _BG),
    "risk": ("diamond", TEXT_COLOUR, _BG),
    "note": ("circle", _BG, _MUTED),
}
_COLOUR_RE = re.compile(r"#[0-9A-Fa-f]{3,8}|[A-Za-z]{3,20}")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def escape(text: object) -> str:
    """Escape ``text`` for XML/HTML text and attribute values.

    Removes characters XML 1.0 forbids (control characters, lone surrogates),
    then escapes ``& < > " '``.

    >>> escape('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return html.escape(_INVALID_XML.sub("", str(text)), quote=True)


def format_number(value: float, decimals: int = 2) -> str:
    """Format a data value for labels and tables: at most ``decimals``
    decimals, no trailing zeros, no ``-0``.

    >>> format_number(4.0), format_number(3.456), format_number(-0.001)
    ('4', '3.46', '0')
    """
    if not math.isfinite(value):
        return str(value)
    s = f"{value:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _c(value: float) -> str:
    """A coordinate, rounded to one decimal."""
    s = f"{value:.1f}"
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


def _num(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{what} must be a number, got {type(value).__name__}")
    v = float(value)
    if math.isnan(v):
        raise ValueError(f"{what} must not be NaN")
    return v


def _finite(value: object, what: str) -> float:
    v = _num(value, what)
    if not math.isfinite(v):
        raise ValueError(f"{what} must be finite")
    return v


def _opt_num(value: object, what: str) -> float | None:
    """None and NaN mean "missing"; infinities are kept (drawn clipped)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{what} must be a number or None, got {type(value).__name__}")
    v = float(value)
    return None if math.isnan(v) else v


def _colour(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _COLOUR_RE.fullmatch(value):
        raise ValueError(f"{what} must be '#rgb', '#rrggbb' or a colour name, got {value!r}")
    return value


def _choice(value: str, allowed: Iterable[str], what: str) -> str:
    allowed = sorted(allowed)
    if value not in allowed:
        raise ValueError(f"{what} must be one of {allowed}, got {value!r}")
    return value


def _ticks(value: object, what: str) -> tuple[tuple[float, str], ...] | None:
    if value is None:
        return None
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError(f"{what} must be a sequence of (value, label) pairs")
    out = []
    for t in value:
        if not isinstance(t, Sequence) or len(t) != 2:
            raise ValueError(f"{what} entries must be (value, label) pairs")
        out.append((_finite(t[0], what), str(t[1])))
    return tuple(out)


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def _check_dims(width: float, height: float) -> None:
    if _finite(width, "width") < 160:
        raise ValueError("width must be at least 160")
    if _finite(height, "height") < 60:
        raise ValueError("height must be at least 60")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated width of ``text`` at font ``size`` (sans-serif, generous)."""
    w = 0.0
    for ch in text:
        if ch == " ":
            w += 0.3
        elif ch in "iIjlft.,:;'|!()[]":
            w += 0.34
        elif ch in "mwMW@%":
            w += 0.9
        elif ch.isupper():
            w += 0.7
        elif ch.isdigit():
            w += 0.58
        else:
            w += 0.56
    return w * size * (1.07 if bold else 1.0)


def _truncate(text: str, size: float, max_w: float, bold: bool = False) -> str:
    if text_width(text, size, bold) <= max_w:
        return text
    s = text
    while s and text_width(s + "…", size, bold) > max_w:
        s = s[:-1]
    return s.rstrip() + "…"


def _wrap(text: str, size: float, max_w: float, bold: bool = False) -> list[str]:
    lines: list[str] = []
    cur = ""
    for word in text.split():
        cand = f"{cur} {word}" if cur else word
        if not cur or text_width(cand, size, bold) <= max_w:
            cur = cand
        else:
            lines.append(cur)
            cur = word
    if cur:
        lines.append(cur)
    return [_truncate(line, size, max_w, bold) for line in lines]


def _nice_ticks(lo: float, hi: float, max_count: int, integer: bool = False) -> list[float]:
    """Round tick values in [lo, hi], at most ``max_count`` of them."""
    max_count = max(2, max_count)
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / (max_count - 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = 10 * mag
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        s = m * mag
        if integer and (s < 1 or abs(s - round(s)) > 1e-9):
            continue
        if span / s <= max_count - 1 + 1e-9:
            step = s
            break
    if integer:
        step = max(1.0, float(round(step)))
    first = math.ceil(lo / step - 1e-9)
    ticks: list[float] = []
    i = first
    while i * step <= hi + 1e-9 * max(1.0, abs(hi)):
        ticks.append(round(i * step, 10) + 0.0)
        i += 1
    return ticks


def _thin(
    positions: Sequence[float], sizes: Sequence[float], gap: float, from_end: bool = False
) -> list[int]:
    """Indices of every k-th item (smallest k) so neighbours do not overlap.

    ``positions`` are centres along one axis, ``sizes`` the extents there;
    ``from_end`` keeps the last item (the latest session) and counts back.
    """
    n = len(positions)
    for k in range(1, n + 1):
        keep = sorted(range(n - 1, -1, -k)) if from_end else list(range(0, n, k))
        if all(
            abs(positions[b] - positions[a]) >= (sizes[a] + sizes[b]) / 2 + gap
            for a, b in itertools.pairwise(keep)
        ):
            return keep
    return [0] if n else []


def _dash(style: str, u: float) -> str:
    if style == "dashed":
        return f' stroke-dasharray="{_c(5 * u)} {_c(3.5 * u)}"'
    if style == "dotted":
        return f' stroke-dasharray="{_c(0.1 * u)} {_c(3 * u)}" stroke-linecap="round"'
    return ""


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>" if text else ""


class _Geom:
    """Sizes in viewBox units, scaled so text is >= 12 px at 320 px wide."""

    def __init__(self, width: float) -> None:
        self.w = width
        self.u = width / MIN_DISPLAY_PX
        self.f = MIN_FONT_PX * self.u
        self.tf = self.f * 1.15
        self.pad = self.f * 0.6
        self.line = 1.75 * self.u
        self.r = 3.5 * self.u
        self.er = 5.0 * self.u

    def text(
        self,
        x: float,
        y: float,
        s: str,
        *,
        anchor: str = "start",
        size: float | None = None,
        bold: bool = False,
        halo: bool = False,
        fill: str | None = None,
        title: str = "",
    ) -> str:
        a = f'x="{_c(x)}" y="{_c(y)}"'
        if anchor != "start":
            a += f' text-anchor="{anchor}"'
        if size is not None and abs(size - self.f) > 1e-9:
            a += f' font-size="{_c(size)}"'
        if bold:
            a += ' font-weight="bold"'
        if fill:
            a += f' fill="{fill}"'
        label = f"<text {a}>{_title(title)}{escape(s)}</text>"
        if not halo:
            return label
        # The halo is a stroked copy drawn first, then the label on top. Not
        # paint-order="stroke": PDF renderers (WeasyPrint) ignore it and paint
        # the white stroke over the letters. Screen readers skip the copy.
        under = (
            f'<text {a} stroke="{_BG}" stroke-width="{_c(3 * self.u)}"'
            f' stroke-linejoin="round" aria-hidden="true">{escape(s)}</text>'
        )
        return under + label

    def shape(
        self,
        shape: str,
        x: float,
        y: float,
        r: float,
        fill: str,
        stroke: str,
        *,
        title: str = "",
        cls: str = "",
        width: float | None = None,
    ) -> str:
        sw = _c(self.u if width is None else width)
        extra = f' fill="{fill}" stroke="{stroke}" stroke-width="{sw}"'
        if cls:
            extra += f' class="{cls}"'
        t = _title(title)
        if shape == "square":
            s = r * 0.9
            return (
                f'<rect x="{_c(x - s)}" y="{_c(y - s)}" width="{_c(2 * s)}"'
                f' height="{_c(2 * s)}"{extra}>{t}</rect>'
            )
        if shape in ("triangle", "triangle-down", "diamond"):
            if shape == "triangle":
                pts = [(x, y - 1.2 * r), (x + 1.1 * r, y + 0.75 * r), (x - 1.1 * r, y + 0.75 * r)]
            elif shape == "triangle-down":
                pts = [(x, y + 1.2 * r), (x + 1.1 * r, y - 0.75 * r), (x - 1.1 * r, y - 0.75 * r)]
            else:
                pts = [(x, y - 1.3 * r), (x + 1.1 * r, y), (x, y + 1.3 * r), (x - 1.1 * r, y)]
            p = " ".join(f"{_c(px)},{_c(py)}" for px, py in pts)
            return f'<polygon points="{p}"{extra}>{t}</polygon>'
        return f'<circle cx="{_c(x)}" cy="{_c(y)}" r="{_c(r)}"{extra}>{t}</circle>'


def _root(title: str, desc: str, width: float, height: float, body: Sequence[str], key: str) -> str:
    idp = "ac-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    g = _Geom(width)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_c(width)} {_c(height)}"'
        f' width="100%" role="img" aria-labelledby="{idp}-title {idp}-desc"'
        f' class="alliance-chart" font-family="{escape(FONT_FAMILY)}"'
        f' font-size="{_c(g.f)}" fill="{TEXT_COLOUR}">'
        f'<title id="{idp}-title">{escape(title)}</title>'
        f'<desc id="{idp}-desc">{escape(desc)}</desc>'
        f'<rect width="{_c(width)}" height="{_c(height)}" fill="{_BG}"/>'
    )
    return head + "".join(body) + "</svg>"


def _heading(g: _Geom, text: str, y: float, size: float) -> tuple[list[str], float]:
    out: list[str] = []
    for line in _wrap(text, size, g.w - 2 * g.pad, bold=True):
        out.append(g.text(g.pad, y + size * 0.85, line, size=size, bold=True))
        y += size * 1.3
    return out, y


def _axis_label(g: _Geom, text: str, cx: float, y: float) -> tuple[list[str], float]:
    """An axis label centred on ``cx`` (shifted to stay inside), wrapped."""
    out: list[str] = []
    for line in _wrap(text, g.f, g.w - 2 * g.pad):
        half = text_width(line, g.f) / 2
        x = min(max(cx, g.pad + half), g.w - g.pad - half)
        out.append(g.text(x, y + g.f * 0.9, line, anchor="middle"))
        y += g.f * 1.3
    return out, y


def _lines_of_text(g: _Geom, text: str, y: float) -> tuple[list[str], float]:
    out: list[str] = []
    for line in _wrap(text, g.f, g.w - 2 * g.pad):
        out.append(g.text(g.pad, y + g.f * 0.85, line))
        y += g.f * 1.3
    return out, y


# ---------------------------------------------------------------------------
# Specs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One line: ``points`` are (x, y) pairs; y ``None`` (or NaN) is a gap."""

    name: str
    points: Sequence[tuple[float, float | None]]
    style: LineStyle = "solid"
    colour: str | None = None
    marker: str = "circle"

    def __post_init__(self) -> None:
        _set(self, "name", str(self.name))
        pts = []
        for p in self.points:
            if not isinstance(p, Sequence) or len(p) != 2:
                raise ValueError(f"series {self.name!r}: points must be (x, y) pairs")
            pts.append((_finite(p[0], "x"), _opt_num(p[1], "y")))
        _set(self, "points", tuple(pts))
        _choice(self.style, _LINE_STYLES, "style")
        _colour(self.colour, "colour")
        _choice(self.marker, _SERIES_MARKERS, "marker")


@dataclass(frozen=True)
class Band:
    """A shaded area between ``low`` and ``high`` along x: (x, low, high)."""

    name: str
    points: Sequence[tuple[float, float, float]]
    colour: str | None = None
    opacity: float = 0.18

    def __post_init__(self) -> None:
        _set(self, "name", str(self.name))
        pts = []
        for p in self.points:
            if not isinstance(p, Sequence) or len(p) != 3:
                raise ValueError(f"band {self.name!r}: points must be (x, low, high)")
            x, lo, hi = (_finite(v, "band value") for v in p)
            if hi < lo:
                raise ValueError(f"band {self.name!r}: high < low at x={x}")
            pts.append((x, lo, hi))
        _set(self, "points", tuple(sorted(pts)))
        _colour(self.colour, "colour")
        if not 0 <= _finite(self.opacity, "opacity") <= 1:
            raise ValueError("opacity must be in [0, 1]")


@dataclass(frozen=True)
class Zone:
    """A horizontal zone across the whole plot (e.g. a severity band).

    The label is drawn inside the zone when it fits (``label_inside``), else
    the zone goes in the legend; ``in_legend`` always puts it there.
    """

    low: float
    high: float
    label: str
    colour: str = "#000000"
    opacity: float = 0.06
    border: bool = False
    label_inside: bool = True
    in_legend: bool = False

    def __post_init__(self) -> None:
        lo, hi = _finite(self.low, "zone low"), _finite(self.high, "zone high")
        if hi < lo:
            raise ValueError("zone high < low")
        _set(self, "low", lo)
        _set(self, "high", hi)
        _set(self, "label", str(self.label))
        _colour(self.colour, "colour")
        if not 0 <= _finite(self.opacity, "opacity") <= 1:
            raise ValueError("opacity must be in [0, 1]")


@dataclass(frozen=True)
class Marker:
    """An event at x (a session): drawn at y, or in a strip above the plot
    when y is None. Each kind has its own shape."""

    x: float
    y: float | None
    label: str
    kind: MarkerKind = "note"

    def __post_init__(self) -> None:
        _set(self, "x", _finite(self.x, "marker x"))
        _set(self, "y", _opt_num(self.y, "marker y"))
        _set(self, "label", str(self.label))
        _choice(self.kind, _EVENT_KINDS, "kind")


@dataclass(frozen=True)
class HLine:
    """A horizontal reference line (e.g. a cut-off), labelled at the left."""

    y: float
    label: str
    style: RefStyle = "dashed"

    def __post_init__(self) -> None:
        _set(self, "y", _finite(self.y, "hline y"))
        _set(self, "label", str(self.label))
        _choice(self.style, _REF_STYLES, "style")


@dataclass(frozen=True)
class VLine:
    """A vertical reference line on a bar chart (e.g. the clinic mean)."""

    x: float
    label: str
    style: RefStyle = "dashed"

    def __post_init__(self) -> None:
        _set(self, "x", _finite(self.x, "vline x"))
        _set(self, "label", str(self.label))
        _choice(self.style, _REF_STYLES, "style")


@dataclass(frozen=True)
class LegendEntry:
    """One legend entry; ``sample`` is a line, a colour swatch or an event shape."""

    label: str
    sample: LegendSample = "line"
    colour: str = TEXT_COLOUR
    style: RefStyle = "solid"
    marker: str = "none"
    opacity: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "label", str(self.label))
        _choice(self.sample, ("line", "swatch", *_EVENT_KINDS), "sample")
        _colour(self.colour, "colour")
        _choice(self.style, _REF_STYLES, "style")
        _choice(self.marker, _SERIES_MARKERS, "marker")


def _legend_arg(value: Iterable[LegendEntry] | None) -> tuple[LegendEntry, ...] | None:
    if value is None:
        return None
    entries = tuple(value)
    for e in entries:
        if not isinstance(e, LegendEntry):
            raise TypeError("legend entries must be LegendEntry")
    return entries


@dataclass(frozen=True, kw_only=True)
class LineChart:
    """A line chart. ``height`` is the height of the plotting area; title,
    axis labels, the event strip and the legend are added around it.

    ``x_ticks``/``y_ticks`` are (value, label) pairs; None picks round
    numbers (integers when all x are integers). Ticks too close for their
    labels are thinned to every k-th. ``legend`` None builds one from the
    series, bands and markers; ``()`` shows none. ``value_labels`` names
    y values (e.g. GAS levels) in tooltips and the data table.
    """

    title: str
    description: str
    x_label: str
    y_label: str
    y_min: float
    y_max: float
    series: Sequence[Series]
    bands: Sequence[Band] = ()
    markers: Sequence[Marker] = ()
    hlines: Sequence[HLine] = ()
    zones: Sequence[Zone] = ()
    x_ticks: Sequence[tuple[float, str]] | None = None
    y_ticks: Sequence[tuple[float, str]] | None = None
    x_min: float | None = None
    x_max: float | None = None
    width: float = 640
    height: float = 280
    legend: Sequence[LegendEntry] | None = None
    value_labels: Sequence[tuple[float, str]] | None = None
    show_title: bool = True
    value_decimals: int = 2

    def __post_init__(self) -> None:
        for name in ("title", "description", "x_label", "y_label"):
            _set(self, name, str(getattr(self, name)))
        lo, hi = _finite(self.y_min, "y_min"), _finite(self.y_max, "y_max")
        if hi <= lo:
            raise ValueError("y_max must be greater than y_min")
        _set(self, "y_min", lo)
        _set(self, "y_max", hi)
        for name, cls in (
            ("series", Series),
            ("bands", Band),
            ("markers", Marker),
            ("hlines", HLine),
            ("zones", Zone),
        ):
            items = tuple(getattr(self, name))
            for it in items:
                if not isinstance(it, cls):
                    raise TypeError(f"{name} must hold {cls.__name__} objects")
            _set(self, name, items)
        _set(self, "x_ticks", _ticks(self.x_ticks, "x_ticks"))
        _set(self, "y_ticks", _ticks(self.y_ticks, "y_ticks"))
        _set(self, "value_labels", _ticks(self.value_labels, "value_labels"))
        for name in ("x_min", "x_max"):
            v = getattr(self, name)
            if v is not None:
                _set(self, name, _finite(v, name))
        if self.x_min is not None and self.x_max is not None and self.x_max <= self.x_min:
            raise ValueError("x_max must be greater than x_min")
        _check_dims(self.width, self.height)
        _set(self, "legend", _legend_arg(self.legend))


@dataclass(frozen=True)
class Bar:
    """One bar: ``value`` None shows "no data"."""

    label: str
    value: float | None
    note: str = ""
    colour: str | None = None

    def __post_init__(self) -> None:
        _set(self, "label", str(self.label))
        _set(self, "value", _opt_num(self.value, "bar value"))
        _set(self, "note", str(self.note))
        _colour(self.colour, "colour")


@dataclass(frozen=True, kw_only=True)
class BarChart:
    """Horizontal bars with their labels and values (e.g. mean alliance by
    therapist). The height follows the number of bars."""

    title: str
    description: str
    bars: Sequence[Bar]
    x_label: str
    x_max: float
    x_min: float = 0.0
    x_ticks: Sequence[tuple[float, str]] | None = None
    lines: Sequence[VLine] = ()
    colour: str | None = None
    width: float = 640
    show_title: bool = True
    value_decimals: int = 2

    def __post_init__(self) -> None:
        for name in ("title", "description", "x_label"):
            _set(self, name, str(getattr(self, name)))
        lo, hi = _finite(self.x_min, "x_min"), _finite(self.x_max, "x_max")
        if hi <= lo:
            raise ValueError("x_max must be greater than x_min")
        _set(self, "x_min", lo)
        _set(self, "x_max", hi)
        bars = tuple(self.bars)
        if not all(isinstance(b, Bar) for b in bars):
            raise TypeError("bars must hold Bar objects")
        _set(self, "bars", bars)
        lines = tuple(self.lines)
        if not all(isinstance(v, VLine) for v in lines):
            raise TypeError("lines must hold VLine objects")
        _set(self, "lines", lines)
        _set(self, "x_ticks", _ticks(self.x_ticks, "x_ticks"))
        _colour(self.colour, "colour")
        _check_dims(self.width, 100)


@dataclass(frozen=True, kw_only=True)
class Histogram:
    """Counts per bin; build it from raw values with ``histogram_spec``."""

    title: str
    description: str
    edges: Sequence[float]
    counts: Sequence[int]
    x_label: str
    y_label: str = "Number of clients"
    missing: int = 0
    out_of_range: int = 0
    colour: str | None = None
    width: float = 640
    height: float = 240
    show_title: bool = True

    def __post_init__(self) -> None:
        for name in ("title", "description", "x_label", "y_label"):
            _set(self, name, str(getattr(self, name)))
        edges = tuple(_finite(e, "edge") for e in self.edges)
        counts = tuple(self.counts)
        if len(edges) < 2 or len(counts) != len(edges) - 1:
            raise ValueError("need len(edges) >= 2 and len(counts) == len(edges) - 1")
        if any(b <= a for a, b in itertools.pairwise(edges)):
            raise ValueError("edges must be strictly increasing")
        for c in (*counts, self.missing, self.out_of_range):
            if isinstance(c, bool) or not isinstance(c, int) or c < 0:
                raise ValueError("counts must be non-negative integers")
        _set(self, "edges", edges)
        _set(self, "counts", counts)
        _colour(self.colour, "colour")
        _check_dims(self.width, self.height)


@dataclass(frozen=True)
class RadarSeries:
    """One polygon on a radar chart: a value (or None) per axis."""

    name: str
    values: Sequence[float | None]
    style: LineStyle = "solid"
    colour: str | None = None
    marker: str = "circle"
    fill_opacity: float = 0.12

    def __post_init__(self) -> None:
        _set(self, "name", str(self.name))
        _set(self, "values", tuple(_opt_num(v, "radar value") for v in self.values))
        _choice(self.style, _LINE_STYLES, "style")
        _colour(self.colour, "colour")
        _choice(self.marker, _SERIES_MARKERS, "marker")
        if not 0 <= _finite(self.fill_opacity, "fill_opacity") <= 1:
            raise ValueError("fill_opacity must be in [0, 1]")


@dataclass(frozen=True, kw_only=True)
class RadarChart:
    """A radar (spider) chart: axes start at the top and go clockwise;
    ``r_min`` is the centre. ``height`` is the diameter area."""

    title: str
    description: str
    axes: Sequence[str]
    series: Sequence[RadarSeries]
    r_max: float
    r_min: float = 0.0
    ticks: Sequence[tuple[float, str]] | None = None
    width: float = 640
    height: float = 400
    legend: Sequence[LegendEntry] | None = None
    show_title: bool = True
    value_decimals: int = 2

    def __post_init__(self) -> None:
        _set(self, "title", str(self.title))
        _set(self, "description", str(self.description))
        axes = tuple(str(a) for a in self.axes)
        if len(axes) < 3:
            raise ValueError("a radar chart needs at least three axes")
        _set(self, "axes", axes)
        series = tuple(self.series)
        for s in series:
            if not isinstance(s, RadarSeries):
                raise TypeError("series must hold RadarSeries objects")
            if len(s.values) != len(axes):
                raise ValueError(f"series {s.name!r} needs one value per axis")
        _set(self, "series", series)
        lo, hi = _finite(self.r_min, "r_min"), _finite(self.r_max, "r_max")
        if hi <= lo:
            raise ValueError("r_max must be greater than r_min")
        _set(self, "r_min", lo)
        _set(self, "r_max", hi)
        _set(self, "ticks", _ticks(self.ticks, "ticks"))
        _check_dims(self.width, self.height)
        _set(self, "legend", _legend_arg(self.legend))


@dataclass(frozen=True, kw_only=True)
class Stack:
    """Several line charts (same width) stacked in one figure, e.g. one
    panel per outcome measure, each with its own y scale."""

    title: str
    description: str
    panels: Sequence[LineChart]
    show_title: bool = True

    def __post_init__(self) -> None:
        _set(self, "title", str(self.title))
        _set(self, "description", str(self.description))
        panels = tuple(self.panels)
        if not panels or not all(isinstance(p, LineChart) for p in panels):
            raise ValueError("panels must be one or more LineChart")
        if len({p.width for p in panels}) != 1:
            raise ValueError("all panels need the same width")
        _set(self, "panels", panels)

    @property
    def width(self) -> float:
        return self.panels[0].width


ChartSpec: TypeAlias = LineChart | BarChart | Histogram | RadarChart | Stack


def _key(spec: object) -> str:
    return repr(spec)


# ---------------------------------------------------------------------------
# Legend
# ---------------------------------------------------------------------------


def _legend(g: _Geom, entries: Sequence[LegendEntry], y: float) -> tuple[list[str], float]:
    """Entries flow left to right and wrap; returns markup and new y."""
    if not entries:
        return [], y
    out: list[str] = ['<g class="legend">']
    row_h = g.f * 1.5
    max_w = g.w - 2 * g.pad
    x = g.pad
    gap = g.f * 0.35
    after = g.f * 1.0
    first_in_row = True
    for e in entries:
        sw = g.f * 2.4 if e.sample == "line" else g.f * 1.0
        label = _truncate(e.label, g.f, max_w - sw - gap)
        ew = sw + gap + text_width(label, g.f)
        if not first_in_row and x + ew > g.pad + max_w:
            x = g.pad
            y += row_h
        first_in_row = False
        cy = y + row_h / 2
        if e.sample == "line":
            out.append(
                f'<line x1="{_c(x)}" y1="{_c(cy)}" x2="{_c(x + sw)}" y2="{_c(cy)}"'
                f' stroke="{e.colour}" stroke-width="{_c(g.line)}"{_dash(e.style, g.u)}/>'
            )
            if e.marker != "none":
                out.append(g.shape(e.marker, x + sw / 2, cy, g.r, e.colour, _BG))
        elif e.sample == "swatch":
            s = g.f * 0.8
            op = format_number(e.opacity, 3)
            out.append(
                f'<rect x="{_c(x + (sw - s) / 2)}" y="{_c(cy - s / 2)}" width="{_c(s)}"'
                f' height="{_c(s)}" fill="{e.colour}" fill-opacity="{op}"'
                f' stroke="{e.colour}" stroke-width="{_c(g.u)}"/>'
            )
        else:
            shape, fill, stroke = _EVENT_STYLE[e.sample]
            if e.sample == "note":
                stroke = _MUTED
            out.append(g.shape(shape, x + sw / 2, cy, g.er, fill, stroke, width=1.5 * g.u))
        out.append(g.text(x + sw + gap, cy + g.f * 0.35, label, title=e.label))
        x += ew + after
    out.append("</g>")
    return out, y + row_h


# ---------------------------------------------------------------------------
# Line chart
# ---------------------------------------------------------------------------


def _series_colours(series: Sequence[Series]) -> list[str]:
    out = []
    i = 0
    for s in series:
        if s.colour:
            out.append(s.colour)
        else:
            out.append(PALETTE[i % len(PALETTE)])
            i += 1
    return out


def _x_range(spec: LineChart) -> tuple[float, float, bool]:
    xs = [x for s in spec.series for x, _ in s.points]
    xs += [p[0] for b in spec.bands for p in b.points]
    xs += [m.x for m in spec.markers]
    xs += [t[0] for t in spec.x_ticks or ()]
    integral = bool(xs) and all(float(x).is_integer() for x in xs)
    if not xs:
        xs = [0.0, 1.0]
    lo, hi = min(xs), max(xs)
    span = hi - lo
    pad = max(span * 0.04, 0.3 if integral else 0.0) if span > 0 else 1.0
    x0 = spec.x_min if spec.x_min is not None else lo - pad
    x1 = spec.x_max if spec.x_max is not None else hi + pad
    if x1 <= x0:
        x1 = x0 + 1
    return x0, x1, integral


def _clip(v: float, lo: float, hi: float) -> tuple[float, str]:
    if v > hi:
        return hi, f"above the chart's range, drawn at {format_number(hi)}"
    if v < lo:
        return lo, f"below the chart's range, drawn at {format_number(lo)}"
    return v, ""


def _y_name(spec: LineChart, v: float) -> str:
    shown = format_number(v, spec.value_decimals) if math.isfinite(v) else str(v)
    for value, label in spec.value_labels or ():
        if value == v:
            return f"{shown} ({label})"
    return shown


def _x_name(spec: LineChart, x: float) -> str:
    for v, label in spec.x_ticks or ():
        if v == x:
            return label
    return format_number(x, spec.value_decimals)


def _auto_legend(spec: LineChart, colours: Sequence[str]) -> list[LegendEntry]:
    entries = [
        LegendEntry(s.name, "line", c, s.style, s.marker)
        for s, c in zip(spec.series, colours, strict=True)
    ]
    for i, b in enumerate(spec.bands):
        colour = b.colour or PALETTE[(len(spec.series) + i) % len(PALETTE)]
        entries.append(LegendEntry(b.name, "swatch", colour, opacity=b.opacity))
    kinds = {m.kind for m in spec.markers}
    entries += [LegendEntry(_EVENT_NAMES[k], k) for k in _EVENT_KINDS if k in kinds]
    return entries


def _data_samples(
    spec: LineChart, sx: Callable[[float], float], sy: Callable[[float], float]
) -> list[tuple[float, float]]:
    """Points along every drawn series line (screen coordinates)."""
    out: list[tuple[float, float]] = []
    for s in spec.series:
        prev: tuple[float, float] | None = None
        for x, v in sorted(s.points, key=lambda p: p[0]):
            if v is None:
                prev = None
                continue
            cur = (sx(x), sy(min(max(v, spec.y_min), spec.y_max)))
            if prev is not None:
                out += [
                    (prev[0] + (cur[0] - prev[0]) * k / 8, prev[1] + (cur[1] - prev[1]) * k / 8)
                    for k in range(1, 8)
                ]
            out.append(cur)
            prev = cur
    return out


class _LabelPlacer:
    """Puts a label at the left or right edge of the plot, whichever covers
    fewer data points and earlier labels (``prefer`` wins ties)."""

    def __init__(
        self, g: _Geom, left: float, right: float, samples: list[tuple[float, float]]
    ) -> None:
        self.g, self.left, self.right, self.samples = g, left, right, samples
        self.boxes: list[tuple[float, float, float, float]] = []

    def _cost(self, box: tuple[float, float, float, float]) -> int:
        x0, y0, x1, y1 = box
        m = self.g.r * 1.5
        n = sum(1 for px, py in self.samples if x0 - m <= px <= x1 + m and y0 - m <= py <= y1 + m)
        n += sum(10 for b in self.boxes if not (x1 < b[0] or b[2] < x0 or y1 < b[1] or b[3] < y0))
        return n

    def place(self, text: str, baseline: float, prefer: str) -> tuple[float, str]:
        g = self.g
        w = text_width(text, g.f)
        y0, y1 = baseline - g.f * 0.85, baseline + g.f * 0.2
        options = {
            "left": ((self.left + g.f * 0.3, y0, self.left + g.f * 0.3 + w, y1), "start"),
            "right": ((self.right - g.f * 0.3 - w, y0, self.right - g.f * 0.3, y1), "end"),
        }
        order = [prefer, "right" if prefer == "left" else "left"]
        side = min(order, key=lambda k: (self._cost(options[k][0]), order.index(k)))
        box, anchor = options[side]
        self.boxes.append(box)
        return (box[0] if anchor == "start" else box[2]), anchor


def _line_body(spec: LineChart, g: _Geom, y: float) -> tuple[list[str], float, int]:
    """Markup for one line chart starting at ``y``; returns (markup, bottom,
    number of clipped values)."""
    out: list[str] = []
    lo, hi = spec.y_min, spec.y_max
    y += g.pad
    if spec.show_title:
        t, y = _heading(g, spec.title, y, g.tf)
        out += t
        y += g.f * 0.2
    if spec.y_label:
        t, y = _lines_of_text(g, spec.y_label, y)
        out += t
    y += g.f * 0.4

    # event strip above the plot for markers without y
    strip = [m for m in spec.markers if m.y is None]
    rows: dict[float, int] = {}
    strip_row: list[int] = []
    for m in strip:
        strip_row.append(rows.get(m.x, 0))
        rows[m.x] = rows.get(m.x, 0) + 1
    strip_step = g.er * 2.7
    strip_top = y
    if strip:
        y += max(rows.values()) * strip_step + g.u * 2

    top = y
    bottom = top + spec.height

    # y ticks
    if spec.y_ticks is not None:
        yt = [(v, s) for v, s in spec.y_ticks if lo - 1e-9 <= v <= hi + 1e-9]
    else:
        n = int(spec.height // (g.f * 1.6)) + 1
        yt = [(v, format_number(v)) for v in _nice_ticks(lo, hi, n)]

    def sy(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * spec.height

    keep = _thin([sy(v) for v, _ in yt], [g.f] * len(yt), g.f * 0.25)
    yt = [yt[i] for i in keep]
    label_w = max((text_width(s, g.f) for _, s in yt), default=0.0)
    left = g.pad + label_w + g.f * 0.5

    x0, x1, integral = _x_range(spec)
    # room for a centred last x label at the right edge
    right = g.w - g.pad - g.f * 0.6

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (right - left)

    if spec.x_ticks is not None:
        xt = [(v, s) for v, s in spec.x_ticks if x0 - 1e-9 <= v <= x1 + 1e-9]
    else:
        sample = format_number(max(abs(x0), abs(x1)) * (-1 if x0 < 0 else 1))
        spacing = text_width(sample, g.f) + g.f * 1.2
        n = int((right - left) // spacing) + 1
        lo_t = math.ceil(x0) if integral else x0
        hi_t = math.floor(x1) if integral else x1
        xt = [(v, format_number(v)) for v in _nice_ticks(lo_t, hi_t, n, integral)]
    keep = _thin(
        [sx(v) for v, _ in xt],
        [text_width(s, g.f) for _, s in xt],
        g.f * 0.6,
        from_end=spec.x_ticks is not None,
    )
    xt = [xt[i] for i in keep]

    # zones (background) and grid; labels go where they hide no data
    placer = _LabelPlacer(g, left, right, _data_samples(spec, sx, sy))
    zone_legend: list[LegendEntry] = []
    zone_labels: list[str] = []
    for z in spec.zones:
        zl, zh = max(z.low, lo), min(z.high, hi)
        if zh <= zl:
            continue
        y_top, y_bot = sy(zh), sy(zl)
        tip = f"{z.label}: {format_number(z.low)} to {format_number(z.high)}"
        out.append(
            f'<rect x="{_c(left)}" y="{_c(y_top)}" width="{_c(right - left)}"'
            f' height="{_c(y_bot - y_top)}" fill="{z.colour}"'
            f' fill-opacity="{format_number(z.opacity, 3)}" class="zone">{_title(tip)}</rect>'
        )
        if z.border:
            for yy in (y_top, y_bot):
                out.append(
                    f'<line x1="{_c(left)}" y1="{_c(yy)}" x2="{_c(right)}" y2="{_c(yy)}"'
                    f' stroke="{z.colour}" stroke-width="{_c(g.u)}"{_dash("dashed", g.u)}/>'
                )
        fits = y_bot - y_top >= g.f * 1.05
        if z.label and z.label_inside and fits:
            base = (y_top + y_bot) / 2 + g.f * 0.35
            x, anchor = placer.place(z.label, base, prefer="right")
            zone_labels.append(g.text(x, base, z.label, anchor=anchor, halo=True, fill=_MUTED))
        if z.label and (z.in_legend or (z.label_inside and not fits) or not z.label_inside):
            zone_legend.append(LegendEntry(z.label, "swatch", z.colour, opacity=z.opacity))
    for v, _ in yt:
        out.append(
            f'<line x1="{_c(left)}" y1="{_c(sy(v))}" x2="{_c(right)}" y2="{_c(sy(v))}"'
            f' stroke="{_GRID}" stroke-width="{_c(g.u)}"/>'
        )
    out += zone_labels

    colours = _series_colours(spec.series)
    # bands
    for i, b in enumerate(spec.bands):
        if not b.points:
            continue
        colour = b.colour or PALETTE[(len(spec.series) + i) % len(PALETTE)]
        upper = [(sx(x), sy(min(max(h, lo), hi))) for x, _, h in b.points]
        lower = [(sx(x), sy(min(max(low, lo), hi))) for x, low, _ in reversed(b.points)]
        poly = " ".join(f"{_c(px)},{_c(py)}" for px, py in upper + lower)
        out.append(
            f'<polygon points="{poly}" fill="{colour}"'
            f' fill-opacity="{format_number(b.opacity, 3)}" stroke="none"'
            f' class="band">{_title(b.name)}</polygon>'
        )

    # reference lines
    for h in spec.hlines:
        v, note = _clip(h.y, lo, hi)
        tip = f"{h.label}: {format_number(h.y)}" + (f" ({note})" if note else "")
        yy = sy(v)
        out.append(
            f'<line x1="{_c(left)}" y1="{_c(yy)}" x2="{_c(right)}" y2="{_c(yy)}"'
            f' stroke="{_MUTED}" stroke-width="{_c(1.25 * g.u)}"{_dash(h.style, g.u)}'
            f' class="hline">{_title(tip)}</line>'
        )
        if h.label:
            ty = yy - g.f * 0.3 if yy - g.f * 1.1 > top else yy + g.f * 1.05
            x, anchor = placer.place(h.label, ty, prefer="left")
            out.append(g.text(x, ty, h.label, anchor=anchor, halo=True))

    # axis
    out.append(
        f'<line x1="{_c(left)}" y1="{_c(bottom)}" x2="{_c(right)}" y2="{_c(bottom)}"'
        f' stroke="{TEXT_COLOUR}" stroke-width="{_c(g.u)}"/>'
    )

    # series: one path per run of consecutive non-missing points
    clipped = 0
    points_markup: list[str] = []
    for ser, colour in zip(spec.series, colours, strict=True):
        pts = sorted(ser.points, key=lambda p: p[0])
        runs: list[list[tuple[float, float]]] = [[]]
        for idx, (x, pv) in enumerate(pts):
            if pv is None:
                if runs[-1]:
                    runs.append([])
                continue
            cv, note = _clip(pv, lo, hi)
            runs[-1].append((sx(x), sy(cv)))
            shown = _y_name(spec, pv)
            tip = f"{ser.name}, {spec.x_label or 'x'} {_x_name(spec, x)}: {shown}"
            marker = ser.marker
            if note:
                clipped += 1
                tip += f" ({note})"
            if marker == "none":
                # without markers, isolated and clipped points still show a dot
                isolated = all(
                    not (0 <= j < len(pts)) or pts[j][1] is None for j in (idx - 1, idx + 1)
                )
                if not isolated and not note:
                    continue
                marker = "circle"
            points_markup.append(
                g.shape(
                    marker,
                    sx(x),
                    sy(cv),
                    g.r,
                    _BG if note else colour,
                    colour if note else _BG,
                    title=tip,
                    cls="point",
                    width=1.5 * g.u if note else g.u,
                )
            )
        for run in runs:
            if len(run) < 2:
                continue
            d = "M" + " L".join(f"{_c(px)} {_c(py)}" for px, py in run)
            out.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{_c(g.line)}"'
                f' stroke-linejoin="round"{_dash(ser.style, g.u)} class="series-line">'
                f"{_title(ser.name)}</path>"
            )
    out += points_markup

    # event markers
    event_markup: list[str] = []
    si = 0
    for m in spec.markers:
        shape, fill, stroke = _EVENT_STYLE[m.kind]
        tip = _EVENT_NAMES[m.kind] + (f": {m.label}" if m.label else "")
        mx = sx(min(max(m.x, x0), x1))
        if m.y is None:
            row = strip_row[si]
            si += 1
            my = strip_top + (row + 0.5) * strip_step
            if row == 0:
                out.append(
                    f'<line x1="{_c(mx)}" y1="{_c(top)}" x2="{_c(mx)}" y2="{_c(bottom)}"'
                    f' stroke="#999999" stroke-width="{_c(g.u)}"{_dash("dotted", g.u)}/>'
                )
        else:
            v, note = _clip(m.y, lo, hi)
            if note:
                clipped += 1
                tip += f" ({note})"
            my = sy(v)
        event_markup.append(
            g.shape(
                shape, mx, my, g.er, fill, stroke, title=tip, cls=f"event {m.kind}", width=1.5 * g.u
            )
        )
    out += event_markup

    # tick labels
    for v, s in yt:
        out.append(g.text(left - g.f * 0.4, sy(v) + g.f * 0.35, s, anchor="end"))
    for v, s in xt:
        xx = sx(v)
        out.append(
            f'<line x1="{_c(xx)}" y1="{_c(bottom)}" x2="{_c(xx)}" y2="{_c(bottom + g.f * 0.3)}"'
            f' stroke="{TEXT_COLOUR}" stroke-width="{_c(g.u)}"/>'
        )
        out.append(g.text(xx, bottom + g.f * 1.25, s, anchor="middle"))
    y = bottom + g.f * 1.55
    if spec.x_label:
        t, y = _axis_label(g, spec.x_label, (left + right) / 2, y)
        out += t
    if clipped:
        t, y = _lines_of_text(
            g, "Hollow markers: values outside the scale, drawn at its edge.", y + g.f * 0.1
        )
        out += t
    entries = (
        list(spec.legend) if spec.legend is not None else _auto_legend(spec, colours) + zone_legend
    )
    if entries:
        t, y = _legend(g, entries, y + g.f * 0.2)
        out += t
    return out, y + g.pad * 0.5, clipped


def _clip_note(n: int) -> str:
    if not n:
        return ""
    s = "value is" if n == 1 else "values are"
    return f" Note: {n} {s} outside the chart's range and drawn at its edge (see the data table)."


def line_chart(spec: LineChart) -> str:
    """Render a ``LineChart`` as an inline ``<svg>`` string."""
    g = _Geom(spec.width)
    body, h, clipped = _line_body(spec, g, 0.0)
    return _root(
        spec.title, spec.description + _clip_note(clipped), spec.width, h, body, _key(spec)
    )


def stacked(spec: Stack) -> str:
    """Render a ``Stack``: the panels one below the other in one ``<svg>``."""
    g = _Geom(spec.width)
    out: list[str] = []
    y = 0.0
    if spec.show_title:
        t, y = _heading(g, spec.title, g.pad, g.tf * 1.1)
        out += t
    clipped = 0
    for p in spec.panels:
        body, y, c = _line_body(p, g, y)
        out += body
        clipped += c
    return _root(spec.title, spec.description + _clip_note(clipped), spec.width, y, out, _key(spec))


# ---------------------------------------------------------------------------
# Bar chart
# ---------------------------------------------------------------------------


def _knocked_out(g: _Geom, x: float, cy: float, text: str) -> str:
    """A bar's value label on a white box, so that a reference line crossing
    it stops at the box (a stroked halo leaves the line visible between the
    digits). The box is decorative: screen readers skip it."""
    pad = g.f * 0.15
    box = (
        f'<rect x="{_c(x - pad)}" y="{_c(cy - g.f * 0.6)}"'
        f' width="{_c(text_width(text, g.f) + 2 * pad)}" height="{_c(g.f * 1.2)}"'
        f' fill="{_BG}" class="label-box" aria-hidden="true"/>'
    )
    return box + g.text(x, cy + g.f * 0.35, text)


def bar_chart(spec: BarChart) -> str:
    """Render a ``BarChart``: one labelled horizontal bar per item, value at
    its end; None shows "no data"; values beyond the scale are clipped."""
    g = _Geom(spec.width)
    out: list[str] = []
    y = g.pad
    if spec.show_title:
        out_t, y = _heading(g, spec.title, y, g.tf)
        out += out_t
        y += g.f * 0.2
    lo, hi = spec.x_min, spec.x_max
    vals = [
        format_number(b.value, spec.value_decimals) if b.value is not None else "no data"
        for b in spec.bars
    ]
    label_w = min(max((text_width(b.label, g.f) for b in spec.bars), default=0.0), g.w * 0.38)
    value_w = max((text_width(v, g.f) for v in vals), default=0.0)
    left = g.pad + label_w + g.f * 0.5
    right = g.w - g.pad - value_w - g.f * 0.5

    def sx(v: float) -> float:
        return left + (min(max(v, lo), hi) - lo) / (hi - lo) * (right - left)

    # reference line labels, one row each, above the bars
    ref_rows = []
    for _ in spec.lines:
        ref_rows.append(y)
        y += g.f * 1.3
    row_h = g.f * 1.9
    top = y + g.f * 0.2
    bottom = top + row_h * max(1, len(spec.bars))

    if spec.x_ticks is not None:
        xt = [(v, s) for v, s in spec.x_ticks if lo <= v <= hi]
    else:
        spacing = text_width(format_number(hi), g.f) + g.f * 1.2
        xt = [
            (v, format_number(v)) for v in _nice_ticks(lo, hi, int((right - left) // spacing) + 1)
        ]
    keep = _thin([sx(v) for v, _ in xt], [text_width(s, g.f) for _, s in xt], g.f * 0.6)
    xt = [xt[i] for i in keep]
    # No grid lines across the plot: behind the bars only their stubs in the
    # gaps between bars would show, as specks. Tick marks on the axis instead.
    base = sx(0.0) if lo <= 0 <= hi else sx(lo)
    colour = spec.colour or PALETTE[0]
    clipped = 0
    value_texts: list[str] = []
    for i, (b, shown) in enumerate(zip(spec.bars, vals, strict=True)):
        ry = top + i * row_h
        cy = ry + row_h / 2
        label = _truncate(b.label, g.f, label_w)
        out.append(g.text(left - g.f * 0.4, cy + g.f * 0.35, label, anchor="end", title=b.label))
        tip = f"{b.label}: {shown}" + (f" ({b.note})" if b.note else "")
        if b.value is None:
            out.append(g.text(base + g.f * 0.3, cy + g.f * 0.35, shown, fill=_MUTED, title=tip))
            continue
        _, note = _clip(b.value, lo, hi)
        if note:
            clipped += 1
            tip += f" ({note.replace('chart', 'scale')})"
        x_end = sx(b.value)
        bx, bw = min(base, x_end), abs(x_end - base)
        bh = g.f * 1.15
        c = b.colour or colour
        out.append(
            f'<rect x="{_c(bx)}" y="{_c(cy - bh / 2)}" width="{_c(max(bw, g.u))}"'
            f' height="{_c(bh)}" fill="{c}" class="bar">{_title(tip)}</rect>'
        )
        tx = max(x_end, base) + g.f * 0.3
        value_texts.append(_knocked_out(g, tx, cy, shown + ("*" if note else "")))
    for vl, ry in zip(spec.lines, ref_rows, strict=True):
        xx = sx(vl.x)
        out.append(
            f'<line x1="{_c(xx)}" y1="{_c(top - g.f * 0.2)}" x2="{_c(xx)}" y2="{_c(bottom)}"'
            f' stroke="{TEXT_COLOUR}" stroke-width="{_c(1.25 * g.u)}"{_dash(vl.style, g.u)}'
            f' class="vline">{_title(f"{vl.label}: {format_number(vl.x)}")}</line>'
        )
        text = f"{vl.label}: {format_number(vl.x)}" if vl.label else format_number(vl.x)
        tw = text_width(text, g.f)
        tx = min(max(xx, g.pad + tw / 2), g.w - g.pad - tw / 2)
        out.append(g.text(tx, ry + g.f * 0.9, text, anchor="middle", halo=True))
    out += value_texts
    out.append(
        f'<line x1="{_c(left)}" y1="{_c(bottom)}" x2="{_c(right)}" y2="{_c(bottom)}"'
        f' stroke="{TEXT_COLOUR}" stroke-width="{_c(g.u)}"/>'
    )
    for v, s in xt:
        out.append(
            f'<line x1="{_c(sx(v))}" y1="{_c(bottom)}" x2="{_c(sx(v))}"'
            f' y2="{_c(bottom + g.f * 0.3)}" stroke="{TEXT_COLOUR}" stroke-width="{_c(g.u)}"/>'
        )
        out.append(g.text(sx(v), bottom + g.f * 1.25, s, anchor="middle"))
    y = bottom + g.f * 1.55
    if spec.x_label:
        t, y = _axis_label(g, spec.x_label, (left + right) / 2, y)
        out += t
    if clipped:
        t, y = _lines_of_text(g, "* beyond the scale: the bar stops at its edge.", y)
        out += t
    return _root(
        spec.title, spec.description + _clip_note(clipped), spec.width, y + g.pad, out, _key(spec)
    )


# ---------------------------------------------------------------------------
# Histogram
# ---------------------------------------------------------------------------


def bin_values(
    values: Iterable[float | None],
    bins: int | Sequence[float],
    value_range: tuple[float, float] | None = None,
) -> tuple[tuple[float, ...], tuple[int, ...], int, int]:
    """Count values per bin: returns (edges, counts, missing, out_of_range).

    ``bins`` is a number of equal-width bins over ``value_range`` (default:
    the data's min to max) or the bin edges. Bins are [a, b) except the last,
    which includes its right edge (as numpy.histogram). None/NaN are missing.

    >>> bin_values([1, 2, 2, 3, None], 2)
    ((1.0, 2.0, 3.0), (1, 3), 1, 0)
    """
    vals: list[float] = []
    missing = 0
    for v in values:
        f = _opt_num(v, "value")
        if f is None:
            missing += 1
        else:
            vals.append(f)
    if isinstance(bins, int) and not isinstance(bins, bool):
        if bins < 1:
            raise ValueError("bins must be >= 1")
        if value_range is not None:
            a, b = _finite(value_range[0], "range"), _finite(value_range[1], "range")
        elif vals:
            finite = [v for v in vals if math.isfinite(v)]
            a, b = (min(finite), max(finite)) if finite else (0.0, 1.0)
        else:
            a, b = 0.0, 1.0
        if b < a:
            raise ValueError("value_range must be (low, high)")
        if b == a:
            a, b = a - 0.5, b + 0.5
        edges = (*(a + (b - a) * i / bins for i in range(bins)), b)
    elif isinstance(bins, Sequence):
        edges = tuple(_finite(e, "bin edge") for e in bins)
        if len(edges) < 2 or any(y <= x for x, y in itertools.pairwise(edges)):
            raise ValueError("bin edges must be at least two, strictly increasing")
    else:
        raise TypeError("bins must be an int or a sequence of edges")
    counts = [0] * (len(edges) - 1)
    out_of_range = 0
    for v in vals:
        if v < edges[0] or v > edges[-1]:
            out_of_range += 1
            continue
        i = min(bisect_right(edges, v) - 1, len(counts) - 1)
        counts[i] += 1
    return edges, tuple(counts), missing, out_of_range


def histogram_spec(
    values: Iterable[float | None],
    bins: int | Sequence[float],
    *,
    title: str,
    description: str,
    x_label: str,
    y_label: str = "Number of clients",
    value_range: tuple[float, float] | None = None,
    colour: str | None = None,
    width: float = 640,
    height: float = 240,
) -> Histogram:
    """Bin ``values`` (see ``bin_values``) into a ``Histogram`` spec."""
    edges, counts, missing, out = bin_values(values, bins, value_range)
    return Histogram(
        title=title,
        description=description,
        edges=edges,
        counts=counts,
        x_label=x_label,
        y_label=y_label,
        missing=missing,
        out_of_range=out,
        colour=colour,
        width=width,
        height=height,
    )


def _histogram_notes(spec: Histogram) -> str:
    parts = []
    if spec.missing:
        parts.append(f"{spec.missing} missing")
    if spec.out_of_range:
        parts.append(f"{spec.out_of_range} outside the bins")
    return ("Not shown: " + ", ".join(parts) + ".") if parts else ""


def _render_histogram(spec: Histogram) -> str:
    g = _Geom(spec.width)
    out: list[str] = []
    y = g.pad
    if spec.show_title:
        t, y = _heading(g, spec.title, y, g.tf)
        out += t
        y += g.f * 0.2
    if spec.y_label:
        t, y = _lines_of_text(g, spec.y_label, y)
        out += t
    y += g.f * 0.4
    bottom = y + g.f * 1.2 + spec.height
    cmax = max(max(spec.counts), 1)
    yt_vals = _nice_ticks(0, cmax, int(spec.height // (g.f * 1.6)) + 1, integer=True)
    ymax = max(cmax, yt_vals[-1])
    label_w = max(text_width(format_number(v), g.f) for v in yt_vals)
    left = g.pad + label_w + g.f * 0.5
    right = g.w - g.pad - g.f * 0.8
    e0, e1 = spec.edges[0], spec.edges[-1]

    def sx(v: float) -> float:
        return left + (v - e0) / (e1 - e0) * (right - left)

    def sy(v: float) -> float:
        return bottom - v / ymax * spec.height

    for v in yt_vals:
        out.append(
            f'<line x1="{_c(left)}" y1="{_c(sy(v))}" x2="{_c(right)}" y2="{_c(sy(v))}"'
            f' stroke="{_GRID}" stroke-width="{_c(g.u)}"/>'
        )
        out.append(g.text(left - g.f * 0.4, sy(v) + g.f * 0.35, format_number(v), anchor="end"))
    colour = spec.colour or PALETTE[0]
    for a, b, n in zip(spec.edges, spec.edges[1:], spec.counts, strict=False):
        xa, xb = sx(a) + g.u * 0.75, sx(b) - g.u * 0.75
        tip = f"{format_number(a)} to {format_number(b)}: {n}"
        if n:
            out.append(
                f'<rect x="{_c(xa)}" y="{_c(sy(n))}" width="{_c(max(xb - xa, g.u))}"'
                f' height="{_c(bottom - sy(n))}" fill="{colour}" class="bar">'
                f"{_title(tip)}</rect>"
            )
        if text_width(str(n), g.f) <= xb - xa + g.f * 0.2:
            out.append(g.text((xa + xb) / 2, sy(n) - g.f * 0.3, str(n), anchor="middle"))
    out.append(
        f'<line x1="{_c(left)}" y1="{_c(bottom)}" x2="{_c(right)}" y2="{_c(bottom)}"'
        f' stroke="{TEXT_COLOUR}" stroke-width="{_c(g.u)}"/>'
    )
    xt = [(e, format_number(e)) for e in spec.edges]
    keep = _thin([sx(v) for v, _ in xt], [text_width(s, g.f) for _, s in xt], g.f * 0.6)
    for i in keep:
        v, s = xt[i]
        out.append(
            f'<line x1="{_c(sx(v))}" y1="{_c(bottom)}" x2="{_c(sx(v))}"'
            f' y2="{_c(bottom + g.f * 0.3)}" stroke="{TEXT_COLOUR}" stroke-width="{_c(g.u)}"/>'
        )
        out.append(g.text(sx(v), bottom + g.f * 1.25, s, anchor="middle"))
    y = bottom + g.f * 1.55
    if spec.x_label:
        t, y = _axis_label(g, spec.x_label, (left + right) / 2, y)
        out += t
    notes = _histogram_notes(spec)
    if notes:
        t, y = _lines_of_text(g, notes, y)
        out += t
    desc = spec.description + (f" {notes}" if notes else "")
    return _root(spec.title, desc, spec.width, y + g.pad, out, _key(spec))


def histogram(
    values: Iterable[float | None],
    bins: int | Sequence[float],
    *,
    title: str,
    description: str,
    x_label: str,
    y_label: str = "Number of clients",
    value_range: tuple[float, float] | None = None,
    colour: str | None = None,
    width: float = 640,
    height: float = 240,
) -> str:
    """Render the distribution of ``values`` as an SVG histogram (see
    ``bin_values`` for how ``bins`` and ``value_range`` work)."""
    return _render_histogram(
        histogram_spec(
            values,
            bins,
            title=title,
            description=description,
            x_label=x_label,
            y_label=y_label,
            value_range=value_range,
            colour=colour,
            width=width,
            height=height,
        )
    )


# ---------------------------------------------------------------------------
# Radar chart
# ---------------------------------------------------------------------------


def radar(spec: RadarChart) -> str:
    """Render a ``RadarChart``: one polygon per series. A missing value
    leaves a gap: only edges between neighbouring known values are drawn."""
    g = _Geom(spec.width)
    out: list[str] = []
    y = g.pad
    if spec.show_title:
        t, y = _heading(g, spec.title, y, g.tf)
        out += t
    n = len(spec.axes)
    lo, hi = spec.r_min, spec.r_max
    label_h = g.f * 1.5
    angles = [-math.pi / 2 + 2 * math.pi * i / n for i in range(n)]
    up, down = -min(math.sin(a) for a in angles), max(math.sin(a) for a in angles)
    # the largest radius whose polygon and axis labels fit height x width
    radius = (spec.height - 2 * label_h) / (up + down)
    for a, name in zip(angles, spec.axes, strict=True):
        c = abs(math.cos(a))
        if c > 0.3:
            room = g.w / 2 - g.pad - text_width(name, g.f, bold=True) - g.f * 0.6
            radius = min(radius, room / c)
    radius = max(radius, g.f * 3)
    cx = g.w / 2
    cy = y + (spec.height - (up + down) * radius) / 2 + up * radius

    def pos(i: int, v: float) -> tuple[float, float]:
        ang = -math.pi / 2 + 2 * math.pi * i / n
        r = (min(max(v, lo), hi) - lo) / (hi - lo) * radius
        return cx + r * math.cos(ang), cy + r * math.sin(ang)

    if spec.ticks is not None:
        ticks = [(v, s) for v, s in spec.ticks if lo <= v <= hi]
    else:
        ticks = [
            (v, format_number(v)) for v in _nice_ticks(lo, hi, int(radius // (g.f * 1.25)) + 1)
        ]
    keep = _thin([pos(0, v)[1] for v, _ in ticks], [g.f] * len(ticks), g.f * 0.1)
    ticks = [ticks[i] for i in keep]
    for v, _ in ticks:
        if v <= lo:
            continue
        pts = " ".join(f"{_c(px)},{_c(py)}" for px, py in (pos(i, v) for i in range(n)))
        out.append(
            f'<polygon points="{pts}" fill="none" stroke="{_GRID}" stroke-width="{_c(g.u)}"/>'
        )
    for i, name in enumerate(spec.axes):
        ex, ey = pos(i, hi)
        out.append(
            f'<line x1="{_c(cx)}" y1="{_c(cy)}" x2="{_c(ex)}" y2="{_c(ey)}"'
            f' stroke="#bbbbbb" stroke-width="{_c(g.u)}"/>'
        )
        ang = -math.pi / 2 + 2 * math.pi * i / n
        lx, ly = (
            cx + (radius + g.f * 0.6) * math.cos(ang),
            cy + (radius + g.f * 0.6) * math.sin(ang),
        )
        c = math.cos(ang)
        anchor = "middle" if abs(c) < 0.3 else ("start" if c > 0 else "end")
        s = math.sin(ang)
        ty = ly + g.f * 0.35 + (g.f * 0.45 * s if abs(c) < 0.3 else g.f * 0.3 * s)
        out.append(g.text(lx, ty, name, anchor=anchor, bold=True))
    colours = []
    k = 0
    for sr in spec.series:
        if sr.colour:
            colours.append(sr.colour)
        else:
            colours.append(PALETTE[k % len(PALETTE)])
            k += 1
    clipped = 0
    marks: list[str] = []
    for sr, colour in zip(spec.series, colours, strict=True):
        vals = sr.values
        if all(v is not None for v in vals):
            pts = " ".join(
                f"{_c(px)},{_c(py)}"
                for px, py in (pos(i, v) for i, v in enumerate(vals) if v is not None)
            )
            out.append(
                f'<polygon points="{pts}" fill="{colour}"'
                f' fill-opacity="{format_number(sr.fill_opacity, 3)}" stroke="{colour}"'
                f' stroke-width="{_c(g.line)}" stroke-linejoin="round"{_dash(sr.style, g.u)}'
                f' class="series-line">{_title(sr.name)}</polygon>'
            )
        else:
            for i in range(n):
                va, vb = vals[i], vals[(i + 1) % n]
                if va is None or vb is None:
                    continue
                (x1, y1), (x2, y2) = pos(i, va), pos((i + 1) % n, vb)
                out.append(
                    f'<path d="M{_c(x1)} {_c(y1)} L{_c(x2)} {_c(y2)}" fill="none"'
                    f' stroke="{colour}" stroke-width="{_c(g.line)}"{_dash(sr.style, g.u)}'
                    f' class="series-line">{_title(sr.name)}</path>'
                )
        for i, rv in enumerate(vals):
            if rv is None:
                continue
            _, note = _clip(rv, lo, hi)
            tip = f"{sr.name}, {spec.axes[i]}: {format_number(rv, spec.value_decimals)}"
            if note:
                clipped += 1
                tip += f" ({note})"
            px, py = pos(i, rv)
            marker = "circle" if sr.marker == "none" else sr.marker
            marks.append(
                g.shape(
                    marker,
                    px,
                    py,
                    g.r,
                    _BG if note else colour,
                    colour if note else _BG,
                    title=tip,
                    cls="point",
                )
            )
    out += marks
    for tv, ts in ticks:
        px, py = pos(0, tv)
        out.append(g.text(px + g.f * 0.35, py + g.f * 0.35, ts, halo=True, fill=_MUTED))
    y = cy + down * radius + label_h + g.f * 0.3
    if clipped:
        t, y = _lines_of_text(g, "Hollow markers: values outside the scale, drawn at its edge.", y)
        out += t
    entries = (
        list(spec.legend)
        if spec.legend is not None
        else [
            LegendEntry(s.name, "line", c, s.style, s.marker)
            for s, c in zip(spec.series, colours, strict=True)
        ]
    )
    if entries:
        t, y = _legend(g, entries, y)
        out += t
    return _root(
        spec.title,
        spec.description + _clip_note(clipped),
        spec.width,
        y + g.pad * 0.5,
        out,
        _key(spec),
    )


# ---------------------------------------------------------------------------
# Dispatch and data tables
# ---------------------------------------------------------------------------


def render(spec: ChartSpec) -> str:
    """Render any chart spec to an inline ``<svg>`` string."""
    if isinstance(spec, LineChart):
        return line_chart(spec)
    if isinstance(spec, BarChart):
        return bar_chart(spec)
    if isinstance(spec, Histogram):
        return _render_histogram(spec)
    if isinstance(spec, RadarChart):
        return radar(spec)
    if isinstance(spec, Stack):
        return stacked(spec)
    raise TypeError(f"not a chart spec: {type(spec).__name__}")


def _table(
    caption: str,
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    notes: Sequence[str],
    cls: str,
) -> str:
    parts = [f'<table class="{cls}"><caption>{escape(caption)}</caption><thead><tr>']
    parts += [f'<th scope="col">{escape(h)}</th>' for h in head]
    parts.append("</tr></thead><tbody>")
    for row in rows:
        parts.append(f'<tr><th scope="row">{escape(row[0])}</th>')
        parts += [f"<td>{escape(c)}</td>" for c in row[1:]]
        parts.append("</tr>")
    parts.append("</tbody>")
    if notes:
        parts.append(f'<tfoot><tr><td colspan="{len(head)}">')
        parts.append(" ".join(escape(n) for n in notes))
        parts.append("</td></tr></tfoot>")
    parts.append("</table>")
    return "".join(parts)


_MISSING = "no data"


def _fmt_opt(v: float | None, decimals: int) -> str:
    return _MISSING if v is None else format_number(v, decimals)


def _line_table(spec: LineChart, cls: str) -> str:
    d = spec.value_decimals
    xs = sorted(
        {x for s in spec.series for x, _ in s.points}
        | {p[0] for b in spec.bands for p in b.points}
        | {m.x for m in spec.markers}
    )
    head = [spec.x_label or "x", *(s.name for s in spec.series), *(b.name for b in spec.bands)]
    if spec.markers:
        head.append("Events")
    lookup = [dict(s.points) for s in spec.series]
    band_lookup = [{p[0]: p for p in b.points} for b in spec.bands]
    rows = []
    for x in xs:
        row = [_x_name(spec, x)]
        for lk in lookup:
            v = lk.get(x)
            row.append(_MISSING if v is None else _y_name(spec, v))
        for bl in band_lookup:
            p = bl.get(x)
            row.append(
                _MISSING if p is None else f"{format_number(p[1], d)} to {format_number(p[2], d)}"
            )
        if spec.markers:
            ev = [
                _EVENT_NAMES[m.kind]
                + (f": {m.label}" if m.label else "")
                + (f" (at {format_number(m.y, d)})" if m.y is not None else "")
                for m in spec.markers
                if m.x == x
            ]
            row.append("; ".join(ev) if ev else "")
        rows.append(row)
    notes = [f"{h.label or 'Reference line'}: {format_number(h.y, d)}." for h in spec.hlines]
    notes += [
        f"{z.label}: {format_number(z.low, d)} to {format_number(z.high, d)}." for z in spec.zones
    ]
    notes.append(f"Scale: {format_number(spec.y_min, d)} to {format_number(spec.y_max, d)}.")
    return _table(spec.title, head, rows, notes, cls)


def data_table_html(spec: ChartSpec, *, visually_hidden: bool = True) -> str:
    """The chart's data as an HTML ``<table>`` (every value, missing shown
    as "no data"), for screen readers and for printing without SVG.

    With ``visually_hidden`` the table gets the ``visually-hidden`` class
    (defined in the web app's CSS): read by screen readers, not shown.
    """
    cls = "alliance-chart-data" + (" visually-hidden" if visually_hidden else "")
    if isinstance(spec, LineChart):
        return _line_table(spec, cls)
    if isinstance(spec, Stack):
        return (
            '<div class="alliance-chart-data-group">'
            + "".join(_line_table(p, cls) for p in spec.panels)
            + "</div>"
        )
    if isinstance(spec, BarChart):
        rows = [
            [
                b.label,
                _MISSING if b.value is None else format_number(b.value, spec.value_decimals),
                b.note,
            ]
            for b in spec.bars
        ]
        notes = [f"{v.label or 'Reference line'}: {format_number(v.x)}." for v in spec.lines]
        return _table(spec.title, ["", spec.x_label, "Note"], rows, notes, cls)
    if isinstance(spec, Histogram):
        rows = [
            [f"{format_number(a)} to {format_number(b)}", str(n)]
            for a, b, n in zip(spec.edges, spec.edges[1:], spec.counts, strict=False)
        ]
        notes = [_histogram_notes(spec)] if _histogram_notes(spec) else []
        return _table(spec.title, [spec.x_label, spec.y_label], rows, notes, cls)
    if isinstance(spec, RadarChart):
        rows = [
            [axis, *(_fmt_opt(s.values[i], spec.value_decimals) for s in spec.series)]
            for i, axis in enumerate(spec.axes)
        ]
        notes = [f"Scale: {format_number(spec.r_min)} to {format_number(spec.r_max)}."]
        return _table(spec.title, ["", *(s.name for s in spec.series)], rows, notes, cls)
    raise TypeError(f"not a chart spec: {type(spec).__name__}")
