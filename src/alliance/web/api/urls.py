"""REST API URLs: /api/v1/... resources, /api/schema/ (OpenAPI 3), /api/docs/, token pages."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from alliance.web.api import pages, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("clients", views.ClientViewSet, basename="client")
router.register("episodes", views.EpisodeViewSet, basename="episode")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("links", views.LinkViewSet, basename="link")
router.register("responses", views.ResponseViewSet, basename="response")
router.register("scores", views.ScoreViewSet, basename="score")
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("goals", views.GoalViewSet, basename="goal")
router.register("tasks", views.TaskViewSet, basename="task")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/docs.html"),
        name="docs",
    ),
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.revoke, name="token_revoke"),
]
