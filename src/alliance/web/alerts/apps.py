from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alliance.web.alerts"
    label = "alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Stored answers enqueue their alert evaluation in the same transaction.
        from alliance.web.alerts.tasks import enqueue_evaluation, raise_pending_risk
        from alliance.web.care.signals import episode_changed
        from alliance.web.measures.answers import risk_reported

        episode_changed.connect(enqueue_evaluation, dispatch_uid="alerts.evaluate")
        risk_reported.connect(raise_pending_risk, dispatch_uid="alerts.pending_risk")
