from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Kern")

    def ready(self) -> None:
        from celery.signals import task_failure, task_retry, task_success

        from core.metrics import count_task

        def _name(sender: Any) -> str:
            return str(getattr(sender, "name", sender))

        # Weak references would let these local functions go: keep them (weak=False).
        task_success.connect(
            lambda sender=None, **_: count_task(_name(sender), "succeeded"), weak=False
        )
        task_failure.connect(
            lambda sender=None, **_: count_task(_name(sender), "failed"), weak=False
        )
        task_retry.connect(
            lambda sender=None, **_: count_task(_name(sender), "retried"), weak=False
        )
