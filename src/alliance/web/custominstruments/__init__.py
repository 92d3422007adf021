"""Clinic instruments."""
