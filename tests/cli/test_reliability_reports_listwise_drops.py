"""``alliance reliability`` says how many clients each listwise analysis
dropped and which items were blank, on screen and in ``--json``.

Oracle: blanks planted at known places in an otherwise complete first
session; every count below is worked out by hand from those places.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
from tests.cli.conftest import Alliance

WAI = [f"wai_sr_{n}" for n in range(1, 13)]
# client id -> items left blank at the first session
BLANKS = {2: [3], 5: [3, 7], 7: [12], 9: [1, 2]}
# total (all 12 items): clients 2, 5, 7, 9 -> 4 dropped;
#   wai_sr_1: 1, wai_sr_2: 1, wai_sr_3: 2, wai_sr_7: 1, wai_sr_12: 1
# goal (4, 6, 8, 11): none; task (1, 2, 10, 12): clients 7, 9 -> 2;
# bond (3, 5, 7, 9): clients 2, 5 -> 2
EXPECTED = {
    "total": (4, {"wai_sr_1": 1, "wai_sr_2": 1, "wai_sr_3": 2, "wai_sr_7": 1, "wai_sr_12": 1}),
    "goal": (0, {}),
    "task": (2, {"wai_sr_1": 1, "wai_sr_2": 1, "wai_sr_12": 1}),
    "bond": (2, {"wai_sr_3": 2, "wai_sr_7": 1}),
}
CLIENTS = 40


def write_answers(path: Path) -> None:
    rng = np.random.default_rng(11)
    latent = rng.normal(size=(CLIENTS, 1))
    first = np.clip(np.round(3 + latent + rng.normal(scale=0.7, size=(CLIENTS, 12))), 1, 5)
    later = np.clip(np.round(3 + latent + rng.normal(scale=0.7, size=(CLIENTS, 12))), 1, 5)
    rows = []
    for i in range(CLIENTS):
        cid = i + 1
        answers: list[float | None] = [float(v) for v in first[i]]
        for item in BLANKS.get(cid, []):
            answers[item - 1] = None
        rows.append({"id": cid, "session": 1, **dict(zip(WAI, answers, strict=True))})
        # a complete second session: must not rescue the blank first session
        rows.append({"id": cid, "session": 2, **dict(zip(WAI, later[i].tolist(), strict=True))})
    pl.DataFrame(rows).write_csv(path)


def test_reliability_prints_and_writes_who_was_dropped_listwise(alliance: Alliance) -> None:
    write_answers(Path("answers.csv"))
    done = alliance("reliability", "answers.csv", "-i", "wai_sr", "--json", "r.json")
    assert done.code == 0, done.err
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert (report["instrument"], report["unit"], report["rows"]) == ("wai_sr", "clients", 40)
    by_scale = {s["scale"]: s for s in report["scales"]}
    for scale, (dropped, by_item) in EXPECTED.items():
        assert by_scale[scale]["dropped"] == dropped, scale
        assert by_scale[scale]["missing_by_item"] == by_item, scale
        assert by_scale[scale]["n"] == CLIENTS - dropped, scale
    text = done.out_flat
    assert (
        "WAI-SR total: 4 of 40 clients dropped listwise (a blank item): wai_sr_1 blank for 1, "
        "wai_sr_2 blank for 1, wai_sr_3 blank for 2, wai_sr_7 blank for 1, wai_sr_12 blank for 1."
    ) in text
    assert "WAI-SR bond: 2 of 40 clients dropped listwise" in text
    assert "WAI-SR goal:" not in text  # nobody dropped, nothing to say
    # the factor models use all 12 items: the same 4 clients
    assert report["cfa"]["dropped"] == 4
    assert report["cfa"]["missing_by_item"] == EXPECTED["total"][1]
    assert {m["n"] for m in report["cfa"]["models"]} == {36}
    assert "WAI-SR factor models: 4 of 40 clients dropped listwise" in text


def test_reliability_table_has_a_dropped_column(alliance: Alliance) -> None:
    write_answers(Path("answers.csv"))
    done = alliance("reliability", "answers.csv", "-i", "wai_sr", "--no-cfa")
    assert done.code == 0, done.err
    header = next(line for line in done.out.splitlines() if "alpha_ci_low" in line)
    assert "dropped" in header
    total = next(line for line in done.out.splitlines() if line.startswith("│ total"))
    cells = [c.strip() for c in total.strip("│").split("│")]
    assert (cells[2], cells[-1]) == ("36", "4")
