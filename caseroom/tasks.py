from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from caseroom.models import BreakGlassAccess
from partners.models import User
from partners.roles import Role, role_group_name


@shared_task(name="caseroom.tasks.notify_break_glass", acks_late=True)
def notify_break_glass(access_id: str) -> int:
    """Tell the house's privacy officers that a case was opened by break-the-glass.
    The mail holds the case number and a link, never names or content."""
    access = BreakGlassAccess.objects.select_related("case__house").filter(pk=access_id).first()
    # Claim the notification first, so a second run (retry, duplicate delivery) sends nothing.
    if access is None or not BreakGlassAccess.objects.filter(
        pk=access_id, notified_at__isnull=True
    ).update(notified_at=timezone.now()):
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
        send_mail(
            subject=f"Doorbraak (break-the-glass) in casus {access.case.number}",
            message=(
                f"In casus {access.case.number} is een doorbraak (break-the-glass) "
                "geregistreerd.\n"
                f"Beoordeel deze in Casusregie: {settings.SITE_URL}{reverse('partners:home')}\n"
            ),
            from_email=None,
            recipient_list=recipients,
        )
    except Exception:
        # Not sent: release the claim so that the retry sends it.
        BreakGlassAccess.objects.filter(pk=access_id).update(notified_at=None)
        raise
    return len(recipients)
