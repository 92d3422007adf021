"""The client's progress report: a page the therapist can go through with the client, and its PDF.

Open to the client's therapist and the clinic's supervisors and
administrators, exactly like the client page (``clinician_required`` and
``client_for``: outside the caseload or the clinic is a 404, a role without
client records a 403). Each view and each PDF download is written to the
audit log.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from alliance.reports.pdf import html_to_pdf
from alliance.web.accounts.access import clinician_required
from alliance.web.audit.log import record
from alliance.web.care.lookup import client_for
from alliance.web.languages import client_language
from alliance.web.reports.client_context import report_context


@clinician_required
def client_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The report inside the app, with "Download PDF"; prints cleanly from the browser too."""
    client = client_for(request, pk)
    record(request, "view", client, client=client, view="report")
    context = report_context(client, timezone.localdate())
    response = render(request, "reports/client_report.html", context)
    response["Cache-Control"] = "no-store"
    return response


@clinician_required
def client_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The same report as a self-contained PDF (inline CSS and SVG), downloaded as a file."""
    client = client_for(request, pk)
    today = timezone.localdate()
    record(request, "export", client, client=client, view="report", format="pdf")
    # The PDF is handed to the client: in their preferred language.
    with client_language(client):
        html = render_to_string("reports/client_report_pdf.html", report_context(client, today))
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    filename = f"report-{client.code}-{today.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
