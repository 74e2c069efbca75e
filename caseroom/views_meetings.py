"""Pages of the casusoverleg: the procesregisseur's week, planning and preparing meetings,
the meeting page per partner (with minutes and actions), the PDF agenda packet, and the
partners' own actions.

The meeting page and the PDF are built from one ``MeetingView``: what an organisation sees
on screen is exactly what it can print. Each view or print of it writes one access event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AccessEvent
from caseroom import selectors, services
from caseroom.forms_meetings import (
    ActionCreateForm,
    ActionStatusForm,
    AgendaItemForm,
    AttendeeInviteForm,
    MeetingCreateForm,
    MinutesForm,
    PresentForm,
)
from caseroom.models import (
    Action,
    ActionEvent,
    AgendaItem,
    Case,
    InformationCategory,
    Meeting,
    Minutes,
    Participation,
)
from caseroom.pdf import agenda_pdf, person_roles
from caseroom.views import _case_worker, _procesregisseur
from core.exceptions import ServiceError
from core.forms import StyledForm
from partners.models import Organisation, User
from partners.roles import Role


def _is_regisseur(user: User, meeting: Meeting) -> bool:
    """The procesregisseur of the meeting's house prepares it and writes the minutes."""
    return (
        user.has_role(Role.PROCESREGISSEUR)
        and meeting.house.organisation_id == user.organisation_id
    )


def _meeting_for_regisseur(user: User, meeting_id: int) -> Meeting:
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id)
    if not _is_regisseur(user, meeting):
        raise Http404
    return meeting


def _meeting_url(meeting: Meeting, anchor: str = "") -> str:
    url = reverse("caseroom:meeting_detail", args=[meeting.pk])
    return f"{url}#{anchor}" if anchor else url


def _agenda_item(meeting: Meeting, item_id: UUID) -> AgendaItem:
    item = meeting.agenda_items.select_related("case", "minutes").filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


def _minutes_of(item: AgendaItem) -> Minutes | None:
    minutes: Minutes | None = getattr(item, "minutes", None)
    return minutes


# --- my week --------------------------------------------------------------------------------


@require_GET
def week(request: HttpRequest) -> HttpResponse:
    """What needs the procesregisseur this week. Cases show by number only: no persons."""
    user = _procesregisseur(request)
    own_house = {"house__organisation_id": user.organisation_id}
    today = timezone.localdate()
    referrals = list(selectors.triage_queue_for_user(user=user).prefetch_related(None)[:25])
    meetings = list(
        selectors.meeting_list_for_user(user=user)
        .filter(starts_at__gte=timezone.now(), **own_house)
        .annotate(item_count=Count("agenda_items"))[:10]
    )
    overdue = list(
        selectors.action_list_for_user(user=user)
        .filter(case__house__organisation_id=user.organisation_id, due_date__lt=today)
        .exclude(status__in=Action.CLOSED)[:50]
    )
    leadless = list(
        selectors.case_list_for_user(user=user)
        .filter(lead_organisation__isnull=True, status__in=Case.ACTIVE, **own_house)
        .prefetch_related(None)[:50]
    )
    # Overdue actions show their free text, which is about the persons of their cases.
    persons = selectors.person_ids_of_cases(user=user, case_ids={a.case_id for a in overdue})
    selectors.log_exposure(AccessEvent.Action.LIST, "caseroom.case", person_ids=persons)
    return render(
        request,
        "caseroom/week.html",
        {
            "referrals": referrals,
            "meetings": meetings,
            "overdue": overdue,
            "leadless": leadless,
        },
    )


# --- planning -------------------------------------------------------------------------------


