"""Properties of the scoring engine, checked with hypothesis: scores stay in
range, reverse keying is an involution, row order and batch size never
change a result, and skipping bad rows equals scoring the good rows alone."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from alliance.instruments import Instrument, load_file
from alliance.scoring import score

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "instruments"
REVERSE = load_file(FIXTURES / "reverse_demo.toml")
REVERSE_OFF = Instrument.model_validate(
    {**REVERSE.model_dump(), "items": [{**i.model_dump(), "reverse": False} for i in REVERSE.items]}
)
SETTINGS = settings(max_examples=40, deadline=None)
EPS = 1e-9


def _answers(
    low: int, high: int, k: int, max_rows: int = 12
) -> st.SearchStrategy[list[list[int | None]]]:
    """Rows of k answers, each in low..high or missing."""
    cell = st.one_of(st.none(), st.integers(low, high))
    return st.lists(st.lists(cell, min_size=k, max_size=k), min_size=1, max_size=max_rows)


def _frame(prefix: str, rows: list[list[int | None]]) -> pl.DataFrame:
    k = len(rows[0])
    return pl.DataFrame(
        {
            "id": [f"c{i:03d}" for i in range(len(rows))],
            "session": [1] * len(rows),
            **{
                f"{prefix}_{n}": pl.Series([r[n - 1] for r in rows], dtype=pl.Int64)
                for n in range(1, k + 1)
            },
        }
    )


def _in_range(values: list[float | None], low: float, high: float) -> bool:
    return all(v is None or low - EPS <= v <= high + EPS for v in values)


# --- ranges -------------------------------------------------------------------

WAI_KEY = {"task": [1, 2, 10, 12], "bond": [3, 5, 7, 9], "goal": [4, 6, 8, 11]}


@SETTINGS
@given(_answers(1, 5, 12))
def test_wai_sr_scores_stay_in_range_including_prorated_ones(rows: list[list[int | None]]) -> None:
    scored = score(_frame("wai_sr", rows), "wai_sr").scores
    assert _in_range(scored["wai_sr_total"].to_list(), 12, 60)
    for sub, items in WAI_KEY.items():
        assert _in_range(scored[f"wai_sr_{sub}"].to_list(), 4, 20)
        assert _in_range(scored[f"wai_sr_{sub}_mean"].to_list(), 1, 5)
        # Scored exactly when at most one of its four items is missing.
        expected = [sum(r[n - 1] is None for n in items) <= 1 for r in rows]
        assert scored[f"wai_sr_{sub}"].is_not_null().to_list() == expected
    assert scored["wai_sr_total"].is_not_null().to_list() == [
        sum(v is None for v in r) <= 1 for r in rows
    ]


@SETTINGS
@given(_answers(0, 3, 9))
def test_phq9_total_in_0_27_always_banded_and_flag_follows_item9(
    rows: list[list[int | None]],
) -> None:
    scored = score(_frame("phq9", rows), "phq9").scores
    assert _in_range(scored["phq9_total"].to_list(), 0, 27)
    # Every score gets a band, prorated ones included (no gaps between bands).
    assert scored["phq9_band"].is_null().to_list() == scored["phq9_total"].is_null().to_list()
    assert scored["phq9_flag_risk"].to_list() == [None if r[8] is None else r[8] > 0 for r in rows]


@SETTINGS
@given(_answers(-3, 3, 18))
def test_cnip_scale_scores_stay_within_items_times_3(rows: list[list[int | None]]) -> None:
    scored = score(_frame("cnip", rows), "cnip").scores
    for scale, k in [("directiveness", 5), ("emotional_intensity", 5),
                     ("past_orientation", 3), ("warm_support", 5)]:  # fmt: skip
        assert _in_range(scored[f"cnip_{scale}"].to_list(), -3 * k, 3 * k)


@SETTINGS
@given(_answers(0, 5, 6))
def test_sai_means_stay_in_0_5(rows: list[list[int | None]]) -> None:
    scored = score(_frame("sai", rows), "sai").scores
    for scale in ("total", "bond", "goal_task"):
        assert _in_range(scored[f"sai_{scale}"].to_list(), 0, 5)


# --- reverse keying -----------------------------------------------------------


def _flip(rows: list[list[int | None]], items: set[int]) -> list[list[int | None]]:
    """Reverse by hand: v -> 1 + 5 - v on the given 1-based items."""
    return [
        [(6 - v) if (v is not None and n in items) else v for n, v in enumerate(r, 1)] for r in rows
    ]


@SETTINGS
@given(_answers(1, 5, 4))
def test_reverse_keying_twice_is_the_identity(rows: list[list[int | None]]) -> None:
    # Reverse items 2 and 4 by hand, let the engine reverse them again: the
    # result equals scoring the raw answers with no reverse keying at all.
    engine_twice = score(_frame("reverse_demo", _flip(rows, {2, 4})), REVERSE).scores
    no_reversal = score(_frame("reverse_demo", rows), REVERSE_OFF).scores
    cols = ["reverse_demo_total", "reverse_demo_total_mean", "reverse_demo_negative"]
    assert_frame_equal(engine_twice.select(cols), no_reversal.select(cols))


@SETTINGS
@given(_answers(1, 5, 4))
def test_reversing_every_answer_mirrors_the_total(rows: list[list[int | None]]) -> None:
    # Each keyed item x becomes 6 - x, so a (prorated) total t becomes 4 * 6 - t.
    original = score(_frame("reverse_demo", rows), REVERSE).scores["reverse_demo_total"]
    mirrored = score(_frame("reverse_demo", _flip(rows, {1, 2, 3, 4})), REVERSE).scores[
        "reverse_demo_total"
    ]
    for t, m in zip(original.to_list(), mirrored.to_list(), strict=True):
        assert (t is None) == (m is None)
        if t is not None:
            assert abs((24 - t) - m) < EPS


# --- row order and batch size -------------------------------------------------


def _mixed(rows: list[list[int | None]]) -> pl.DataFrame:
    """WAI-SR, PHQ-9 and GAD-7 answers side by side (12 + 9 + 7 columns)."""
    frame = _frame("wai_sr", [[None if v is None else v % 5 + 1 for v in r[:12]] for r in rows])
    return frame.with_columns(
        *[pl.Series(f"phq9_{n}", [r[11 + n] for r in rows], dtype=pl.Int64) for n in range(1, 10)],
        *[pl.Series(f"gad7_{n}", [r[20 + n] for r in rows], dtype=pl.Int64) for n in range(1, 8)],
    )


MIXED = ["wai_sr", "phq9", "gad7"]


@SETTINGS
@given(_answers(0, 3, 28, max_rows=15).flatmap(
    lambda rows: st.tuples(st.just(rows), st.permutations(range(len(rows))))
))  # fmt: skip
def test_row_order_never_changes_results(
    case: tuple[list[list[int | None]], list[int]],
) -> None:
    rows, order = case
    frame = _mixed(rows)
    shuffled = frame[list(order)]
    a = score(frame, MIXED).scores.sort("id")
    b = score(shuffled, MIXED).scores.sort("id")
    assert_frame_equal(a, b)


@SETTINGS
@given(st.data(), _answers(0, 3, 28, max_rows=15))
def test_scoring_one_row_equals_that_row_of_a_batch(
    data: st.DataObject, rows: list[list[int | None]]
) -> None:
    i = data.draw(st.integers(0, len(rows) - 1))
    frame = _mixed(rows)
    batch = score(frame, MIXED).scores
    single = score(frame.slice(i, 1), MIXED).scores
    assert_frame_equal(single, batch.slice(i, 1))


# --- skipping bad rows --------------------------------------------------------


@SETTINGS
@given(_answers(-1, 4, 9, max_rows=15))
def test_skip_scores_the_good_rows_as_if_alone(rows: list[list[int | None]]) -> None:
    # Answers -1 and 4 are out of PHQ-9's 0..3 range.
    frame = _frame("phq9", rows)
    bad = [any(v is not None and not 0 <= v <= 3 for v in r) for r in rows]
    result = score(frame, "phq9", on_invalid="skip")
    assert result.n_skipped_rows == sum(bad)
    assert sorted(set(result.skipped["row"].to_list())) == [i + 1 for i, b in enumerate(bad) if b]
    assert result.skipped.height == sum(v is not None and not 0 <= v <= 3 for r in rows for v in r)
    good = frame.filter(pl.Series([not b for b in bad]))
    assert_frame_equal(result.scores, score(good, "phq9").scores)
