"""FHIR R4 base (/fhir/): metadata, then a search and a read route per resource type of
:data:`alliance.web.fhirapi.resources.TYPES`, then a catch-all answering 404 in FHIR."""

from django.urls import URLPattern, path, re_path

from alliance.web.fhirapi import views
from alliance.web.fhirapi.resources import TYPES

app_name = "fhir"


def _routes() -> list[URLPattern]:
    routes = [
        path("metadata", views.Metadata.as_view(), name="metadata"),
        re_path(r"^\$export$", views.ExportKickoff.as_view(), name="export"),
        re_path(r"^Patient/\$export$", views.ExportKickoff.as_view(), name="patient-export"),
        re_path(
            r"^\$export-status/(?P<export_id>[^/]{1,40})$",
            views.ExportStatus.as_view(),
            name="export-status",
        ),
        re_path(
            r"^\$export-file/(?P<file_id>[^/]{1,40})$",
            views.ExportFile.as_view(),
            name="export-file",
        ),
    ]
    for name, kind in TYPES.items():
        routes += [
            path(name, views.Search.as_view(kind=kind), name=f"{name}-search"),
            re_path(
                rf"^{name}/(?P<resource_id>[^/]{{1,200}})$",
                views.Read.as_view(kind=kind),
                name=f"{name}-read",
            ),
        ]
    routes.append(re_path(r"^.*$", views.Nowhere.as_view(), name="nowhere"))
    return routes


urlpatterns = _routes()
