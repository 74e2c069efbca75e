"""Escalation pages: the procesregisseur's overview of stalled cases (with the form to take
the next step) and the bestuurder's queue with the directive form. 404 for other roles."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit.models import AccessEvent
from caseroom.models import Action, Case, CasePerson, InformationCategory, Participation
from caseroom.selectors import case_get_for_user, log_exposure
from core.exceptions import ServiceError
from escalation import services
from escalation.forms import DirectiveForm, EscalateForm
from escalation.models import Escalation, EscalationLevel, Stall
from partners.models import Organisation
from partners.permissions import request_user
from partners.roles import Role


def _partners(case_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Per case, its active participants other than the house (one query for a page)."""
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for case_id, organisation_id, name, house_org in (
        Participation.objects.filter(case_id__in=case_ids, withdrawn_at__isnull=True)
        .order_by("organisation__name")
        .values_list(
            "case_id", "organisation_id", "organisation__name", "case__house__organisation_id"
        )
    ):
        if organisation_id != house_org:
            found[case_id].append((organisation_id, name))
    return found


def _escalate_form(
    case: Case,
    data: Any = None,
    *,
    levels: list[tuple[str, str]],
    partners: list[tuple[int, str]],
) -> EscalateForm:
    form = EscalateForm(data, prefix=f"escaleer-{case.pk}")
    form.fields["level"].choices = levels  # type: ignore[attr-defined]
    form.fields["organisations"].choices = partners  # type: ignore[attr-defined]
    return form


@require_http_methods(["GET", "POST"])
def stalls(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not user.has_role(Role.PROCESREGISSEUR):
        raise Http404
    posted_case = None
    levels = list(EscalationLevel.objects.values_list("code", "label"))
    if request.method == "POST":
        case = case_get_for_user(user=user, case_id=request.POST.get("case", "0") or 0)
        form = _escalate_form(
            case, request.POST, levels=levels, partners=_partners([case.pk])[case.pk]
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.escalate(
                    case=case,
                    level=EscalationLevel.objects.get(code=data["level"]),
                    by=user,
                    reason=data["reason"],
                    organisations=list(Organisation.objects.filter(pk__in=data["organisations"])),
                    addressed_to=data["addressed_to"],
                    actions=list(
                        Action.objects.filter(
                            case=case, stalls__resolved_at__isnull=True
                        ).distinct()
                    ),
                    stalemate=data["stalemate"],
                    solutions_discussed=data["solutions_discussed"],
                    urgency=data["urgency"],
                )
            except ServiceError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request, _("Escalatie vastgelegd voor %(n)s.") % {"n": case.number}
                )
                return redirect("escalation:stalls")
        posted_case = (case.pk, form)
    open_stalls = Stall.objects.filter(
        resolved_at__isnull=True, case__house__organisation_id=user.organisation_id
    ).select_related("case__house", "action")
    by_case: dict[int, list[Stall]] = defaultdict(list)
    for stall in open_stalls:
        by_case[stall.case_id].append(stall)
    partners = _partners(list(by_case))
    current = {
        e.case_id: e
        for e in Escalation.objects.filter(
            case_id__in=list(by_case), status=Escalation.Status.OPEN
        ).select_related("level")
    }
    cases = []
    for case_id, rows in sorted(by_case.items(), key=lambda kv: kv[1][0].found_at):
        case = rows[0].case
        if posted_case and posted_case[0] == case_id:
            form = posted_case[1]
        else:
            form = _escalate_form(case, levels=levels, partners=partners[case_id])
        cases.append({"case": case, "stalls": rows, "form": form, "current": current.get(case_id)})
    return render(request, "escalation/stalls.html", {"cases": cases})


@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not user.has_role(Role.BESTUURDER):
        raise Http404
    top = EscalationLevel.objects.order_by("-position").first()
    rows = list(
        Escalation.objects.filter(level=top)
        .exclude(directives__isnull=False)
        .exclude(status=Escalation.Status.DEESCALATED)
        .select_related("case", "level")
        .prefetch_related("responses__organisation", "organisations")
    )
    categories = list(InformationCategory.objects.values_list("code", "label"))

    def directive_form(escalation: Escalation, data: Any = None) -> DirectiveForm:
        form = DirectiveForm(data, prefix=f"besluit-{escalation.pk}")
        participants = escalation.case.participations.filter(
            withdrawn_at__isnull=True
        ).select_related("organisation")
        form.fields["organisation"].choices = [  # type: ignore[attr-defined]
            (p.organisation_id, p.organisation.name) for p in participants
        ]
        form.fields["categories"].choices = categories  # type: ignore[attr-defined]
        return form

    forms = {e.pk: directive_form(e) for e in rows}
    if request.method == "POST":
        escalation = next((e for e in rows if str(e.pk) == request.POST.get("escalation")), None)
        if escalation is None:
            raise Http404
        form = directive_form(escalation, request.POST)
        forms[escalation.pk] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.directive_issue(
                    case=escalation.case,
                    by=user,
                    organisation=Organisation.objects.get(pk=data["organisation"]),
                    categories=list(
                        InformationCategory.objects.filter(code__in=data["categories"])
                    ),
                    consultation_expired=data["consultation_expired"],
                    interests_weighed=data["interests_weighed"],
                    proportionality=data["proportionality"],
                    comply_by=data["comply_by"],
                    objection_route=data["objection_route"],
                )
            except ServiceError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request, _("Besluit genomen in %(n)s.") % {"n": escalation.case.number}
                )
                return redirect("escalation:queue")
    persons = CasePerson.objects.filter(case_id__in={e.case_id for e in rows}).values_list(
        "person_id", flat=True
    )
    log_exposure(AccessEvent.Action.LIST, "escalation.escalation", "", set(persons))
    return render(
        request,
        "escalation/queue.html",
        {"rows": [(e, forms[e.pk]) for e in rows]},
    )


