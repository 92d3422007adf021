"""Report URLs: the client's progress report and the clinic report (HTML and PDF)."""

from django.urls import path

from alliance.web.reports import client, clinic

app_name = "reports"
urlpatterns = [
    path("clients/<int:pk>/report/", client.client_report, name="client_report"),
    path("clients/<int:pk>/report.pdf", client.client_report_pdf, name="client_report_pdf"),
    path("clinic/report/", clinic.clinic_report, name="clinic_report"),
    path("clinic/report.pdf", clinic.clinic_report_pdf, name="clinic_report_pdf"),
]
