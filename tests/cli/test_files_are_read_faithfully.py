"""Files read faithfully: SPSS user-missing codes, value labels, repeated ids, NaN named.

Each .sav file is built here with pyreadstat (declared missing ranges and
value labels), then read through the `alliance` command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyreadstat

from alliance.io import read_table, read_table_checked

Alliance = Callable[..., Any]
PHQ = [f"phq9_{n}" for n in range(1, 10)]
NOT_AT_ALL_TO_NEARLY = ["Not at all", "Several days", "More than half the days", "Nearly every day"]


def phq9_sav(path: str, rows: list[list[float]], **meta: Any) -> Path:
    frame = pd.DataFrame(rows, columns=PHQ)
    frame.insert(0, "session", 1.0)
    frame.insert(0, "id", [f"c{i}" for i in range(len(rows))])
    pyreadstat.write_sav(frame, path, **meta)
    return Path(path)


def test_user_missing_codes_are_missing_counted_and_named(alliance: Alliance) -> None:
    phq9_sav(
        "answers.sav",
        [[1] * 8 + [0], [1, 1, -99, 1, 1, 1, 1, 1, 0], [2, 2, -99, 2, 2, 2, 2, 2, -99]],
        missing_ranges={"phq9_3": [-99], "phq9_9": [-99]},
        variable_value_labels={"phq9_3": {-99: "refused"}, "phq9_9": {-99: "refused"}},
    )
    read = read_table_checked("answers.sav")
    assert read.frame["phq9_3"].to_list() == [1, None, None]
    assert read.notes == (
        "phq9_3: 2 cell(s) with SPSS user-missing code(s) -99 ('refused') read as missing",
        "phq9_9: 1 cell(s) with SPSS user-missing code(s) -99 ('refused') read as missing",
    )
    done = alliance("score", "answers.sav", "-i", "phq9", "-o", "scored.csv", "-q")
    assert done.code == 0, done.err
    assert "phq9_3: 2 cell(s) with SPSS user-missing code(s) -99 ('refused')" in done.err_flat
    scored = pl.read_csv("scored.csv")
    assert scored["phq9_flag_risk"].to_list() == [False, False, None]
    assert "item 9 (risk) unanswered" in scored["phq9_note"][2]


def test_a_missing_range_is_honoured_too() -> None:
    phq9_sav("r.sav", [[1] * 9, [98] + [1] * 8], missing_ranges={"phq9_1": [{"lo": 97, "hi": 99}]})
    read = read_table_checked("r.sav")
    assert read.frame["phq9_1"].to_list() == [1, None]
    assert read.notes == ("phq9_1: 1 cell(s) with SPSS user-missing code(s) 98 read as missing",)


def test_value_labels_coded_1_to_4_stop_with_the_column_and_labels(alliance: Alliance) -> None:
    # Answers 1-3 only: every value is a valid PHQ-9 answer, but the labels say 1 = Not at all.
    labels = {v + 1.0: t for v, t in enumerate(NOT_AT_ALL_TO_NEARLY)}
    phq9_sav("coded.sav", [[1] * 9, [3] * 9], variable_value_labels={"phq9_2": labels})
    done = alliance("score", "coded.sav", "-i", "phq9", "-o", "scored.csv", "-q")
    assert done.code == 3
    assert "column phq9_2" in done.err_flat
    assert "1 = 'Not at all'" in done.err_flat and "4 is not an answer value" in done.err_flat
    assert not Path("scored.csv").exists()


def test_value_labels_matching_the_coding_pass(alliance: Alliance) -> None:
    labels = {float(v): t for v, t in enumerate(NOT_AT_ALL_TO_NEARLY)}
    phq9_sav("ok.sav", [[1] * 9, [3] * 9], variable_value_labels={p: labels for p in PHQ})
    done = alliance("score", "ok.sav", "-i", "phq9", "-o", "scored.csv", "-q")
    assert done.code == 0, done.err


def test_repeated_ids_without_a_session_column_stop(alliance: Alliance) -> None:
    Path("answers.csv").write_text(
        "id," + ",".join(PHQ) + "\n" + "a," + ",".join(["1"] * 9) + "\n"
        "b," + ",".join(["2"] * 9) + "\n" + "a," + ",".join(["0"] * 9) + "\n",
        encoding="utf-8",
    )
    done = alliance("score", "answers.csv", "-i", "phq9", "-o", "scored.csv", "-q")
    assert done.code == 3
    assert "rows 1, 3" in done.err_flat and "id='a'" in done.err_flat
    assert "no session column" in done.err_flat


def test_nan_is_named_as_nan(alliance: Alliance) -> None:
    frame = pl.DataFrame(
        {"id": ["a", "b"], "session": [1, 1]}
        | {p: [1.0, 2.0] for p in PHQ[:8]}
        | {"phq9_9": [float("nan"), 1.0]}
    )
    frame.write_parquet("answers.parquet")
    done = alliance("score", "answers.parquet", "-i", "phq9", "-o", "scored.csv", "-q")
    assert done.code == 3
    assert "row 1, column phq9_9: value NaN" in done.err_flat
    assert read_table("answers.parquet")["phq9_9"].is_nan()[0]