@require_http_methods(["GET", "POST"])
def management_information(request: HttpRequest) -> HttpResponse:
    """Anonymised figures for a house and period (bestuurder: any house; procesregisseur:
    own house), with charts, a CSV download and a free-text interpretation."""
    import csv
    import datetime

    from django.utils import timezone

    from caseroom.models import House
    from escalation.management_info import management_report
    from escalation.models import PeriodInterpretation

    user = request_user(request)
    if user.has_role(Role.BESTUURDER):
        houses = House.objects.all()
    elif user.has_role(Role.PROCESREGISSEUR):
        houses = House.objects.filter(organisation_id=user.organisation_id)
    else:
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    house = houses.filter(pk=source.get("huis") or 0).first() or houses.first()
    if house is None:
        raise Http404
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(source.get("van", "")) if source.get("van") else None
        end = datetime.date.fromisoformat(source.get("tot", "")) if source.get("tot") else None
    except ValueError:
        start = end = None
        messages.error(request, _("Ongeldige datum; gebruik JJJJ-MM-DD."))
    end = end or today
    start = start or end - datetime.timedelta(days=90)
    if start > end:
        start, end = end, start
    report = management_report(house=house, start=start, end=end)
    interpretation = PeriodInterpretation.objects.filter(house=house, start=start, end=end).first()
    query = f"huis={house.pk}&van={start.isoformat()}&tot={end.isoformat()}"
    if request.method == "POST":
        text = request.POST.get("duiding", "").strip()
        if text:
            PeriodInterpretation.objects.update_or_create(
                house=house, start=start, end=end, defaults={"text": text, "author": user}
            )
            messages.success(request, _("Duiding opgeslagen."))
        return redirect(f"{request.path}?{query}")
    if request.GET.get("csv"):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="managementinformatie.csv"'
        writer = csv.writer(response)
        writer.writerows(report.rows())
        if interpretation:
            writer.writerow(["duiding", "", interpretation.text])
        return response
    totals = {
        target: sum(n for n in phases.values() if isinstance(n, int))
        for target, phases in report.by_target_and_phase.items()
    }
    peak = max(totals.values(), default=0) or 1
    bars = [(target, n, round(n / peak * 300, 1)) for target, n in totals.items()]
    return render(
        request,
        "escalation/management_information.html",
        {
            "report": report,
            "houses": houses,
            "house": house,
            "bars": bars,
            "interpretation": interpretation,
            "query": query,
        },
    )
