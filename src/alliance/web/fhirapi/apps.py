from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "alliance.web.fhirapi"
    label = "fhir"
    verbose_name = "FHIR R4"
    default_auto_field = "django.db.models.BigAutoField"
