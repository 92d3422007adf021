"""Polars expressions that turn item columns into scale scores.

Built once per instrument and evaluated in one parallel pass, so the same
code scores one web submission and ten million research rows.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from alliance.instruments.schema import Band, Flag, Instrument, Scale

__all__ = [
    "band_column",
    "band_expr",
    "band_labels",
    "divide",
    "flag_expr",
    "integer_sum_type",
    "item_total",
    "keyed_item",
    "scale_exprs",
    "score_column",
    "score_dtype",
    "unanswered_flag_note",
]

#: Integer types an item sum may be taken in, with the largest total each holds.
_SUM_TYPES: tuple[tuple[pl.DataType, float], ...] = (
    (pl.Int16(), 2.0**15 - 1),
    (pl.Int32(), 2.0**31 - 1),
    (pl.Int64(), 2.0**53),  # beyond 2**53 a Float64 could not hold every total exactly
)


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


def integer_sum_type(
    instrument: Instrument, scale: Scale, schema: Mapping[str, pl.DataType]
) -> pl.DataType | None:
    """The integer type that holds any sum of the scale's (validated) items, or None.

    When every item column holds integers and every answer range has integer
    ends, the sum of the answers (reverse-keyed or not) is an integer no
    larger in size than the sum of each item's largest ``|low|``/``|high|``.
    Summing in the smallest integer type that holds that bound, then casting
    to Float64 once, gives exactly the Float64 sum (integers below 2**53 add
    exactly in Float64) with one wide column instead of one per item. Only
    for validated columns: an answer outside its range could overflow.
    """
    bound = 0.0
    for n in scale.items:
        dtype = schema.get(instrument.item_column(n))
        if dtype is None or not dtype.is_integer():
            return None
        response = instrument.response_for(n)
        low, high = float(response.low), float(response.high)
        if not (low.is_integer() and high.is_integer()):
            return None
        bound += max(abs(low), abs(high))
    for dtype, limit in _SUM_TYPES:
        if bound <= limit:
            return dtype
    return None


#: Integer types a score column may take, smallest first, with the range each holds.
_SCORE_TYPES: tuple[tuple[pl.DataType, int], ...] = (
    (pl.Int8(), 2**7 - 1),
    (pl.Int16(), 2**15 - 1),
    (pl.Int32(), 2**31 - 1),
    (pl.Int64(), 2**53),  # the total is added up in Float64, exact below 2**53
)


def score_dtype(instrument: Instrument, scale: Scale) -> pl.DataType:
    """The dtype of a scale's score column: the smallest exact one for its possible values.

    An integer type when every possible score is a whole number: a summed
    scale (``method = "sum"``) that is not prorated, or whose prorated sums
    are rounded to whole points (``missing.round``), whose items are all
    multiple choice with whole-number answer values (validation admits only
    those exact values). Its type is the smallest signed integer holding
    the sum of each item's largest ``|value|`` (Int8 up to 127, then Int16,
    Int32, Int64). Every other score -- prorated sums, means, GAS T-scores,
    numeric answers (their step is checked to within 1e-9) -- is Float64.
    The type depends on the instrument alone, never on the data, so every
    batch, file and engine writes the same schema.

    >>> from alliance.instruments import get
    >>> cnip = get("cnip")
    >>> score_dtype(cnip, cnip.scale("past_orientation")), score_dtype(cnip, cnip.scale("warm_support"))
    (Int8, Float64)
    """
    prorated_fraction = scale.missing.method == "prorate" and not scale.missing.round
    if scale.method != "sum" or prorated_fraction:
        return pl.Float64()
    bound = 0
    for n in scale.items:
        response = instrument.response_for(n)
        values = [float(o.value) for o in response.options] if response.kind == "choice" else []
        if not values or not all(v.is_integer() for v in values):
            return pl.Float64()
        bound += int(max(abs(v) for v in values))
    for dtype, limit in _SCORE_TYPES:
        if bound <= limit:
            return dtype
    return pl.Float64()


def _integer_item(instrument: Instrument, n: int, dtype: pl.DataType) -> pl.Expr:
    """Item ``n`` in the integer type ``dtype``, reverse-keyed as in :func:`keyed_item`."""
    col = pl.col(instrument.item_column(n)).cast(dtype)
    if instrument.item(n).reverse:
        response = instrument.response_for(n)
        return pl.lit(int(response.low + response.high), dtype=dtype) - col
    return col


def item_total(
    instrument: Instrument,
    scale: Scale,
    schema: Mapping[str, pl.DataType] | None = None,
    *,
    complete: bool = False,
) -> pl.Expr:
    """Sum of the scale's answered (keyed) items as Float64; 0.0 when none is answered.

    With ``schema`` (the dtypes of validated item columns) an all-integer
    scale is summed in integers (see :func:`integer_sum_type`): the same
    Float64 values with far less memory. ``complete=True`` (no item of the
    scale is missing anywhere) lets the sum skip the null handling.
    """
    dtype = integer_sum_type(instrument, scale, schema) if schema is not None else None
    if dtype is None:
        return pl.sum_horizontal([keyed_item(instrument, n) for n in scale.items])
    items = [_integer_item(instrument, n, dtype) for n in scale.items]
    if complete:
        total = items[0]
        for item in items[1:]:
            total = total + item
    else:
        total = pl.sum_horizontal(items)
    return total.cast(pl.Float64)


def scale_exprs(
    instrument: Instrument,
    scale: Scale,
    schema: Mapping[str, pl.DataType] | None = None,
    *,
    complete: bool = False,
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Score, item-mean and note expressions for one scale.

    The score has the type of :func:`score_dtype` (a whole-number total as
    the smallest exact integer, otherwise Float64); the item mean is Float64.

    Missing items follow the scale's rule: ``complete`` needs every item;
    ``prorate`` accepts up to ``max_missing`` blanks and scales the answered
    mean to the full number of items; ``available`` scores whatever was
    answered (at least one item). Otherwise the score is empty and the note
    says why.

    ``schema`` and ``complete`` only make the same numbers cheaper (see
    :func:`item_total`): with ``complete=True`` -- the caller has checked
    that no item of the scale is missing in any row -- every row counts all
    ``k`` items, so the missing-data tests drop out and the note is an
    all-null String.
    """
    k = len(scale.items)
    complete = complete and scale.method != "gas_t"
    total = item_total(instrument, scale, schema, complete=complete)
    name = score_column(instrument, scale)
    dtype = score_dtype(instrument, scale)
    if complete:
        # Every row has all k items: k - k = 0 <= max_missing and k >= 1, so
        # every row is scored and no note is written.
        mean = divide(total, k)
        if scale.method == "mean":
            raw = mean
        elif scale.missing.method == "prorate":
            raw = _rounded(mean * k, scale)
        else:
            raw = total
        return (
            raw.cast(dtype).alias(name),
            mean.alias(f"{name}_mean"),
            pl.lit(None, dtype=pl.String),
        )
    answered = pl.sum_horizontal(
        [pl.col(instrument.item_column(n)).is_not_null().cast(pl.Int32) for n in scale.items]
    )
    mean = total / answered
    n_missing = k - answered
    allowed = n_missing <= scale.missing.max_missing
    if scale.missing.method == "available":
        allowed = allowed & (answered >= 1)

    if scale.method == "sum":
        raw = _rounded(mean * k, scale) if scale.missing.method == "prorate" else total
    elif scale.method == "mean":
        raw = mean
    else:  # gas_t over the goals that were rated, unweighted
        rho = scale.gas_rho
        m = answered.cast(pl.Float64)
        raw = 50 + 10 * total / ((1 - rho) * m + rho * m * m).sqrt()

    score = pl.when(allowed).then(raw).otherwise(None).cast(dtype).alias(name)
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


