"""The error raised for a FHIR resource that cannot be read or produced."""

from __future__ import annotations

from alliance.errors import AllianceError


class FhirError(AllianceError, ValueError):
    """A FHIR resource is invalid; the message names the FHIR path and the problem.

    >>> str(FhirError("item[0].linkId: unknown item '99'"))
    "item[0].linkId: unknown item '99'"
    """


class FhirRuleError(FhirError):
    """A well-formed resource breaks a rule of this server (e.g. an answer over the length limit).

    FHIR answers such a resource with 422 Unprocessable Entity and the issue code
    ``business-rule``, rather than the 400 of an unreadable one.
    """
