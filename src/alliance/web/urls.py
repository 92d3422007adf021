"""URL map of the clinic web app."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from alliance.web.accounts import views as accounts_views
from alliance.web.clinic.views import health

urlpatterns = [
    path("login/", accounts_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("alliance.web.accounts.urls")),
    path("password-reset/", accounts_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    # A regex route: its "token" is Django's one-time reset token, not a client link, so it
    # stays out of the client-link checks in tests/web/test_access_matrix.py.
    re_path(
        r"^password-reset/(?P<uidb64>[0-9A-Za-z_\-]+)/(?P<token>[0-9A-Za-z\-]+)/$",
        accounts_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("health/", health, name="health"),
    path("", include("alliance.web.caseload.urls")),
    path("q/", include("alliance.web.measures.urls")),
    path("p/", include("alliance.web.portal.urls")),
    path("clinic/", include("alliance.web.clinic.urls")),
    path("alerts/", include("alliance.web.alerts.urls")),
    path("goals/", include("alliance.web.goals.urls")),
    path("audit/", include("alliance.web.clinic.audit_urls")),
    path("", include("alliance.web.sessiontranscripts.urls")),
    path("", include("alliance.web.rights.urls")),
    path("api/", include("alliance.web.api.urls")),
    path("fhir/", include("alliance.web.fhirapi.urls")),
    path("research/", include("alliance.web.research.urls")),
    path("", include("alliance.web.reports.urls")),
    path("", include("alliance.web.texting.urls")),
    path("", include("alliance.web.inroom.urls")),
    path("", include("alliance.web.paper.urls")),
    path("", include("alliance.web.followup.urls")),
    path("clinic/instruments/", include("alliance.web.custominstruments.urls")),
]
handler404 = "alliance.web.api.errors.not_found"
handler400 = "alliance.web.api.errors.bad_request"
handler500 = "alliance.web.api.errors.server_error"
