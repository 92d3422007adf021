"""The error raised for a FHIR resource that cannot be read or produced."""

from __future__ import annotations

from alliance.errors import AllianceError


class FhirError(AllianceError, ValueError):
    """A FHIR resource is invalid; the message names the FHIR path and the problem.

    >>> str(FhirError("item[0].linkId: unknown item '99'"))
    "item[0].linkId: unknown item '99'"
    """
