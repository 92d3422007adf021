from django.apps import AppConfig


class CryptoConfig(AppConfig):
    """Encryption at rest: the keys, the encrypted fields and ``manage.py rotate_keys``."""

    name = "alliance.web.crypto"
    label = "crypto"
    verbose_name = "Encryption at rest"
