"""Reading an uploaded instrument and saving it for a clinic (validated, audited)."""

from __future__ import annotations

import tomllib
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from alliance.errors import InstrumentError
from alliance.fhir import FhirError, instrument_from_questionnaire
from alliance.instruments import Instrument, parse_instrument, registry
from alliance.web.audit.log import record
from alliance.web.custominstruments.models import CustomInstrument

MAX_ID_LENGTH = 40


def read_upload(kind: str, text: str, scoring: dict[str, Any] | None) -> Instrument:
    """The instrument in an upload; ``InstrumentError``/``FhirError`` name the field path."""
    if kind == "toml":
        if scoring is not None:
            raise InstrumentError("scoring: a scoring file is only for a FHIR Questionnaire")
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InstrumentError(f"not valid TOML: {exc}") from None
        except RecursionError:
            raise InstrumentError("not valid TOML: nested too deeply") from None
        return parse_instrument(raw, "instrument file")
    return instrument_from_questionnaire(text, scoring=scoring)


def check_new(organisation_id: int, instrument: Instrument) -> None:
    """Refuse an id that is built in, too long, or already this clinic's."""
    if instrument.id in registry():
        raise InstrumentError(
            f"id: {instrument.id!r} is a built-in instrument; give the clinic's version its "
            'own id (e.g. add id = "..." to the scoring file)'
        )
    if len(instrument.id) > MAX_ID_LENGTH:
        raise InstrumentError(f"id: {instrument.id!r} is longer than {MAX_ID_LENGTH} characters")
    if CustomInstrument.objects.filter(
        organisation_id=organisation_id, instrument_id=instrument.id
    ).exists():
        raise InstrumentError(f"id: this clinic already has an instrument {instrument.id!r}")


def save(
    request: HttpRequest, instrument: Instrument, source: str, *, licence_confirmed: bool
) -> CustomInstrument:
    """Store the instrument for the signed-in admin's clinic and audit who added it."""
    user: Any = request.user
    check_new(user.organisation_id, instrument)
    try:
        with transaction.atomic():
            row = CustomInstrument.objects.create(
                organisation_id=user.organisation_id,
                instrument_id=instrument.id,
                definition=instrument.model_dump(mode="json"),
                source=source,
                licence_confirmed=licence_confirmed,
                created_by=user,
            )
            record(
                request,
                "create",
                row,
                instrument=instrument.id,
                source=source,
                licence_confirmed=licence_confirmed,
            )
    except IntegrityError:
        raise InstrumentError(
            f"id: this clinic already has an instrument {instrument.id!r}"
        ) from None
    return row


def set_active(request: HttpRequest, row: CustomInstrument, active: bool) -> None:
    with transaction.atomic():
        CustomInstrument.objects.filter(pk=row.pk).update(active=active)
        record(request, "update", row, instrument=row.instrument_id, active=active)


__all__ = ["FhirError", "check_new", "read_upload", "save", "set_active"]
