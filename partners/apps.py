from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    from django.apps import apps

    # post_migrate is sent once per app; permissions of every app exist after the last one.
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender is not with_models[-1]:
        return
    from partners.services import organisation_kinds_ensure_defaults, role_groups_sync

    role_groups_sync()
    organisation_kinds_ensure_defaults()


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Ketenpartners")

    def ready(self) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from audit.registry import register
        from partners import schema  # noqa: F401 - registers the OpenAPI auth extensions
        from partners.models import ApiToken, Organisation, OrganisationKind, User

        register(Organisation)
        register(OrganisationKind)
        register(User, exclude=["last_login"], mask=["password"])
        # Linking and removing second factors is logged; the secret and counters are not.
        register(TOTPDevice, include=["user", "name", "confirmed"])
        register(ApiToken, exclude=["key_hash", "last_used_at"])
        # Permissions exist only after every app migrated; run once per migrate, last.
        post_migrate.connect(_sync_roles, dispatch_uid="partners-sync-roles")
