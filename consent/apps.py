from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _defaults(sender: AppConfig, **kwargs: Any) -> None:
    # The matrix names organisation kinds and categories: both exist first (the case room's
    # defaults ran before ours; the kinds may otherwise come only after the last app).
    from consent.covenant import covenant_defaults_ensure
    from partners.services import organisation_kinds_ensure_defaults

    organisation_kinds_ensure_defaults()
    covenant_defaults_ensure()


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Grondslagen en toestemming")

    def ready(self) -> None:
        from audit.registry import register
        from caseroom.signals import legal_bases_needed
        from consent import models
        from consent.covenant import record_covenant_bases

        for model in (
            models.Covenant,
            models.CovenantRule,
            models.CovenantPurpose,
            models.Consent,
            models.LegalBasis,
        ):
            register(model)
        legal_bases_needed.connect(record_covenant_bases, dispatch_uid="consent-covenant-bases")
        post_migrate.connect(_defaults, sender=self, dispatch_uid="consent-defaults")
