"""Clinic instruments URLs."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "custominstruments"
urlpatterns: list[URLPattern] = []
