"""The access log's part in the readiness check and the metrics (core.health, core.metrics),
registered by AuditConfig.ready()."""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from audit.chain import canonical, link_hash
from audit.models import AccessEvent, ChainCheckpoint
from core.health import CheckFailed


def check_audit_key() -> None:
    """The head of the chain verifies under AUDIT_KEY: a process with another key is not
    ready (it would append events nobody can verify)."""
    head = AccessEvent.objects.filter(seq__isnull=False).order_by("-seq").first()
    if head is not None and not hmac.compare_digest(
        link_hash(head.prev_hash, canonical(head)), head.hash
    ):
        raise CheckFailed("auditsleutel past niet bij het toegangslogboek")


def chain_metrics() -> Iterator[GaugeMetricFamily]:
    now = timezone.now()
    head = (
        AccessEvent.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "occurred_at")
        .first()
    )
    yield GaugeMetricFamily(
        "casusregie_audit_chain_head_seq",
        "Position of the newest event in the audit chain.",
        value=float(head[0] or 0) if head else 0.0,
    )
    if head:
        yield GaugeMetricFamily(
            "casusregie_audit_chain_head_age_seconds",
            "Seconds since the newest event was appended to the audit chain.",
            value=(now - head[1]).total_seconds(),
        )
    verified = ChainCheckpoint.objects.order_by("-verified_at").values_list(
        "verified_at", flat=True
    )[:1]
    if verified:
        yield GaugeMetricFamily(
            "casusregie_audit_chain_verified_age_seconds",
            "Seconds since the audit chain was last verified (audit.tasks.verify_chain).",
            value=(now - verified[0]).total_seconds(),
        )