def _rounded(prorated: pl.Expr, scale: Scale) -> pl.Expr:
    """A prorated sum, rounded to whole points (halves up) when the scale's rule says so.

    ``floor(x + 0.5)``, as the generated SQL does (alliance.sqlgen), so both
    give the same number; unrounded otherwise.
    """
    return (prorated + 0.5).floor() if scale.missing.round else prorated


def divide(values: pl.Expr, divisor: float) -> pl.Expr:
    """``values / divisor`` as Float64, correctly rounded as a division by a column is.

    Polars divides by a constant by multiplying by its reciprocal, which can
    differ in the last bit (53 / 12 gives 4.416666666666666, not
    4.416666666666667). Numpy divides exactly; nulls stay null.

    >>> pl.select(divide(pl.lit(53.0), 12)).item()
    4.416666666666667
    """

    def exact(series: pl.Series) -> pl.Series:
        quotient = pl.Series(series.name, series.cast(pl.Float64).to_numpy() / float(divisor))
        if series.null_count():
            quotient = pl.select(
                pl.when(series.is_null()).then(None).otherwise(quotient)
            ).to_series()
        return quotient

    return values.map_batches(exact, return_dtype=pl.Float64, is_elementwise=True)


def _allowance(scale: Scale) -> str:
    if scale.missing.method == "complete" or scale.missing.max_missing == 0:
        return "every item is needed"
    if scale.missing.method == "available":
        return "at least one item is needed"
    return f"at most {scale.missing.max_missing} allowed"


