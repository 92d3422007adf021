from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "alliance.web.measures"
    label = "measures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A withdrawn consent revokes the episode's open links, in the same transaction.
        from alliance.web.consent.signals import consent_withdrawn
        from alliance.web.measures.services import revoke_open_links

        consent_withdrawn.connect(revoke_open_links, dispatch_uid="measures.revoke_links")
