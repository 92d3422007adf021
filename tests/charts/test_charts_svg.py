"""The SVG renderer: structure, gaps, escaping, determinism, clipping, ticks,
accessibility, responsiveness and the data tables."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from alliance.charts import svg
from alliance.charts.svg import (
    MIN_DISPLAY_PX,
    MIN_FONT_PX,
    Band,
    Bar,
    BarChart,
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
    bar_chart,
    bin_values,
    data_table_html,
    histogram,
    histogram_spec,
    line_chart,
    radar,
    render,
)

NS = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(\"x\")</script> & 'quote'"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own output


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in (e.get("class") or "").split()]


def title_of(el: ET.Element) -> str:
    t = el.find(f"{NS}title")
    return "" if t is None or t.text is None else t.text


def texts(root: ET.Element) -> list[str]:
    """Visible text of each <text> (without its <title> tooltip)."""
    return [(e.text or "") + "".join(c.tail or "" for c in e) for e in root.iter(f"{NS}text")]


def simple(**kw: object) -> LineChart:
    args: dict[str, object] = {
        "title": "Session alliance",
        "description": "SAI per session.",
        "x_label": "Session",
        "y_label": "SAI",
        "y_min": 0,
        "y_max": 5,
        "series": (Series("SAI", [(1, 1.0), (2, 2.0), (3, None), (4, 3.0), (5, 4.0)]),),
    }
    args.update(kw)
    return LineChart(**args)  # type: ignore[arg-type]


# --- structure and accessibility --------------------------------------------


def test_line_chart_is_well_formed_svg_with_accessible_title_and_desc() -> None:
    root = parse(line_chart(simple()))
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 640 \d+(\.\d)?", root.get("viewBox") or "")
    title, desc = root[0], root[1]
    assert title.tag == f"{NS}title" and title.text == "Session alliance"
    assert desc.tag == f"{NS}desc" and desc.text == "SAI per session."
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


@pytest.mark.parametrize("width", [320, 640, 900])
def test_every_text_is_at_least_12px_when_shown_320px_wide(width: int) -> None:
    spec = simple(
        width=width,
        markers=(Marker(2, None, "r", "rupture"),),
        hlines=(HLine(2.5, "cut-off"),),
        zones=(Zone(0, 1, "low zone"),),
    )
    root = parse(line_chart(spec))
    scale = MIN_DISPLAY_PX / width
    sizes = [float(e.get("font-size") or "0") for e in root.iter() if e.get("font-size")]
    assert sizes and min(sizes) * scale >= MIN_FONT_PX - 0.05
    assert root.get("font-size") == svg._c(MIN_FONT_PX * width / MIN_DISPLAY_PX)


def test_no_style_attributes_or_elements_so_strict_csp_is_fine() -> None:
    markup = line_chart(simple(bands=(Band("b", [(1, 1, 2), (5, 2, 3)]),)))
    root = parse(markup)
    assert all("style" not in e.attrib for e in root.iter())
    assert not list(root.iter(f"{NS}style"))
    assert "<script" not in markup


def test_all_coordinates_are_rounded_to_one_decimal() -> None:
    spec = simple(
        series=(Series("a", [(1, 1.23456), (2.333, 4.98765), (3.777, 0.1111)]),),
        bands=(Band("b", [(1, 1.111, 2.222), (3.777, 2.5555, 3.3333)]),),
        width=611,
    )
    markup = line_chart(spec)
    numbers = re.findall(
        r'(?<![\w-])(?:x|y|x1|x2|y1|y2|cx|cy|r|width|height|points|d)="([^"]*)"', markup
    )
    assert len(numbers) > 20
    for value in numbers:
        for num in re.findall(r"-?\d+(?:\.\d+)?", value):
            assert "." not in num or len(num.split(".")[1]) == 1, num


# --- series, gaps ------------------------------------------------------------


def test_one_path_per_run_of_points_and_one_marker_per_value() -> None:
    s = Series("s", [(1, 1.0), (2, 2.0), (3, None), (4, 3.0), (5, 4.0), (6, None), (7, 5.0)])
    root = parse(line_chart(simple(series=(s,))))
    paths = by_class(root, "series-line")
    points = by_class(root, "point")
    assert len(paths) == 2  # 1-2 and 4-5; 7 is alone
    assert len(points) == 5
    assert all(p.tag == f"{NS}circle" for p in points)


def test_missing_values_are_gaps_never_drawn_as_zero() -> None:
    s = Series("s", [(1, 2.0), (2, None), (3, 2.0)])
    spec = simple(series=(s,), y_min=-5, y_max=5)
    root = parse(line_chart(spec))
    points = by_class(root, "point")
    assert len(points) == 2
    assert {p.get("cy") for p in points} == {points[0].get("cy")}  # both at y = 2
    assert not by_class(root, "series-line")  # no line through the gap
    assert all(": 0" not in title_of(p) for p in points)


def test_nan_is_a_gap_like_none() -> None:
    s = Series("s", [(1, 2.0), (2, float("nan")), (3, 2.0)])
    root = parse(line_chart(simple(series=(s,))))
    assert len(by_class(root, "point")) == 2


def test_dashed_series_has_dash_pattern_and_solid_has_none() -> None:
    series = (
        Series("client", [(1, 1.0), (2, 2.0)], "solid"),
        Series("therapist", [(1, 2.0), (2, 3.0)], "dashed", marker="square"),
    )
    root = parse(line_chart(simple(series=series)))
    solid, dashed = by_class(root, "series-line")
    assert solid.get("stroke-dasharray") is None
    assert dashed.get("stroke-dasharray")
    shapes = {p.tag for p in by_class(root, "point")}
    assert shapes == {f"{NS}circle", f"{NS}rect"}


def test_default_colours_come_from_the_colour_blind_safe_palette() -> None:
    series = tuple(Series(f"s{i}", [(1, 1.0), (2, 2.0)]) for i in range(3))
    root = parse(line_chart(simple(series=series)))
    strokes = [p.get("stroke") for p in by_class(root, "series-line")]
    assert strokes == list(svg.PALETTE[:3])


def test_isolated_point_of_a_series_without_markers_is_still_drawn() -> None:
    s = Series("s", [(1, 1.0), (2, 2.0), (3, None), (4, 3.0)], marker="none")
    root = parse(line_chart(simple(series=(s,))))
    assert len(by_class(root, "point")) == 1
    assert "3" in title_of(by_class(root, "point")[0])


# --- escaping ------------------------------------------------------------------


def test_user_text_is_escaped_everywhere() -> None:
    spec = LineChart(
        title=EVIL,
        description=EVIL,
        x_label=EVIL,
        y_label=EVIL,
        y_min=0,
        y_max=5,
        series=(Series(EVIL, [(1, 1.0), (2, 9.0)]),),
        bands=(Band(EVIL, [(1, 1, 2), (2, 1, 2)]),),
        markers=(Marker(1, None, EVIL, "note"), Marker(2, 3, EVIL, "risk")),
        hlines=(HLine(2, EVIL),),
        zones=(Zone(0, 2, EVIL),),
        x_ticks=((1, EVIL), (2, "2")),
        y_ticks=((1, EVIL),),
    )
    for markup in (line_chart(spec), data_table_html(spec)):
        assert "<script" not in markup
        root = parse(markup)
        assert any(EVIL in "".join(e.itertext()) for e in root.iter())
    assert "&lt;script&gt;" in line_chart(spec)


def test_control_characters_in_user_text_keep_the_xml_well_formed() -> None:
    name = "bad\x00\x07\x1b name\ud800"
    spec = simple(series=(Series(name, [(1, 1.0), (2, 2.0)]),), title=name)
    parse(line_chart(spec))
    parse(data_table_html(spec))


def test_escaping_in_bar_radar_and_histogram() -> None:
    bars = BarChart(
        title=EVIL,
        description=EVIL,
        bars=(Bar(EVIL, 3.0, EVIL),),
        x_label=EVIL,
        x_max=5,
        lines=(VLine(2, EVIL),),
    )
    rad = RadarChart(
        title=EVIL,
        description=EVIL,
        axes=(EVIL, "b", "c"),
        series=(RadarSeries(EVIL, (1.0, 2.0, 3.0)),),
        r_max=5,
    )
    hist = histogram_spec([1, 2], 2, title=EVIL, description=EVIL, x_label=EVIL, y_label=EVIL)
    for spec in (bars, rad, hist):
        for markup in (render(spec), data_table_html(spec)):
            assert "<script" not in markup
            parse(markup)


# --- determinism -----------------------------------------------------------------


def test_same_input_gives_byte_identical_output() -> None:
    def build() -> LineChart:
        return simple(
            series=[Series("a", [[1, 1.0], [2, None], [3, 2.5]])],  # type: ignore[list-item]
            markers=[Marker(2, None, "rupture", "rupture")],
        )

    a, b = build(), build()
    assert line_chart(a) == line_chart(b)
    assert data_table_html(a) == data_table_html(b)
    assert a == b and hash(a) == hash(b)


def test_different_charts_get_different_title_ids() -> None:
    a = parse(line_chart(simple(title="A")))
    b = parse(line_chart(simple(title="B")))
    assert a[0].get("id") != b[0].get("id")


# --- clipping ---------------------------------------------------------------------


def test_values_outside_the_range_are_clipped_to_the_edge_and_noted() -> None:
    s = Series("s", [(1, 4.0), (2, 5.0), (3, 9.0), (4, -2.0), (5, 0.0)])
    markup = line_chart(simple(series=(s,)))
    root = parse(markup)
    pts = by_class(root, "point")
    at_top, above, below, at_bottom = pts[1], pts[2], pts[3], pts[4]
    assert above.get("cy") == at_top.get("cy")
    assert below.get("cy") == at_bottom.get("cy")
    assert "above the chart's range" in title_of(above) and "9" in title_of(above)
    assert "below the chart's range" in title_of(below)
    assert "clip" not in title_of(at_top) and "range" not in title_of(at_top)
    assert above.get("fill") == "#ffffff"  # hollow
    desc = root[1].text or ""
    assert "2 values are outside the chart's range" in desc
    assert any("Hollow markers" in t for t in texts(root))
    # the table keeps the true value
    assert ">9<" in data_table_html(simple(series=(s,)))


def test_infinite_value_is_clipped_not_an_error() -> None:
    s = Series("s", [(1, float("inf")), (2, 1.0)])
    root = parse(line_chart(simple(series=(s,))))
    assert "above" in title_of(by_class(root, "point")[0])


# --- ticks -------------------------------------------------------------------------


def test_auto_y_ticks_on_a_1_to_5_scale_are_the_scale_points() -> None:
    root = parse(line_chart(simple(y_min=1, y_max=5)))
    t = texts(root)
    for label in ("1", "2", "3", "4", "5"):
        assert label in t


def test_explicit_tick_labels_are_drawn() -> None:
    spec = simple(
        y_min=-2.4,
        y_max=2.4,
        y_ticks=[(-2, "much less"), (0, "expected"), (2, "much more")],
        x_ticks=[(1, "S1"), (5, "S5")],
    )
    t = texts(parse(line_chart(spec)))
    for label in ("much less", "expected", "much more", "S1", "S5"):
        assert label in t


def test_many_session_ticks_are_thinned_keeping_the_latest_and_never_overlap() -> None:
    n = 40
    spec = simple(
        series=(Series("s", [(i, 3.0) for i in range(1, n + 1)]),),
        x_ticks=[(i, str(i)) for i in range(1, n + 1)],
        width=640,
    )
    root = parse(line_chart(spec))
    bottom_texts = [
        e
        for e in root.iter(f"{NS}text")
        if e.get("text-anchor") == "middle" and (e.text or "").isdigit()
    ]
    labels = [e.text for e in bottom_texts]
    assert 3 <= len(labels) < n
    assert labels[-1] == str(n)
    f = MIN_FONT_PX * 640 / MIN_DISPLAY_PX
    xs = [float(e.get("x") or 0) for e in bottom_texts]
    widths = [svg.text_width(e.text or "", f) for e in bottom_texts]
    for i in range(1, len(xs)):
        assert xs[i] - xs[i - 1] >= (widths[i] + widths[i - 1]) / 2


def test_auto_x_ticks_are_integers_for_sessions() -> None:
    spec = simple(series=(Series("s", [(i, 3.0) for i in range(1, 31)]),))
    t = [s for s in texts(parse(line_chart(spec))) if re.fullmatch(r"[\d.]+", s)]
    assert all("." not in s for s in t)


# --- markers, bands, zones, hlines, legend --------------------------------------------


def test_marker_kinds_have_distinct_shapes_and_tooltips() -> None:
    markers = tuple(
        Marker(i + 1, None if i % 2 else 3.0, f"label {k}", k)  # type: ignore[arg-type]
        for i, k in enumerate(("rupture", "repair", "risk", "note"))
    )
    root = parse(line_chart(simple(markers=markers)))
    events = by_class(root, "event")
    assert len(events) == 4
    shapes = {(e.tag, len((e.get("points") or "").split()), e.get("fill")) for e in events}
    assert len(shapes) == 4
    for e, k in zip(events, ("Rupture", "Repair", "Risk", "Note"), strict=True):
        assert title_of(e).startswith(f"{k}: label")
    legend = "".join(texts(root))
    for k in ("Rupture", "Repair", "Risk", "Note"):
        assert k in legend


def test_markers_at_the_same_session_stack_in_the_strip() -> None:
    markers = (Marker(2, None, "a", "rupture"), Marker(2, None, "b", "repair"))
    root = parse(line_chart(simple(markers=markers)))
    ys = {svg_y(e) for e in by_class(root, "event")}
    assert len(ys) == 2


def svg_y(e: ET.Element) -> str:
    if e.get("cy"):
        return e.get("cy") or ""
    return (e.get("points") or "").split()[0].split(",")[1]


def test_band_zone_and_hline_are_drawn_with_labels() -> None:
    spec = simple(
        bands=(Band("Expected", [(1, 1, 2), (5, 2, 4)]),),
        zones=(Zone(0, 2.5, "Minimal"), Zone(3.5, 4.5, "Hidden", in_legend=True)),
        hlines=(HLine(3, "Cut-off"),),
    )
    root = parse(line_chart(spec))
    assert len(by_class(root, "band")) == 1
    assert len(by_class(root, "zone")) == 2
    assert len(by_class(root, "hline")) == 1
    t = texts(root)
    assert "Minimal" in t and "Cut-off" in t and "Expected" in t and "Hidden" in t


def test_legend_wraps_and_stays_inside_the_chart() -> None:
    series = tuple(Series(f"A rather long series name {i}", [(1, 1.0), (2, 2.0)]) for i in range(6))
    spec = simple(series=series, width=640)
    root = parse(line_chart(spec))
    legend = by_class(root, "legend")[0]
    f = MIN_FONT_PX * 640 / MIN_DISPLAY_PX
    items = list(legend.iter(f"{NS}text"))
    assert len({e.get("y") for e in items}) >= 3
    for e in items:
        assert float(e.get("x") or 0) + svg.text_width(e.text or "", f) <= 640


def test_explicit_legend_replaces_the_automatic_one_and_empty_hides_it() -> None:
    spec = simple(legend=[LegendEntry("Client", "line"), LegendEntry("Goal", "swatch")])
    t = texts(parse(line_chart(spec)))
    assert "Client" in t and "Goal" in t and "SAI" not in t[-2:]
    assert not by_class(parse(line_chart(simple(legend=()))), "legend")


def test_long_title_wraps_instead_of_overflowing() -> None:
    spec = simple(title="A very long chart title " * 5)
    root = parse(line_chart(spec))
    bold = [e for e in root.iter(f"{NS}text") if e.get("font-weight") == "bold"]
    assert len(bold) >= 3


# --- data table ------------------------------------------------------------------------


def test_data_table_contains_every_value_and_marks_missing() -> None:
    series = (
        Series("Client", [(1, 3.25), (2, None), (3, 4.5)]),
        Series("Therapist", [(1, 3.5), (2, 3.75), (4, 4.0)]),
    )
    spec = simple(
        series=series,
        markers=(Marker(2, None, "not repaired", "rupture"),),
        hlines=(HLine(2, "Cut-off"),),
    )
    markup = data_table_html(spec)
    root = parse(markup)
    assert root.tag == "table" and "visually-hidden" in (root.get("class") or "")
    assert root.find("caption") is not None and root.find("caption").text == spec.title  # type: ignore[union-attr]
    head = [th.text for th in root.iter("th") if th.get("scope") == "col"]
    assert head == ["Session", "Client", "Therapist", "Events"]
    rows = [[c.text or "" for c in tr] for tr in root.find("tbody")]  # type: ignore[union-attr]
    assert rows == [
        ["1", "3.25", "3.5", ""],
        ["2", "no data", "3.75", "Rupture: not repaired"],
        ["3", "4.5", "no data", ""],
        ["4", "no data", "4", ""],
    ]
    assert "Cut-off: 2." in markup
    assert "visually-hidden" not in data_table_html(spec, visually_hidden=False)


def test_table_for_bars_histogram_radar_and_stack() -> None:
    bars = BarChart(
        title="t", description="d", bars=(Bar("A", 4.25), Bar("B", None)), x_label="x", x_max=5
    )
    rows = [[c.text for c in tr] for tr in parse(data_table_html(bars)).find("tbody")]  # type: ignore[union-attr]
    assert rows == [["A", "4.25", None], ["B", "no data", None]]
    hist = histogram_spec([1, 2, 2, None], [0, 1.5, 3], title="h", description="d", x_label="x")
    rows = [[c.text for c in tr] for tr in parse(data_table_html(hist)).find("tbody")]  # type: ignore[union-attr]
    assert rows == [["0 to 1.5", "1"], ["1.5 to 3", "2"]]
    assert "1 missing" in data_table_html(hist)
    rad = RadarChart(
        title="r",
        description="d",
        axes=("G", "T", "B"),
        series=(RadarSeries("Now", (4.0, None, 3.5)),),
        r_max=5,
    )
    rows = [[c.text for c in tr] for tr in parse(data_table_html(rad)).find("tbody")]  # type: ignore[union-attr]
    assert rows == [["G", "4"], ["T", "no data"], ["B", "3.5"]]
    stack = Stack(title="s", description="d", panels=(simple(title="A"), simple(title="B")))
    root = parse(data_table_html(stack))
    assert [c.text for c in root.iter("caption")] == ["A", "B"]


# --- bar chart ----------------------------------------------------------------------------


def test_bar_chart_has_a_bar_per_value_labels_values_and_no_data() -> None:
    spec = BarChart(
        title="By therapist",
        description="d",
        bars=(
            Bar("Dr A", 4.2),
            Bar("A name far too long to fit in the label column at all", 3.1),
            Bar("C", None),
            Bar("D", 7.0),
        ),
        x_label="Mean",
        x_min=1,
        x_max=5,
        lines=(VLine(4.0, "Clinic mean"),),
    )
    root = parse(bar_chart(spec))
    bars = by_class(root, "bar")
    assert len(bars) == 3
    t = texts(root)
    assert "4.2" in t and "3.1" in t and "no data" in t and "7*" in t
    assert any(s.endswith("…") for s in t)
    assert "above the scale" in title_of(bars[2])
    assert len(by_class(root, "vline")) == 1
    assert "Clinic mean: 4" in t
    widths = [float(b.get("width") or 0) for b in bars]
    assert widths[0] > widths[1] and widths[2] > widths[0]


# --- histogram ------------------------------------------------------------------------------


def test_bin_values_counts_last_edge_inclusive_and_reports_missing_and_outside() -> None:
    edges, counts, missing, outside = bin_values(
        [1, 1.5, 2, 2.99, 3, None, float("nan"), 7, -1], [1, 2, 3]
    )
    assert edges == (1.0, 2.0, 3.0)
    assert counts == (2, 3)
    assert (missing, outside) == (2, 2)


def test_bin_values_equal_width_bins_over_the_range() -> None:
    edges, counts, _, _ = bin_values([1, 2, 3, 4, 5], 4, value_range=(1, 5))
    assert edges == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert counts == (1, 1, 1, 2)
    edges, counts, _, _ = bin_values([3, 3], 2)
    assert edges == (2.5, 3.0, 3.5) and sum(counts) == 2


def test_histogram_draws_a_rect_per_non_empty_bin_and_notes_missing() -> None:
    markup = histogram(
        [1.2, 1.4, 2.5, 4.9, None],
        4,
        title="Alliance",
        description="d",
        x_label="WAI",
        value_range=(1, 5),
    )
    root = parse(markup)
    bars = by_class(root, "bar")
    assert len(bars) == 3
    assert "1 to 2: 2" in [title_of(b) for b in bars]
    assert "Not shown: 1 missing." in (root[1].text or "")


@pytest.mark.parametrize("bins", [0, [1], [1, 1], "3"])
def test_bad_bins_raise(bins: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        bin_values([1, 2], bins)  # type: ignore[arg-type]


# --- radar ------------------------------------------------------------------------------------


def test_radar_draws_a_polygon_per_complete_series_and_gaps_for_missing() -> None:
    spec = RadarChart(
        title="Start vs now",
        description="d",
        axes=("Goal", "Task", "Bond"),
        series=(
            RadarSeries("Start", (3.0, 2.5, 3.5), "dashed"),
            RadarSeries("Now", (4.5, None, 4.75)),
        ),
        r_min=1,
        r_max=5,
    )
    root = parse(radar(spec))
    lines = by_class(root, "series-line")
    assert [e.tag for e in lines] == [f"{NS}polygon", f"{NS}path"]  # Bond-Goal edge only
    assert len(by_class(root, "point")) == 5
    t = texts(root)
    assert {"Goal", "Task", "Bond", "Start", "Now"} <= set(t)


def test_radar_needs_three_axes_and_a_value_per_axis() -> None:
    with pytest.raises(ValueError, match="three"):
        RadarChart(title="t", description="d", axes=("a", "b"), series=(), r_max=5)
    with pytest.raises(ValueError, match="one value per axis"):
        RadarChart(
            title="t",
            description="d",
            axes=("a", "b", "c"),
            series=(RadarSeries("s", (1.0, 2.0)),),
            r_max=5,
        )


# --- stack -------------------------------------------------------------------------------------


def test_stack_puts_panels_in_one_svg() -> None:
    spec = Stack(title="Outcomes", description="Two measures.", panels=(simple(), simple()))
    root = parse(render(spec))
    assert root[0].text == "Outcomes"
    assert len(by_class(root, "series-line")) == 4


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"y_min": 5, "y_max": 5}, ValueError),
        ({"width": 10}, ValueError),
        ({"series": (Series("s", []), "x")}, TypeError),
        ({"x_min": 3, "x_max": 1}, ValueError),
    ],
)
def test_bad_line_chart_specs_raise(kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        simple(**kwargs)


def test_bad_series_and_marker_values_raise() -> None:
    with pytest.raises(ValueError):
        Series("s", [(1, 1.0)], style="dotted")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Series("s", [(1, 1.0)], colour='red" onload="x')
    with pytest.raises(ValueError):
        Series("s", [(float("nan"), 1.0)])
    with pytest.raises(TypeError):
        Series("s", [(1, "3")])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        Series("s", [(True, 1.0)])
    with pytest.raises(ValueError):
        Marker(1, None, "x", "crisis")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Band("b", [(1, 3, 2)])
    with pytest.raises(ValueError):
        Series("s", [(1, 1.0)], marker="star")


def test_render_rejects_non_specs() -> None:
    with pytest.raises(TypeError):
        render("not a spec")  # type: ignore[arg-type]


# --- no dependencies ---------------------------------------------------------------------------


def test_charts_import_only_the_standard_library_and_never_django() -> None:
    code = (
        "import sys; before = set(sys.modules); import alliance.charts; "
        "new = set(sys.modules) - before; "
        "bad = sorted(m for m in new if m.split('.')[0] not in sys.stdlib_module_names "
        "and m.split('.')[0] != 'alliance'); print(bad)"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
