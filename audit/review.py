"""The review queue: every anomaly and every break-the-glass use becomes an item that the
privacy officer investigates and closes with findings.

Detection runs from beat over overlapping windows; an item exists once per rule and event,
so running it twice, or twice at the same time, adds nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.anomalies import Anomaly, anomaly, enabled, find_anomalies
from audit.models import AccessEvent, DetectionCursor, ReviewItem
from core.exceptions import ServiceError

PRIVACY_ROLE = "privacyfunctionaris"
# Detection looks back this far before its cursor: events written just before the previous
# run finished, and hours that were still filling up.
OVERLAP = datetime.timedelta(hours=2)
# The first run looks back this far; rules run over one day at a time (bounded memory).
FIRST_LOOKBACK = datetime.timedelta(days=31)
STEP = datetime.timedelta(days=1)


def _open(found: Anomaly, *, source_type: str = "", source_id: str = "") -> ReviewItem:
    values: dict[str, Any] = {
        "occurred_at": found.occurred_at,
        "actor_id": found.actor_id,
        "actor_username": found.actor_username,
        "organisation_id": found.organisation_id,
        "organisation_name": found.organisation_name,
        "object_type": found.object_type,
        "object_id": found.object_id,
        "detail": found.detail[:300],
    }
    try:
        with transaction.atomic():
            item, _ = ReviewItem.objects.get_or_create(
                rule=found.rule, event_seq=found.seq, defaults=values
            )
    except IntegrityError:  # a parallel run created it first
        item = ReviewItem.objects.get(rule=found.rule, event_seq=found.seq)
    if source_type and not item.source_type:
        item.source_type, item.source_id = source_type, str(source_id)
        item.save(update_fields=["source_type", "source_id", "updated_at"])
    return item


def open_for_event(
    rule: str, event: AccessEvent, detail: str, *, source_type: str = "", source_id: object = ""
) -> ReviewItem | None:
    """An item for one event, at once (a break-the-glass use does not wait for detection).
    None when the rule is switched off."""
    if not enabled(rule):
        return None
    return _open(anomaly(rule, event, detail), source_type=source_type, source_id=str(source_id))


def _floor_hour(moment: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(moment)
    return local.replace(minute=0, second=0, microsecond=0)


def detect(*, now: datetime.datetime | None = None) -> int:
    """Run the rules from a little before the last run up to now; returns the number of new
    items. Windows start on a whole hour, so the per-hour rule sees whole hours."""
    now = now or timezone.now()
    cursor = DetectionCursor.objects.first()
    start = _floor_hour(cursor.until - OVERLAP if cursor else now - FIRST_LOOKBACK)
    before = ReviewItem.objects.count()
    while start < now:
        end = min(start + STEP, now)
        for found in find_anomalies(start=start, end=end):
            _open(found)
        start = end
    if cursor is None:
        DetectionCursor.objects.create(until=now)
    elif now > cursor.until:
        DetectionCursor.objects.filter(pk=cursor.pk).update(until=now)
    return ReviewItem.objects.count() - before


@transaction.atomic
def decide(*, item: ReviewItem, by: Any, status: str, findings: str = "") -> ReviewItem:
    """Record the state of an investigation. Closing (gegrond / ongegrond) needs findings;
    nobody reviews their own access."""
    if not by.has_role(PRIVACY_ROLE):
        raise ServiceError(
            _("Alleen de privacyfunctionaris beoordeelt toegang."), code="permission_denied"
        )
    if status not in ReviewItem.Status.values:
        raise ServiceError(_("Onbekende status."), field="status")
    if item.actor_id is not None and item.actor_id == by.pk:
        raise ServiceError(
            _("U beoordeelt geen toegang van uzelf; laat een collega dit item behandelen."),
            code="permission_denied",
        )
    findings = findings.strip()
    if status in ReviewItem.CLOSED and not (findings or item.findings):
        raise ServiceError(_("Leg de bevindingen vast bij het afronden."), field="findings")
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    item.status = status
    if findings:
        item.findings = findings
    item.reviewed_by = by
    item.reviewed_at = timezone.now()
    item.save(update_fields=["status", "findings", "reviewed_by", "reviewed_at", "updated_at"])
    return item
