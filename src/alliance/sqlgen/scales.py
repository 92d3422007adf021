"""SQL expressions that turn item columns into scale scores, bands, flags and notes.

The SQL twin of :mod:`alliance.scoring.expressions`: every value is computed
with the same IEEE operations in the same order as the Polars engine, so the
two agree cell by cell (tests/sqlgen compare them in DuckDB, SQLite,
PostgreSQL and Spark):

* an item is ``CAST(col AS DOUBLE)``; reverse-keyed, ``(low + high) - item``;
* a scale's total adds the answered items left to right (a blank adds 0);
* ``n_missing`` counts the blank items; a scale is scored when
  ``n_missing <= max_missing`` (the instrument's rule), as the sum, the
  prorated sum ``(total / answered) * k``, the mean ``total / answered`` or
  the GAS T-score ``50 + (10 * total) / SQRT((1 - rho) * m + (rho * m) * m)``;
* a score whose values are all whole numbers (a summed, unprorated scale of
  whole-number answers; :func:`alliance.scoring.expressions.score_dtype`)
  is cast to the smallest integer type that holds it (``TINYINT``,
  ``SMALLINT``, ``INT`` or ``BIGINT``, transpiled per dialect: PostgreSQL
  has no ``TINYINT`` and gets ``SMALLINT``, SQLite ``INTEGER``); every
  other score and every item mean stays a double;
* the missing-data note depends on ``n_missing`` alone, so each possible
  text is a literal chosen by ``CASE`` (no number-to-text conversion, which
  differs between engines).

Expressions are sqlglot trees, transpiled per dialect by the caller. sqlglot
does not add parentheses to trees built by hand, so every compound operand
is wrapped in :func:`_p`.
"""

from __future__ import annotations

from sqlglot import exp

from alliance.instruments.schema import Band, Flag, Instrument, Scale
from alliance.scoring.expressions import score_dtype

__all__ = [
    "band_sql",
    "flag_sql",
    "note_sql",
    "number",
    "scale_sql",
]

DOUBLE = exp.DataType.build("double")
#: SQL types of the integer score dtypes (sqlglot transpiles each per dialect).
_INTEGER_SQL = {"Int8": "tinyint", "Int16": "smallint", "Int32": "int", "Int64": "bigint"}


def _p(e: exp.Expr) -> exp.Expr:
    """``e`` in parentheses, unless it is atomic (a column, literal, cast or function call)."""
    if isinstance(e, (exp.Column, exp.Literal, exp.Paren, exp.Null, exp.Func)):
        return e
    return exp.Paren(this=e)


def add(a: exp.Expr, b: exp.Expr) -> exp.Expr:
    # (a + b) + c is written a + b + c: SQL's + is left-associative.
    left = a if isinstance(a, exp.Add) else _p(a)
    return exp.Add(this=left, expression=_p(b))


def sub(a: exp.Expr, b: exp.Expr) -> exp.Expr:
    return exp.Sub(this=_p(a), expression=_p(b))


def mul(a: exp.Expr, b: exp.Expr) -> exp.Expr:
    left = a if isinstance(a, exp.Mul) else _p(a)
    return exp.Mul(this=left, expression=_p(b))


def div(a: exp.Expr, b: exp.Expr) -> exp.Expr:
    return exp.Div(this=_p(a), expression=_p(b), typed=False, safe=False)


def number(value: float) -> exp.Expr:
    """A numeric literal: whole numbers as integers, others as ``CAST('x' AS DOUBLE)``.

    The text is Python's shortest round-trip form, so every engine reads
    back the same double (a bare ``0.7`` is a DECIMAL in PostgreSQL and
    Spark).
    """
    v = float(value)
    if v.is_integer() and abs(v) < 2**53:
        literal: exp.Expr = exp.Literal.number(int(v))
        return literal if v >= 0 else exp.Paren(this=literal)
    return exp.Cast(this=exp.Literal.string(repr(v)), to=DOUBLE.copy())


def column(name: str) -> exp.Column:
    return exp.column(name)


def keyed_item(instrument: Instrument, n: int) -> exp.Expr:
    """Item ``n`` as a double, reverse-keyed as in :func:`alliance.scoring.expressions.keyed_item`."""
    item = exp.Cast(this=column(instrument.item_column(n)), to=DOUBLE.copy())
    if instrument.item(n).reverse:
        response = instrument.response_for(n)
        return sub(number(response.low + response.high), item)
    return item


def _fold(terms: list[exp.Expr]) -> exp.Expr:
    total = terms[0]
    for term in terms[1:]:
        total = add(total, term)
    return total


def item_total(instrument: Instrument, scale: Scale) -> exp.Expr:
    """Sum of the answered keyed items, left to right; 0 when none is answered."""
    zero = exp.Cast(this=exp.Literal.number(0), to=DOUBLE.copy())
    return _fold(
        [exp.Coalesce(this=keyed_item(instrument, n), expressions=[zero]) for n in scale.items]
    )


def n_missing(instrument: Instrument, scale: Scale) -> exp.Expr:
    """How many of the scale's items are blank in the row (an integer)."""
    return _fold(
        [
            exp.Case(
                ifs=[
                    exp.If(
                        this=exp.Is(this=column(instrument.item_column(n)), expression=exp.Null()),
                        true=exp.Literal.number(1),
                    )
                ],
                default=exp.Literal.number(0),
            )
            for n in scale.items
        ]
    )


