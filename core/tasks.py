from __future__ import annotations

from celery import shared_task


@shared_task(name="core.tasks.ping")
def ping(nonce: str) -> str:
    """Round trip through broker and worker; used by health checks and the worker test."""
    return f"pong:{nonce}"
