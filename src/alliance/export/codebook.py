"""The codebook: one row per exported column, plus the columns left out and why.

Instrument item and scale columns (``wai_sr_3``, ``phq9_total``, ``phq9_band``)
are recognised from the instrument registry and get the item text, the
response labels, and the instrument's licence and citation.

>>> import polars as pl
>>> from alliance.export import deidentify
>>> out = deidentify(pl.DataFrame({"id": ["a"], "phq9_1": [2]}), ids=["id"], key=bytes(32))
>>> row = build_codebook(out)[1]
>>> row.name, row.instrument, row.item_text
('phq9_1', 'phq9', 'Little interest or pleasure in doing things')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import polars as pl

from alliance.export.deidentify import Decision, Deidentified
from alliance.instruments import Instrument, ResponseScale, registry
from alliance.scoring.expressions import band_column


@dataclass(frozen=True)
class CodebookRow:
    name: str
    label: str
    type: str
    source: str
    transformation: str
    values: str
    instrument: str = ""
    item_text: str = ""
    response_labels: str = ""
    licence: str = ""
    citation: str = ""


@dataclass(frozen=True)
class InstrumentColumn:
    """What an instrument-generated column is: an item, a scale score, a band, a flag..."""

    instrument: Instrument
    label: str
    item: int | None = None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def response_labels(scale: ResponseScale) -> str:
    """``0 = Not at all; 1 = Several days; ...`` or ``0 (Not at all) to 10 (Very)``."""
    if scale.kind == "choice":
        return "; ".join(f"{_fmt(o.value)} = {o.label}" for o in scale.options)
    if scale.kind == "numeric":
        low = f"{_fmt(scale.low)}" + (f" ({scale.min_label})" if scale.min_label else "")
        high = f"{_fmt(scale.high)}" + (f" ({scale.max_label})" if scale.max_label else "")
        return f"{low} to {high}"
    return "free text"


def instrument_columns(instruments: Mapping[str, Instrument]) -> dict[str, InstrumentColumn]:
    """Every column name an instrument defines (items and scoring output) -> what it is."""
    index: dict[str, InstrumentColumn] = {}
    for inst in instruments.values():
        name = inst.short_name
        for item in inst.items:
            index[inst.item_column(item.n)] = InstrumentColumn(
                inst, f"{name} item {item.n}: {item.text}", item.n
            )
        for scale in inst.scales:
            base = f"{inst.id}_{scale.id}"
            index[base] = InstrumentColumn(inst, f"{name} {scale.label} ({scale.method})")
            index[f"{base}_mean"] = InstrumentColumn(inst, f"{name} {scale.label} (item mean)")
            if scale.bands:
                index[band_column(inst, scale)] = InstrumentColumn(
                    inst,
                    f"{name} {scale.label} band, {scale.missing.banding_note(scale.method)}",
                )
        for flag in inst.flags:
            index[f"{inst.id}_flag_{flag.id}"] = InstrumentColumn(
                inst, f"{name} flag: {flag.message}"
            )
        index[f"{inst.id}_note"] = InstrumentColumn(inst, f"{name} scoring note")
    return index


def _values(series: pl.Series, decision: Decision, out: Deidentified) -> str:
    if decision.action == "pseudonymised":
        prefix = out.prefixes.get(decision.column, "")
        return (
            f"'{prefix}' + {out.pseudonym_length} hex characters; "
            "a new, unlinkable code in every export"
        )
    if decision.action == "days since intake":
        return "whole days; 0 = intake day, negative = before intake"
    if decision.action == "text included":
        return "free text"
    dtype = series.dtype
    if isinstance(dtype, pl.Enum):
        return "; ".join(dtype.categories.to_list())
    if isinstance(dtype, pl.Categorical):
        return "; ".join(str(v) for v in series.drop_nulls().unique().sort().to_list())
    if dtype == pl.Boolean:
        return "true; false"
    present = series.drop_nulls()
    if dtype.is_numeric() and present.len():
        return f"observed {_fmt(float(present.min()))} to {_fmt(float(present.max()))}"  # type: ignore[arg-type]
    return ""


def type_name(dtype: pl.DataType) -> str:
    """A plain name for a column type, with the stored type: integer, number, yes/no, category, text.

    Scores are stored as compactly as exactness allows
    (:func:`alliance.scoring.output_schema`): a whole-number total in the
    smallest integer type that holds its range, prorated totals and means
    as 64-bit floats, bands as a category of their labels.

    >>> type_name(pl.Int8()), type_name(pl.Float64()), type_name(pl.Enum(["a"]))
    ('integer (Int8)', 'number (Float64)', 'category')
    >>> type_name(pl.String())
    'text'
    """
    if isinstance(dtype, pl.Enum | pl.Categorical):
        return "category"
    if dtype == pl.Boolean:
        return "yes/no"
    if dtype.is_integer():
        return f"integer ({dtype})"
    if dtype.is_numeric():
        return f"number ({dtype})"
    if dtype == pl.String:
        return "text"
    return str(dtype)


def _label(decision: Decision, known: InstrumentColumn | None, out: Deidentified) -> str:
    name = decision.output or decision.column
    if name in out.labels:
        return out.labels[name]
    if decision.action == "pseudonymised":
        return f"{decision.column} (pseudonym)"
    if decision.action == "days since intake":
        return f"{decision.column}: days since intake"
    if known is not None:
        return known.label
    return name


def build_codebook(
    out: Deidentified, *, instruments: Mapping[str, Instrument] | None = None
) -> list[CodebookRow]:
    """One :class:`CodebookRow` per column of ``out.frame``, in order."""
    index = instrument_columns(instruments if instruments is not None else registry())
    rows: list[CodebookRow] = []
    for name in out.frame.columns:
        decision = out.decision_for(name)
        series = out.frame.get_column(name)
        known = index.get(decision.column) if decision.action in ("kept", "text included") else None
        extra: dict[str, str] = {}
        if known is not None:
            inst = known.instrument
            extra = {
                "instrument": inst.id,
                "licence": inst.licence.name,
                "citation": inst.citation.text
                + (f" https://doi.org/{inst.citation.doi}" if inst.citation.doi else ""),
            }
            if known.item is not None:
                extra["item_text"] = inst.item(known.item).text
                extra["response_labels"] = response_labels(inst.response_for(known.item))
        rows.append(
            CodebookRow(
                name=name,
                label=_label(decision, known, out),
                type=type_name(series.dtype),
                source=decision.column,
                transformation=f"{decision.action}: {decision.reason}",
                values=_values(series, decision, out),
                **extra,
            )
        )
    return rows


def codebook_frame(rows: list[CodebookRow]) -> pl.DataFrame:
    names = [f.name for f in fields(CodebookRow)]
    return pl.DataFrame([asdict(r) for r in rows], schema={n: pl.String for n in names})


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codebook_markdown(
    rows: list[CodebookRow], out: Deidentified, *, data_name: str, n_rows: int | None = None
) -> str:
    """The codebook as Markdown: how the data were de-identified, every column, what was left out.

    ``n_rows``: the rows exported, when ``out.frame`` holds a summary of
    them rather than the rows (a streamed export).
    """
    ids = ", ".join(f"`{c}`" for c in out.prefixes) or "none"
    intake = f"the `{out.intake}` column" if out.intake else "each person's earliest date"
    lines = [
        f"# Codebook for {data_name}",
        "",
        f"{out.frame.height if n_rows is None else n_rows:,} rows, {out.frame.width} columns.",
        "",
        "## De-identification",
        "",
        f"- **Pseudonyms.** Identifier columns ({ids}) hold keyed-hash codes: "
        "HMAC-SHA256 with a random 32-byte key made for this export alone and never stored, "
        "derived separately for each column. Within this file one person always has the same "
        "code; the codes cannot be turned back into identifiers, cannot be recomputed, and "
        "differ in every export, so two exports cannot be linked by them.",
        f"- **Dates.** Every date became whole days since intake ({intake} is day 0, "
        f"counted per `{out.person}`); the dates themselves are not exported.",
        "- **Free text and direct identifiers.** Text columns are left out unless asked for by "
        "name and allowed; columns named like direct identifiers (names, e-mail, phone, address, "
        "postcode, birth date, health or social security numbers, IP addresses) are always left "
        "out. Categories (e.g. score bands), numbers and yes/no values are kept.",
        "",
        "## Columns",
        "",
        "Types: `integer (Int8)` and the like are whole numbers, stored exactly in the "
        "smallest type that holds the column's range (a summed, unprorated score of "
        "whole-number answers is one); `number (Float64)` is a 64-bit float (prorated "
        "totals, means and item means); `category` lists its labels in order (score bands, "
        "mildest first); `yes/no` is a flag, empty where the watched answer is missing.",
        "",
        "| name | label | type | source | transformation | values |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        cells = (r.name, r.label, r.type, r.source, r.transformation, r.values)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    items = [r for r in rows if r.item_text]
    if items:
        lines += ["", "## Items", "", "| name | item | answers |", "| --- | --- | --- |"]
        lines += [
            f"| {_cell(r.name)} | {_cell(r.item_text)} | {_cell(r.response_labels)} |"
            for r in items
        ]
    lines += ["", "## Left out", ""]
    left = out.left_out
    lines += [f"- `{d.column}`: {d.reason}" for d in left] or ["Nothing was left out."]
    used = {r.instrument: r for r in rows if r.instrument}
    if used:
        lines += ["", "## Instruments: licences and citations", ""]
        lines += [f"- **{i}**: {r.licence}. {r.citation}" for i, r in sorted(used.items())]
    return "\n".join(lines) + "\n"
