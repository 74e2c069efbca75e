"""The retention page: closed cases with their due dates (the list before each removal),
legal holds, and extension requests to decide. For the privacy officer (all houses) and the
procesregisseur (own house); 404 for others."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

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
from caseroom.access import is_house_procesregisseur
from caseroom.models import Case, InformationCategory
from caseroom.selectors import case_get_for_user, log_exposure
from consent import retention as services
from consent import selectors
from consent import services as consent_services
from consent import subject_requests as requests_services
from consent.api_requests import request_for, requests_for
from consent.api_retention import case_in_scope, cases_scope, retention_scope
from consent.forms import BasisForm, ConsentForm, IntakeForm
from consent.models import BasisKind, Consent, LegalBasis, RetentionExtension, SecrecyRoute
from core.exceptions import ServiceError
from partners.models import Organisation, User
from partners.permissions import request_user
from partners.roles import Role
from persons.models import Person


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


# --- a case's legal bases and consents ------------------------------------------------------


def _basis_forms(case: Case, data: Any = None) -> tuple[BasisForm, ConsentForm]:
    participants = list(
        case.participations.filter(withdrawn_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    organisations = [(p.organisation_id, p.organisation.name) for p in participants]
    categories = list(InformationCategory.objects.values_list("code", "label"))
    persons = [
        (str(link.person_id), link.person.full_name)
        for link in case.case_persons.select_related("person")
    ]
    basis = BasisForm(data if data and data.get("form") == "basis" else None, prefix="grondslag")
    basis.fields["organisation"].choices = organisations  # type: ignore[attr-defined]
    basis.fields["category"].choices = categories  # type: ignore[attr-defined]
    basis.fields["person"].choices = [("", _("Alle personen in de casus")), *persons]  # type: ignore[attr-defined]
    basis.fields["kind"].choices = [  # type: ignore[attr-defined]
        c for c in BasisKind.choices if c[0] != BasisKind.CONSENT
    ]
    basis.fields["secrecy_route"].choices = SecrecyRoute.choices  # type: ignore[attr-defined]
    consent = ConsentForm(
        data if data and data.get("form") == "consent" else None, prefix="toestemming"
    )
    consent.fields["person"].choices = persons  # type: ignore[attr-defined]
    consent.fields["organisations"].choices = organisations  # type: ignore[attr-defined]
    consent.fields["categories"].choices = categories  # type: ignore[attr-defined]
    consent.fields["recorded_how"].choices = Consent.Recorded.choices  # type: ignore[attr-defined]
    return basis, consent


@require_http_methods(["GET", "POST"])
def case_bases(request: HttpRequest, case_id: int) -> HttpResponse:
    """The legal bases of a case, and for the procesregisseur of the house the consents and
    the forms to record either (or withdraw a consent)."""
    user = request_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    manager = is_house_procesregisseur(user, case)
    basis_form, consent_form = _basis_forms(case, request.POST if manager else None)
    if request.method == "POST":
        if not manager:
            raise Http404
        if _post_bases(request, user, case, basis_form, consent_form):
            return redirect("consent:case_bases", case_id=case.pk)
    bases = selectors.bases_for_case(case=case)
    if not manager:
        bases = bases.filter(organisation_id=user.organisation_id)
    valid = set(LegalBasis.objects.valid().filter(case=case).values_list("pk", flat=True))
    persons = set(case.case_persons.values_list("person_id", flat=True))
    log_exposure(AccessEvent.Action.VIEW, "consent.legalbasis", case.pk, persons)
    return render(
        request,
        "consent/case_bases.html",
        {
            "case": case,
            "manager": manager,
            "bases": bases,
            "valid": valid,
            "consents": selectors.consents_for_case(case=case) if manager else [],
            "basis_form": basis_form,
            "consent_form": consent_form,
        },
    )


def _post_bases(
    request: HttpRequest, user: User, case: Case, basis_form: BasisForm, consent_form: ConsentForm
) -> bool:
    """Handle one of the forms; True when it succeeded (redirect), False to show errors."""
    which = request.POST.get("form")
    try:
        if which == "withdraw":
            pk = _uuid(request.POST.get("consent", ""))
            consent = Consent.objects.filter(case=case, pk=pk).first() if pk else None
            if consent is None:
                raise Http404
            outcome = consent_services.consent_withdraw(
                consent=consent, by=user, note=request.POST.get("note", "")
            )
            messages.success(
                request,
                _("Toestemming ingetrokken: %(n)s grondslagen beëindigd, %(w)s organisatie(s) uit "
                  "de casus, %(r)s te herbeoordelen.")
                % {"n": outcome["ended"], "w": len(outcome["withdrawn"]), "r": outcome["review"]},
            )  # fmt: skip
            return True
        if which == "basis" and basis_form.is_valid():
            data = basis_form.cleaned_data
            consent_services.legal_basis_record(
                case=case,
                organisation=Organisation.objects.get(pk=data["organisation"]),
                category=InformationCategory.objects.get(code=data["category"]),
                person=Person.objects.filter(pk=data["person"]).first() if data["person"] else None,
                kind=data["kind"],
                secrecy_route=data["secrecy_route"],
                provision=data["provision"],
                motivation=data["motivation"],
                valid_until=data["valid_until"],
                by=user,
            )
            messages.success(request, _("Grondslag vastgelegd."))
            return True
        if which == "consent" and consent_form.is_valid():
            data = consent_form.cleaned_data
            consent_services.consent_record(
                case=case,
                person=Person.objects.get(pk=data["person"]),
                organisations=list(Organisation.objects.filter(pk__in=data["organisations"])),
                categories=list(InformationCategory.objects.filter(code__in=data["categories"])),
                recorded_how=data["recorded_how"],
                note=data["note"],
                by=user,
            )
            messages.success(request, _("Toestemming vastgelegd."))
            return True
    except ServiceError as error:
        form = consent_form if which == "consent" else basis_form
        if which == "withdraw":
            messages.error(request, error.message)
            return True
        form.add_service_error(error)
    return False


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
