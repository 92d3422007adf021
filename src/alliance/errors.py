"""Errors raised by the core. The command line maps them to exit codes."""

from __future__ import annotations

__all__ = ["AllianceError", "DataError", "InstrumentError"]


class AllianceError(Exception):
    """Base class for errors the user can act on."""


class InstrumentError(AllianceError, ValueError):
    """An instrument definition file is invalid; the message names file and field."""


class DataError(AllianceError, ValueError):
    """Input data are invalid; the message names the row, the column and the value."""

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        super().__init__(message)
        self.row = row
        self.column = column
        self.value = value
