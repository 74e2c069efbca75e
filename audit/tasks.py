from __future__ import annotations

import logging

from celery import shared_task

from audit.chain import record_checkpoint, verify

log = logging.getLogger(__name__)


@shared_task(name="audit.tasks.verify_chain", acks_late=True)
def verify_chain() -> dict[str, object]:
    """Nightly: verify the access log from the last checkpoint. Safe to run twice: a second
    run starts from the checkpoint the first one recorded."""
    result = verify()
    if not result.ok:
        # Ids and positions only: the log line carries no personal data.
        log.error(
            "audit chain broken at seq=%s id=%s: %s",
            result.broken_seq,
            result.broken_id,
            result.reason,
        )
    else:
        record_checkpoint(result)
    return {
        "ok": result.ok,
        "checked": result.checked,
        "head": result.head_seq,
        "broken": result.broken_seq,
    }


@shared_task(name="audit.tasks.purge_expired", acks_late=True)
def purge_expired() -> int:
    """Daily: remove access events older than AUDIT_RETENTION_DAYS, keeping the rest
    verifiable. Safe to run twice (a second run finds nothing older)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from audit.chain import purge

    anchor = purge(before=timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS))
    if anchor is not None:
        log.info("audit retention: purged %s events up to seq=%s", anchor.purged_count, anchor.seq)
    return anchor.purged_count if anchor else 0


@shared_task(name="audit.tasks.detect_anomalies", acks_late=True)
def detect_anomalies() -> int:
    """Every 15 minutes: turn new anomalies into review items. Safe to run twice."""
    from audit.review import detect

    return detect()
