"""`alliance export --stream`: the in-memory export, file for file, within a memory setting.

Batches are made tiny so that a few thousand rows span many of them, each
person's rows are scattered over several batches (the input is shuffled),
and the rows go through several temporary pseudonym ranges. With the same
key, the data file, both codebook files and the printed decisions must be
those of the in-memory export.
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import alliance.streaming as streaming
from alliance.cli import run

# The modules, not the functions alliance.export re-exports under the same names.
deidentify_module = importlib.import_module("alliance.export.deidentify")
streamed_module = importlib.import_module("alliance.export.streamed")
KEY = bytes(range(32))


@pytest.fixture(autouse=True)
def _tiny_batches_and_a_fixed_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(streaming, "WORKING_FACTOR", 1000)
    monkeypatch.setattr(streaming, "MIN_BATCH", 100)
    monkeypatch.setattr(deidentify_module, "new_key", lambda: KEY)
    monkeypatch.setattr(streamed_module, "new_key", lambda: KEY)
    monkeypatch.chdir(tmp_path)


def clinic(rows: int = 3000) -> pl.DataFrame:
    rng = np.random.default_rng(8)
    clients = rng.integers(0, 400, rows)
    day0 = dt.date(2024, 1, 1)
    visit = [day0 + dt.timedelta(days=int(d)) for d in rng.integers(0, 300, rows)]
    bands = np.array(["minimal", "mild", "moderate", "moderately severe", "severe"])
    frame = pl.DataFrame(
        {
            "client_id": [f"c-{c:04d}" for c in clients],
            "therapist_id": [f"t-{c % 17}" for c in clients],
            "email": [f"c{c}@x.org" for c in clients],
            "intake": [(day0 + dt.timedelta(days=int(c % 30))).isoformat() for c in clients],
            "session_date": [v.isoformat() for v in visit],
            "session": np.arange(rows),
            "phq9_total": rng.integers(0, 28, rows).astype(float),
            "phq9_band": bands[rng.integers(0, 5, rows)],
            "phq9_flag_risk": rng.random(rows) < 0.1,
            "comment": ["free text"] * rows,
        }
    )
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) % 13 == 0).then(None).otherwise(pl.col("phq9_total"))
        .alias("phq9_total")
    )  # fmt: skip


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("intake", [True, False], ids=["intake-column", "earliest-date"])
def test_streamed_export_writes_the_in_memory_files(
    suffix: str, intake: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic().write_csv("clinic.csv")
    pl.read_csv("clinic.csv").write_parquet("clinic.parquet")
    common = ["export", f"clinic{suffix}", "--id", "client_id", "--id", "therapist_id"]
    if intake:
        common += ["--intake-date", "intake"]
    assert run([*common, "-o", f"whole{suffix}", "--in-memory"]) == 0
    whole_out = capsys.readouterr().out
    assert run([*common, "-o", f"parts{suffix}", "--stream", "--memory", "16MB"]) == 0
    assert capsys.readouterr().out == whole_out
    if suffix == ".csv":
        assert Path("parts.csv").read_bytes() == Path("whole.csv").read_bytes()
    else:
        whole, parts = pl.read_parquet("whole.parquet"), pl.read_parquet("parts.parquet")
        assert parts.schema == whole.schema and parts.equals(whole)
    assert Path("parts.codebook.csv").read_text() == Path("whole.codebook.csv").read_text()
    md = Path("parts.codebook.md").read_text().replace("parts.", "whole.")
    assert md == Path("whole.codebook.md").read_text()
    frame = pl.read_csv("whole.csv") if suffix == ".csv" else pl.read_parquet("whole.parquet")
    assert frame.height == 3000 and "email" not in frame.columns
    assert frame["client_id"].n_unique() > 300


def test_streamed_export_names_a_bad_date_by_its_row_in_the_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    frame = clinic()
    bad_row = 2500
    frame.with_columns(
        pl.when(pl.int_range(pl.len()) == bad_row - 1).then(pl.lit("soon"))
        .otherwise(pl.col("session_date")).alias("session_date")
    ).write_parquet("bad.parquet")  # fmt: skip
    code = run(["export", "bad.parquet", "--id", "client_id", "-o", "out.csv", "--stream",
                "--memory", "16MB"])  # fmt: skip
    assert code == 3
    assert f"row {bad_row}, column 'session_date': 'soon' is not a date" in " ".join(
        capsys.readouterr().err.split()
    )
    assert not Path("out.csv").exists()


def test_band_text_outside_its_labels_is_left_out_as_in_memory(
    capsys: pytest.CaptureFixture[str],
) -> None:
    frame = clinic()
    frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2900).then(pl.lit("awful"))
        .otherwise(pl.col("phq9_band")).alias("phq9_band")
    ).write_parquet("odd.parquet")  # fmt: skip
    common = ["export", "odd.parquet", "--id", "client_id"]
    assert run([*common, "-o", "whole.csv", "--in-memory"]) == 0
    whole_out = capsys.readouterr().out
    assert run([*common, "-o", "parts.csv", "--stream", "--memory", "16MB"]) == 0
    assert capsys.readouterr().out == whole_out
    assert "phq9_band: text outside its known categories" in " ".join(whole_out.split())
    assert Path("parts.csv").read_bytes() == Path("whole.csv").read_bytes()


def test_streamed_export_with_included_text_and_one_id_writes_the_in_memory_files(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clinic().write_parquet("clinic.parquet")
    common = ["export", "clinic.parquet", "--id", "therapist_id", "--include-text", "comment",
              "--allow-text"]  # fmt: skip
    assert run([*common, "-o", "whole.parquet", "--in-memory"]) == 0
    whole_out = capsys.readouterr().out
    assert run([*common, "-o", "parts.parquet", "--stream", "--memory", "16MB"]) == 0
    assert capsys.readouterr().out == whole_out
    whole, parts = pl.read_parquet("whole.parquet"), pl.read_parquet("parts.parquet")
    assert "comment" in whole.columns and parts.schema == whole.schema and parts.equals(whole)
    assert Path("parts.codebook.csv").read_text() == Path("whole.codebook.csv").read_text()


def test_streamed_export_reports_progress_in_each_of_its_three_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clinic().write_csv("clinic.csv")
    args = ["export", "clinic.csv", "--id", "client_id", "-o", "out.csv", "--stream"]
    assert run([*args, "--memory", "16MB"]) == 0
    err = capsys.readouterr().err
    for stage in ("reading clinic.csv", "de-identifying clinic.csv", "sorting into out.csv"):
        assert f"{stage}: 3,000 rows in" in err, err
