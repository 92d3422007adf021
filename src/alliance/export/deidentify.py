"""De-identify a table for research: pseudonyms, days since intake, no free text by default.

Every column gets one decision, and every decision is returned, so nothing
is dropped silently:

- a declared identifier column is replaced by keyed-hash pseudonyms
  (:mod:`alliance.export.pseudonyms`; a new random key per export);
- a date or datetime column (or text in a column named like a date) becomes
  whole days since the person's intake (:mod:`alliance.export.dates`);
- numbers, booleans and Enum/Categorical columns (e.g. score bands) are kept;
- a column whose name looks like a direct identifier (name, e-mail, phone,
  address, postcode, birth date, NHS/SSN/MRN, IP ...) or like an undeclared
  key (``*_id``, ``*_code``) is left out, whatever its type;
- any other text column is left out as possible free text, unless the caller
  names it in ``include_text`` *and* passes ``allow_text=True``.

>>> import datetime as dt, polars as pl
>>> f = pl.DataFrame({"client_id": ["a", "a"], "email": ["a@x.org", "a@x.org"],
...                   "visit": [dt.date(2024, 1, 1), dt.date(2024, 1, 8)],
...                   "phq9_total": [12, 9], "comment": ["tired", "better"]})
>>> out = deidentify(f, ids=["client_id"], key=bytes(32))
>>> out.frame.columns
['client_id', 'visit_days', 'phq9_total']
>>> [(d.column, d.action) for d in out.decisions]  # doctest: +NORMALIZE_WHITESPACE
[('client_id', 'pseudonymised'), ('email', 'left out'), ('visit', 'days since intake'),
 ('phq9_total', 'kept'), ('comment', 'left out')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from alliance.export.dates import days_since_intake, is_temporal
from alliance.export.names import direct_identifier_reason, looks_like_date, looks_like_identifier
from alliance.export.pseudonyms import DEFAULT_LENGTH, default_prefix, new_key, pseudonymise
from alliance.instruments import registry
from alliance.scoring.expressions import band_column

Action = Literal["pseudonymised", "days since intake", "kept", "text included", "left out"]


@dataclass(frozen=True)
class Decision:
    """What happened to one source column; ``output`` is its name in the export (None if left out)."""

    column: str
    action: Action
    reason: str
    output: str | None = None


@dataclass(frozen=True)
class Deidentified:
    """The de-identified table and the decision taken for every source column."""

    frame: pl.DataFrame
    decisions: tuple[Decision, ...]
    prefixes: Mapping[str, str] = field(default_factory=dict)
    pseudonym_length: int = DEFAULT_LENGTH
    intake: str | None = None
    person: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def left_out(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.action == "left out")

    def decision_for(self, output: str) -> Decision:
        for d in self.decisions:
            if d.output == output:
                return d
        raise KeyError(f"no exported column {output!r}")


def band_categories() -> dict[str, tuple[str, ...]]:
    """Every instrument's band column (``phq9_band``) -> its labels, mildest first."""
    return {
        band_column(inst, scale): tuple(dict.fromkeys(b.label for b in scale.bands))
        for inst in registry().values()
        for scale in inst.scales
        if scale.bands
    }


def as_categories(
    frame: pl.DataFrame, categories: Mapping[str, Sequence[str]]
) -> tuple[pl.DataFrame, dict[str, str]]:
    """Text columns whose every value is a known category become Enum columns.

    Returns the frame and, for each listed text column that holds anything
    else, why it stays text (and is then left out like any text).
    """
    casts: list[pl.Expr] = []
    refused: dict[str, str] = {}
    for name, labels in categories.items():
        if frame.schema.get(name) != pl.String:
            continue
        values = frame.get_column(name)
        outside = values.drop_nulls().filter(~values.drop_nulls().is_in(list(labels)))
        if outside.len():
            refused[name] = "text outside its known categories; left out as possible free text"
        else:
            casts.append(pl.col(name).cast(pl.Enum(list(labels))))
    return (frame.with_columns(casts) if casts else frame), refused


