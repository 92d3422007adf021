"""The therapist bar chart draws nothing stray in the plot: no grid-line stubs
in the gaps between bars (they printed as faint specks above the bars in
the clinic report PDF), and a reference line stops at the value labels it
crosses instead of running through their digits."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from alliance.charts.definitions import therapist_chart

NS = "{http://www.w3.org/2000/svg}"


def _svg(**kw: object) -> ET.Element:
    chart = therapist_chart(
        {"Alice Tester": 9.09, "Bob Tester": 10.99, "Carol": 0.0},
        x_min=0.0,
        x_max=13.0,
        clinic_mean=10.12,
        title="Ruptures per 100 sessions by therapist",
        x_label="Ruptures per 100 scored sessions",
        **kw,  # type: ignore[arg-type]
    )
    return ET.fromstring(chart.svg())  # noqa: S314 - our own output


def _classed(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if cls in (e.get("class") or "").split()]


def _f(el: ET.Element, name: str) -> float:
    return float(el.get(name) or "nan")


def test_no_line_but_the_reference_line_enters_the_rows_of_bars() -> None:
    root = _svg()
    bars = _classed(root, "rect", "bar")
    assert len(bars) == 3
    rows_top = min(_f(b, "y") for b in bars)
    rows_bottom = max(_f(b, "y") + _f(b, "height") for b in bars)
    vlines = _classed(root, "line", "vline")
    assert len(vlines) == 1
    others = [e for e in root.iter(f"{NS}line") if e not in vlines]
    assert others, "the axis and its ticks are lines"
    for line in others:
        upper = min(_f(line, "y1"), _f(line, "y2"))
        assert upper >= rows_bottom, (
            f"a line from y={upper} reaches into the bars ({rows_top} to {rows_bottom}): "
            f"{ET.tostring(line, encoding='unicode')}"
        )


def test_every_shape_has_a_size() -> None:
    for rect in _svg().iter(f"{NS}rect"):
        assert _f(rect, "width") > 0 and _f(rect, "height") > 0, rect.attrib


def test_value_label_crossed_by_the_mean_line_sits_on_a_box_drawn_after_the_line() -> None:
    root = _svg()
    order = list(root.iter())
    (vline,) = _classed(root, "line", "vline")
    x = _f(vline, "x1")
    boxes = _classed(root, "rect", "label-box")
    assert len(boxes) == 3  # one per bar with a value
    crossed = [b for b in boxes if _f(b, "x") <= x <= _f(b, "x") + _f(b, "width")]
    assert crossed, "with the mean at 10.12 the label of 9.09 lies across the line"
    for box in crossed:
        assert box.get("fill") == "#ffffff"
        assert order.index(box) > order.index(vline)
        label = order[order.index(box) + 1]
        assert label.tag == f"{NS}text" and (label.text or "").strip() in {"9.09", "10.99"}


def test_each_value_is_written_once() -> None:
    shown = [(e.text or "") for e in _svg().iter(f"{NS}text")]
    for value in ("9.09", "10.99"):
        assert shown.count(value) == 1, shown
