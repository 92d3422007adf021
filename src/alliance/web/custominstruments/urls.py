"""Clinic instruments URLs (mounted at /clinic/instruments/)."""

from django.urls import path

from alliance.web.custominstruments import views

app_name = "custominstruments"
urlpatterns = [
    path("", views.instruments, name="list"),
    path("confirm/", views.confirm, name="confirm"),
    # Addressed by the instrument id within the admin's own clinic (not a record pk).
    path("show/<slug:instrument_id>/", views.detail, name="detail"),
    path("toggle/<slug:instrument_id>/", views.toggle, name="toggle"),
]
