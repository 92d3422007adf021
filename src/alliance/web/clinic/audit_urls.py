from django.urls import path

from alliance.web.clinic import audit_views as views

app_name = "audit"
urlpatterns = [
    path("", views.log, name="log"),
]
