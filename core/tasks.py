from __future__ import annotations

import time

from celery import shared_task
from django.core.cache import cache

from core.metrics import BEAT_KEY


@shared_task(name="core.tasks.ping")
def ping(nonce: str) -> str:
    """Round trip through broker and worker; used by health checks and the worker test."""
    return f"pong:{nonce}"


@shared_task(name="core.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> float:
    """Scheduled by beat every minute: its age in the metrics shows that beat schedules and
    a worker runs (an age of minutes means one of them is down)."""
    now = time.time()
    cache.set(BEAT_KEY, now, timeout=None)
    return now
