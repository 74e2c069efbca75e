from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _defaults(sender: AppConfig, **kwargs: Any) -> None:
    from caseroom.services import defaults_ensure

    defaults_ensure()


class CaseroomConfig(AppConfig):
    name = "caseroom"
    verbose_name = _("Casussen")

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
        from audit.console import register_houses, register_review_context
        from caseroom.anomalies import (
            break_glass_context,
            house_scope,
            houses,
            outside_participation,
        )
        from caseroom.services import BREAK_GLASS_SOURCE

        register_rule(outside_participation)
        register_houses(houses=houses, scope=house_scope)
        register_review_context(BREAK_GLASS_SOURCE, break_glass_context)
        post_migrate.connect(_defaults, sender=self, dispatch_uid="caseroom-defaults")
        from caseroom.access import clear_permission_cache

        post_migrate.connect(clear_permission_cache, dispatch_uid="caseroom-permission-cache")
