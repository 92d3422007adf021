"""The client report views (to be written)."""

from django.http import Http404, HttpRequest, HttpResponse


def client_report(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404("not yet")


def client_report_pdf(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404("not yet")
