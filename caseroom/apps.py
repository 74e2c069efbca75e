from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _defaults(sender: AppConfig, **kwargs: Any) -> None:
    from caseroom.services import defaults_ensure

    defaults_ensure()


class CaseroomConfig(AppConfig):
    name = "caseroom"
    verbose_name = "Casussen"

    def ready(self) -> None:
        from audit.registry import register
        from caseroom import models

        for model in (
            models.House,
            models.Referral,
            models.Case,
            models.CasePerson,
            models.Participation,
            models.Contribution,
            models.BreakGlassAccess,
            models.InformationCategory,
            models.TargetGroup,
        ):
            register(model)
        register(models.Attachment, exclude=["data"])
        register(models.GroupRecord, mask=["name"])
        from audit.anomalies import register_rule
        from caseroom.anomalies import outside_participation

        register_rule(outside_participation)
        post_migrate.connect(_defaults, sender=self, dispatch_uid="caseroom-defaults")
        from caseroom.access import clear_permission_cache

        post_migrate.connect(clear_permission_cache, dispatch_uid="caseroom-permission-cache")