@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = _case_worker(request)
    now = timezone.now()
    meetings = selectors.meeting_list_for_user(user=user).annotate(item_count=Count("agenda_items"))
    return render(
        request,
        "caseroom/meeting_list.html",
        {
            "upcoming": list(meetings.filter(starts_at__gte=now)[:50]),
            "past": list(meetings.filter(starts_at__lt=now).order_by("-starts_at")[:20]),
            "can_plan": hasattr(user.organisation, "house") and user.has_role(Role.PROCESREGISSEUR),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    user = _procesregisseur(request)
    house = getattr(user.organisation, "house", None)
    if house is None:
        raise Http404
    form = MeetingCreateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        values = form.cleaned_data
        try:
            created = services.meeting_create(
                house=house,
                meeting_type=values["meeting_type"],
                starts_at=values["starts_at"],
                location=values["location"],
                repeat_every_days=values["repeat_every_days"],
                repeat_count=values["repeat_count"],
                by=user,
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            if len(created) == 1:
                messages.success(request, _("Het overleg is gepland."))
            else:
                messages.success(
                    request, _("%(count)s overleggen zijn gepland.") % {"count": len(created)}
                )
            return redirect("caseroom:meeting_prepare", meeting_id=created[0].pk)
    return render(request, "caseroom/meeting_form.html", {"form": form})


# --- preparation ----------------------------------------------------------------------------


def _agenda_cases(user: User, meeting: Meeting) -> Any:
    return (
        selectors.case_list_for_user(user=user)
        .filter(house=meeting.house, status__in=Case.ACTIVE)
        .exclude(agenda_items__meeting=meeting)
        .prefetch_related(None)
        .order_by("number")
    )


def _render_prepare(
    request: HttpRequest, user: User, meeting: Meeting, bound: dict[str, StyledForm] | None = None
) -> HttpResponse:
    bound = bound or {}
    items = list(meeting.agenda_items.select_related("case").order_by("position", "created_at"))
    attendees = list(
        meeting.attendees.select_related("organisation__kind", "user").order_by("created_at")
    )
    context = {
        "meeting": meeting,
        "items": items,
        "attendees": attendees,
        "agenda_form": bound.get("agenda")
        or AgendaItemForm(prefix="agenda", cases=_agenda_cases(user, meeting)),
        "invite_form": bound.get("uitnodiging") or AttendeeInviteForm(prefix="uitnodiging"),
    }
    # Case numbers and questions only: no persons on this page.
    selectors.log_exposure(AccessEvent.Action.VIEW, "caseroom.meeting", meeting.pk)
    return render(request, "caseroom/meeting_prepare.html", context)


@require_GET
def meeting_prepare(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _case_worker(request)
    meeting = _meeting_for_regisseur(user, meeting_id)
    return _render_prepare(request, user, meeting)


@require_POST
def agenda_item_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _case_worker(request)
    meeting = _meeting_for_regisseur(user, meeting_id)
    form = AgendaItemForm(request.POST, prefix="agenda", cases=_agenda_cases(user, meeting))
    if form.is_valid():
        try:
            item = services.agenda_item_add(
                meeting=meeting,
                case=form.cleaned_data["case"],
                question=form.cleaned_data["question"],
                by=user,
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("Casus %(number)s staat op de agenda.") % {"number": item.case.number},
            )
            return redirect(reverse("caseroom:meeting_prepare", args=[meeting.pk]) + "#agenda")
    return _render_prepare(request, user, meeting, bound={"agenda": form})


@require_POST
def attendee_invite(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _case_worker(request)
    meeting = _meeting_for_regisseur(user, meeting_id)
    form = AttendeeInviteForm(request.POST, prefix="uitnodiging")
    if form.is_valid():
        organisation: Organisation = form.cleaned_data["organisation"]
        try:
            services.attendee_invite(
                meeting=meeting,
                organisation=organisation,
                ad_hoc=form.cleaned_data["ad_hoc"],
                by=user,
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request, _("%(organisation)s is uitgenodigd.") % {"organisation": organisation.name}
            )
            url = reverse("caseroom:meeting_prepare", args=[meeting.pk])
            return redirect(f"{url}#deelnemers")
    return _render_prepare(request, user, meeting, bound={"uitnodiging": form})


@require_POST
def attendee_present(request: HttpRequest, meeting_id: int, attendee_id: int) -> HttpResponse:
    user = _case_worker(request)
    meeting = _meeting_for_regisseur(user, meeting_id)
    attendee = meeting.attendees.select_related("organisation").filter(pk=attendee_id).first()
    if attendee is None:
        raise Http404
    form = PresentForm(request.POST)
    if form.is_valid():
        try:
            services.attendee_set_present(
                attendee=attendee, present=form.cleaned_data["present"], by=user
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            if attendee.present:
                notice = _("%(organisation)s is aanwezig gemeld.")
            else:
                notice = _("%(organisation)s is afwezig gemeld.")
            messages.success(request, notice % {"organisation": attendee.organisation.name})
    return redirect(reverse("caseroom:meeting_prepare", args=[meeting.pk]) + "#deelnemers")


# --- the meeting page -----------------------------------------------------------------------


@dataclass
class ItemBlock:
    view: selectors.AgendaView
    minutes_form: MinutesForm | None = None
    conflict: Minutes | None = None
    action_form: ActionCreateForm | None = None

    @property
    def people(self) -> list[tuple[str, list[str]]]:
        """The listed persons once each, with all their roles in the case."""
        return person_roles(self.view)

    @property
    def approved(self) -> bool:
        minutes = self.view.minutes
        return minutes is not None and minutes.status == Minutes.Status.APPROVED


def _participants(case_ids: list[int]) -> dict[int, list[Organisation]]:
    """Active participants per case, in one query for the whole agenda."""
    found: dict[int, list[Organisation]] = {}
    rows = (
        Participation.objects.filter(case_id__in=case_ids, withdrawn_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    for row in rows:
        found.setdefault(row.case_id, []).append(row.organisation)
    return found


def _categories() -> list[InformationCategory]:
    return list(InformationCategory.objects.order_by("position", "code"))


def _minutes_form(
    item: AgendaItem,
    minutes: Minutes | None,
    data: Any = None,
    categories: list[InformationCategory] | None = None,
) -> MinutesForm:
    amend = minutes is not None and minutes.status == Minutes.Status.APPROVED
    initial = {
        "text": minutes.text if minutes else "",
        "decisions": minutes.decisions if minutes else "",
        "version": minutes.version if minutes else 0,
        "category": minutes.category.code if minutes and minutes.category else "basis",
    }
    return MinutesForm(
        data,
        prefix=f"verslag-{item.pk}",
        initial=initial,
        amend=amend,
        categories=categories if categories is not None else _categories(),
    )


def _render_meeting(
    request: HttpRequest,
    user: User,
    meeting: Meeting,
    bound: dict[str, StyledForm] | None = None,
    conflict: Minutes | None = None,
) -> HttpResponse:
    """The meeting as the user's organisation may see it. ``bound`` holds a submitted form
    (by prefix) to show again with its errors; ``conflict`` the minutes that won a race."""
    bound = bound or {}
    try:
        view = selectors.meeting_view_for_user(user=user, meeting=meeting)
    except selectors.ConfidentialityRequired:
        return render(request, "caseroom/meeting_confidentiality.html", {"meeting": meeting})
    regisseur = _is_regisseur(user, meeting)
    blocks = [ItemBlock(view=item) for item in view.items]
    if regisseur:
        participants = _participants([item.case.pk for item in view.items])
        categories = _categories()
        for block in blocks:
            item = block.view.item
            minutes_form = bound.get(f"verslag-{item.pk}")
            block.minutes_form = (
                minutes_form
                if isinstance(minutes_form, MinutesForm)
                else _minutes_form(item, block.view.minutes, categories=categories)
            )
            if conflict is not None and conflict.agenda_item_id == item.pk:
                block.conflict = conflict
            action_form = bound.get(f"afspraak-{item.pk}")
            block.action_form = (
                action_form
                if isinstance(action_form, ActionCreateForm)
                else ActionCreateForm(
                    prefix=f"afspraak-{item.pk}",
                    organisations=participants.get(item.case.pk, []),
                )
            )
    attendees = list(meeting.attendees.select_related("organisation").order_by("created_at"))
    selectors.log_exposure(
        AccessEvent.Action.VIEW, "caseroom.meeting", meeting.pk, view.person_ids()
    )
    return render(
        request,
        "caseroom/meeting_detail.html",
        {
            "meeting": meeting,
            "view": view,
            "blocks": blocks,
            "attendees": attendees,
            "is_regisseur": regisseur,
        },
    )


@require_GET
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _case_worker(request)
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id)
    return _render_meeting(request, user, meeting)


@require_POST
def meeting_sign(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _case_worker(request)
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id)
    attendee = meeting.attendees.filter(organisation_id=user.organisation_id).first()
    if attendee is None:
        raise Http404
    try:
        services.confidentiality_sign(attendee=attendee, by=user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("U heeft de geheimhoudingsverklaring getekend."))
    return redirect(_meeting_url(meeting))


@require_POST
def minutes_save(request: HttpRequest, meeting_id: int, item_id: UUID) -> HttpResponse:
    user = _case_worker(request)
    meeting = _meeting_for_regisseur(user, meeting_id)
    item = _agenda_item(meeting, item_id)
    minutes = _minutes_of(item)
    form = _minutes_form(item, minutes, request.POST)
    prefix = str(form.prefix)
    if form.is_valid():
        values = form.cleaned_data
        try:
            if form.amend and minutes is not None:
                services.minutes_amend(
                    minutes=minutes,
                    by=user,
                    text=values["text"],
                    decisions=values["decisions"],
                    reason=values["reason"],
                    expected_version=values["version"],
                    category=form.categories.get(values["category"]),
                )
            else:
                services.minutes_save(
                    agenda_item=item,
                    by=user,
                    text=values["text"],
                    decisions=values["decisions"],
                    expected_version=values["version"],
                    category=form.categories.get(values["category"]),
                )
        except services.MinutesConflict as error:
            # Keep the user's text in the form, now against the current version, and show
            # the text that won next to it; the losing text is also stored as a version.
            data = request.POST.copy()
            data[f"{prefix}-version"] = str(error.minutes.version)
            form = _minutes_form(item, error.minutes, data)
            form.is_valid()
            form.add_error(None, error.message)
            # The winning text only for who may see the minutes' category.
            visible = selectors.minutes_visible_to(user=user, minutes=error.minutes)
            return _render_meeting(
                request,
                user,
                meeting,
                bound={prefix: form},
                conflict=error.minutes if visible else None,
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            if form.amend:
                messages.success(request, _("De wijziging van het verslag is vastgelegd."))
            else:
                messages.success(request, _("Het verslag is opgeslagen."))
            return redirect(_meeting_url(meeting, f"punt-{item.pk}"))
    return _render_meeting(request, user, meeting, bound={prefix: form})


@require_POST
def minutes_approve(request: HttpRequest, meeting_id: int, item_id: UUID) -> HttpResponse:
    user = _case_worker(request)
    meeting = _meeting_for_regisseur(user, meeting_id)
    item = _agenda_item(meeting, item_id)
    minutes = _minutes_of(item)
    if minutes is None:
        messages.error(request, _("Er is nog geen verslag om vast te stellen."))
    else:
        try:
            services.minutes_approve(minutes=minutes, by=user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Het verslag is vastgesteld."))
    return redirect(_meeting_url(meeting, f"punt-{item.pk}"))


@require_POST
def action_create(request: HttpRequest, meeting_id: int, item_id: UUID) -> HttpResponse:
    user = _case_worker(request)
    meeting = _meeting_for_regisseur(user, meeting_id)
    item = _agenda_item(meeting, item_id)
    organisations = _participants([item.case.pk]).get(item.case.pk, [])
    form = ActionCreateForm(request.POST, prefix=f"afspraak-{item.pk}", organisations=organisations)
    if form.is_valid():
        values = form.cleaned_data
        try:
            services.action_create(
                case=item.case,
                agenda_item=item,
                by=user,
                description=values["description"],
                owner_organisation=values["owner_organisation"],
                due_date=values["due_date"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("De afspraak voor %(organisation)s is vastgelegd.")
                % {"organisation": values["owner_organisation"].name},
            )
            return redirect(_meeting_url(meeting, f"punt-{item.pk}"))
    return _render_meeting(request, user, meeting, bound={str(form.prefix): form})


@require_GET
def meeting_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The agenda packet of the user's organisation: the same selection as the screen."""
    user = _case_worker(request)
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id)
    try:
        view = selectors.meeting_view_for_user(user=user, meeting=meeting)
    except selectors.ConfidentialityRequired:
        return redirect(_meeting_url(meeting))
    content = agenda_pdf(view, organisation_name=user.organisation.name)
    selectors.log_exposure(
        AccessEvent.Action.PRINT, "caseroom.meeting", meeting.pk, view.person_ids()
    )
    filename = f"agenda-{timezone.localtime(meeting.starts_at):%Y-%m-%d}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


# --- my actions -----------------------------------------------------------------------------


@dataclass
class HistoryLine:
    event: ActionEvent
    old: str
    new: str


@dataclass
class ActionRow:
    action: Action
    form: ActionStatusForm
    history: list[HistoryLine]

    @property
    def closed(self) -> bool:
        return self.action.status in Action.CLOSED


def _render_my_actions(
    request: HttpRequest, user: User, bound: ActionStatusForm | None = None
) -> HttpResponse:
    labels = {key: str(label) for key, label in Action.Status.choices}
    history = Prefetch("history", queryset=ActionEvent.objects.select_related("actor"))
    actions = selectors.action_list_for_user(user=user, own=True).prefetch_related(history)
    rows = []
    for action in actions:
        prefix = f"status-{action.pk}"
        form = bound if bound is not None and bound.prefix == prefix else None
        rows.append(
            ActionRow(
                action=action,
                form=form
                or ActionStatusForm(
                    prefix=prefix, initial={"status": action.status, "note": action.note}
                ),
                history=[
                    HistoryLine(
                        event=event,
                        old=labels.get(event.old_status, event.old_status),
                        new=labels.get(event.new_status, event.new_status),
                    )
                    for event in action.history.all()
                ],
            )
        )
    rows.sort(key=lambda row: row.closed)  # open first, in due-date order
    # No names, but the actions' free text is about the persons of their cases.
    persons = selectors.person_ids_of_cases(user=user, case_ids={r.action.case_id for r in rows})
    selectors.log_exposure(AccessEvent.Action.LIST, "caseroom.action", person_ids=persons)
    return render(request, "caseroom/my_actions.html", {"rows": rows})


@require_GET
def my_actions(request: HttpRequest) -> HttpResponse:
    user = _case_worker(request)
    return _render_my_actions(request, user)


@require_POST
def action_status(request: HttpRequest, action_id: UUID) -> HttpResponse:
    user = _case_worker(request)
    action = selectors.action_get_for_user(user=user, action_id=action_id)
    form = ActionStatusForm(request.POST, prefix=f"status-{action.pk}")
    if form.is_valid():
        try:
            services.action_set_status(
                action=action,
                by=user,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                obstacle=form.cleaned_data["obstacle"],
            )
        except ServiceError as error:
            if error.code == "permission_denied":
                messages.error(request, error.message)
                return redirect("caseroom:my_actions")
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("De status van de afspraak is nu: %(status)s.")
                % {"status": dict(Action.Status.choices)[form.cleaned_data["status"]]},
            )
            return redirect(reverse("caseroom:my_actions") + f"#afspraak-{action.pk}")
    return _render_my_actions(request, user, bound=form)
