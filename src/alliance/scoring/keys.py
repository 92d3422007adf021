"""Names of score columns, made and read back from the instrument definitions.

:func:`alliance.scoring.score` writes ``{instrument}_{scale}``,
``{instrument}_{scale}_mean``, ``{instrument}_note``, bands and
``{instrument}_flag_{flag}``. Code that needs one of them asks here rather
than writing the string itself, and code that reads a column name back asks
:func:`parse_key`, which matches it against the instruments' own columns
(never by guessing a prefix: ``wai_sr_t_goal_mean`` belongs to ``wai_sr_t``,
not ``wai_sr``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from alliance.instruments.loader import get
from alliance.instruments.schema import Instrument, Scale
from alliance.scoring.expressions import band_column

__all__ = ["ScoreKey", "band_key", "flag_key", "parse_key", "scale_key", "score_keys"]

Kind = Literal["scale", "mean", "note", "band", "flag"]


@dataclass(frozen=True)
class ScoreKey:
    """One score column: its instrument, what it holds and the scale or flag id ("" for the note)."""

    instrument: str
    kind: Kind
    part: str
    column: str


def _resolve(instrument: Instrument | str) -> Instrument:
    return get(instrument) if isinstance(instrument, str) else instrument


def _scale(instrument: Instrument, scale: str) -> Scale:
    try:
        return instrument.scale(scale)
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from None


def scale_key(instrument: Instrument | str, scale: str, *, mean: bool = False) -> str:
    """The column of a scale's score (``mean=True``: its item mean, sum scales only).

    >>> scale_key("wai_sr", "bond", mean=True)
    'wai_sr_bond_mean'
    """
    resolved = _resolve(instrument)
    found = _scale(resolved, scale)
    if mean and found.method != "sum":
        raise ValueError(f"{resolved.id}: scale {scale!r} is a {found.method}, it has no item mean")
    return f"{resolved.id}_{scale}_mean" if mean else f"{resolved.id}_{scale}"


def band_key(instrument: Instrument | str, scale: str = "total") -> str:
    """The column of a scale's band.

    >>> band_key("phq9")
    'phq9_band'
    """
    resolved = _resolve(instrument)
    found = _scale(resolved, scale)
    if not found.bands:
        raise ValueError(f"{resolved.id}: scale {scale!r} has no bands")
    return band_column(resolved, found)


def flag_key(instrument: Instrument | str, flag: str) -> str:
    """The column of a flag.

    >>> flag_key("phq9", "risk")
    'phq9_flag_risk'
    """
    resolved = _resolve(instrument)
    if flag not in {f.id for f in resolved.flags}:
        raise ValueError(f"{resolved.id} has no flag {flag!r}")
    return f"{resolved.id}_flag_{flag}"


def score_keys(instrument: Instrument | str) -> list[ScoreKey]:
    """Every column :func:`alliance.scoring.score` writes for the instrument, described."""
    resolved = _resolve(instrument)
    keys: list[ScoreKey] = []
    for s in resolved.scales:
        keys.append(ScoreKey(resolved.id, "scale", s.id, f"{resolved.id}_{s.id}"))
        if s.method == "sum":
            keys.append(ScoreKey(resolved.id, "mean", s.id, f"{resolved.id}_{s.id}_mean"))
        if s.bands:
            keys.append(ScoreKey(resolved.id, "band", s.id, band_column(resolved, s)))
    if resolved.scales:
        keys.append(ScoreKey(resolved.id, "note", "", f"{resolved.id}_note"))
    keys.extend(
        ScoreKey(resolved.id, "flag", f.id, f"{resolved.id}_flag_{f.id}") for f in resolved.flags
    )
    return keys


def parse_key(column: str, instruments: Iterable[Instrument]) -> ScoreKey:
    """Which instrument's score ``column`` is, from the instruments' own column names.

    Raises ValueError when no instrument among ``instruments`` writes it.

    >>> from alliance.instruments import builtin
    >>> parse_key("wai_sr_t_goal_mean", builtin().values())
    ScoreKey(instrument='wai_sr_t', kind='mean', part='goal', column='wai_sr_t_goal_mean')
    """
    for instrument in instruments:
        if not column.startswith(f"{instrument.id}_"):
            continue
        for key in score_keys(instrument):
            if key.column == column:
                return key
    raise ValueError(f"{column!r} is not a score column of these instruments")
