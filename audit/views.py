"""The privacy officer's console as pages: charts, who accessed what, the review queue and
the monthly report. Metadata only; every page is itself an access event; 404 for anyone
without the privacy officer's role."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from audit.anomalies import rule_label
from audit.api import filtered_events, require_privacy_officer
from audit.chain import verify
from audit.charts import small_multiples, stacked
from audit.console import (
    Chart,
    accesses_per_day,
    anomalies_per_week,
    house_scope,
    month_figures,
    resolve_person,
    review_context,
)
from audit.forms import (
    EventFilterForm,
    PeriodForm,
    ReportForm,
    ReviewDecisionForm,
    ReviewFilterForm,
)
from audit.models import AccessEvent, ReviewItem
from audit.pdf import month_report_pdf
from audit.review import decide
from audit.services import record_access
from core.exceptions import ServiceError

PURPOSE = "toezicht op toegang (privacyfunctionaris)"


def _log(
    action: str,
    object_type: str,
    object_id: object = "",
    persons: list[str] | None = None,
    purpose: str = PURPOSE,
) -> None:
    record_access(
        action=action,
        object_type=object_type,
        object_id=object_id,
        person_ids=persons or [],
        purpose=purpose,
    )


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("pagina", None)
    return query.urlencode()


def _columns(chart: Chart) -> list[tuple[Any, list[int]]]:
    return [(p, [s.values[n] for s in chart.series]) for n, p in enumerate(chart.periods)]


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    require_privacy_officer(request)
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    per_day = accesses_per_day(start, end)
    per_week = anomalies_per_week(end)
    open_items = ReviewItem.objects.filter(
        status__in=[ReviewItem.Status.OPEN, ReviewItem.Status.IN_REVIEW]
    ).count()
    _log(AccessEvent.Action.VIEW, "audit.accessevent", purpose=PURPOSE + ": overzicht")
    return render(
        request,
        "audit/dashboard.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "per_day": per_day,
            "per_day_rows": small_multiples(per_day),
            "per_week": per_week,
            "per_week_chart": stacked(per_week),
            "per_day_table": _columns(per_day),
            "per_week_table": _columns(per_week),
            "open_items": open_items,
            "current": "dashboard",
        },
    )


@require_http_methods(["GET", "POST"])
def events(request: HttpRequest) -> HttpResponse:
    """GET shows the events for the filters in the URL (person ids only). A search by BSN
    comes by POST, is looked up here and continues as a GET with the person's id, so the
    BSN is never in a URL, a log line or the browser's history."""
    require_privacy_officer(request)
    if request.method == "POST":
        form = EventFilterForm(request.POST, allow_bsn=True)
        if form.is_valid():
            params = form.page_params()
            if params.get("person"):
                found = resolve_person(params["person"])
                if found:
                    params["person"] = ",".join(found)
                else:
                    form.add_error("person", _("Geen betrokkene gevonden met dit BSN of id."))
                    _log(AccessEvent.Action.SEARCH, "audit.accessevent")
                    return render(
                        request,
                        "audit/events.html",
                        {"form": form, "page": None, "current": "events"},
                    )
            return redirect(reverse("audit:events") + "?" + urlencode(params))
        return render(
            request, "audit/events.html", {"form": form, "page": None, "current": "events"}
        )
    form = EventFilterForm(request.GET or None)
    page = None
    query = ""
    if not form.is_bound or form.is_valid():
        params = form.api_params() if form.is_bound else {}
        selection, persons = filtered_events(params)
        page = Paginator(selection, 50).get_page(request.GET.get("pagina"))
        page.object_list = list(page.object_list)  # read before this search is logged
        _log(AccessEvent.Action.SEARCH, "audit.accessevent", persons=persons)
        query = urlencode(params)
    keep = _without_page(request)
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "query": query, "keep": keep, "current": "events"},
    )


@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    require_privacy_officer(request)
    form = ReviewFilterForm(request.GET or None)
    items = ReviewItem.objects.order_by("-occurred_at")
    if form.is_valid():
        status = form.cleaned_data.get("status")
        if status == "alle":
            pass
        elif status:
            items = items.filter(status=status)
        else:
            items = items.exclude(status__in=ReviewItem.CLOSED)
        if form.cleaned_data.get("rule"):
            items = items.filter(rule=form.cleaned_data["rule"])
    else:
        items = items.exclude(status__in=ReviewItem.CLOSED)
    page = Paginator(items, 50).get_page(request.GET.get("pagina"))
    for item in page:
        item.rule_label = rule_label(item.rule)  # type: ignore[attr-defined]
    _log(AccessEvent.Action.LIST, "audit.reviewitem")
    keep = _without_page(request)
    return render(
        request,
        "audit/reviews.html",
        {"form": form, "page": page, "keep": keep, "current": "reviews"},
    )


@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, item_id: UUID) -> HttpResponse:
    user = require_privacy_officer(request)
    item = get_object_or_404(ReviewItem, pk=item_id)
    form = ReviewDecisionForm(
        request.POST or None, initial={"status": item.status, "findings": item.findings}
    )
    if request.method == "POST" and form.is_valid():
        try:
            decide(
                item=item,
                by=user,
                status=form.cleaned_data["status"],
                findings=form.cleaned_data["findings"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("De beoordeling is vastgelegd."))
            return redirect("audit:review_detail", item_id=item.pk)
    context = review_context(item, user)
    _log(AccessEvent.Action.VIEW, "audit.reviewitem", item.pk)
    around = None
    if item.actor_id is not None:
        day = item.occurred_at.date().isoformat()
        around = (
            reverse("audit:events")
            + "?"
            + urlencode({"user": item.actor_id, "start": day, "end": day})
        )
    return render(
        request,
        "audit/review_detail.html",
        {
            "item": item,
            "label": rule_label(item.rule),
            "form": form,
            "context_rows": context,
            "around": around,
            "current": "reviews",
        },
    )


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    require_privacy_officer(request)
    form = ReportForm(request.GET or None)
    if form.is_bound and form.is_valid():
        scope = house_scope(form.cleaned_data["house"])
        if scope is None:
            raise Http404
        year, month = form.cleaned_data["month"]
        figures = month_figures(scope, year, month)
        pdf = month_report_pdf(figures, chain=verify())
        _log(
            AccessEvent.Action.PRINT,
            "audit.report",
            f"{scope.organisation_id}:{year}-{month:02d}",
            purpose=PURPOSE + ": maandrapportage",
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"toegang-{year}-{month:02d}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "audit/report.html", {"form": form, "current": "report"})
