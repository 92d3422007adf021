"""FHIR R4 base (/fhir/): metadata, Questionnaire, Patient, QuestionnaireResponse, Observation."""

from django.urls import path, re_path

from alliance.web.fhirapi import views

app_name = "fhir"
urlpatterns = [
    path("metadata", views.Metadata.as_view(), name="metadata"),
    path("Questionnaire", views.QuestionnaireList.as_view(), name="questionnaires"),
    re_path(
        r"^Questionnaire/(?P<resource_id>[A-Za-z0-9\-.]{1,64})$",
        views.QuestionnaireRead.as_view(),
        name="questionnaire",
    ),
    path("Patient/<int:resource_id>", views.PatientRead.as_view(), name="patient"),
    path("QuestionnaireResponse", views.QuestionnaireResponseList.as_view(), name="responses"),
    path(
        "QuestionnaireResponse/<int:resource_id>",
        views.QuestionnaireResponseRead.as_view(),
        name="response",
    ),
    path("Observation", views.ObservationList.as_view(), name="observations"),
    re_path(
        r"^Observation/(?P<resource_id>[A-Za-z0-9\-.]{1,64})$",
        views.ObservationRead.as_view(),
        name="observation",
    ),
]
