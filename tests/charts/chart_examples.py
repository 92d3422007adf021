"""Realistic example data for every chart definition (tests and visual checks).

Run ``python tests/charts/chart_examples.py [DIR]`` to write each chart as
SVG and HTML (default /tmp/alliance-charts) and, when ``rsvg-convert`` is
installed, PNGs at 375 and 640 px wide for a visual check.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from alliance.charts import (
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

SESSIONS = list(range(1, 13))
PHQ9_BANDS = [
    {"label": "minimal", "min": 0, "max": 4},
    {"label": "mild", "min": 5, "max": 9},
    {"label": "moderate", "min": 10, "max": 14},
    {"label": "moderately severe", "min": 15, "max": 19},
    {"label": "severe", "min": 20, "max": 27},
]
GAD7_BANDS = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")]


def examples() -> dict[str, Chart]:
    """One chart per definition, with realistic data (gaps included)."""
    return {
        "alliance": alliance_chart(
            SESSIONS,
            client={
                "Goal": [3.0, 3.25, 3.5, None, 3.75, 3.5, 4.0, 4.0, 4.25, 4.25, 4.5, 4.5],
                "Task": [2.75, 3.0, 3.25, None, 3.0, 3.25, 3.5, 3.75, 4.0, 4.0, 4.25, 4.25],
                "Bond": [3.5, 3.75, 4.0, None, 3.25, 3.75, 4.25, 4.25, 4.5, 4.5, 4.75, 4.75],
                "Total": [3.08, 3.33, 3.58, None, 3.33, 3.5, 3.92, 4.0, 4.25, 4.25, 4.5, 4.5],
            },
            therapist={
                "Goal": [3.25, 3.25, 3.5, 3.5, 3.5, 3.75, 3.75, 4.0, 4.0, 4.0, 4.25, 4.25],
                "Task": [3.0, 3.0, 3.25, 3.0, 3.25, 3.25, 3.5, 3.5, 3.75, 3.75, 4.0, 4.0],
                "Bond": [3.75, 4.0, 4.0, 3.5, 3.75, 4.0, 4.0, 4.25, 4.25, 4.5, 4.5, 4.5],
                "Total": [3.33, 3.42, 3.58, 3.33, 3.5, 3.67, 3.75, 3.92, 4.0, 4.08, 4.25, 4.25],
            },
            ruptures=[
                RuptureMark(5, True, 6, "Client felt unheard about homework"),
                RuptureMark(9, False),
            ],
        ),
        "session_alliance": session_alliance_chart(
            SESSIONS,
            [3.2, 3.5, 3.8, 3.9, 2.4, 3.6, 4.0, 4.1, 3.0, None, 4.3, 4.4],
            [RuptureMark(5, True, 6), RuptureMark(9, None, note="<script>alert(1)</script>")],
        ),
        "outcome": outcome_chart(
            SESSIONS,
            {
                "PHQ-9": [19, 18, 17, 16, 15, None, 12, 11, 10, 9, 8, 7],
                "GAD-7": [15, 15, 14, 12, 13, 11, 10, 9, 9, 8, None, 6],
            },
            bands={"PHQ-9": PHQ9_BANDS, "GAD-7": GAD7_BANDS},
            reliable_change={"PHQ-9": (13, 25), "GAD-7": (11, 19)},  # intake -/+ change
            expected={"PHQ-9": [(1, 17, 21), (4, 13, 19), (8, 9, 16), (12, 6, 14)]},
            y_max={"PHQ-9": 27, "GAD-7": 21},
            cutoffs={"PHQ-9": 10, "GAD-7": 8},
        ),
        "goals": goal_chart(
            [1, 3, 5, 7, 9, 11],
            {
                "Return to work part-time": [-2, -2, -1, -1, 0, 1],
                "Sleep 7 hours most nights": [-1, 0, 0, 1, 1, 2],
                "Call my sister weekly": [None, -2, -1, -1, None, 0],
            },
        ),
        "radar": radar_chart(
            {"Goal": (3.0, 4.5), "Task": (2.75, 4.25), "Bond": (3.5, 4.75)}, 5, y_min=1
        ),
        "distribution": alliance_distribution_chart(
            [
                *(2.1, 2.8, 3.0, 3.2, 3.3, 3.5, 3.6, 3.6, 3.8, 3.9, 4.0, 4.0, 4.1, 4.2),
                *(4.2, 4.3, 4.4, 4.5, 4.6, 4.8, 5.0, None),
            ]
        ),
        "therapists": therapist_chart(
            {
                "Dr A. Okafor": 4.21,
                "M. Lindqvist": 3.87,
                "Sam Rivera-Castellanos (trainee)": 3.42,
                "J. Chen": None,
                "K. Novak": 4.55,
            },
            clinic_mean=4.01,
            notes={"J. Chen": "fewer than 5 clients"},
        ),
    }


def write_all(out: Path, png: bool = True) -> list[Path]:
    """Write every example as SVG and HTML (and PNG when possible)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    converter = shutil.which("rsvg-convert") if png else None
    for name, chart in examples().items():
        svg = out / f"{name}.svg"
        svg.write_text(chart.svg(), encoding="utf-8")
        (out / f"{name}.html").write_text(chart.html(), encoding="utf-8")
        written.append(svg)
        if converter:
            for width in (375, 640):
                target = out / f"{name}-{width}.png"
                subprocess.run(  # noqa: S603 - fixed tool, our own file names
                    [converter, "-w", str(width), "-b", "white", "-o", str(target), str(svg)],
                    check=True,
                )
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/alliance-charts")  # noqa: S108
    for path in write_all(target):
        print(path)
