from django.urls import path

from alliance.web.caseload import views
from alliance.web.measures.plan_views import plan_edit

app_name = "care"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("clients/new/", views.client_new, name="client_new"),
    path("clients/<int:pk>/", views.client_detail, name="client"),
    path("clients/<int:pk>/items/<slug:instrument>/", views.items_view, name="items"),
    path("clients/<int:pk>/sessions/new/", views.session_new, name="session_new"),
    path("episodes/<int:pk>/approach/", views.approach, name="approach"),
    path("episodes/<int:pk>/plan/", plan_edit, name="plan"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/links/new/", views.link_new, name="link_new"),
    path("sessions/<int:pk>/forms/<slug:instrument>/", views.therapist_form, name="therapist_form"),
    path("links/<int:pk>/email/", views.link_email, name="link_email"),
    path("clients/<int:pk>/portal-link/", views.portal_link, name="portal_link"),
    path("clients/<int:pk>/therapist/", views.reassign, name="reassign"),
]