def _id_prefixes(ids: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    if isinstance(ids, Mapping):
        return {c: (p or default_prefix(c)) for c, p in ids.items()}
    if isinstance(ids, str):
        raise TypeError("ids must be a list of column names, not one string")
    return {c: default_prefix(c) for c in ids}


def _check_request(
    frame: pl.DataFrame,
    ids: Mapping[str, str],
    intake: str | None,
    person: str | None,
    dates: Sequence[str],
    include_text: Sequence[str],
    allow_text: bool,
) -> None:
    """Refuse unknown column names and text that is asked for but not allowed."""
    for what, names in (
        ("identifier", list(ids)),
        ("intake date", [intake] if intake else []),
        ("person", [person] if person else []),
        ("date", list(dates)),
        ("text", list(include_text)),
    ):
        for name in names:
            if name not in frame.columns:
                raise ValueError(
                    f"{what} column {name!r} is not in the data; columns: {', '.join(frame.columns)}"
                )
    if person is not None and person not in ids:
        raise ValueError(f"person column {person!r} must also be an identifier column")
    if include_text and not allow_text:
        raise ValueError(
            f"text column {include_text[0]!r} was asked for, but free text is not allowed "
            "in this export (allow_text is off)"
        )
    for name in include_text:
        reason = direct_identifier_reason(name)
        if name in ids or reason or looks_like_identifier(name):
            raise ValueError(
                f"text column {name!r} cannot be included: "
                f"{reason or 'it is an identifier'}; identifiers are only exported as pseudonyms"
            )
        if frame.schema[name] != pl.String:
            raise ValueError(f"column {name!r} is not a text column ({frame.schema[name]})")


def _with_refusals(
    decisions: Sequence[Decision], refused: Mapping[str, str]
) -> tuple[Decision, ...]:
    """The decisions, with the reason a refused column was left out in place of the default."""
    return tuple(
        Decision(d.column, "left out", refused[d.column])
        if d.column in refused and d.action == "left out"
        else d
        for d in decisions
    )


def _decide(
    name: str,
    dtype: pl.DataType,
    *,
    ids: Mapping[str, str],
    intake: str | None,
    dates: Sequence[str],
    include_text: Sequence[str],
    names: Mapping[str, str],
) -> Decision:
    if name in ids:
        return Decision(name, "pseudonymised", f"keyed-hash pseudonym ({ids[name]}...)", name)
    if name == intake:
        return Decision(name, "left out", "intake date: day 0 of the days columns, not exported")
    reason = direct_identifier_reason(name)
    if reason:
        return Decision(name, "left out", reason)
    if (
        is_temporal(dtype)
        or name in dates
        or (dtype == pl.String and looks_like_date(name) and name not in include_text)
    ):
        return Decision(
            name, "days since intake", "date turned into whole days since intake",
            names.get(name, f"{name}_days"),
        )  # fmt: skip
    if looks_like_identifier(name):
        return Decision(
            name, "left out", "the name looks like an identifier; declare it as an id to "
            "export it as a pseudonym",
        )  # fmt: skip
    if dtype == pl.String:
        if name in include_text:
            return Decision(name, "text included", "free text, asked for and allowed", name)
        return Decision(
            name, "left out", "text column (possible free text); name it and allow text "
            "to include it",
        )  # fmt: skip
    if isinstance(dtype, pl.Enum | pl.Categorical):
        return Decision(name, "kept", "fixed categories", names.get(name, name))
    if dtype.is_numeric() or dtype == pl.Boolean:
        what = "yes/no" if dtype == pl.Boolean else "number"
        return Decision(name, "kept", what, names.get(name, name))
    return Decision(name, "left out", f"type {dtype} is not exported")


def deidentify(
    frame: pl.DataFrame,
    *,
    ids: Sequence[str] | Mapping[str, str],
    intake: str | None = None,
    person: str | None = None,
    dates: Sequence[str] = (),
    include_text: Sequence[str] = (),
    allow_text: bool = False,
    key: bytes | None = None,
    pseudonym_length: int = DEFAULT_LENGTH,
    labels: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> Deidentified:
    """De-identify ``frame`` (see the module docstring); returns the table and every decision.

    ``ids``: identifier columns, or a mapping column -> pseudonym prefix.
    ``intake``: the intake-date column (else each person's earliest date is day 0);
    ``person``: whose intake (default: the first id column). ``dates``: more
    text columns to read as dates. ``key``: only for reproducible tests; by
    default a fresh random key is made and forgotten. ``names``: output
    names for kept or date columns. ``labels``: codebook labels by output name.
    ``categories``: text columns with a fixed set of labels, kept as Enum
    columns when every value is one of them (default: the instruments' band columns).
    """
    prefixes = _id_prefixes(ids)
    if not prefixes:
        raise ValueError("name at least one identifier column (e.g. the client id)")
    person = person if person is not None else next(iter(prefixes))
    _check_request(frame, prefixes, intake, person, dates, include_text, allow_text)
    fixed = band_categories() if categories is None else categories
    frame, refused = as_categories(frame, {c: v for c, v in fixed.items() if c not in prefixes})
    decisions = tuple(
        _decide(
            c, t, ids=prefixes, intake=intake, dates=dates, include_text=include_text,
            names=names or {},
        )
        for c, t in frame.schema.items()
    )  # fmt: skip
    decisions = _with_refusals(decisions, refused)
    day_columns = [d.column for d in decisions if d.action == "days since intake"]
    secret = key if key is not None else new_key()
    work = days_since_intake(frame, day_columns, person=person, intake=intake)
    work = work.with_columns(
        pseudonymise(work.get_column(c), key=secret, prefix=p, length=pseudonym_length)
        for c, p in prefixes.items()
    )
    del secret
    kept = [d for d in decisions if d.output is not None]
    out = work.select(pl.col(d.column).alias(d.output or d.column) for d in kept)
    # Rows in pseudonym order (random for each export), each person's rows in their
    # original order: the input's order (e.g. by internal record number) would let
    # two exports be lined up row by row, and linked.
    by = [d.output for d in kept if d.column in prefixes and d.output is not None]
    out = out.sort(by, maintain_order=True, nulls_last=True)
    return Deidentified(
        frame=out,
        decisions=decisions,
        prefixes={c: p for c, p in prefixes.items()},
        pseudonym_length=pseudonym_length,
        intake=intake,
        person=person,
        labels=dict(labels or {}),
    )