def band_labels(bands: tuple[Band, ...]) -> pl.Enum:
    """The band column's dtype: an Enum of the labels, mildest first."""
    return pl.Enum(list(dict.fromkeys(b.label for b in bands)))


def band_expr(score: pl.Expr, bands: tuple[Band, ...]) -> pl.Expr:
    """Severity band by lower bounds: the last band whose minimum the score reaches.

    A prorated score such as 4.5 on PHQ-9 therefore falls in 'minimal'
    (0-4), never between bands; where the instrument file says to round
    prorated sums (``missing.round``), the score is rounded first (4.5 -> 5,
    'mild'). Scores outside the bands (below the first
    minimum, above the last maximum, NaN) get no label. The labels come as
    an Enum (:func:`band_labels`): compared with text like strings, ordered
    by severity, one byte per row.
    """
    dtype = band_labels(bands)
    breaks = [b.min for b in bands[1:]]  # ascending: the instrument schema checks it
    if len(dtype.categories) == len(bands):
        binned = score.bin_intervals(breaks, labels=[b.label for b in bands])
    else:  # a label shared by two bands: map bin numbers to labels
        index = score.bin_intervals(breaks, labels=False)
        binned = pl.lit(pl.Series([b.label for b in bands], dtype=dtype)).gather(index)
    outside = (score < bands[0].min) | (score > bands[-1].max)  # NaN compares above all
    return pl.when(outside).then(pl.lit(None, dtype=dtype)).otherwise(binned)


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


def unanswered_flag_note(instrument: Instrument, flag: Flag) -> pl.Expr:
    """``"item 9 (risk) unanswered"`` where the item a flag watches is blank, else null.

    A blank answer to a flagged item (PHQ-9 item 9, thoughts of self-harm)
    is itself clinically important: the flag is then null, never False, and
    the note says so first. Silence is never prorated into safety.
    """
    if flag.item is None:
        raise ValueError(f"flag {flag.id!r} watches a scale, not an item")
    column = instrument.item_column(flag.item)
    text = f"item {flag.item} ({flag.id}) unanswered"
    return pl.when(pl.col(column).is_null()).then(pl.lit(text))


def flag_expr(
    instrument: Instrument, flag: Flag, schema: Mapping[str, pl.DataType] | None = None
) -> pl.Expr:
    """True/False when the watched value is present, empty (null) when it is missing.

    Never False for a blank answer: a flag on an unanswered item is null,
    and the note says so (:func:`unanswered_flag_note`).

    Item flags read the raw answer (before reverse keying), as the
    instrument's authors define them. With ``schema``, an integer item
    compared with a whole number is compared without a Float64 copy (the
    same answer).
    """
    if flag.item is not None:
        column = instrument.item_column(flag.item)
        dtype = schema.get(column) if schema is not None else None
        value = float(flag.value)
        if dtype is not None and dtype.is_integer() and value.is_integer() and abs(value) < 2**31:
            return _compare(flag.op, pl.col(column), int(flag.value)).alias(
                f"{instrument.id}_flag_{flag.id}"
            )
        watched = pl.col(column).cast(pl.Float64)
    else:
        watched = pl.col(score_column(instrument, instrument.scale(str(flag.scale))))
    return _compare(flag.op, watched, flag.value).alias(f"{instrument.id}_flag_{flag.id}")
