"""Polars expressions that turn item columns into scale scores.

Built once per instrument and evaluated in one parallel pass, so the same
code scores one web submission and ten million research rows.
"""

from __future__ import annotations

import polars as pl

from alliance.instruments.schema import Band, Flag, Instrument, Scale


def keyed_item(instrument: Instrument, n: int) -> pl.Expr:
    """Item ``n`` as a float, reverse-keyed when the instrument says so.

    Reverse keying maps a value v to (low + high) - v, so applying it twice
    gives v back.
    """
    col = pl.col(instrument.item_column(n)).cast(pl.Float64)
    if instrument.item(n).reverse:
        response = instrument.response_for(n)
        return (response.low + response.high) - col
    return col


def score_column(instrument: Instrument, scale: Scale) -> str:
    """Output column of a scale: ``{instrument}_{scale}``."""
    return f"{instrument.id}_{scale.id}"


def band_column(instrument: Instrument, scale: Scale) -> str:
    """``phq9_band`` for the total scale, ``{instrument}_{scale}_band`` otherwise."""
    if scale.id == "total":
        return f"{instrument.id}_band"
    return f"{instrument.id}_{scale.id}_band"


def scale_exprs(instrument: Instrument, scale: Scale) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Score, item-mean and note expressions for one scale.

    Missing items follow the scale's rule: ``complete`` needs every item;
    ``prorate`` accepts up to ``max_missing`` blanks and scales the answered
    mean to the full number of items; ``available`` scores whatever was
    answered (at least one item). Otherwise the score is empty and the note
    says why.
    """
    k = len(scale.items)
    items = [keyed_item(instrument, n) for n in scale.items]
    answered = pl.sum_horizontal([c.is_not_null().cast(pl.Int32) for c in items])
    total = pl.sum_horizontal(items)
    mean = total / answered
    n_missing = k - answered
    allowed = n_missing <= scale.missing.max_missing
    if scale.missing.method == "available":
        allowed = allowed & (answered >= 1)

    if scale.method == "sum":
        raw = mean * k if scale.missing.method == "prorate" else total
    elif scale.method == "mean":
        raw = mean
    else:  # gas_t over the goals that were rated, unweighted
        rho = scale.gas_rho
        m = answered.cast(pl.Float64)
        raw = 50 + 10 * total / ((1 - rho) * m + rho * m * m).sqrt()

    name = score_column(instrument, scale)
    score = pl.when(allowed).then(raw).otherwise(None).alias(name)
    item_mean = pl.when(allowed).then(mean).otherwise(None).alias(f"{name}_mean")
    note = (
        pl.when(n_missing == 0)
        .then(None)
        .when(allowed)
        .then(
            pl.format(
                "{}: {} ({} of {} items missing)",
                pl.lit(scale.id),
                pl.lit(
                    "prorated"
                    if scale.missing.method == "prorate"
                    else "scored from answered items"
                ),
                n_missing,
                pl.lit(k),
            )
        )
        .otherwise(
            pl.format(
                "{}: not scored ({} of {} items missing; {})",
                pl.lit(scale.id),
                n_missing,
                pl.lit(k),
                pl.lit(_allowance(scale)),
            )
        )
    )
    return score, item_mean, note


def _allowance(scale: Scale) -> str:
    if scale.missing.method == "complete" or scale.missing.max_missing == 0:
        return "every item is needed"
    if scale.missing.method == "available":
        return "at least one item is needed"
    return f"at most {scale.missing.max_missing} allowed"


def band_expr(score: pl.Expr, bands: tuple[Band, ...]) -> pl.Expr:
    """Severity band by lower bounds: the last band whose minimum the score reaches.

    A prorated score such as 4.5 on PHQ-9 therefore falls in 'minimal'
    (0-4), never between bands. Scores outside the bands get no label.
    """
    top = bands[-1].max
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for band in bands:
        expr = pl.when(score >= band.min).then(pl.lit(band.label)).otherwise(expr)
    return pl.when((score < bands[0].min) | (score > top)).then(None).otherwise(expr)


def _compare(op: str, left: pl.Expr, right: float) -> pl.Expr:
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    return left == right


def flag_expr(instrument: Instrument, flag: Flag) -> pl.Expr:
    """True/False when the watched value is present, empty when it is missing.

    Item flags read the raw answer (before reverse keying), as the
    instrument's authors define them.
    """
    if flag.item is not None:
        watched = pl.col(instrument.item_column(flag.item)).cast(pl.Float64)
    else:
        watched = pl.col(score_column(instrument, instrument.scale(str(flag.scale))))
    return _compare(flag.op, watched, flag.value).alias(f"{instrument.id}_flag_{flag.id}")
