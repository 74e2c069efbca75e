from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="partners.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Remove expired browser sessions; safe to run at any time, any number of times."""
    call_command("clearsessions")
