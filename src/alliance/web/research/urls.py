"""Research export URLs."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "research"
urlpatterns: list[URLPattern] = []
