"""`alliance score` reads and writes every documented format (CSV, TSV, Excel,
SPSS, Parquet) and gives the same scores whatever the format; a file it
cannot read is bad data (exit 3) with a message that says what to do."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alliance import io
from alliance.cli import run

Alliance = Callable[..., Any]  # the `alliance` fixture of conftest.py

FORMATS = ["csv", "tsv", "xlsx", "sav", "parquet"]
SCORES = [
    "wai_sr_total", "wai_sr_total_mean", "wai_sr_goal", "wai_sr_task", "wai_sr_bond",
    "wai_sr_note", "phq9_total", "phq9_total_mean", "phq9_band", "phq9_note", "phq9_flag_risk",
]  # fmt: skip


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 clients x 4 sessions of WAI-SR and PHQ-9 with some blank answers (prorated scores)."""
    path = tmp_path_factory.mktemp("formats") / "answers.csv"
    code = run(
        [
            "simulate", "-o", str(path), "-i", "wai_sr", "-i", "phq9", "--clients", "30",
            "--sessions", "4", "--seed", "5", "--missing-rate", "0.06", "-q",
        ]
    )  # fmt: skip
    assert code == 0
    return path


def _comparable(frame: pl.DataFrame) -> pl.DataFrame:
    """Scores on one footing: numbers as floats, flags as 0/1 (SPSS has no booleans),
    labels as text (a band may be an Enum in Parquet and plain text elsewhere)."""
    # Identifiers are text when read from CSV (so 007 and 7 stay two people), numbers elsewhere.
    ident = pl.col("id")
    fixes = [(ident.cast(pl.Int64) if frame.schema["id"].is_numeric() else ident).cast(pl.String)]
    for name in ["session", *SCORES]:
        dtype = frame.schema[name]
        if dtype == pl.Boolean or dtype.is_numeric():
            fixes.append(pl.col(name).cast(pl.Float64))
        else:
            fixes.append(pl.col(name).cast(pl.String))
    return frame.select(fixes).sort("id", "session")


@pytest.fixture(scope="module")
def reference(answers: Path) -> pl.DataFrame:
    out = answers.with_name("reference.csv")
    assert run(["score", str(answers), "-i", "wai_sr", "-i", "phq9", "-o", str(out), "-q"]) == 0
    scored = pl.read_csv(out)
    assert scored["wai_sr_note"].drop_nulls().len() > 0, "the fixture should have prorated scores"
    return _comparable(scored)


@pytest.mark.parametrize("fmt", FORMATS)
def test_score_reads_and_writes_each_format_with_identical_scores(
    alliance: Alliance, answers: Path, reference: pl.DataFrame, fmt: str
) -> None:
    io.write_table(pl.read_csv(answers), f"answers.{fmt}")
    done = alliance(
        "score", f"answers.{fmt}", "-i", "wai_sr", "-i", "phq9", "-o", f"scored.{fmt}", "-q"
    )
    assert done.code == 0, done.err
    assert Path(f"scored.{fmt}").is_file()
    assert_frame_equal(_comparable(io.read_table(f"scored.{fmt}")), reference)


def test_score_reads_one_format_and_writes_another(
    alliance: Alliance, answers: Path, reference: pl.DataFrame
) -> None:
    io.write_table(pl.read_csv(answers), "answers.sav")
    done = alliance("score", "answers.sav", "-i", "wai_sr", "-i", "phq9", "-o", "scored.xlsx", "-q")
    assert done.code == 0, done.err
    assert_frame_equal(_comparable(io.read_table("scored.xlsx")), reference)


def test_an_unknown_input_extension_is_bad_data_naming_the_allowed_ones(
    alliance: Alliance, answers: Path
) -> None:
    shutil.copy(answers, "answers.json")
    done = alliance("score", "answers.json", "-o", "scored.csv", "-q")
    assert done.code == 3
    assert ".json" in done.err_flat
    for ext in (".csv", ".tsv", ".xlsx", ".sav", ".parquet"):
        assert ext in done.err_flat
    assert not Path("scored.csv").exists()


def test_an_unknown_output_extension_is_bad_data_naming_the_allowed_ones(
    alliance: Alliance, answers: Path
) -> None:
    shutil.copy(answers, "answers.csv")
    done = alliance("score", "answers.csv", "-o", "scored.json", "-q")
    assert done.code == 3
    assert ".json" in done.err_flat
    for ext in (".csv", ".tsv", ".xlsx", ".sav", ".parquet"):
        assert ext in done.err_flat
    assert not Path("scored.json").exists()


def test_a_missing_input_file_is_bad_data_naming_the_file(alliance: Alliance) -> None:
    done = alliance("score", "no_such_answers.csv", "-o", "scored.csv", "-q")
    assert done.code == 3
    assert "no_such_answers.csv" in done.err_flat
    assert "no such file" in done.err_flat


def test_an_output_folder_that_does_not_exist_is_bad_data(
    alliance: Alliance, answers: Path
) -> None:
    shutil.copy(answers, "answers.csv")
    done = alliance("score", "answers.csv", "-o", "no_folder/scored.csv", "-q")
    assert done.code == 3
    assert "no_folder" in done.err_flat


@pytest.mark.parametrize("name", ["answers.xlsx", "answers.sav", "answers.parquet"])
def test_a_file_whose_content_does_not_match_its_extension_is_bad_data(
    alliance: Alliance, answers: Path, name: str
) -> None:
    """A CSV saved under another format's name: exit 3 naming the file, no traceback."""
    shutil.copy(answers, name)
    done = alliance("score", name, "-o", "scored.csv", "-q")
    assert done.code == 3
    assert name in done.err_flat
