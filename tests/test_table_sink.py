"""The table sink: delta-encoded integers, writing in a worker thread, nothing left on failure."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from alliance.cli.stats import _session_counts
from alliance.errors import DataError
from alliance.streaming import TableSink


def _frames() -> list[pl.DataFrame]:
    return [
        pl.DataFrame(
            {
                "id": [k * 3 + i for i in range(3)],
                "wai_sr_1": pl.Series([1, None, 5], dtype=pl.Int8),
                "total": [1.5, None, 2.25],
                "band": ["mild", "severe", None],
            }
        )
        for k in range(4)
    ]


@pytest.mark.parametrize("background", [False, True])
def test_sink_writes_every_frame_in_order(tmp_path: Path, background: bool) -> None:
    sink = TableSink(tmp_path / "out.parquet", background=background)
    for frame in _frames():
        sink.write(frame)
    assert sink.commit() == 12
    assert pl.read_parquet(tmp_path / "out.parquet").equals(pl.concat(_frames()))
    assert not (tmp_path / "out.parquet.partial").exists()


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_background_text_output_has_one_header(tmp_path: Path, suffix: str) -> None:
    sink = TableSink(tmp_path / f"out{suffix}", background=True)
    for frame in _frames():
        sink.write(frame)
    sink.commit()
    lines = (tmp_path / f"out{suffix}").read_text().splitlines()
    assert len(lines) == 13
    assert lines[0].startswith("id")
    assert sum(line.startswith("id") for line in lines) == 1


def test_integer_columns_are_delta_encoded_and_the_rest_dictionary_encoded(tmp_path: Path) -> None:
    sink = TableSink(tmp_path / "out.parquet")
    for frame in _frames():
        sink.write(frame)
    sink.commit()
    meta = pq.ParquetFile(tmp_path / "out.parquet").metadata.row_group(0)
    encodings = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(4)}
    assert "DELTA_BINARY_PACKED" in encodings["id"]
    assert "DELTA_BINARY_PACKED" in encodings["wai_sr_1"]
    assert "RLE_DICTIONARY" in encodings["total"]
    assert "RLE_DICTIONARY" in encodings["band"]
    # Statistics only on the key column.
    assert meta.column(0).statistics is not None
    assert meta.column(2).statistics is None


def test_an_error_in_the_worker_reaches_the_caller_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = TableSink(tmp_path / "out.parquet", background=True)
    sink.write(_frames()[0])
    put = sink._put

    def full(frame: pl.DataFrame, first: bool) -> None:
        put(frame, first)
        raise OSError("disk full")

    monkeypatch.setattr(sink, "_put", full)
    sink.write(_frames()[1])  # fails in the worker, after the caller moved on
    with pytest.raises(OSError, match="disk full"):
        sink.commit()
    sink.discard()
    assert list(tmp_path.iterdir()) == []


def test_discard_after_a_failed_run_keeps_the_original_error(tmp_path: Path) -> None:
    sink = TableSink(tmp_path / "out.parquet", background=True)
    with pytest.raises(DataError, match="bad cell"):
        try:
            sink.write(_frames()[0])
            raise DataError("bad cell")
        except BaseException:
            sink.discard()
            raise
    assert list(tmp_path.iterdir()) == []


def test_sessions_per_client_are_counted_for_sorted_and_unsorted_flags() -> None:
    flags = pl.DataFrame(
        {"id": [1, 1, 2, 3, 3, 3], "rupture": [None, True, False, None, False, False]}
    )
    assert _session_counts(flags).to_list() == [1, 1, 2]
    shuffled = flags.reverse()
    assert sorted(_session_counts(shuffled).to_list()) == [1, 1, 2]
