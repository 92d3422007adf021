"""URL map of the clinic web app."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from alliance.web.clinic.views import health

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("health/", health, name="health"),
    path("", include("alliance.web.care.urls")),
    path("q/", include("alliance.web.measures.urls")),
    path("p/", include("alliance.web.portal.urls")),
    path("clinic/", include("alliance.web.clinic.urls")),
    path("alerts/", include("alliance.web.alerts.urls")),
    path("goals/", include("alliance.web.goals.urls")),
]
