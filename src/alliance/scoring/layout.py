"""Other data layouts: long (one answer per row) and column-mapping files.

The scoring engine reads the wide layout (one column per item). These
helpers turn other layouts into it without losing or inventing anything.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from alliance.errors import DataError
from alliance.scoring.validate import check_duplicates

__all__ = ["apply_mapping", "item_columns", "long_to_wide", "read_mapping"]


def long_to_wide(
    frame: pl.DataFrame,
    *,
    id_col: str = "id",
    session_col: str | None = "session",
    item_col: str = "item",
    value_col: str = "value",
) -> pl.DataFrame:
    """Pivot a long frame (id, session, item, value) to the wide layout.

    ``item`` holds the wide column name (``wai_sr_3``). An answer given twice
    for the same id, session and item stops with both row numbers.

    >>> long = pl.DataFrame({"id": ["a", "a"], "session": [1, 1],
    ...                      "item": ["gas_1", "gas_2"], "value": [0, 2]})
    >>> long_to_wide(long).columns
    ['id', 'session', 'gas_1', 'gas_2']
    """
    keys = [id_col] + ([session_col] if session_col else [])
    needed = [*keys, item_col, value_col]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise DataError(
            f"long layout needs columns {needed}; missing: {', '.join(absent)}", column=absent[0]
        )
    nulls = frame.select(pl.arg_where(pl.col(item_col).is_null()).first()).item()
    if nulls is not None:
        raise DataError(f"row {nulls + 1}, column {item_col}: empty item name", row=nulls + 1)
    check_duplicates(frame, [*keys, item_col])
    items = frame[item_col].cast(pl.String).unique(maintain_order=True).to_list()
    wide = frame.with_columns(pl.col(item_col).cast(pl.String)).pivot(
        on=item_col, index=keys, values=value_col, aggregate_function=None
    )
    return wide.select([*keys, *items])


def read_mapping(path: str | Path) -> dict[str, str]:
    """Read a column-mapping file (TOML): ``[columns]`` with ``"their name" = "our name"``.

    Example file::

        [columns]
        "Client ID" = "id"
        "Q1" = "wai_sr_1"
    """
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{p}: cannot read mapping file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{p}: not valid TOML: {exc}") from None
    columns = raw.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise DataError(f"{p}: needs a [columns] table mapping your column names to ours")
    bad = [k for k, v in columns.items() if not isinstance(v, str) or not v]
    if bad:
        raise DataError(f"{p}: columns.{bad[0]}: the target must be a column name (text)")
    unknown = set(raw) - {"columns"}
    if unknown:
        raise DataError(f"{p}: unknown section(s) {sorted(unknown)}; only [columns] is read")
    return {str(k): str(v) for k, v in columns.items()}


def apply_mapping(frame: pl.DataFrame, mapping: Mapping[str, str]) -> pl.DataFrame:
    """Rename columns by a mapping; a missing source or a name clash is an error."""
    absent = [k for k in mapping if k not in frame.columns]
    if absent:
        raise DataError(
            f"mapping names column(s) not in the data: {', '.join(absent[:5])}", column=absent[0]
        )
    targets = list(mapping.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise DataError(f"mapping sends two columns to {twice[0]!r}", column=twice[0])
    untouched = set(frame.columns) - set(mapping)
    clash = sorted(untouched & set(targets))
    if clash:
        raise DataError(
            f"mapping target {clash[0]!r} already exists in the data; nothing is overwritten",
            column=clash[0],
        )
    return frame.rename(dict(mapping))


def item_columns(frame: pl.DataFrame, prefix: str) -> Sequence[str]:
    """Columns named ``{prefix}_{n}``, in item order."""
    found = [
        c for c in frame.columns if c.startswith(prefix + "_") and c[len(prefix) + 1 :].isdigit()
    ]
    return sorted(found, key=lambda c: int(c[len(prefix) + 1 :]))
