"""The clinic's stored questionnaire responses as one research table (before de-identification).

One row per stored response (every client, every episode, both sides) in
one organisation: internal ids (pseudonymised later, never exported as
they are), the episode start and session date (turned into days since
intake later), the instrument and respondent, the numeric item answers
(decrypted on read), the text answers (left out unless allowed), and the
stored scores. One query, however many clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from alliance.instruments import Instrument, get
from alliance.scoring import output_columns
from alliance.web.measures.models import Respondent, Response

IDS = {"client_id": "C-", "therapist_id": "T-", "episode_id": "E-"}
LABELS = {
    "client_id": "Client (pseudonym)",
    "therapist_id": "Client's therapist (pseudonym)",
    "episode_id": "Episode of care (pseudonym)",
    "session": "Session number within the episode",
    "days_since_intake": "Days from the episode's start (intake) to the session",
    "instrument": "Questionnaire (instrument id)",
    "respondent": "Who answered: the client, or the therapist about the client",
}
_FIELDS = (
    "session__episode__client_id",
    "session__episode__client__therapist_id",
    "session__episode_id",
    "session__episode__started",
    "session__number",
    "session__date",
    "instrument",
    "respondent",
    "answers",
    "scores",
)


@dataclass(frozen=True)
class ResearchTable:
    frame: pl.DataFrame
    text_columns: tuple[str, ...]


def _instrument(instrument_id: str) -> Instrument | None:
    try:
        return get(instrument_id)
    except KeyError:
        return None


@dataclass(frozen=True)
class _Spec:
    """One instrument's columns: items (answer key -> column), text items, score columns."""

    items: dict[str, str]
    text: set[str]
    scores: list[str]


def _spec(instrument_id: str, rows: list[tuple[Any, ...]]) -> _Spec:
    inst = _instrument(instrument_id)
    if inst is not None:
        items = {str(i.n): inst.item_column(i.n) for i in inst.items}
        text = {inst.item_column(i.n) for i in inst.items if inst.response_for(i.n).kind == "text"}
        return _Spec(items, text, output_columns(inst))
    # An instrument not in the registry: its columns come from what was stored.
    keys = sorted({str(k) for r in rows for k in r[8]}, key=lambda k: (len(k), k))
    items = {k: f"{instrument_id}_{k}" for k in keys}
    text = {items[str(k)] for r in rows for k, v in r[8].items() if isinstance(v, str)}
    scores = list(dict.fromkeys(k for r in rows for k in r[9] if k not in items.values()))
    return _Spec(items, text, scores)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def _dtype(values: list[Any], is_text: bool) -> pl.DataType:
    if is_text:
        return pl.String()
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pl.Boolean()
    if any(isinstance(v, str) for v in present):
        return pl.String()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pl.Int64()
    return pl.Float64()


def research_table(organisation_id: int) -> ResearchTable:
    """All stored responses of one organisation as a wide Polars frame."""
    rows = list(
        Response.objects.filter(session__episode__client__organisation_id=organisation_id)
        .order_by("session__episode__client_id", "session__episode__started",
                  "session__episode_id", "session__number", "instrument", "respondent")
        .values_list(*_FIELDS)
    )  # fmt: skip
    by_instrument: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_instrument.setdefault(r[6], []).append(i)
    columns: dict[str, list[Any]] = {}
    text_columns: set[str] = set()
    for instrument_id in sorted(by_instrument):
        where = by_instrument[instrument_id]
        spec = _spec(instrument_id, [rows[i] for i in where])
        text_columns |= spec.text
        for name in [*spec.items.values(), *spec.scores]:
            columns.setdefault(name, [None] * len(rows))
        for i in where:
            answers, scores = rows[i][8] or {}, rows[i][9] or {}
            for key, name in spec.items.items():
                value = answers.get(key)
                if name in spec.text:
                    columns[name][i] = None if value in (None, "") else str(value)
                else:
                    columns[name][i] = _number(value)
            for name in spec.scores:
                columns[name][i] = scores.get(name)
    base = {
        "client_id": pl.Series([r[0] for r in rows], dtype=pl.Int64),
        "therapist_id": pl.Series([r[1] for r in rows], dtype=pl.Int64),
        "episode_id": pl.Series([r[2] for r in rows], dtype=pl.Int64),
        "episode_start": pl.Series([r[3] for r in rows], dtype=pl.Date),
        "session": pl.Series([r[4] for r in rows], dtype=pl.Int32),
        "session_date": pl.Series([r[5] for r in rows], dtype=pl.Date),
        "instrument": pl.Series([r[6] for r in rows], dtype=pl.Enum(sorted(by_instrument))),
        "respondent": pl.Series(
            [r[7] for r in rows], dtype=pl.Enum([str(v) for v in Respondent.values])
        ),
    }
    wide = {
        n: pl.Series(n, v, dtype=_dtype(v, n in text_columns), strict=False)
        for n, v in columns.items()
    }
    text = tuple(n for n in wide if n in text_columns)
    return ResearchTable(pl.DataFrame({**base, **wide}), text)
