from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _defaults(sender: AppConfig, **kwargs: Any) -> None:
    from escalation.services import levels_ensure

    levels_ensure()


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Escalatie")

    def ready(self) -> None:
        from audit.registry import register
        from escalation import models

        for model in (
            models.Stall,
            models.EscalationLevel,
            models.Escalation,
            models.EscalationResponse,
            models.Directive,
        ):
            register(model)
        post_migrate.connect(_defaults, sender=self, dispatch_uid="escalation-defaults")
