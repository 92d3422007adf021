"""Which instruments a clinic can use: the built-in ones plus its own active imports.

A clinic's instrument can never take a built-in id, so a built-in id is
answered without a query and a clinic id with one query.

>>> sorted(instruments_for(None))[:2]  # doctest: +SKIP
['cnip', 'gad7']
"""

from __future__ import annotations

from alliance.instruments import Instrument, registry
from alliance.web.custominstruments.models import CustomInstrument


def instruments_for(organisation_id: int | None) -> dict[str, Instrument]:
    """Built-in instruments plus the clinic's active custom ones (one query)."""
    known = registry()
    if organisation_id is None:
        return known
    rows = CustomInstrument.objects.filter(organisation_id=organisation_id, active=True)
    for row in rows:
        if row.instrument_id not in known:
            known[row.instrument_id] = row.instrument()
    return known


def custom_for(organisation_id: int | None) -> dict[str, Instrument]:
    """Only the clinic's active custom instruments (one query)."""
    if organisation_id is None:
        return {}
    rows = CustomInstrument.objects.filter(organisation_id=organisation_id, active=True)
    return {row.instrument_id: row.instrument() for row in rows}


def instrument_for(organisation_id: int | None, instrument_id: str) -> Instrument:
    """One instrument of the clinic; ``KeyError`` naming the id when it has none.

    A switched-off instrument is still found here, so links already sent and
    answers already stored keep working; it is only left out of
    :func:`instruments_for` (what new plans can choose).
    """
    known = registry()
    if instrument_id in known:
        return known[instrument_id]
    row = (
        CustomInstrument.objects.filter(
            organisation_id=organisation_id, instrument_id=instrument_id
        ).first()
        if organisation_id is not None
        else None
    )
    if row is None:
        raise KeyError(
            f"unknown instrument {instrument_id!r} (not built in and not one of this clinic's)"
        )
    return row.instrument()
