"""The alliance charts, defined once from plain data (lists, dicts; no Django).

Each function returns a ``Chart``: ``.svg()`` gives the inline SVG for the
clinic pages, printed reports and the research HTML report; ``.table_html()``
the same data as an HTML table (visually hidden by default) for screen
readers and printing without SVG; ``.html()`` both in a ``<figure>``.

Scale ranges, severity bands, reliable-change norms and cut-offs come from the
caller (who reads them from the instrument files); the defaults below are only
the response-scale ranges of the instruments named in each docstring.

>>> chart = session_alliance_chart([1, 2, 3], [3.5, None, 4.2], [RuptureMark(2)])
>>> chart.svg().count('class="point"')
2
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from alliance.charts.svg import (
    PALETTE,
    TEXT_COLOUR,
    Band,
    Bar,
    BarChart,
    ChartSpec,
    Histogram,
    HLine,
    LegendEntry,
    LineChart,
    Marker,
    RadarChart,
    RadarSeries,
    Series,
    Stack,
    VLine,
    Zone,
    data_table_html,
    format_number,
    histogram_spec,
    render,
)

__all__ = [
    "GAS_LEVELS",
    "GAS_SHORT_LABELS",
    "SUBSCALE_COLOURS",
    "Chart",
    "RuptureMark",
    "SeverityBand",
    "alliance_chart",
    "alliance_distribution_chart",
    "goal_chart",
    "outcome_chart",
    "radar_chart",
    "session_alliance_chart",
    "therapist_chart",
]

#: One colour per alliance subscale (Okabe-Ito; Total near-black).
SUBSCALE_COLOURS: Mapping[str, str] = {
    "goal": "#0072B2",
    "task": "#D55E00",
    "bond": "#009E73",
    "total": TEXT_COLOUR,
}
#: Goal Attainment Scaling levels and their full labels (gas.toml).
GAS_LEVELS: Mapping[int, str] = {
    -2: "much less than expected",
    -1: "somewhat less than expected",
    0: "expected level",
    1: "somewhat more than expected",
    2: "much more than expected",
}
#: Short forms for the y axis, readable on a phone.
GAS_SHORT_LABELS: Mapping[int, str] = {
    -2: "much less",
    -1: "less",
    0: "expected",
    1: "more",
    2: "much more",
}
_MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down")


@dataclass(frozen=True)
class Chart:
    """A chart definition: the spec, rendered on demand."""

    spec: ChartSpec

    def svg(self) -> str:
        """The inline ``<svg>`` (deterministic)."""
        return render(self.spec)

    def table_html(self, *, visually_hidden: bool = True) -> str:
        """Every value as an HTML table (see ``svg.data_table_html``)."""
        return data_table_html(self.spec, visually_hidden=visually_hidden)

    def html(self) -> str:
        """The SVG and its data table in one ``<figure>``."""
        return f'<figure class="alliance-chart-figure">{self.svg()}{self.table_html()}</figure>'


@dataclass(frozen=True)
class RuptureMark:
    """A rupture at ``session``; ``repaired`` None means not known yet."""

    session: int
    repaired: bool | None = None
    repair_session: int | None = None
    note: str = ""

    def __post_init__(self) -> None:
        _int(self.session, "rupture session")
        if self.repair_session is not None:
            _int(self.repair_session, "repair session")
            if self.repaired is False:
                raise ValueError("repair_session given for a rupture marked not repaired")
        if self.repaired not in (None, True, False):
            raise TypeError("repaired must be True, False or None")

    def status(self) -> str:
        if self.repaired is None:
            s = "repair not recorded"
        elif self.repaired:
            s = "repaired"
            if self.repair_session is not None:
                s += f" at session {self.repair_session}"
        else:
            s = "not repaired"
        return f"session {self.session}, {s}" + (f". {self.note}" if self.note else "")


class SeverityBand(Protocol):
    """Anything with ``label``, ``min`` and ``max`` (the instrument schema's
    ``Band``); mappings with those keys and (min, max, label) tuples work too."""

    @property
    def label(self) -> str: ...

    @property
    def min(self) -> float: ...

    @property
    def max(self) -> float: ...


BandLike = SeverityBand | Mapping[str, object] | tuple[float, float, str]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an integer, got {value!r}")
    return value


def _sessions(sessions: Sequence[int]) -> tuple[int, ...]:
    out = tuple(_int(s, "session") for s in sessions)
    if not out:
        raise ValueError("sessions is empty")
    if len(set(out)) != len(out):
        raise ValueError("sessions must be unique")
    return out


def _values(name: str, values: Sequence[float | None], n: int) -> tuple[float | None, ...]:
    vals = tuple(values)
    if len(vals) != n:
        raise ValueError(f"{name}: {len(vals)} values for {n} sessions")
    for v in vals:
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise TypeError(f"{name}: values must be numbers or None, got {v!r}")
    return tuple(None if v is None or math.isnan(v) else float(v) for v in vals)


def _session_ticks(sessions: Sequence[int]) -> list[tuple[float, str]]:
    """A tick per session; the renderer thins them, keeping the latest."""
    return [(float(s), str(s)) for s in sorted(sessions)]


def _latest(sessions: Sequence[int], values: Sequence[float | None]) -> tuple[int, float] | None:
    known = [(s, v) for s, v in zip(sessions, values, strict=True) if v is not None]
    return max(known) if known else None


def _n(v: float) -> str:
    return format_number(v)


def _span(sessions: Sequence[int]) -> str:
    lo, hi = min(sessions), max(sessions)
    return f"session {lo}" if lo == hi else f"sessions {lo} to {hi}"


def _colour_for(name: str, i: int) -> str:
    return SUBSCALE_COLOURS.get(name.strip().lower(), PALETTE[i % len(PALETTE)])


def _rupture_markers(ruptures: Sequence[RuptureMark], with_repairs: bool) -> list[Marker]:
    out: list[Marker] = []
    for r in sorted(ruptures, key=lambda r: r.session):
        if not isinstance(r, RuptureMark):
            raise TypeError("ruptures must hold RuptureMark objects")
        out.append(Marker(r.session, None, r.status(), "rupture"))
    if with_repairs:
        for r in sorted(ruptures, key=lambda r: r.session):
            if r.repaired and r.repair_session is not None:
                out.append(
                    Marker(
                        r.repair_session,
                        None,
                        f"session {r.repair_session}, repairs the rupture of session {r.session}",
                        "repair",
                    )
                )
    return out


def _rupture_summary(ruptures: Sequence[RuptureMark]) -> str:
    if not ruptures:
        return "No ruptures recorded."
    n = len(ruptures)
    rep = sum(1 for r in ruptures if r.repaired)
    parts = "; ".join(r.status() for r in sorted(ruptures, key=lambda r: r.session))
    word = "rupture" if n == 1 else "ruptures"
    return f"{n} {word} marked above the plot ({rep} repaired): {parts}."


# ---------------------------------------------------------------------------
# chart definitions
# ---------------------------------------------------------------------------


def alliance_chart(
    sessions: Sequence[int],
    client: Mapping[str, Sequence[float | None]],
    therapist: Mapping[str, Sequence[float | None]],
    ruptures: Sequence[RuptureMark] = (),
    title: str = "Working alliance: client and therapist (WAI-SR)",
    *,
    y_min: float = 1.0,
    y_max: float = 5.0,
) -> Chart:
    """WAI-SR subscale item means (e.g. Goal, Task, Bond, Total; 1 to 5) per
    session from both sides: client solid with circles, therapist dashed with
    squares, one colour per subscale; ruptures as markers above the plot with
    repaired / not repaired in their tooltip. None is a gap.
    """
    ss = _sessions(sessions)
    names = list(dict.fromkeys([*client, *therapist]))
    if not names:
        raise ValueError("no subscales given")
    series: list[Series] = []
    legend: list[LegendEntry] = []
    latest: list[str] = []
    for i, name in enumerate(names):
        colour = _colour_for(name, i)
        legend.append(LegendEntry(name, "swatch", colour, opacity=1.0))
        for side, data, style, marker in (
            ("client", client, "solid", "circle"),
            ("therapist", therapist, "dashed", "square"),
        ):
            if name not in data:
                continue
            vals = _values(f"{side} {name}", data[name], len(ss))
            series.append(
                Series(
                    f"{name} ({side})",
                    tuple(zip(ss, vals, strict=True)),
                    "dashed" if style == "dashed" else "solid",
                    colour,
                    marker,
                )
            )
            last = _latest(ss, vals)
            if last is not None:
                latest.append(f"{name} {side} {_n(last[1])} (session {last[0]})")
    legend += [
        LegendEntry("Client", "line", TEXT_COLOUR, "solid", "circle"),
        LegendEntry("Therapist", "line", TEXT_COLOUR, "dashed", "square"),
    ]
    markers = _rupture_markers(ruptures, with_repairs=False)
    if markers:
        legend.append(LegendEntry("Rupture", "rupture"))
    desc = (
        f"Line chart of working alliance subscale scores (item means from {_n(y_min)} to "
        f"{_n(y_max)}; higher means a stronger alliance) for {_span(ss)}. Client ratings are "
        "solid lines with circles, therapist ratings dashed lines with squares; each "
        "subscale has its own colour. "
        + (f"Latest: {'; '.join(latest)}. " if latest else "No ratings yet. ")
        + _rupture_summary(ruptures)
    )
    return Chart(
        LineChart(
            title=title,
            description=desc,
            x_label="Session",
            x_ticks=_session_ticks(ss),
            y_label=f"Mean item score ({_n(y_min)} to {_n(y_max)}, higher = stronger)",
            y_min=y_min,
            y_max=y_max,
            series=series,
            markers=markers,
            legend=legend,
        )
    )


def session_alliance_chart(
    sessions: Sequence[int],
    sai: Sequence[float | None],
    ruptures: Sequence[RuptureMark] = (),
    title: str = "Session alliance (SAI)",
    *,
    y_min: float = 0.0,
    y_max: float = 5.0,
) -> Chart:
    """The SAI composite (0 to 5) per session, with rupture markers and
    repair markers (at the repair session, when recorded) above the plot."""
    ss = _sessions(sessions)
    vals = _values("sai", sai, len(ss))
    known = [(s, v) for s, v in zip(ss, vals, strict=True) if v is not None]
    if known:
        lo_s, lo_v = min(known, key=lambda p: (p[1], p[0]))
        last_s, last_v = max(known)
        summary = f"Latest {_n(last_v)} (session {last_s}); lowest {_n(lo_v)} (session {lo_s}). "
    else:
        summary = "No ratings yet. "
    desc = (
        f"Line chart of the session alliance composite ({_n(y_min)} to {_n(y_max)}; higher "
        f"means a stronger alliance in that session) for {_span(ss)}. "
        + summary
        + _rupture_summary(ruptures)
    )
    return Chart(
        LineChart(
            title=title,
            description=desc,
            x_label="Session",
            x_ticks=_session_ticks(ss),
            y_label=f"Session alliance ({_n(y_min)} to {_n(y_max)}, higher = stronger)",
            y_min=y_min,
            y_max=y_max,
            series=(Series("Session alliance", tuple(zip(ss, vals, strict=True))),),
            markers=_rupture_markers(ruptures, with_repairs=True),
        )
    )


def _band(b: BandLike) -> tuple[float, float, str]:
    if isinstance(b, tuple):
        lo, hi, label = b
    elif isinstance(b, Mapping):
        lo = b.get("min", b.get("low"))  # type: ignore[assignment]
        hi = b.get("max", b.get("high"))  # type: ignore[assignment]
        label = b.get("label", "")  # type: ignore[assignment]
    else:
        lo, hi, label = b.min, b.max, b.label
    if not isinstance(lo, int | float) or not isinstance(hi, int | float):
        raise TypeError(f"severity band needs numeric min and max: {b!r}")
    return float(lo), float(hi), str(label)


def _severity_zones(bands: Sequence[BandLike]) -> list[Zone]:
    raw = sorted(_band(b) for b in bands)
    zones = []
    n = len(raw)
    for i, (lo, hi, label) in enumerate(raw):
        # integer scores: meet half-way between one band's max and the next min
        low = lo if i == 0 else (raw[i - 1][1] + lo) / 2
        high = hi if i == n - 1 else (hi + raw[i + 1][0]) / 2
        shown = label[:1].upper() + label[1:]
        zones.append(
            Zone(
                low,
                high,
                shown,
                colour="#000000",
                opacity=round(0.02 + 0.1 * i / max(1, n - 1), 3),
            )
        )
    return zones


def outcome_chart(
    sessions: Sequence[int],
    scores: Mapping[str, Sequence[float | None]],
    bands: Mapping[str, Sequence[BandLike]] | None = None,
    reliable_change: Mapping[str, tuple[float, float]] | None = None,
    expected: Mapping[str, Sequence[tuple[float, float, float]]] | None = None,
    y_max: Mapping[str, float] | None = None,
    *,
    title: str = "Symptoms over sessions",
    cutoffs: Mapping[str, float] | None = None,
) -> Chart:
    """Outcome scores (e.g. PHQ-9, GAD-7 totals) per session, one panel per
    measure, each on its own scale from 0 to ``y_max[measure]`` (default: the
    top of its severity bands). Higher = worse.

    - ``bands``: severity bands per measure (instrument ``Band`` objects,
      ``{"label", "min", "max"}`` mappings or (min, max, label) tuples), drawn
      as light horizontal zones, darker for more severe, with their labels.
    - ``reliable_change``: (low, high) = (intake - minimum reliable change,
      intake + minimum reliable change): the shaded "no reliable change" zone.
    - ``expected``: (session, low, high) points of an expected-recovery band.
    - ``cutoffs``: a clinical cut-off line per measure.
    """
    ss = _sessions(sessions)
    if not scores:
        raise ValueError("no measures given")
    bands, reliable_change, expected = bands or {}, reliable_change or {}, expected or {}
    cutoffs, y_max = cutoffs or {}, y_max or {}
    panels: list[LineChart] = []
    descs: list[str] = []
    for m, raw in scores.items():
        vals = _values(m, raw, len(ss))
        zones = _severity_zones(bands.get(m, ()))
        if m in y_max:
            top = float(y_max[m])
        elif zones:
            top = zones[-1].high
        else:
            raise ValueError(f"{m}: give y_max (or severity bands)")
        parts = [
            f"{m} score per session for {_span(ss)}, on a scale from 0 to {_n(top)}; "
            "higher scores mean worse symptoms."
        ]
        known = [(s, v) for s, v in zip(ss, vals, strict=True) if v is not None]
        if known:
            (s0, v0), (s1, v1) = min(known), max(known)
            parts.append(f"First score {_n(v0)} (session {s0}); latest {_n(v1)} (session {s1}).")
        else:
            parts.append("No scores yet.")
        if zones:
            parts.append(
                "Shaded zones are severity bands, darker for more severe: "
                + ", ".join(
                    f"{z.label.lower()} {_n(b[0])} to {_n(b[1])}"
                    for z, b in zip(zones, sorted(_band(x) for x in bands[m]), strict=True)
                )
                + "."
            )
        if m in reliable_change:
            low, high = (float(v) for v in reliable_change[m])
            if high < low:
                raise ValueError(f"{m}: reliable_change is (low, high): intake -/+ the change")
            intake, rc = (low + high) / 2, (high - low) / 2
            zones.append(
                Zone(
                    low,
                    high,
                    f"No reliable change (intake {_n(intake)} ± {_n(rc)})",
                    colour="#56B4E9",
                    opacity=0.2,
                    border=True,
                    label_inside=False,
                    in_legend=True,
                )
            )
            parts.append(
                f"The blue zone with dashed edges, {_n(low)} to {_n(high)}, "
                f"is within {_n(rc)} points of the intake score {_n(intake)}: no reliable change."
            )
        band_list = []
        if m in expected:
            band_list.append(Band("Expected recovery range", expected[m], "#009E73", 0.2))
            parts.append("The green band is the expected recovery range.")
        hlines = []
        if m in cutoffs:
            hlines.append(HLine(float(cutoffs[m]), "Clinical cut-off", "dashed"))
            parts.append(f"The dashed line is the clinical cut-off, {_n(cutoffs[m])}.")
        desc = " ".join(parts)
        descs.append(desc)
        panels.append(
            LineChart(
                title=m if len(scores) > 1 else f"{title}: {m}",
                description=desc,
                x_label="Session",
                x_ticks=_session_ticks(ss),
                y_label=f"{m} score (higher = worse)",
                y_min=0.0,
                y_max=top,
                series=(Series(m, tuple(zip(ss, vals, strict=True)), colour="#0072B2"),),
                bands=band_list,
                zones=zones,
                hlines=hlines,
            )
        )
    if len(panels) == 1:
        return Chart(panels[0])
    return Chart(Stack(title=title, description=" ".join(descs), panels=panels))


def goal_chart(
    sessions: Sequence[int],
    goals: Mapping[str, Sequence[int | None]],
    title: str = "Goal progress (GAS)",
    *,
    level_labels: Mapping[int, str] | None = None,
) -> Chart:
    """Goal Attainment Scaling level (-2 to +2; 0 = the expected level) per
    goal and session. The y axis uses short labels ("much less" ... "much
    more"); tooltips and the table use the full ones."""
    ss = _sessions(sessions)
    if not goals:
        raise ValueError("no goals given")
    short = dict(level_labels or GAS_SHORT_LABELS)
    series = []
    latest = []
    for i, (name, raw) in enumerate(goals.items()):
        vals = tuple(raw)
        if len(vals) != len(ss):
            raise ValueError(f"goal {name!r}: {len(vals)} values for {len(ss)} sessions")
        for v in vals:
            if v is not None and (_int(v, f"goal {name!r} level") not in GAS_LEVELS):
                raise ValueError(f"goal {name!r}: GAS levels are -2 to 2, got {v}")
        series.append(
            Series(
                name,
                tuple(zip(ss, (None if v is None else float(v) for v in vals), strict=True)),
                "dashed" if i % 2 else "solid",
                PALETTE[i % len(PALETTE)],
                _MARKERS[i % len(_MARKERS)],
            )
        )
        known = [(s, v) for s, v in zip(ss, vals, strict=True) if v is not None]
        if known:
            s1, v1 = max(known)
            latest.append(f"{name}: {GAS_LEVELS[v1]} (session {s1})")
        else:
            latest.append(f"{name}: not rated yet")
    desc = (
        f"Line chart of goal attainment for {len(series)} "
        f"goal{'s' if len(series) != 1 else ''} over {_span(ss)}, from -2 (much less than "
        "expected) through 0 (the expected level) to +2 (much more than expected); higher "
        f"is better. Latest: {'; '.join(latest)}."
    )
    return Chart(
        LineChart(
            title=title,
            description=desc,
            x_label="Session",
            x_ticks=_session_ticks(ss),
            y_label="Progress compared with the expected level",
            y_min=-2.4,
            y_max=2.4,
            series=series,
            y_ticks=[(float(k), short[k]) for k in sorted(short)],
            value_labels=[(float(k), v) for k, v in GAS_LEVELS.items()],
            hlines=(HLine(0.0, "", "solid"),),
            value_decimals=0,
        )
    )


def radar_chart(
    subscales: Mapping[str, tuple[float | None, float | None]],
    y_max: float,
    title: str = "Alliance: start and now",
    *,
    y_min: float = 0.0,
    start_label: str = "Start",
    now_label: str = "Now",
) -> Chart:
    """Start vs now per subscale (e.g. Goal, Task, Bond) as two polygons:
    start dashed with squares, now solid with circles. The centre is
    ``y_min``."""
    if len(subscales) < 3:
        raise ValueError("a radar chart needs at least three subscales")
    axes = list(subscales)
    for name, pair in subscales.items():
        if len(pair) != 2:
            raise ValueError(f"{name}: give (start, now)")
    start = [subscales[a][0] for a in axes]
    now = [subscales[a][1] for a in axes]

    def show(v: float | None) -> str:
        return "no data" if v is None else _n(v)

    desc = (
        f"Radar chart comparing {start_label.lower()} and {now_label.lower()} on "
        f"{', '.join(axes)} (scale {_n(y_min)} at the centre to {_n(y_max)} at the edge; "
        "further out means a stronger alliance). "
        + "; ".join(
            f"{a}: {start_label.lower()} {show(s)}, {now_label.lower()} {show(n)}"
            for a, s, n in zip(axes, start, now, strict=True)
        )
        + "."
    )
    return Chart(
        RadarChart(
            title=title,
            description=desc,
            axes=axes,
            series=(
                RadarSeries(start_label, start, "dashed", "#D55E00", "square", 0.06),
                RadarSeries(now_label, now, "solid", "#0072B2", "circle", 0.14),
            ),
            r_min=y_min,
            r_max=y_max,
        )
    )


def alliance_distribution_chart(
    values: Sequence[float | None],
    *,
    bins: int | Sequence[float] = 8,
    value_range: tuple[float, float] = (1.0, 5.0),
    title: str = "Alliance across clients",
    x_label: str = "Working alliance (item mean, higher = stronger)",
    y_label: str = "Number of clients",
) -> Chart:
    """Histogram of one alliance score per client (supervisor view)."""
    known = [float(v) for v in values if v is not None and not math.isnan(v)]
    summary = (
        f"{len(known)} clients; median {_n(statistics.median(known))}, "
        f"range {_n(min(known))} to {_n(max(known))}."
        if known
        else "No scores yet."
    )
    desc = f"Histogram of {x_label.lower()} across clients. {summary}"
    spec: Histogram = histogram_spec(
        values,
        bins,
        title=title,
        description=desc,
        x_label=x_label,
        y_label=y_label,
        value_range=value_range,
    )
    return Chart(spec)


def therapist_chart(
    by_therapist: Mapping[str, float | None],
    *,
    x_min: float = 1.0,
    x_max: float = 5.0,
    clinic_mean: float | None = None,
    title: str = "Mean client-rated alliance by therapist",
    x_label: str = "Mean working alliance (higher = stronger)",
    notes: Mapping[str, str] | None = None,
) -> Chart:
    """One horizontal bar per therapist (in the given order), with an
    optional clinic-mean line; ``notes`` (e.g. "n = 12") go in the tooltip
    and the table."""
    notes = notes or {}
    bars = [Bar(name, v, notes.get(name, "")) for name, v in by_therapist.items()]
    desc = (
        f"Bar chart of {x_label.lower()} for {len(bars)} therapists, scale {_n(x_min)} to "
        f"{_n(x_max)}. "
        + "; ".join(f"{b.label}: {'no data' if b.value is None else _n(b.value)}" for b in bars)
        + "."
        + (f" Clinic mean {_n(clinic_mean)}." if clinic_mean is not None else "")
    )
    lines = [VLine(clinic_mean, "Clinic mean")] if clinic_mean is not None else []
    return Chart(
        BarChart(
            title=title,
            description=desc,
            bars=bars,
            x_label=x_label,
            x_min=x_min,
            x_max=x_max,
            lines=lines,
        )
    )
