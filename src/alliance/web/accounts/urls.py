from django.urls import path

from alliance.web.accounts import preferences, views

app_name = "accounts"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("authenticator/", views.enrol, name="enrol"),
    path("clinic-security/", views.clinic_security, name="clinic_security"),
    path("clinic-security/reset/", views.reset_authenticator, name="reset_authenticator"),
]
