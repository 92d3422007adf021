"""The rupture detector's shortcuts give exactly the general path's answers:
sorted input is neither sorted again nor searched for repeats, the frame is
worked on in slices of whole clients, clients without a missing score skip
the tests for blanks, and running sums of non-integer scores are taken
with numpy."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alliance.errors import DataError
from alliance.stats import ruptures
from alliance.stats.ruptures import _cum_sum_in_runs, detect_ruptures

SETTINGS: list[dict[str, Any]] = [
    {"min_drop": 6.0},
    {"min_drop": 4.0, "cutoff": 30.0, "repair_within": 2},
    {"min_drop": None, "sd_k": 1.5, "min_prior": 2, "higher_is_better": False, "cutoff": 35.0},
]


def _cohort(seed: int, *, integers: bool, blank: float, text_ids: bool = False) -> pl.DataFrame:
    """Clients with 1 to 12 sessions (gaps allowed), sorted by id and session."""
    rnd = random.Random(seed)
    ids: list[Any] = []
    sessions: list[int] = []
    scores: list[float | None] = []
    for client in range(60):
        visits = sorted(rnd.sample(range(1, 16), rnd.randint(1, 12)))
        level = rnd.uniform(25, 50)
        for s in visits:
            value = level + rnd.gauss(0, 6)
            ids.append(f"c{client:03d}" if text_ids else client)
            sessions.append(s)
            scores.append(None if rnd.random() < blank else (round(value) if integers else value))
    return pl.DataFrame(
        {"id": ids, "session": sessions, "s": scores},
        schema={"id": pl.String if text_ids else pl.Int64, "session": pl.Int64, "s": pl.Float64},
    )


@pytest.mark.parametrize("kw", SETTINGS)
@pytest.mark.parametrize(
    ("integers", "blank"), [(True, 0.0), (True, 0.1), (False, 0.0), (False, 0.1)]
)
def test_slices_of_whole_clients_give_the_same_result_as_the_whole_frame(
    monkeypatch: pytest.MonkeyPatch, kw: dict[str, Any], integers: bool, blank: float
) -> None:
    frame = _cohort(1, integers=integers, blank=blank)
    whole = detect_ruptures(frame, score="s", **kw)
    for rows in (1, 7, 50):
        monkeypatch.setattr(ruptures, "SLICE_ROWS", rows)
        assert len(ruptures._client_slices(frame, "id")) > 1
        assert_frame_equal(detect_ruptures(frame, score="s", **kw), whole)


@pytest.mark.parametrize("text_ids", [False, True])
def test_sorted_and_shuffled_input_give_the_same_result(text_ids: bool) -> None:
    frame = _cohort(2, integers=True, blank=0.05, text_ids=text_ids)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=3)
    for kw in SETTINGS:
        assert_frame_equal(
            detect_ruptures(frame, score="s", **kw), detect_ruptures(shuffled, score="s", **kw)
        )


def test_repeated_pair_in_sorted_input_is_refused_like_in_shuffled_input() -> None:
    frame = _cohort(4, integers=True, blank=0.0)
    repeated = pl.concat([frame.head(5), frame.slice(4, 1), frame.slice(5)])  # row 5 twice, sorted
    messages = []
    for candidate in (repeated, repeated.reverse()):
        with pytest.raises(DataError) as info:
            detect_ruptures(candidate, score="s", min_drop=6)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "appears more than once (1 repeated row(s) in all)" in messages[0]


def test_clients_without_blanks_score_the_same_beside_clients_with_blanks() -> None:
    complete = _cohort(5, integers=True, blank=0.0)
    blanks = _cohort(6, integers=True, blank=0.3).with_columns(pl.col("id") + 1000)
    alone = detect_ruptures(complete, score="s", min_drop=6, cutoff=30)
    together = detect_ruptures(pl.concat([complete, blanks]), score="s", min_drop=6, cutoff=30)
    assert_frame_equal(together.filter(pl.col("id") < 1000), alone)


@pytest.mark.parametrize("lengths", [[3, 5, 2, 7], [1], [10] * 50, [400] + [1] * 20])
def test_running_sums_in_runs_match_the_window_function(lengths: list[int]) -> None:
    rng = np.random.default_rng(7)
    client = np.repeat(np.arange(len(lengths)), lengths)
    values = pl.Series("v", rng.normal(0, 1e3, len(client)))
    expected = (
        pl.DataFrame({"v": values, "g": client}).select(pl.col("v").cum_sum().over("g")).to_series()
    )
    got = _cum_sum_in_runs(values, pl.Series(lengths))
    assert got.to_list() == expected.to_list()  # the very same floats


def _noise_by_windows(frame: pl.DataFrame, score: str, sd: float) -> tuple[np.ndarray, np.ndarray]:
    """The pooled-noise steps as first written, with window functions: (differences, kept)."""
    from alliance.stats.rupture_noise import _without_flagged_by_window

    ordered = (
        frame.lazy()
        .select("id", "session", pl.col(score).cast(pl.Float64))
        .filter(pl.col(score).is_not_null() & pl.col(score).is_finite())
        .sort("id", "session")
        .with_columns(pl.col(score).diff().over("id").alias("__d"))
        .collect()
    )
    diffs = ordered.filter(pl.col("__d").is_not_null())["__d"].to_numpy()
    kept = _without_flagged_by_window(ordered, "id", score, sd)["__d"].to_numpy()
    return diffs, kept


@pytest.mark.parametrize("integers", [True, False])
@pytest.mark.parametrize("text_ids", [False, True])
def test_pooled_noise_without_windows_equals_the_window_functions(
    integers: bool, text_ids: bool
) -> None:
    from alliance.stats.rupture_noise import _ordered, _without_flagged

    frame = _cohort(11, integers=integers, blank=0.1, text_ids=text_ids)
    for data in (frame, frame.sample(fraction=1.0, shuffle=True, seed=2)):
        for sd in (1.5, 4.0):  # a small SD flags many sessions, so many are left out
            want_diffs, want_kept = _noise_by_windows(data, "s", sd)
            ordered = _ordered(data, "s", "id", "session")
            diffs = ordered.filter(pl.col("__d").is_not_null())["__d"].to_numpy()
            kept = _without_flagged(ordered, "id", "s", sd)["__d"].to_numpy()
            assert len(want_kept) < len(want_diffs)
            assert np.array_equal(diffs, want_diffs) and np.array_equal(kept, want_kept)


@pytest.mark.parametrize("coarse", [False, True])
def test_noise_spread_in_place_equals_the_plain_expressions(coarse: bool) -> None:
    import math

    from alliance.stats.rupture_noise import _joined, _spread

    rng = np.random.default_rng(3)
    d = rng.normal(0, 1.3, 10_001)
    if coarse:  # most differences 0: MAD = 0, the mean absolute deviation is used
        d = np.where(rng.random(10_001) < 0.7, 0.0, np.round(d * 3) / 3)
    pieces = [d[:10], d[10:5000], d[5000:]]
    assert np.array_equal(_joined(pieces), d) and pieces == []
    centre = float(np.median(d))
    mad = float(np.median(np.abs(d - centre)))
    want = (
        1.4826 * mad / math.sqrt(2)
        if mad > 0
        else math.sqrt(math.pi / 2) * float(np.mean(np.abs(d - centre))) / math.sqrt(2)
    )
    assert _spread(d.copy())[0] == want
    assert ("MAD was 0" in _spread(d.copy())[1]) == coarse
