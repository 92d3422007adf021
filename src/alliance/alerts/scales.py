"""What a score column means: its instrument, scale, label and direction.

Score columns are named ``{instrument}_{scale}`` or ``{instrument}_{scale}_mean``
(:func:`alliance.scoring.score`). :func:`describe` reads the instrument file
once, when an :class:`~alliance.alerts.config.AlertConfig` is built, so the
rules themselves never touch files.

Example:
    >>> info = describe("wai_sr_t_bond_mean")
    >>> info.label, info.topic, info.higher_is_better, info.respondent
    ('WAI-SR-T (adapted) Bond (item mean)', 'bond', True, 'therapist')
"""

from __future__ import annotations

from dataclasses import dataclass

from alliance.instruments import Instrument, Scale, registry

__all__ = ["ScoreInfo", "describe", "describe_flag"]


@dataclass(frozen=True)
class ScoreInfo:
    """A score column's instrument, scale id (``topic``), label and direction."""

    column: str
    instrument: str
    topic: str
    label: str
    higher_is_better: bool
    respondent: str


def _match(column: str, instrument: Instrument) -> tuple[Scale, bool] | None:
    rest = column.removeprefix(f"{instrument.id}_")
    if rest == column:
        return None
    is_mean = rest.endswith("_mean") and rest != "mean"
    scale_id = rest.removesuffix("_mean") if is_mean else rest
    scale = next((s for s in instrument.scales if s.id == scale_id), None)
    return None if scale is None else (scale, is_mean)


def _info(column: str, instrument: Instrument, scale: Scale, is_mean: bool) -> ScoreInfo:
    if scale.higher_is_better is None:
        raise ValueError(f"{column!r}: scale {scale.id!r} of {instrument.id} has no direction")
    label = f"{instrument.short_name} {scale.label}" + (" (item mean)" if is_mean else "")
    return ScoreInfo(
        column=column,
        instrument=instrument.id,
        topic=scale.id,
        label=label,
        higher_is_better=scale.higher_is_better,
        respondent=instrument.respondent,
    )


def describe(column: str) -> ScoreInfo:
    """Describe a score column, or raise ValueError when no instrument scale matches it."""
    known = registry()
    for instrument_id in sorted(known, key=len, reverse=True):
        found = _match(column, known[instrument_id])
        if found is not None:
            return _info(column, known[instrument_id], *found)
    raise ValueError(f"{column!r} is not a score column of any known instrument scale")


def describe_flag(column: str) -> str:
    """The instrument's message for a flag column ``{instrument}_flag_{flag}``.

    Raises ValueError when no instrument defines that flag.
    """
    known = registry()
    for instrument_id in sorted(known, key=len, reverse=True):
        flag_id = column.removeprefix(f"{instrument_id}_flag_")
        found = [f for f in known[instrument_id].flags if f.id == flag_id]
        if flag_id != column and found:
            return found[0].message
    raise ValueError(f"{column!r} is not a flag column of any known instrument")
