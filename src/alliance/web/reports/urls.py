"""Reports URLs."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "reports"
urlpatterns: list[URLPattern] = []
