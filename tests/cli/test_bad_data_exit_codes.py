"""Bad input gets a clear message and the documented exit code
(README "Bad data": 0 ok, 2 bad usage, 3 bad data; data rows count from 1,
the first row under the header)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_series_equal

Alliance = Callable[..., Any]  # the `alliance` fixture of conftest.py

WAI = [f"wai_sr_{n}" for n in range(1, 13)]
# Six data rows: clients a, b, c at sessions 1 and 2. Every answer is 1-5.
ROWS = [
    ("a", 1, [4, 4, 5, 4, 3, 4, 5, 4, 3, 4, 4, 4]),
    ("a", 2, [5, 4, 4, 4, 4, 3, 4, 4, 4, 3, 4, 4]),
    ("b", 1, [2, 3, 2, 2, 3, 2, 3, 2, 2, 3, 2, 2]),
    ("b", 2, [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]),
    ("c", 1, [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2]),
    ("c", 2, [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]),
]


def write_answers(
    path: str = "answers.csv", cells: dict[tuple[int, str], str] | None = None
) -> Path:
    """Write the six rows as CSV text; ``cells[(data row, column)]`` overrides one cell."""
    cells = cells or {}
    lines = [",".join(["id", "session", *WAI])]
    for row_number, (cid, session, answers) in enumerate(ROWS, start=1):
        values = [cid, str(session), *map(str, answers)]
        for (r, column), text in cells.items():
            if r == row_number:
                values[(["id", "session", *WAI]).index(column)] = text
        lines.append(",".join(values))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def expected_totals() -> list[float]:
    return [float(sum(answers)) for _, _, answers in ROWS]


# --- out-of-range, non-numeric and duplicated answers -------------------------


def test_an_out_of_range_answer_stops_with_row_column_and_value(alliance: Alliance) -> None:
    write_answers(cells={(4, "wai_sr_7"): "6"})
    done = alliance("score", "answers.csv", "-i", "wai_sr", "-o", "scored.csv", "-q")
    assert done.code == 3
    assert "row 4" in done.err_flat
    assert "wai_sr_7" in done.err_flat
    assert "value 6" in done.err_flat
    assert "1, 2, 3, 4, 5" in done.err_flat  # what would have been allowed
    assert not Path("scored.csv").exists()


def test_the_first_data_row_is_row_1(alliance: Alliance) -> None:
    write_answers(cells={(1, "wai_sr_1"): "0"})
    done = alliance("score", "answers.csv", "-i", "wai_sr", "-o", "scored.csv", "-q")
    assert done.code == 3
    assert "row 1," in done.err_flat
    assert "wai_sr_1" in done.err_flat


def test_skip_leaves_bad_rows_out_and_reports_them_beside_the_output(alliance: Alliance) -> None:
    write_answers(cells={(4, "wai_sr_7"): "6", (2, "wai_sr_3"): "often"})
    done = alliance(
        "score", "answers.csv", "-i", "wai_sr", "-o", "scored.csv", "--on-invalid", "skip", "-q"
    )
    assert done.code == 0, done.err
    scored = pl.read_csv("scored.csv")
    assert scored.select("id", "session").rows() == [("a", 1), ("b", 1), ("c", 1), ("c", 2)]
    report = Path("scored.skipped.csv")
    assert report.is_file(), "the skipped-rows report belongs beside the output"
    skipped = pl.read_csv(report, infer_schema_length=0)
    assert skipped.select("row", "column", "value").rows() == [
        ("2", "wai_sr_3", "often"),
        ("4", "wai_sr_7", "6"),
    ]
    assert "skipped 2 row(s)" in done.err_flat
    assert "scored.skipped.csv" in done.err_flat


def test_skip_writes_no_report_when_nothing_is_bad(alliance: Alliance) -> None:
    write_answers()
    done = alliance(
        "score", "answers.csv", "-i", "wai_sr", "-o", "scored.csv", "--on-invalid", "skip", "-q"
    )
    assert done.code == 0, done.err
    assert pl.read_csv("scored.csv")["wai_sr_total"].to_list() == expected_totals()
    assert not Path("scored.skipped.csv").exists()
    assert "skipped" not in done.err_flat


def test_a_duplicated_client_and_session_stops_naming_both_rows(alliance: Alliance) -> None:
    write_answers(cells={(3, "id"): "a"})  # row 3 becomes a second (a, 1)
    done = alliance("score", "answers.csv", "-i", "wai_sr", "-o", "scored.csv", "-q")
    assert done.code == 3
    assert "rows 1, 3" in done.err_flat
    assert "duplicated" in done.err_flat
    assert "id='a'" in done.err_flat


def test_non_numeric_text_in_an_item_column_stops_naming_the_cell(alliance: Alliance) -> None:
    write_answers(cells={(5, "wai_sr_2"): "abc"})
    done = alliance("score", "answers.csv", "-i", "wai_sr", "-o", "scored.csv", "-q")
    assert done.code == 3
    assert "row 5" in done.err_flat
    assert "wai_sr_2" in done.err_flat
    assert "'abc'" in done.err_flat
    assert "not a number" in done.err_flat


@pytest.mark.parametrize("text", ["[missing]", "[/x]"])
def test_bracketed_text_in_a_cell_is_quoted_as_written(alliance: Alliance, text: str) -> None:
    """Researchers type placeholders like "[missing]"; the message must show the cell
    as written (not eat it as terminal markup) and still exit 3."""
    write_answers(cells={(3, "wai_sr_5"): text})
    done = alliance("score", "answers.csv", "-i", "wai_sr", "-o", "scored.csv", "-q")
    assert done.code == 3
    assert "row 3" in done.err_flat
    assert "wai_sr_5" in done.err_flat
    assert repr(text) in done.err_flat


def test_a_missing_item_column_is_bad_data_naming_it(alliance: Alliance) -> None:
    write_answers()
    pl.read_csv("answers.csv").drop("wai_sr_12").write_csv("answers.csv")
    done = alliance("score", "answers.csv", "-i", "wai_sr", "-o", "scored.csv", "-q")
    assert done.code == 3
    assert "wai_sr_12" in done.err_flat


# --- bad usage: exit 2 -----------------------------------------------------------


def test_an_unknown_instrument_is_bad_usage_listing_the_known_ones(alliance: Alliance) -> None:
    write_answers()
    done = alliance("score", "answers.csv", "-i", "wai_sf", "-o", "scored.csv", "-q")
    assert done.code == 2
    assert "wai_sf" in done.err_flat
    assert "wai_sr" in done.err_flat  # the known ids are listed


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["score", "answers.csv", "-o", "scored.csv", "--colour"], id="unknown-option"),
        pytest.param(["score", "answers.csv"], id="missing-output-option"),
        pytest.param(
            ["score", "answers.csv", "-o", "scored.csv", "--on-invalid", "ignore"],
            id="bad-on-invalid-value",
        ),
        pytest.param(["simulate", "-o", "c.csv", "--clients", "zero"], id="not-a-number"),
        pytest.param(["frobnicate"], id="unknown-command"),
    ],
)
def test_bad_usage_exits_2_with_a_message_and_no_traceback(
    alliance: Alliance, argv: list[str]
) -> None:
    write_answers()
    done = alliance(*argv)
    assert done.code == 2
    assert done.err.strip(), "a usage error must say what is wrong"
    assert "Traceback" not in done.err
    assert not Path("scored.csv").exists()


def test_ruptures_on_too_few_sessions_to_estimate_the_noise_exit_3(alliance: Alliance) -> None:
    write_answers()
    done = alliance("ruptures", "answers.csv", "--score", "wai_sr_total", "-q")
    assert done.code == 3
    assert "at least 30 needed" in done.err_flat
    assert "--noise-sd" in done.err_flat


def test_ruptures_with_a_given_noise_sd_runs_and_states_its_false_alarm_rate(
    alliance: Alliance,
) -> None:
    write_answers()
    done = alliance(
        "ruptures", "answers.csv", "--score", "wai_sr_total", "--noise-sd", "2", "-o", "r.csv", "-q"
    )
    assert done.code == 0, done.err
    assert "given with --noise-sd" in done.out_flat
    assert "expected false alarms on stable clients" in done.out_flat
    assert pl.read_csv("r.csv").height == len(ROWS)


def test_ruptures_refuses_a_noise_sd_of_zero(alliance: Alliance) -> None:
    write_answers()
    done = alliance("ruptures", "answers.csv", "--score", "wai_sr_total", "--noise-sd", "0", "-q")
    assert done.code == 2 and "above 0" in done.err_flat


def test_the_installed_command_exits_2_on_an_unknown_option(
    alliance_script: Path, tmp_path: Path
) -> None:
    proc = subprocess.run(  # noqa: S603 - our own installed command
        [str(alliance_script), "score", "answers.csv", "-o", "s.csv", "--colour"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "--colour" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- other layouts: long and column-mapping files ----------------------------------


def test_the_long_layout_scores_like_the_wide_one(alliance: Alliance) -> None:
    wide = pl.read_csv(write_answers())
    long = wide.unpivot(index=["id", "session"], variable_name="item", value_name="value")
    long.sample(fraction=1.0, shuffle=True, seed=1).write_csv("long.csv")
    done = alliance(
        "score", "long.csv", "--layout", "long", "-i", "wai_sr", "-o", "scored.csv", "-q"
    )
    assert done.code == 0, done.err
    scored = pl.read_csv("scored.csv").sort("id", "session")
    assert scored["wai_sr_total"].to_list() == expected_totals()


def test_the_long_layout_reports_a_bad_answer_as_bad_data(alliance: Alliance) -> None:
    wide = pl.read_csv(write_answers(cells={(2, "wai_sr_4"): "9"}))
    wide.unpivot(index=["id", "session"], variable_name="item", value_name="value").write_csv(
        "long.csv"
    )
    done = alliance(
        "score", "long.csv", "--layout", "long", "-i", "wai_sr", "-o", "scored.csv", "-q"
    )
    assert done.code == 3
    assert "wai_sr_4" in done.err_flat
    assert "9" in done.err_flat


def test_a_long_file_without_its_item_column_is_bad_data(alliance: Alliance) -> None:
    Path("long.csv").write_text("id,session,question,value\na,1,wai_sr_1,4\n", encoding="utf-8")
    done = alliance(
        "score", "long.csv", "--layout", "long", "-i", "wai_sr", "-o", "scored.csv", "-q"
    )
    assert done.code == 3
    assert "item" in done.err_flat


def test_an_unknown_layout_is_bad_usage(alliance: Alliance) -> None:
    write_answers()
    done = alliance("score", "answers.csv", "--layout", "tall", "-o", "scored.csv", "-q")
    assert done.code == 2
    assert "tall" in done.err_flat


def _their_names() -> dict[str, str]:
    names = {"Client ID": "id", "Visit": "session"}
    names.update({f"Q{n}": f"wai_sr_{n}" for n in range(1, 13)})
    return names


def test_a_column_mapping_file_renames_their_columns_to_ours(alliance: Alliance) -> None:
    ours = pl.read_csv(write_answers())
    names = _their_names()
    ours.rename({v: k for k, v in names.items()}).write_csv("theirs.csv")
    Path("columns.toml").write_text(
        "[columns]\n" + "".join(f'"{k}" = "{v}"\n' for k, v in names.items()), encoding="utf-8"
    )
    done = alliance(
        "score", "theirs.csv", "--map", "columns.toml", "-i", "wai_sr", "-o", "scored.csv", "-q"
    )
    assert done.code == 0, done.err
    scored = pl.read_csv("scored.csv")
    assert_series_equal(
        scored["wai_sr_total"],
        pl.Series("wai_sr_total", expected_totals()),
    )
    assert {"id", "session"} <= set(scored.columns)


def test_a_mapping_naming_a_missing_column_is_bad_data_naming_it(alliance: Alliance) -> None:
    ours = pl.read_csv(write_answers())
    names = _their_names()
    ours.rename({v: k for k, v in names.items()}).write_csv("theirs.csv")
    Path("columns.toml").write_text(
        '[columns]\n"Client ID" = "id"\n"Visit" = "session"\n"Q13" = "wai_sr_12"\n',
        encoding="utf-8",
    )
    done = alliance(
        "score", "theirs.csv", "--map", "columns.toml", "-i", "wai_sr", "-o", "scored.csv", "-q"
    )
    assert done.code == 3
    assert "Q13" in done.err_flat
    assert not Path("scored.csv").exists()


def test_a_mapping_file_that_is_not_toml_is_bad_data(alliance: Alliance) -> None:
    write_answers()
    Path("columns.toml").write_text("Client ID -> id\n", encoding="utf-8")
    done = alliance(
        "score", "answers.csv", "--map", "columns.toml", "-i", "wai_sr", "-o", "s.csv", "-q"
    )
    assert done.code == 3
    assert "columns.toml" in done.err_flat
