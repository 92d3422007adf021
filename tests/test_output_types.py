"""Output types: as compact as exactness allows, the same in memory, streamed and in DuckDB.

A whole-number total (a summed, unprorated scale of whole-number answers)
is the smallest exact integer type; prorated totals, means and item means
are Float64; bands an Enum; flags Boolean; notes String. The types come
from the instrument alone (:func:`alliance.scoring.output_schema`), so the
in-memory, streamed and ``--engine duckdb`` runs write the same schema and
the same cells.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import alliance.streaming as streaming
from alliance.cli import run
from alliance.instruments import builtin, get, load_file
from alliance.scoring import output_schema, score, score_dtype

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "instruments"


def _every_instrument() -> list:  # type: ignore[type-arg]
    return [
        *sorted(builtin().values(), key=lambda i: i.id),
        load_file(FIXTURES / "reverse_demo.toml"),
        load_file(FIXTURES / "vas_demo.toml"),
        load_file(FIXTURES / "rounded_demo.toml"),
    ]


def test_only_unprorated_whole_number_sums_are_integers() -> None:
    cnip = get("cnip")
    assert score_dtype(cnip, cnip.scale("past_orientation")) == pl.Int8  # complete, -3..3 x 3
    assert score_dtype(cnip, cnip.scale("warm_support")) == pl.Float64  # prorated
    assert score_dtype(get("phq9"), get("phq9").scale("total")) == pl.Float64  # prorated
    assert score_dtype(get("sai"), get("sai").scale("bond")) == pl.Float64  # a mean
    feedback = get("session_feedback")  # numeric answers: steps checked to 1e-9, not exact
    assert score_dtype(feedback, feedback.scale("helpful")) == pl.Float64
    rounded = load_file(FIXTURES / "rounded_demo.toml")  # prorated, rounded to whole points
    assert score_dtype(rounded, rounded.scale("total")) == pl.Int8


@pytest.mark.parametrize("inst", _every_instrument(), ids=lambda i: i.id)
def test_scores_have_the_documented_types_and_exact_integer_totals(inst) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(4)
    columns = {}
    for n in inst.scored_items():
        response = inst.response_for(n)
        values = (
            [o.value for o in response.options]
            if response.kind == "choice"
            else [response.low, response.high]
        )
        drawn = rng.choice(values, 300).astype(np.float64)
        drawn[rng.random(300) < 0.1] = np.nan
        columns[inst.item_column(n)] = pl.Series(drawn).fill_nan(None)
    frame = pl.DataFrame({"id": [f"c{i}" for i in range(300)], **columns})
    scored = score(frame, inst).scores
    wanted = output_schema(inst)
    assert {c: scored.schema[c] for c in wanted} == wanted
    for scale in inst.scales:
        dtype = score_dtype(inst, scale)
        if not dtype.is_integer():
            continue
        # The integer total is the Float64 sum of the keyed answers, where scored.
        name = f"{inst.id}_{scale.id}"
        keyed = [
            (inst.response_for(n).low + inst.response_for(n).high) - pl.col(inst.item_column(n))
            if inst.item(n).reverse
            else pl.col(inst.item_column(n))
            for n in scale.items
        ]
        answered = pl.all_horizontal(
            pl.col(inst.item_column(n)).is_not_null() for n in scale.items
        ).alias("answered")
        check = scored.select(pl.col(name), pl.sum_horizontal(keyed).alias("sum"), answered)
        check = check.filter(pl.col(name).is_not_null())
        if scale.missing.method == "prorate":  # rounded prorated sums: the sum where complete
            check = check.filter("answered")
        assert check.height > 50
        assert (check[name].cast(pl.Float64) == check["sum"]).all()


@pytest.fixture
def answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """WAI-SR, PHQ-9 and CNIP answers with blanks, one row per (id, session), ids shuffled."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(streaming, "WORKING_FACTOR", 1000)
    monkeypatch.setattr(streaming, "MIN_BATCH", 100)
    rng = np.random.default_rng(7)
    rows = 1500
    data: dict[str, object] = {
        "id": np.repeat(np.arange(rows // 6), 6),
        "session": np.tile(np.arange(1, 7), rows // 6),
    }
    for inst, low, high in ((get("wai_sr"), 1, 5), (get("phq9"), 0, 3), (get("cnip"), -3, 3)):
        for n in inst.scored_items():
            values = rng.integers(low, high + 1, rows).astype(float)
            values[rng.random(rows) < 0.08] = np.nan
            data[inst.item_column(n)] = values
    frame = pl.DataFrame(data).with_columns(pl.col(pl.Float64).fill_nan(None).cast(pl.Int8))
    frame.sample(fraction=1.0, shuffle=True, seed=2).write_parquet("answers.parquet")
    return Path("answers.parquet")


def test_in_memory_streamed_and_duckdb_write_the_same_types_and_cells(answers: Path) -> None:
    common = ["score", str(answers), "-i", "wai_sr", "-i", "phq9", "-i", "cnip", "-q"]
    assert run([*common, "-o", "whole.parquet", "--in-memory"]) == 0
    assert run([*common, "-o", "parts.parquet", "--stream", "--memory", "16MB"]) == 0
    assert run([*common, "-o", "duck.parquet", "--engine", "duckdb"]) == 0
    whole = pl.read_parquet("whole.parquet")
    expected = {
        **pl.read_parquet_schema(answers),
        **{c: t for i in ("wai_sr", "phq9", "cnip") for c, t in output_schema(get(i)).items()},
    }
    assert dict(whole.schema) == expected
    assert whole.schema["cnip_past_orientation"] == pl.Int8
    assert isinstance(whole.schema["phq9_band"], pl.Enum)
    for name in ("parts.parquet", "duck.parquet"):
        other = pl.read_parquet(name)
        assert other.schema == whole.schema, name
        assert other.sort("id", "session").equals(whole.sort("id", "session")), name
