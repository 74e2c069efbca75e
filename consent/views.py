"""The retention page: closed cases with their due dates (the list before each removal),
legal holds, and extension requests to decide. For the privacy officer (all houses) and the
procesregisseur (own house); 404 for others."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit.models import AccessEvent
from audit.services import record_access
from consent import retention as services
from consent import subject_requests as requests_services
from consent.api_requests import request_for, requests_for
from consent.api_retention import case_in_scope, cases_scope, retention_scope
from consent.forms import IntakeForm
from consent.models import RetentionExtension
from core.exceptions import ServiceError
from partners.models import User
from partners.permissions import request_user
from partners.roles import Role


@require_http_methods(["GET", "POST"])
def retention(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    rows = retention_scope(user).select_related("case", "case__house")  # 404 for others
    if request.method == "POST":
        try:
            _act(request, user)
        except ServiceError as error:
            messages.error(request, error.message)
        return redirect("consent:retention")
    notice = datetime.timedelta(days=settings.RETENTION_NOTICE_DAYS)
    page = Paginator(rows.order_by("due_on", "case_id"), 50).get_page(request.GET.get("pagina"))
    for row in page:
        row.removal_on = (  # type: ignore[attr-defined]
            None if row.legal_hold else (row.announced_on or row.due_on) + notice
        )
    extensions = RetentionExtension.objects.filter(
        case__in=cases_scope(user), status=RetentionExtension.Status.REQUESTED
    ).select_related("case", "requested_by")
    record_access(
        action=AccessEvent.Action.LIST, object_type="consent.retention", purpose="bewaartermijnen"
    )
    return render(
        request,
        "consent/retention.html",
        {
            "page": page,
            "extensions": extensions,
            "today": timezone.localdate(),
            "may_decide": user.has_role(Role.PRIVACYFUNCTIONARIS),
            "may_request": user.has_role(Role.PROCESREGISSEUR),
        },
    )


def _act(request: HttpRequest, user: User) -> None:
    what = request.POST.get("what")
    if what in ("hold", "release"):
        case_id = request.POST.get("case", "")
        if not case_id.isdigit():
            raise ServiceError(_("Onbekende casus."))
        case = case_in_scope(user, int(case_id))
        if what == "hold":
            services.legal_hold_set(case=case, reason=request.POST.get("reason", ""), by=user)
            messages.success(request, _("Bewaarplicht vastgelegd voor %(n)s.") % {"n": case.number})
        else:
            services.legal_hold_release(case=case, by=user)
            messages.success(request, _("Bewaarplicht opgeheven voor %(n)s.") % {"n": case.number})
    elif what == "extend":
        case_id = request.POST.get("case", "")
        try:
            until = parse_date(request.POST.get("until", "") or "")
        except ValueError:
            until = None
        if not case_id.isdigit():
            raise ServiceError(_("Onbekende casus."))
        if until is None:
            raise ServiceError(_("Geef de datum tot wanneer bewaard moet worden."))
        case = case_in_scope(user, int(case_id))
        services.extension_request(
            case=case, until=until, reason=request.POST.get("reason", ""), by=user
        )
        messages.success(request, _("Verlenging aangevraagd voor %(n)s.") % {"n": case.number})
    elif what in ("approve", "reject"):
        try:
            pk = uuid.UUID(request.POST.get("extension", ""))
        except ValueError:
            raise ServiceError(_("Onbekende aanvraag.")) from None
        extension = RetentionExtension.objects.filter(pk=pk, case__in=cases_scope(user)).first()
        if extension is None:
            raise ServiceError(_("Onbekende aanvraag."))
        services.extension_decide(extension=extension, approve=what == "approve", by=user)
        messages.success(request, _("Besluit over de verlenging vastgelegd."))
    else:
        raise ServiceError(_("Onbekende handeling."))


# --- data-subject requests ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def subject_requests(request: HttpRequest) -> HttpResponse:
    """Any partner takes a request in here; the privacy officer sees all requests with their
    term (overdue ones first), others the requests of their organisation."""
    user = request_user(request)
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = requests_services.request_intake(by=user, **form.cleaned_data)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("Verzoek ontvangen. Uiterlijk %(due)s krijgt betrokkene antwoord.")
                % {"due": date_format(created.due_on, "j F Y")},
            )
            return redirect("consent:subject_requests")
    rows = sorted(
        requests_for(user).prefetch_related("tasks"),
        key=lambda r: (not r.is_overdue(), not r.is_open, r.deadline),
    )
    record_access(
        action=AccessEvent.Action.LIST,
        object_type="consent.subjectrequest",
        person_ids=[r.person_id for r in rows if r.person_id],
        purpose="verzoeken van betrokkenen",
    )
    return render(
        request,
        "consent/subject_requests.html",
        {
            "form": form,
            "rows": rows,
            "officer": user.has_role(Role.PRIVACYFUNCTIONARIS),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
def subject_request_detail(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    user = request_user(request)
    if not user.has_role(Role.PRIVACYFUNCTIONARIS):
        raise Http404
    found = request_for(user, request_id)
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "extend":
                months = request.POST.get("months", "")
                requests_services.request_extend(
                    request=found,
                    months=int(months) if months.isdigit() else 0,
                    reason=request.POST.get("reason", ""),
                    by=user,
                )
            elif step == "release":
                requests_services.report_release(request=found, by=user)
            elif step == "restrict":
                requests_services.restrict(request=found, by=user)
            elif step == "erase":
                requests_services.erase(request=found, by=user)
            elif step in ("afgehandeld", "afgewezen"):
                requests_services.request_close(
                    request=found, status=step, outcome=request.POST.get("outcome", ""), by=user
                )
            else:
                raise ServiceError(_("Onbekende handeling."))
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Vastgelegd."))
        return redirect("consent:subject_request_detail", request_id=found.pk)
    record_access(
        action=AccessEvent.Action.VIEW,
        object_type="consent.subjectrequest",
        object_id=found.pk,
        person_ids=[found.person_id] if found.person_id else [],
        purpose="verzoek van betrokkene",
    )
    return render(
        request,
        "consent/subject_request_detail.html",
        {"item": found, "tasks": found.tasks.select_related("organisation", "done_by")},
    )
