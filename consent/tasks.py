from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="consent.tasks.retention_run", acks_late=True)
def retention_run() -> dict[str, int]:
    """Daily: list closed cases whose retention has passed, and remove those listed at least
    RETENTION_NOTICE_DAYS ago (unless under a legal hold). Safe to run twice."""
    from consent.retention import retention_run as run

    result = run()
    # Case numbers are not personal data; counts and numbers only.
    log.info(
        "retention: %s announced, %s removed, %s on hold",
        len(result.announced),
        len(result.purged),
        len(result.held),
    )
    return {
        "announced": len(result.announced),
        "purged": len(result.purged),
        "held": len(result.held),
    }
