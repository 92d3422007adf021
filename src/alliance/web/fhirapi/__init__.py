"""FHIR R4."""
