"""FHIR R4 URLs."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "fhir"
urlpatterns: list[URLPattern] = []
