from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from audit.operations import chain_metrics, check_audit_key
        from core.health import KEY_CHECKS
        from core.metrics import INSTALLATION_METRICS

        # Once per process, even if ready() runs again (tests may reload apps).
        if check_audit_key not in KEY_CHECKS:
            KEY_CHECKS.append(check_audit_key)
        if chain_metrics not in INSTALLATION_METRICS:
            INSTALLATION_METRICS.append(chain_metrics)