def scale_sql(instrument: Instrument, scale: Scale) -> tuple[exp.Expr, exp.Expr]:
    """The scale's score and item mean (both null when the scale cannot be scored).

    The score is cast to an integer type where the engine's is one
    (:func:`alliance.scoring.expressions.score_dtype`); the total is exact
    in double arithmetic, so the cast changes no value.
    """
    k = len(scale.items)
    total = item_total(instrument, scale)
    missing = n_missing(instrument, scale)
    answered = sub(exp.Literal.number(k), missing)
    mean = div(total, exp.Nullif(this=_p(answered), expression=exp.Literal.number(0)))
    if scale.method == "sum":
        raw = mul(mean, exp.Literal.number(k)) if scale.missing.method == "prorate" else total
        if scale.missing.method == "prorate" and scale.missing.round:
            # halves up, as the engine: floor(x + 0.5)
            raw = exp.Floor(this=add(raw, number(0.5)))
    elif scale.method == "mean":
        raw = mean
    else:  # gas_t over the rated goals, unweighted
        rho = scale.gas_rho
        m = exp.Cast(this=_p(answered), to=DOUBLE.copy())
        spread = add(mul(number(1 - rho), m), mul(mul(number(rho), m), m))
        raw = add(
            exp.Literal.number(50),
            div(mul(exp.Literal.number(10), total), exp.Sqrt(this=spread)),
        )
    allowed = exp.LTE(this=_p(missing), expression=exp.Literal.number(scale.missing.max_missing))

    def when_allowed(value: exp.Expr) -> exp.Expr:
        return exp.Case(ifs=[exp.If(this=allowed.copy(), true=value)])

    score = when_allowed(raw)
    integer = _INTEGER_SQL.get(str(score_dtype(instrument, scale)))
    if integer is not None:
        score = exp.Cast(this=score, to=exp.DataType.build(integer))
    return score, when_allowed(mean)


def _allowance(scale: Scale) -> str:
    if scale.missing.method == "complete" or scale.missing.max_missing == 0:
        return "every item is needed"
    if scale.missing.method == "available":
        return "at least one item is needed"
    return f"at most {scale.missing.max_missing} allowed"


def note_texts(scale: Scale) -> dict[int, str]:
    """The note for each possible number of blank items (1..k), as the Polars engine writes it."""
    k = len(scale.items)
    how = "prorated" if scale.missing.method == "prorate" else "scored from answered items"
    texts = {}
    for n in range(1, k + 1):
        if n <= scale.missing.max_missing:
            texts[n] = f"{scale.id}: {how} ({n} of {k} items missing)"
        else:
            texts[n] = f"{scale.id}: not scored ({n} of {k} items missing; {_allowance(scale)})"
    return texts


def _scale_note(instrument: Instrument, scale: Scale, prefix: str) -> exp.Expr:
    missing = n_missing(instrument, scale)
    return exp.Case(
        this=_p(missing),
        ifs=[
            exp.If(this=exp.Literal.number(n), true=exp.Literal.string(prefix + text))
            for n, text in note_texts(scale).items()
        ],
    )


def _flag_note(instrument: Instrument, flag: Flag) -> exp.Expr:
    """``"; item 9 (risk) unanswered"`` where the item a flag watches is blank, else null."""
    item = column(instrument.item_column(int(flag.item or 0)))
    text = f"; item {flag.item} ({flag.id}) unanswered"
    return exp.Case(
        ifs=[exp.If(this=exp.Is(this=item, expression=exp.Null()), true=exp.Literal.string(text))]
    )


def note_sql(instrument: Instrument) -> exp.Expr:
    """The instrument's note, as the engine writes it: first an unanswered flagged item
    (``item 9 (risk) unanswered``), then each scale's note, joined by ``"; "``; null when
    none applies."""
    empty = exp.Literal.string("")
    pieces = [_flag_note(instrument, f) for f in instrument.flags if f.item is not None]
    pieces += [_scale_note(instrument, s, "; ") for s in instrument.scales]
    parts = [exp.Coalesce(this=p, expressions=[empty.copy()]) for p in pieces]
    joined: exp.Expr = parts[0]
    for part in parts[1:]:
        joined = exp.DPipe(this=_p(joined), expression=part, safe=True)
    return exp.Case(
        ifs=[exp.If(this=exp.EQ(this=_p(joined), expression=empty.copy()), true=exp.Null())],
        default=exp.Substring(this=_p(joined.copy()), start=exp.Literal.number(3)),
    )


def band_sql(score: exp.Expr, bands: tuple[Band, ...]) -> exp.Expr:
    """The last band whose minimum the score reaches; null outside the bands or without a score."""
    outside = exp.Or(
        this=exp.LT(this=score.copy(), expression=number(bands[0].min)),
        expression=exp.GT(this=score.copy(), expression=number(bands[-1].max)),
    )
    ifs = [
        exp.If(this=exp.Is(this=score.copy(), expression=exp.Null()), true=exp.Null()),
        exp.If(this=exp.Paren(this=outside), true=exp.Null()),
    ]
    for band in reversed(bands[1:]):
        ifs.append(
            exp.If(
                this=exp.GTE(this=score.copy(), expression=number(band.min)),
                true=exp.Literal.string(band.label),
            )
        )
    return exp.Case(ifs=ifs, default=exp.Literal.string(bands[0].label))


_COMPARE: dict[str, type[exp.Binary]] = {
    ">": exp.GT,
    ">=": exp.GTE,
    "<": exp.LT,
    "<=": exp.LTE,
    "==": exp.EQ,
    "=": exp.EQ,
}


def flag_sql(instrument: Instrument, flag: Flag) -> exp.Expr:
    """True/false when the watched value is present, null when it is missing.

    Item flags read the raw answer (before reverse keying); scale flags the
    scale's score column.
    """
    if flag.item is not None:
        watched: exp.Expr = column(instrument.item_column(flag.item))
    else:
        watched = column(f"{instrument.id}_{flag.scale}")
    op = _COMPARE.get(str(flag.op), exp.EQ)
    return op(this=watched, expression=number(flag.value))
