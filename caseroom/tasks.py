from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from caseroom.models import Action, Attendee, BreakGlassAccess
from partners.models import User
from partners.roles import Role, role_group_name


def _claim(model: type[Any], pk: object, field: str) -> bool:
    """Mark a notification as sent before sending, so a second run (retry, duplicate
    delivery) sends nothing; a failed send releases the claim for the retry."""
    return bool(
        model.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(**{field: timezone.now()})
    )


def _release(model: type[Any], pk: object, field: str) -> None:
    model.objects.filter(pk=pk).update(**{field: None})


def _mail(subject: str, message: str, recipients: list[str]) -> None:
    send_mail(subject=subject, message=message, from_email=None, recipient_list=recipients)


def _link() -> str:
    return f"{settings.SITE_URL}{reverse('partners:home')}"


def _recipients(user: User | None, organisation_id: int) -> list[str]:
    """The named person, or else everyone of the organisation (never service accounts)."""
    if user is not None and user.email:
        return [user.email]
    return list(
        User.objects.filter(
            organisation_id=organisation_id, is_active=True, is_service_account=False
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )


@shared_task(name="caseroom.tasks.notify_break_glass", acks_late=True)
def notify_break_glass(access_id: str) -> int:
    """Tell the house's privacy officers that a case was opened by break-the-glass.
    The mail holds the case number and a link, never names or content."""
    access = BreakGlassAccess.objects.select_related("case__house").filter(pk=access_id).first()
    if access is None or not _claim(BreakGlassAccess, access_id, "notified_at"):
        return 0
    recipients = list(
        User.objects.filter(
            organisation_id=access.case.house.organisation_id,
            groups__name=role_group_name(Role.PRIVACYFUNCTIONARIS),
            is_active=True,
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    try:
        _mail(
            f"Doorbraak (break-the-glass) in casus {access.case.number}",
            f"In casus {access.case.number} is een doorbraak (break-the-glass) geregistreerd.\n"
            f"Beoordeel deze in Casusregie: {_link()}\n",
            recipients,
        )
    except Exception:
        _release(BreakGlassAccess, access_id, "notified_at")
        raise
    return len(recipients)


@shared_task(name="caseroom.tasks.notify_meeting_invitation", acks_late=True)
def notify_meeting_invitation(attendee_id: int) -> int:
    """An invitation: the date and a link; no case numbers, names or content."""
    attendee = (
        Attendee.objects.select_related("meeting__meeting_type", "user")
        .filter(pk=attendee_id)
        .first()
    )
    if attendee is None or not _claim(Attendee, attendee_id, "notified_at"):
        return 0
    recipients = _recipients(attendee.user, attendee.organisation_id)
    if not recipients:
        return 0
    kind = attendee.meeting.meeting_type.label.lower()
    when = f"{timezone.localtime(attendee.meeting.starts_at):%d-%m-%Y %H:%M}"
    try:
        _mail(
            f"Uitnodiging {kind} {when}",
            f"U bent uitgenodigd voor een {kind} op {when}.\n"
            f"Bekijk de agenda in Casusregie: {_link()}\n",
            recipients,
        )
    except Exception:
        _release(Attendee, attendee_id, "notified_at")
        raise
    return len(recipients)


@shared_task(name="caseroom.tasks.notify_new_action", acks_late=True)
def notify_new_action(action_id: str) -> int:
    action = Action.objects.select_related("case", "owner").filter(pk=action_id).first()
    if action is None or not _claim(Action, action_id, "announced_at"):
        return 0
    recipients = _recipients(action.owner, action.owner_organisation_id)
    if not recipients:
        return 0
    try:
        _mail(
            f"Nieuwe afspraak in casus {action.case.number}",
            f"Er is een nieuwe afspraak voor u in casus {action.case.number}.\n"
            f"Bekijk uw afspraken in Casusregie: {_link()}\n",
            recipients,
        )
    except Exception:
        _release(Action, action_id, "announced_at")
        raise
    return len(recipients)


@shared_task(name="caseroom.tasks.send_due_reminders", acks_late=True)
def send_due_reminders() -> int:
    """Remind owners of open actions due within a day or overdue, once per action.
    Safe to run twice or concurrently: each action is claimed before its mail."""
    horizon = timezone.localdate() + timedelta(days=1)
    due = (
        Action.objects.filter(reminded_at__isnull=True, due_date__lte=horizon)
        .exclude(status__in=Action.CLOSED)
        .values_list("pk", flat=True)
    )
    sent = 0
    for action_id in list(due):
        if not _claim(Action, action_id, "reminded_at"):
            continue
        action = Action.objects.select_related("case", "owner").get(pk=action_id)
        recipients = _recipients(action.owner, action.owner_organisation_id)
        if recipients:
            _mail(
                f"Herinnering: afspraak in casus {action.case.number}",
                f"Een afspraak in casus {action.case.number} moet uiterlijk "
                f"{action.due_date:%d-%m-%Y} zijn uitgevoerd.\n"
                f"Bekijk uw afspraken in Casusregie: {_link()}\n",
                recipients,
            )
            sent += 1
    return sent
