from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alliance.web.alerts"
    label = "alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Stored answers enqueue their alert evaluation in the same transaction.
        from alliance.web.alerts.tasks import enqueue_evaluation, raise_pending_risk
        from alliance.web.measures.answers import answers_recorded, risk_reported

        answers_recorded.connect(enqueue_evaluation, dispatch_uid="alerts.evaluate")
        risk_reported.connect(raise_pending_risk, dispatch_uid="alerts.pending_risk")
