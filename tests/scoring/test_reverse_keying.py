"""Reverse keying: a reverse-keyed item v scores as (low + high) - v; item
flags read the raw answer. Fixtures in tests/fixtures/instruments/."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from alliance.errors import DataError
from alliance.instruments import Instrument, load_file
from alliance.scoring import score

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "instruments"


@pytest.fixture(scope="module")
def reverse_demo() -> Instrument:
    return load_file(FIXTURES / "reverse_demo.toml")


def _frame(rows: list[list[int | None]], prefix: str, k: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            f"{prefix}_{n}": pl.Series([r[n - 1] for r in rows], dtype=pl.Int64)
            for n in range(1, k + 1)
        }
    )


def test_reversed_items_score_as_low_plus_high_minus_v(reverse_demo: Instrument) -> None:
    rows: list[list[int | None]] = [
        [5, 1, 4, 2],  # 5 + (6-1) + 4 + (6-2) = 5 + 5 + 4 + 4 = 18; negative (5 + 4)/2 = 4.5
        [1, 5, 1, 5],  # 1 + 1 + 1 + 1 = 4;  negative (1 + 1)/2 = 1
        [3, 3, 3, 3],  # 3 + 3 + 3 + 3 = 12; negative 3
        [2, 4, None, 1],  # answered 2 + 2 + 5 = 9 over 3 -> 3 * 4 = 12; negative (2 + 5)/2 = 3.5
    ]
    scored = score(_frame(rows, "reverse_demo", 4), reverse_demo).scores
    assert scored["reverse_demo_total"].to_list() == pytest.approx([18.0, 4.0, 12.0, 12.0])
    assert scored["reverse_demo_negative"].to_list() == pytest.approx([4.5, 1.0, 3.0, 3.5])


def test_item_flag_reads_the_raw_answer_not_the_reversed_one(reverse_demo: Instrument) -> None:
    # Item 2 answered 5 (reversed: 1) and 1 (reversed: 5): the flag watches ">= 4" raw.
    rows: list[list[int | None]] = [[3, 5, 3, 3], [3, 1, 3, 3], [3, None, 3, 3]]
    flags = score(_frame(rows, "reverse_demo", 4), reverse_demo).scores
    assert flags["reverse_demo_flag_item2_high"].to_list() == [True, False, None]


def test_input_answers_are_kept_raw(reverse_demo: Instrument) -> None:
    scored = score(_frame([[5, 1, 4, 2]], "reverse_demo", 4), reverse_demo).scores
    assert scored.row(0)[:4] == (5, 1, 4, 2)


def test_reverse_keying_on_non_contiguous_options_maps_0_to_4_and_2_to_2() -> None:
    inst = load_file(FIXTURES / "spaced_options.toml")  # options 0, 2, 4; item 2 reversed
    rows: list[list[int | None]] = [
        [4, 0],  # 4 + (0 + 4 - 0) = 8
        [0, 4],  # 0 + (4 - 4) = 0
        [2, 2],  # 2 + (4 - 2) = 4
    ]
    scored = score(_frame(rows, "spaced_options", 2), inst).scores
    assert scored["spaced_options_total"].to_list() == pytest.approx([8.0, 0.0, 4.0])


def test_value_between_non_contiguous_options_is_refused() -> None:
    inst = load_file(FIXTURES / "spaced_options.toml")
    with pytest.raises(DataError) as info:
        score(_frame([[2, 2], [3, 2]], "spaced_options", 2), inst)
    assert (info.value.row, info.value.column, info.value.value) == (2, "spaced_options_1", 3)
    assert "one of 0, 2, 4" in str(info.value)
