"""The alliance chart definitions, rendered from plain data."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from chart_examples import GAD7_BANDS, PHQ9_BANDS, SESSIONS, examples, write_all

from alliance.charts import (
    GAS_LEVELS,
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
from alliance.charts.svg import Histogram, LineChart, RadarChart, Stack, format_number

NS = "{http://www.w3.org/2000/svg}"


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


def table_cells(chart: Chart) -> list[str]:
    root = parse(chart.table_html())
    return [c.text or "" for c in root.iter() if c.tag in ("td", "th")]


# --- every definition ------------------------------------------------------------


def test_every_definition_renders_well_formed_svg_and_table_and_writes_files() -> None:
    out = Path(os.environ.get("ALLIANCE_CHARTS_OUT", "/tmp/alliance-charts"))  # noqa: S108
    written = write_all(out, png=False)
    assert len(written) == len(examples())
    for path in written:
        root = parse(path.read_text(encoding="utf-8"))
        assert root.get("role") == "img"
        assert root[0].text and root[1].text
    for chart in examples().values():
        assert chart.svg() == chart.svg()
        parse(chart.table_html())
        fig = parse(chart.html())
        assert fig.tag == "figure"


# --- alliance chart -----------------------------------------------------------------


def test_alliance_chart_client_solid_therapist_dashed_same_colour_per_subscale() -> None:
    chart = examples()["alliance"]
    assert isinstance(chart.spec, LineChart)
    root = parse(chart.svg())
    lines = by_class(root, "series-line")
    by_name = {title_of(e): e for e in lines}
    goal_client = by_name["Goal (client)"]
    goal_therapist = by_name["Goal (therapist)"]
    assert goal_client.get("stroke") == goal_therapist.get("stroke")
    assert goal_client.get("stroke-dasharray") is None
    assert goal_therapist.get("stroke-dasharray")
    colours = {by_name[f"{s} (client)"].get("stroke") for s in ("Goal", "Task", "Bond", "Total")}
    assert len(colours) == 4


def test_alliance_chart_counts_gaps_and_points() -> None:
    # client misses session 4 on every subscale: two runs per client series
    root = parse(examples()["alliance"].svg())
    lines = by_class(root, "series-line")
    client_lines = [e for e in lines if "(client)" in title_of(e)]
    therapist_lines = [e for e in lines if "(therapist)" in title_of(e)]
    assert len(client_lines) == 8 and len(therapist_lines) == 4
    points = by_class(root, "point")
    assert len(points) == 4 * 11 + 4 * 12
    assert {p.tag for p in points if "(therapist)" in title_of(p)} == {f"{NS}rect"}


def test_alliance_chart_rupture_tooltips_say_repaired_or_not() -> None:
    root = parse(examples()["alliance"].svg())
    ruptures = by_class(root, "rupture")
    assert len(ruptures) == 2
    tips = [title_of(e) for e in ruptures]
    assert "repaired at session 6" in tips[0] and "unheard" in tips[0]
    assert "not repaired" in tips[1]
    desc = root[1].text or ""
    assert "2 ruptures" in desc and "1 repaired" in desc


def test_alliance_chart_legend_has_subscales_and_the_client_therapist_key() -> None:
    t = texts(parse(examples()["alliance"].svg()))
    for label in ("Goal", "Task", "Bond", "Total", "Client", "Therapist", "Rupture"):
        assert label in t


def test_alliance_chart_table_has_every_value() -> None:
    client: dict[str, list[float | None]] = {"Goal": [3.25, None, 4.0], "Bond": [4.5, 4.75, 5.0]}
    therapist: dict[str, list[float | None]] = {"Goal": [3.0, 3.5, 3.75]}
    chart = alliance_chart([1, 2, 3], client, therapist, [])
    cells = table_cells(chart)
    for values in (*client.values(), *therapist.values()):
        for v in values:
            assert (format_number(v) if v is not None else "no data") in cells
    assert cells.count("no data") == 1


def test_alliance_chart_rejects_mismatched_lengths_and_duplicate_sessions() -> None:
    with pytest.raises(ValueError, match="2 values for 3 sessions"):
        alliance_chart([1, 2, 3], {"Goal": [3.0, 4.0]}, {}, [])
    with pytest.raises(ValueError, match="unique"):
        alliance_chart([1, 1], {"Goal": [3.0, 4.0]}, {}, [])
    with pytest.raises(ValueError):
        alliance_chart([1], {}, {}, [])


# --- session alliance chart -------------------------------------------------------------


def test_session_alliance_chart_marks_ruptures_and_repairs_and_gaps() -> None:
    chart = examples()["session_alliance"]
    markup = chart.svg()
    assert "<script" not in markup and "<script" not in chart.table_html()
    root = parse(markup)
    assert len(by_class(root, "point")) == 11
    assert len(by_class(root, "series-line")) == 2  # gap at session 10
    assert len(by_class(root, "rupture")) == 2
    repairs = by_class(root, "repair")
    assert len(repairs) == 1 and "session 6" in title_of(repairs[0])
    assert "repair not recorded" in title_of(by_class(root, "rupture")[1])


def test_rupture_mark_rejects_a_repair_session_without_a_repair() -> None:
    with pytest.raises(ValueError):
        RuptureMark(3, False, 4)
    with pytest.raises(TypeError):
        RuptureMark(3.5)  # type: ignore[arg-type]


# --- outcome chart ------------------------------------------------------------------------


def test_outcome_chart_has_a_panel_per_measure_with_bands_rc_zone_and_expected() -> None:
    chart = examples()["outcome"]
    assert isinstance(chart.spec, Stack)
    phq, gad = chart.spec.panels
    assert (phq.y_max, gad.y_max) == (27, 21)
    root = parse(chart.svg())
    zones = by_class(root, "zone")
    assert len(zones) == len(PHQ9_BANDS) + len(GAD7_BANDS) + 2
    assert len(by_class(root, "band")) == 1
    assert len(by_class(root, "hline")) == 2
    t = texts(root)
    for label in ("Minimal", "Mild", "Moderate", "Severe", "Clinical cut-off"):
        assert label in t
    assert any(s.startswith("No reliable change") for s in t)
    assert "Expected recovery range" in t


def test_outcome_chart_description_says_higher_is_worse() -> None:
    chart = examples()["outcome"]
    desc = parse(chart.svg())[1].text or ""
    assert "higher scores mean worse symptoms" in desc
    assert "no reliable change" in desc
    for panel in chart.spec.panels:  # type: ignore[union-attr]
        assert "higher = worse" in panel.y_label


def test_outcome_chart_severity_zones_meet_between_integer_bands() -> None:
    chart = outcome_chart([1, 2], {"PHQ-9": [12, 9]}, bands={"PHQ-9": PHQ9_BANDS})
    spec = chart.spec
    assert isinstance(spec, LineChart)
    edges = [(z.low, z.high) for z in spec.zones]
    assert edges == [(0, 4.5), (4.5, 9.5), (9.5, 14.5), (14.5, 19.5), (19.5, 27)]
    assert spec.y_max == 27  # from the bands when y_max is not given
    opacities = [z.opacity for z in spec.zones]
    assert opacities == sorted(opacities)  # darker = more severe


def test_outcome_chart_rc_zone_is_intake_plus_minus_min_change() -> None:
    chart = outcome_chart(
        [1, 2], {"GAD-7": [15, 9]}, reliable_change={"GAD-7": (11, 19)}, y_max={"GAD-7": 21}
    )
    spec = chart.spec
    assert isinstance(spec, LineChart)
    (zone,) = spec.zones
    assert (zone.low, zone.high) == (11, 19)
    assert zone.in_legend and zone.label == "No reliable change (intake 15 ± 4)"
    assert "within 4 points of the intake score 15" in spec.description


def test_outcome_chart_rejects_reliable_change_given_as_intake_and_change() -> None:
    with pytest.raises(ValueError, match="low, high"):
        outcome_chart([1], {"PHQ-9": [19]}, reliable_change={"PHQ-9": (19, 6)}, y_max={"PHQ-9": 27})


def test_outcome_chart_needs_a_scale() -> None:
    with pytest.raises(ValueError, match="y_max"):
        outcome_chart([1], {"PHQ-9": [10]})


# --- goal chart -----------------------------------------------------------------------------


def test_goal_chart_uses_short_gas_labels_on_the_axis_and_full_ones_in_the_table() -> None:
    chart = examples()["goals"]
    root = parse(chart.svg())
    t = texts(root)
    for label in ("much less", "less", "expected", "more", "much more"):
        assert label in t
    # third goal: gaps at sessions 1 and 9 leave one line (3-7) and a lone point (11)
    assert len(by_class(root, "series-line")) == 3
    assert len(by_class(root, "point")) == 6 + 6 + 4
    table = chart.table_html()
    assert "-1 (somewhat less than expected)" in table
    assert "2 (much more than expected)" in table
    desc = root[1].text or ""
    assert "much more than expected (session 11)" in desc


def test_goal_chart_rejects_levels_outside_minus_2_to_2() -> None:
    with pytest.raises(ValueError, match="-2 to 2"):
        goal_chart([1, 2], {"g": [0, 3]})
    with pytest.raises(TypeError):
        goal_chart([1, 2], {"g": [0, 1.5]})  # type: ignore[list-item]
    assert set(GAS_LEVELS) == {-2, -1, 0, 1, 2}


# --- radar chart --------------------------------------------------------------------------------


def test_radar_chart_start_vs_now() -> None:
    chart = examples()["radar"]
    assert isinstance(chart.spec, RadarChart)
    root = parse(chart.svg())
    start, now = by_class(root, "series-line")
    assert start.get("stroke-dasharray") and not now.get("stroke-dasharray")
    cells = table_cells(chart)
    for v in ("3", "4.5", "2.75", "4.25", "3.5", "4.75"):
        assert v in cells
    desc = root[1].text or ""
    assert "Goal: start 3, now 4.5" in desc


def test_radar_chart_needs_three_subscales() -> None:
    with pytest.raises(ValueError):
        radar_chart({"Goal": (3.0, 4.0), "Bond": (3.0, 4.0)}, 5)


# --- supervisor charts ----------------------------------------------------------------------------


def test_distribution_and_therapist_charts() -> None:
    dist = alliance_distribution_chart([3.0, 3.6, 4.2, None], bins=[1, 3, 5])
    assert isinstance(dist.spec, Histogram)
    assert tuple(dist.spec.counts) == (0, 3) and dist.spec.missing == 1
    assert "median 3.6" in dist.spec.description
    bars = therapist_chart({"A": 4.0, "B": None}, clinic_mean=3.9)
    root = parse(bars.svg())
    assert len(by_class(root, "bar")) == 1
    assert "Clinic mean: 3.9" in texts(root)


def test_session_axis_labels_each_session_when_there_is_room() -> None:
    chart = session_alliance_chart(SESSIONS[:6], [3.0] * 6, [])
    t = texts(parse(chart.svg()))
    for s in range(1, 7):
        assert str(s) in t
