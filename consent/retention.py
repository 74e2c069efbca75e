"""Case retention (DESIGN.md §7): a period per meeting type, counted from the case's closure;
a legal hold blocks removal; an extension needs a reason and someone else's approval.

The daily job (``consent.tasks.retention_run``) first lists a case as due (the privacy
officer's dry-run list) and removes it ``RETENTION_NOTICE_DAYS`` later if it is still due: the
personal data go, a tombstone and an access event stay. Running it twice changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AccessEvent
from audit.services import record_access
from caseroom import services as caseroom_services
from caseroom.access import is_house_procesregisseur
from caseroom.models import Case, MeetingType
from consent.covenant import active_covenant
from consent.models import CaseTombstone, Retention, RetentionExtension, add_months
from core.exceptions import ServiceError
from partners.models import User
from partners.roles import Role


def period_for(case: Case) -> tuple[int, str]:
    """The longest retention among the covenant purposes of the meeting types the case was
    discussed in; the configured default otherwise."""
    covenant = active_covenant()
    types = MeetingType.objects.filter(meetings__agenda_items__case=case).distinct()
    if covenant is not None:
        longest = (
            covenant.purposes.filter(meeting_type__in=types)
            .order_by("-retention_months")
            .select_related("meeting_type")
            .first()
        )
        if longest is not None:
            return longest.retention_months, f"{covenant}: {longest.meeting_type}"
    return settings.CASE_RETENTION_MONTHS, _("standaardtermijn")


def due_on(case: Case, months: int) -> datetime.date:
    if case.closed_at is None:
        raise ValueError("an open case has no retention")
    closed = timezone.localdate(case.closed_at)
    due = add_months(closed, months)
    extended = case.retention_extensions.filter(
        status=RetentionExtension.Status.APPROVED
    ).aggregate(until=Max("until"))["until"]
    if extended is not None and extended >= due:
        due = extended + datetime.timedelta(days=1)
    return due


@transaction.atomic
def retention_refresh(case: Case) -> Retention | None:
    """Bring a case's retention up to date (closure, extensions, covenant); None when the
    case is not closed (a reopened case is not due, and loses its place on the list)."""
    if case.closed_at is None:
        Retention.objects.filter(case=case).delete()
        return None
    months, source = period_for(case)
    due = due_on(case, months)
    retention, created = Retention.objects.get_or_create(
        case=case, defaults={"months": months, "source": source[:200], "due_on": due}
    )
    if not created and (retention.months, retention.source, retention.due_on) != (
        months,
        source[:200],
        due,
    ):
        retention.months, retention.source, retention.due_on = months, source[:200], due
        if due > timezone.localdate():
            retention.announced_on = None  # no longer due: listed again when it is
        retention.save(update_fields=["months", "source", "due_on", "announced_on", "updated_at"])
    return retention


@dataclass(frozen=True)
class RunResult:
    announced: list[str]
    purged: list[str]
    held: list[str]


def retention_run(*, today: datetime.date | None = None) -> RunResult:
    """The daily job. Safe to run twice: a second run finds nothing new to announce or
    remove."""
    today = today or timezone.localdate()
    announced, purged, held = [], [], []
    for case in Case.objects.filter(closed_at__isnull=False).only("pk"):
        retention_refresh(case)
    Retention.objects.filter(case__closed_at__isnull=True).delete()
    notice = datetime.timedelta(days=settings.RETENTION_NOTICE_DAYS)
    for retention in Retention.objects.filter(due_on__lte=today).select_related("case"):
        number = retention.case.number
        if retention.legal_hold:
            held.append(number)
            continue
        if retention.announced_on is None:
            Retention.objects.filter(pk=retention.pk).update(announced_on=today)
            announced.append(number)
        elif retention.announced_on + notice <= today:
            case_remove(retention=retention)
            purged.append(number)
    return RunResult(announced, purged, held)


@transaction.atomic
def case_remove(*, retention: Retention) -> CaseTombstone:
    """Remove one due case: tombstone first, then the data, then the access event."""
    retention = (
        Retention.objects.select_for_update()
        .select_related("case__house", "case__target_group")
        .get(pk=retention.pk)
    )
    case = retention.case
    if retention.legal_hold:
        raise ServiceError(_("Deze casus heeft een bewaarplicht."), code="legal_hold")
    if case.closed_at is None:
        raise ServiceError(_("Een open casus wordt niet verwijderd."), code="open")
    case_id, number = case.pk, case.number
    tombstone = CaseTombstone.objects.create(
        case_number=number,
        house_organisation_id=case.house.organisation_id,
        house_name=case.house.name,
        target_group=str(case.target_group.label) if case.target_group else "",
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        closure_reason=case.closure_reason,
        retention_months=retention.months,
        retention_source=retention.source,
        due_on=retention.due_on,
    )
    counts = caseroom_services.case_purge(case=case)
    tombstone.counts = counts
    tombstone.save(update_fields=["counts"])
    record_access(
        action=AccessEvent.Action.DELETE,
        object_type="caseroom.case",
        object_id=case_id,
        purpose=f"bewaartermijn verstreken ({number}, {retention.source})"[:300],
    )
    return tombstone


def _require_house_or_privacy(by: User, case: Case) -> None:
    if not (is_house_procesregisseur(by, case) or by.has_role(Role.PRIVACYFUNCTIONARIS)):
        raise ServiceError(
            _("Alleen de procesregisseur van het huis of de privacyfunctionaris."),
            code="permission_denied",
        )


@transaction.atomic
def legal_hold_set(*, case: Case, reason: str, by: User) -> Retention:
    _require_house_or_privacy(by, case)
    if len(reason.strip()) < 10:
        raise ServiceError(_("Geef de reden van de bewaarplicht."), field="reason")
    retention = retention_refresh(case)
    if retention is None:
        raise ServiceError(_("Een bewaarplicht geldt voor een afgesloten casus."), field="case")
    retention.legal_hold, retention.hold_reason = True, reason.strip()[:300]
    retention.hold_by, retention.hold_at = by, timezone.now()
    retention.save(update_fields=["legal_hold", "hold_reason", "hold_by", "hold_at", "updated_at"])
    return retention


@transaction.atomic
def legal_hold_release(*, case: Case, by: User) -> Retention:
    _require_house_or_privacy(by, case)
    retention = Retention.objects.filter(case=case, legal_hold=True).first()
    if retention is None:
        raise ServiceError(_("Deze casus heeft geen bewaarplicht."), code="no_hold")
    retention.legal_hold, retention.announced_on = False, None  # listed again before removal
    retention.hold_by, retention.hold_at = by, timezone.now()
    retention.save(update_fields=["legal_hold", "announced_on", "hold_by", "hold_at", "updated_at"])
    return retention


@transaction.atomic
def extension_request(
    *, case: Case, until: datetime.date, reason: str, by: User
) -> RetentionExtension:
    if not is_house_procesregisseur(by, case):
        raise ServiceError(
            _("Alleen de procesregisseur van het huis vraagt verlenging aan."),
            code="permission_denied",
        )
    if len(reason.strip()) < 20:
        raise ServiceError(
            _("Motiveer waarom langer bewaren nodig is (minstens 20 tekens)."), field="reason"
        )
    if until <= timezone.localdate():
        raise ServiceError(_("Kies een datum in de toekomst."), field="until")
    return RetentionExtension.objects.create(
        case=case, until=until, reason=reason.strip(), requested_by=by
    )


@transaction.atomic
def extension_decide(*, extension: RetentionExtension, approve: bool, by: User) -> Any:
    """The privacy officer decides; never the one who asked."""
    if not by.has_role(Role.PRIVACYFUNCTIONARIS):
        raise ServiceError(
            _("Alleen de privacyfunctionaris beslist over verlenging."), code="permission_denied"
        )
    if extension.requested_by_id == by.pk:
        raise ServiceError(_("U beslist niet over uw eigen aanvraag."), code="permission_denied")
    extension = RetentionExtension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != RetentionExtension.Status.REQUESTED:
        raise ServiceError(_("Over deze aanvraag is al beslist."), code="decided")
    extension.status = (
        RetentionExtension.Status.APPROVED if approve else RetentionExtension.Status.REJECTED
    )
    extension.decided_by, extension.decided_at = by, timezone.now()
    extension.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    retention_refresh(extension.case)
    return extension
