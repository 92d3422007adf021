"""Streamed (batched) runs give the in-memory results: scores, ruptures and change.

Batches are made tiny (a few hundred rows) so that a small cohort spans
many of them, clients are split across batch boundaries, and unsorted input
goes through the id-range partitions.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import alliance.streaming as streaming
from alliance.cli import run
from alliance.errors import DataError
from alliance.simulate import simulate_cohort

MEMORY = "16MB"


@pytest.fixture(autouse=True)
def _tiny_batches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # About 450 rows per batch for these files within 16MB.
    monkeypatch.setattr(streaming, "WORKING_FACTOR", 1000)
    monkeypatch.setattr(streaming, "MIN_BATCH", 100)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def cohort(tmp_path: Path) -> pl.DataFrame:
    raw = simulate_cohort(700, 8, seed=3, instruments=("wai_sr", "phq9")).data
    items = [c for c in raw.columns if c.startswith(("wai_sr_", "phq9_"))]
    blank = pl.int_range(pl.len()) % 11 == 0
    frame = raw.select("id", "session", *items).with_columns(
        pl.when(blank).then(None).otherwise(pl.col("phq9_2")).alias("phq9_2")
    )
    frame.write_parquet("sorted.parquet")
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=1)
    shuffled.write_parquet("shuffled.parquet")
    shuffled.write_csv("shuffled.csv")
    return frame


def test_batches_are_smaller_than_the_cohort(cohort: pl.DataFrame) -> None:
    rows = streaming.batch_rows(pl.scan_parquet("sorted.parquet").collect_schema(), 16 * 2**20)
    assert 100 < rows < cohort.height // 5
    lengths = [b.height for b in streaming.batches(pl.scan_parquet("sorted.parquet"), rows)]
    assert sum(lengths) == cohort.height and len(lengths) > 5


@pytest.mark.parametrize("name", ["sorted.parquet", "shuffled.parquet", "shuffled.csv"])
def test_streamed_scores_equal_in_memory(cohort: pl.DataFrame, name: str) -> None:
    assert run(["score", name, "-o", "whole.parquet", "--in-memory", "-q"]) == 0
    assert run(["score", name, "-o", "parts.parquet", "--stream", "--memory", MEMORY, "-q"]) == 0
    assert pl.read_parquet("parts.parquet").equals(pl.read_parquet("whole.parquet"))


@pytest.mark.parametrize("name", ["sorted.parquet", "shuffled.parquet", "shuffled.csv"])
def test_streamed_ruptures_with_the_pooled_noise_equal_in_memory(
    cohort: pl.DataFrame, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The calibrated detector: noise SD estimated from every client (two streamed
    # passes over a sorted copy), then clients judged batch by batch.
    suffix = ".csv" if name.endswith(".csv") else ".parquet"
    common = ["ruptures", name, "--score", "wai_sr_total", "--print-noise", "-q"]
    assert run([*common, "-o", f"whole{suffix}", "--in-memory"]) == 0
    whole_out = capsys.readouterr().out
    assert run([*common, "-o", f"parts{suffix}", "--stream", "--memory", MEMORY]) == 0
    parts_out = capsys.readouterr().out
    assert "noise SD: " in whole_out and "estimated from this data" in whole_out
    assert parts_out == whole_out  # noise SD to the last digit, summary, expected rate
    if suffix == ".csv":
        assert Path("parts.csv").read_bytes() == Path("whole.csv").read_bytes()
    else:
        whole, parts = pl.read_parquet("whole.parquet"), pl.read_parquet("parts.parquet")
        assert parts.schema == whole.schema and parts.equals(whole)
        assert whole.height == cohort.height and whole["rupture"].sum() > 0


def test_streamed_ruptures_start_again_when_sorted_input_turns_out_unsorted(
    cohort: pl.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    # Sorted for the first batches, then shuffled: the sorted copy made so far is
    # thrown away and the input goes through the id ranges instead.
    half = cohort.height // 2
    tail = cohort.slice(half).sample(fraction=1.0, shuffle=True, seed=4)
    pl.concat([cohort.slice(0, half), tail]).write_parquet("late.parquet")
    common = ["ruptures", "late.parquet", "--score", "wai_sr_total", "--print-noise", "-q"]
    assert run([*common, "-o", "whole.parquet", "--in-memory"]) == 0
    whole_out = capsys.readouterr().out
    assert run([*common, "-o", "parts.parquet", "--stream", "--memory", MEMORY]) == 0
    assert capsys.readouterr().out == whole_out
    assert pl.read_parquet("parts.parquet").equals(pl.read_parquet("whole.parquet"))


def test_streamed_ruptures_with_a_given_noise_sd_read_the_input_once(
    cohort: pl.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["ruptures", "shuffled.parquet", "--score", "phq9_total", "--noise-sd", "1.7", "-q"]
    assert run([*common, "-o", "whole.parquet", "--in-memory"]) == 0
    whole_out = capsys.readouterr().out
    assert run([*common, "-o", "parts.parquet", "--stream", "--memory", MEMORY]) == 0
    assert capsys.readouterr().out == whole_out
    assert pl.read_parquet("parts.parquet").equals(pl.read_parquet("whole.parquet"))


def test_pooled_noise_from_groups_of_clients_is_the_in_memory_number(
    cohort: pl.DataFrame,
) -> None:
    from alliance.scoring import score
    from alliance.stats.rupture_noise import estimate_noise_sd, estimate_noise_sd_in_groups

    scored = score(cohort, "wai_sr").scores.select("id", "session", "wai_sr_total")
    whole = estimate_noise_sd(
        scored.sample(fraction=1.0, shuffle=True, seed=5), score="wai_sr_total"
    )
    ids = scored["id"].unique().sort()
    cuts = [ids[len(ids) // 3], ids[2 * len(ids) // 3]]

    def groups() -> list[pl.DataFrame]:
        one = scored.filter(pl.col("id") < cuts[0])
        two = scored.filter((pl.col("id") >= cuts[0]) & (pl.col("id") < cuts[1]))
        three = scored.filter(pl.col("id") >= cuts[1])
        return [g.sample(fraction=1.0, shuffle=True, seed=6) for g in (one, two, three)]

    parts = estimate_noise_sd_in_groups(groups, score="wai_sr_total")
    assert parts == whole  # sd to the last bit, pairs, clients, method, source
    assert "leaving out" in whole.method


@pytest.mark.parametrize("name", ["sorted.parquet", "shuffled.parquet"])
def test_streamed_change_equals_in_memory(
    cohort: pl.DataFrame, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["change", name, "--score", "phq9_total", "-q"]
    assert run([*common, "-o", "whole.parquet", "--in-memory"]) == 0
    whole_table = capsys.readouterr().out
    assert run([*common, "-o", "parts.parquet", "--stream", "--memory", MEMORY]) == 0
    assert capsys.readouterr().out == whole_table
    assert pl.read_parquet("parts.parquet").equals(pl.read_parquet("whole.parquet"))


def test_streamed_bad_cell_names_its_row_in_the_file_and_writes_nothing(
    cohort: pl.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    row = cohort.height - 5  # in the last batch
    bad = cohort.with_columns(
        pl.when(pl.int_range(pl.len()) == row - 1)
        .then(7)
        .otherwise(pl.col("phq9_4"))
        .alias("phq9_4")
    )
    bad.write_parquet("bad.parquet")
    assert run(["score", "bad.parquet", "-o", "out.parquet", "--stream", "--memory", MEMORY]) == 3
    assert f"row {row}, column phq9_4" in " ".join(capsys.readouterr().err.split())
    assert not Path("out.parquet").exists() and not Path("out.parquet.partial").exists()


def test_streamed_score_finds_a_session_repeated_in_another_batch(cohort: pl.DataFrame) -> None:
    pl.concat([cohort, cohort.head(1)]).write_parquet("twice.parquet")  # first row again, last
    with pytest.raises(DataError, match="more than once"):
        streaming.score_file(
            Path("twice.parquet"), Path("out.parquet"), ["phq9"], memory=16 * 2**20
        )
    assert not Path("out.parquet").exists()


def test_memory_setting_reads_units() -> None:
    assert streaming.parse_memory("2GB") == 2 * 2**30
    assert streaming.parse_memory("1.5g") == int(1.5 * 2**30)
    with pytest.raises(ValueError, match="2GB"):
        streaming.parse_memory("lots")


def test_streamed_skip_reports_the_same_rows_as_in_memory(cohort: pl.DataFrame) -> None:
    bad_rows = [3, cohort.height // 2, cohort.height - 2]  # first, middle and last batches
    bad = cohort.with_columns(
        pl.when(pl.int_range(pl.len()).is_in(bad_rows)).then(9).otherwise(pl.col("wai_sr_3"))
        .alias("wai_sr_3")
    )  # fmt: skip
    bad.write_parquet("bad.parquet")
    common = ["score", "bad.parquet", "--on-invalid", "skip", "-q"]
    assert run([*common, "-o", "whole.parquet", "--in-memory"]) == 0
    assert run([*common, "-o", "parts.parquet", "--stream", "--memory", MEMORY]) == 0
    assert pl.read_parquet("parts.parquet").equals(pl.read_parquet("whole.parquet"))
    assert Path("parts.skipped.csv").read_text() == Path("whole.skipped.csv").read_text()
    assert pl.read_csv("whole.skipped.csv")["row"].to_list() == [r + 1 for r in bad_rows]
