"""Research export URLs."""

from django.urls import URLPattern, path

from alliance.web.research import views

app_name = "research"
urlpatterns: list[URLPattern] = [path("", views.export, name="export")]
