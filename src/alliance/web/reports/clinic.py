"""The clinic report views (to be written)."""

from django.http import Http404, HttpRequest, HttpResponse


def clinic_report(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404("not yet")


def clinic_report_pdf(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404("not yet")
