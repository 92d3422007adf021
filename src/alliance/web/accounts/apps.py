from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "alliance.web.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from alliance.web.accounts.checks import two_factor_off_in_production
        from alliance.web.accounts.middleware import stamp_activity

        def _stamp(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
            if request is not None and hasattr(request, "session"):
                stamp_activity(request)

        user_logged_in.connect(_stamp, weak=False, dispatch_uid="alliance-accounts-stamp-activity")
        checks.register(two_factor_off_in_production, checks.Tags.security, deploy=True)
