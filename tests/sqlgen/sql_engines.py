"""Random answers for the SQL tests, and the type of an engine runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from alliance.instruments import Instrument, builtin, load_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "instruments"

Engine = Callable[[pl.DataFrame, str], pl.DataFrame]


def every_instrument() -> list[Instrument]:
    """Every built-in instrument and the custom test instruments."""
    custom = [
        load_file(FIXTURES / name)
        for name in ("reverse_demo.toml", "vas_demo.toml", "rounded_demo.toml")
    ]
    return [*sorted(builtin().values(), key=lambda i: i.id), *custom]


def _values(inst: Instrument, n: int) -> list[float]:
    response = inst.response_for(n)
    if response.kind == "choice":
        return sorted(float(o.value) for o in response.options)
    step = response.step or 0.1
    count = round((response.high - response.low) / step)
    return [response.low + i * step for i in range(count + 1)]


def random_answers(inst: Instrument, rows: int, seed: int) -> pl.DataFrame:
    """Random valid answers with blanks and edge values, one row per (id, session).

    Besides random rows (about 15% of answers blank): every item at its
    lowest and at its highest value, every item blank, and for each scale
    exactly ``max_missing`` and ``max_missing + 1`` blanks.
    """
    rng = np.random.default_rng(seed)
    columns: dict[str, list[Any]] = {}
    numbered = inst.scored_items()
    for n in numbered:
        allowed = _values(inst, n)
        drawn = [allowed[i] for i in rng.integers(0, len(allowed), rows)]
        blank = rng.random(rows) < 0.15
        cells: list[Any] = [None if b else v for v, b in zip(drawn, blank, strict=True)]
        cells += [allowed[0], allowed[-1], None]
        columns[inst.item_column(n)] = cells
    for scale in inst.scales:
        for blanks in (scale.missing.max_missing, scale.missing.max_missing + 1):
            gone = {inst.item_column(n) for n in scale.items[:blanks]}
            for n in numbered:
                name = inst.item_column(n)
                value = _values(inst, n)[len(_values(inst, n)) // 2]
                columns[name].append(None if name in gone else value)
    height = len(next(iter(columns.values())))
    integer = all(float(v).is_integer() for c in columns.values() for v in c if v is not None)
    dtype = pl.Int64 if integer else pl.Float64
    dtype_cast: Callable[[float], Any] = int if integer else float
    frame = pl.DataFrame(
        {
            "id": [f"c{i:05d}" for i in range(height)],
            "session": [1 + i % 7 for i in range(height)],
            **{
                k: pl.Series(k, [None if x is None else dtype_cast(x) for x in v], dtype=dtype)
                for k, v in columns.items()
            },
        }
    )
    text_items = [n for n in range(1, len(inst.items) + 1) if n not in numbered]
    return frame.with_columns(
        pl.lit("free text, it's kept").alias(inst.item_column(n)) for n in text_items
    )


def to_frame(rows: list[tuple[Any, ...]], names: list[str]) -> pl.DataFrame:
    return pl.DataFrame({name: [r[i] for r in rows] for i, name in enumerate(names)}, strict=False)
