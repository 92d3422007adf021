"""Goal Attainment Scaling T-scores (Kiresuk & Sherman 1968).

Each goal is rated on five levels, -2 (much less than expected) to +2 (much
more than expected), 0 being the expected outcome. The summary T-score is 50
when every goal is met at the expected level and has SD 10 under the
assumptions of the formula (goal scores with unit variance and a common
inter-goal correlation ``rho``, conventionally 0.30).

Reference: Kiresuk, T. J., & Sherman, R. E. (1968). Goal attainment scaling:
A general method for evaluating comprehensive community mental health
programs. Community Mental Health Journal, 4(6), 443-453.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from alliance.errors import DataError

__all__ = ["GAS_LEVELS", "gas_t_score", "gas_t_scores"]

#: The five attainment levels.
GAS_LEVELS: tuple[int, ...] = (-2, -1, 0, 1, 2)


def _check_rho(rho: object) -> float:
    if isinstance(rho, bool) or not isinstance(rho, int | float | np.integer | np.floating):
        raise TypeError(f"rho must be a number, got {type(rho).__name__}: {rho!r}")
    value = float(rho)
    if not 0 <= value < 1:
        raise ValueError(f"rho must lie in [0, 1), got {rho!r}")
    return value


def _check_weight(i: int, w: object) -> float:
    if isinstance(w, bool) or not isinstance(w, int | float | np.integer | np.floating):
        raise TypeError(f"weight {i} must be a number, got {type(w).__name__}: {w!r}")
    value = float(w)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"weight {i} must be a finite number above 0, got {w!r}")
    return value


def _check_level(i: int, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float | np.integer | np.floating):
        raise TypeError(f"goal {i} level must be a number, got {type(x).__name__}: {x!r}")
    value = float(x)
    if not math.isfinite(value) or value != round(value) or not -2 <= value <= 2:
        raise ValueError(f"goal {i} level must be an integer from -2 to +2, got {x!r}")
    return value


def gas_t_score(
    levels: Sequence[float | None],
    weights: Sequence[float] | None = None,
    rho: float = 0.3,
) -> float:
    """GAS summary T-score of one client's set of goals.

    Formula (Kiresuk & Sherman 1968):
        ``T = 50 + 10 * sum(w_i x_i) / sqrt((1 - rho) * sum(w_i**2) + rho * (sum w_i)**2)``
    with ``x_i`` in {-2, -1, 0, +1, +2}, weights ``w_i > 0`` (default 1) and
    ``rho`` the assumed correlation between goals (default 0.30). With three
    unweighted goals ``T = 50 + 4.564 * sum(x)``. ``None`` marks a goal that
    was not set or not rated: it is skipped with its weight.

    Example:
        >>> round(gas_t_score([1, 0, -1]), 6)  # sum(x) = 0
        50.0
        >>> round(gas_t_score([1, 1, 1]), 2)  # 50 + 10 * 3 / sqrt(.7 * 3 + .3 * 9)
        63.69
        >>> round(gas_t_score([2, None]), 2)  # one goal: 50 + 10 * 2 / 1
        70.0
    """
    if isinstance(levels, str | bytes) or not isinstance(levels, Sequence):
        raise TypeError(f"levels must be a sequence of goal levels, got {type(levels).__name__}")
    r = _check_rho(rho)
    if weights is None:
        w_all = [1.0] * len(levels)
    else:
        if isinstance(weights, str | bytes) or not isinstance(weights, Sequence):
            raise TypeError(f"weights must be a sequence, got {type(weights).__name__}")
        if len(weights) != len(levels):
            raise ValueError(
                f"weights has {len(weights)} value(s) but levels has {len(levels)}; "
                "give one weight per goal"
            )
        w_all = [_check_weight(i + 1, w) for i, w in enumerate(weights)]
    xs: list[float] = []
    ws: list[float] = []
    for i, (x, w) in enumerate(zip(levels, w_all, strict=True)):
        if x is None:
            continue
        xs.append(_check_level(i + 1, x))
        ws.append(w)
    if not xs:
        raise ValueError("no goal levels: at least one goal must be rated")
    x_arr = np.asarray(xs)
    w_arr = np.asarray(ws)
    denominator = math.sqrt((1 - r) * float(np.sum(w_arr**2)) + r * float(np.sum(w_arr)) ** 2)
    return 50.0 + 10.0 * float(np.sum(w_arr * x_arr)) / denominator


def gas_t_scores(
    frame: pl.DataFrame,
    goal_cols: Sequence[str],
    weights: Sequence[float] | None = None,
    rho: float = 0.3,
) -> pl.Series:
    """GAS T-scores for every row of a frame, one goal per column (vectorised).

    Same formula as :func:`gas_t_score`, with ``w_i`` the weight of column
    ``goal_cols[i]``; sums run over the goals present in the row (missing
    goals are skipped with their weight). A row with no goals gives null.
    Any present level outside -2..+2 or not a whole number raises
    :class:`alliance.errors.DataError` naming the row (1-based), column and
    value.

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"g1": [1, 2, None], "g2": [1, None, None],
        ...                    "g3": [1, None, None]})
        >>> [None if t is None else round(t, 2)
        ...  for t in gas_t_scores(df, ["g1", "g2", "g3"]).to_list()]
        [63.69, 70.0, None]
    """
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"frame must be a polars DataFrame, got {type(frame).__name__}")
    if isinstance(goal_cols, str) or not isinstance(goal_cols, Sequence):
        raise TypeError("goal_cols must be a sequence of column names")
    cols = list(goal_cols)
    if not cols:
        raise ValueError("goal_cols is empty: name at least one goal column")
    if len(set(cols)) != len(cols):
        raise ValueError(f"goal_cols repeats a column: {cols}")
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks goal column(s) {missing}; it has {frame.columns}")
    for c in cols:
        if not frame.schema[c].is_numeric():
            raise TypeError(f"goal column {c!r} must be numeric, got {frame.schema[c]}")
    r = _check_rho(rho)
    if weights is None:
        ws = [1.0] * len(cols)
    else:
        if isinstance(weights, str | bytes) or not isinstance(weights, Sequence):
            raise TypeError(f"weights must be a sequence, got {type(weights).__name__}")
        if len(weights) != len(cols):
            raise ValueError(
                f"weights has {len(weights)} value(s) but goal_cols has {len(cols)}; "
                "give one weight per goal column"
            )
        ws = [_check_weight(i + 1, w) for i, w in enumerate(weights)]

    x = [pl.col(c).cast(pl.Float64) for c in cols]
    bad = pl.any_horizontal(
        [xi.is_not_null() & (xi.is_nan() | (xi < -2) | (xi > 2) | (xi != xi.round())) for xi in x]
    )
    flagged = frame.select(bad.alias("bad")).get_column("bad")
    if flagged.any():
        index = int(flagged.arg_true()[0])
        row = index + 1  # 1-based data row, as in alliance.scoring
        values = frame.row(index, named=True)
        for c in cols:
            v = values[c]
            if v is not None and not (
                math.isfinite(float(v)) and float(v) == round(float(v)) and -2 <= float(v) <= 2
            ):
                raise DataError(
                    f"goal level must be an integer from -2 to +2, got {v!r} "
                    f"in column {c!r} at row {row}",
                    row=row,
                    column=c,
                    value=v,
                )

    present = [xi.is_not_null().cast(pl.Float64) for xi in x]
    num = pl.sum_horizontal([xi.fill_null(0.0) * w for xi, w in zip(x, ws, strict=True)])
    sw = pl.sum_horizontal([p * w for p, w in zip(present, ws, strict=True)])
    sw2 = pl.sum_horizontal([p * (w * w) for p, w in zip(present, ws, strict=True)])
    t = pl.when(sw > 0).then(50.0 + 10.0 * num / ((1 - r) * sw2 + r * sw * sw).sqrt())
    return frame.select(t.alias("gas_t")).get_column("gas_t")
