from __future__ import annotations

import logging
from collections import defaultdict

from celery import shared_task
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)


def _mail(subject: str, body: str, recipients: list[str]) -> None:
    if recipients:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)


@shared_task(name="escalation.tasks.sweep_stalls", acks_late=True)
def sweep_stalls() -> dict[str, int]:
    """Hourly: find stalls, remind owners then procesregisseurs, propose escalations, and
    follow up directives past their term. Mails name case numbers only. Safe to run twice
    or concurrently: every follow-up is claimed before it is sent."""
    from caseroom.tasks import _link, _recipients
    from escalation.models import Directive, Stall
    from escalation.sweep import sweep
    from partners.models import User
    from partners.roles import Role, role_group_name

    result = sweep()
    owners: dict[int, set[str]] = defaultdict(set)
    for stall in Stall.objects.filter(pk__in=result.owner_reminders).select_related(
        "action", "case"
    ):
        if stall.action is not None:
            owners[stall.action.owner_organisation_id].add(stall.case.number)
    for organisation_id, numbers in owners.items():
        _mail(
            "Afspraken staan stil",
            "Er staan afspraken van uw organisatie stil in casus "
            f"{', '.join(sorted(numbers))}.\nBekijk ze in Casusregie: {_link()}\n",
            _recipients(None, organisation_id),
        )
    houses: dict[int, set[str]] = defaultdict(set)
    for number, house_org in Stall.objects.filter(pk__in=result.regisseur_reminders).values_list(
        "case__number", "case__house__organisation_id"
    ):
        houses[house_org].add(number)
    regisseurs = role_group_name(Role.PROCESREGISSEUR)
    for house_org, numbers in houses.items():
        emails = list(
            User.objects.filter(organisation_id=house_org, groups__name=regisseurs, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        _mail(
            "Casussen staan stil",
            f"In casus {', '.join(sorted(numbers))} staat iets stil; bekijk het overzicht "
            f"van vastgelopen casussen: {_link()}\n",
            emails,
        )
    overdue = 0
    for directive in Directive.objects.filter(
        Q(status=Directive.Status.ISSUED),
        comply_by__lt=timezone.localdate(),
        reminded_at__isnull=True,
    ):
        if not Directive.objects.filter(pk=directive.pk, reminded_at__isnull=True).update(
            reminded_at=timezone.now()
        ):
            continue
        overdue += 1
        bestuurders = list(
            User.objects.filter(pk=directive.issued_by_id).exclude(email="")
            .values_list("email", flat=True)
        )  # fmt: skip
        _mail(
            f"Besluit in casus {directive.case.number} niet nageleefd",
            "De termijn van naleving van het besluit doorzettingsmacht in casus "
            f"{directive.case.number} is verstreken.\n{_link()}\n",
            bestuurders + _recipients(None, directive.organisation_id),
        )
    counts = {
        "new": result.new,
        "resolved": result.resolved,
        "owner_reminders": len(result.owner_reminders),
        "regisseur_reminders": len(result.regisseur_reminders),
        "proposals": result.proposals,
        "directives_overdue": overdue,
    }
    log.info("stall sweep: %s", counts)
    return counts
