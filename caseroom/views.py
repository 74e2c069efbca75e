"""Pages of the case room: the case list and the case page, intake, triage and
break-the-glass.

Every object comes from a selector for the requesting user (404 for "not yours"), every
change goes through a service, and a service's refusal is shown on the form that asked for
it. Every page that shows personal data writes one access event naming the persons shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.forms import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AccessEvent
from caseroom import selectors, services
from caseroom.access import is_house_procesregisseur, user_category_codes, works_on_cases
from caseroom.forms import (
    AddressForm,
    BreakGlassForm,
    CasePersonEditForm,
    CasePersonForm,
    CasePersonLinkForm,
    CategoriesForm,
    ContributionForm,
    GoalForm,
    LeadForm,
    ParticipantAddForm,
    ReferralForm,
    ReferralPersonFormSet,
    RelationForm,
    StatusForm,
    StyledForm,
    TriageForm,
    WithdrawForm,
)
from caseroom.models import (
    Case,
    CaseEvent,
    CasePerson,
    Contribution,
    InformationCategory,
    Participation,
    Referral,
)
from caseroom.throttles import HitNoHitThrottle
from caseroom.uploads import ALLOWED, upload_refusal
from core.exceptions import ServiceError
from core.pagination import IdsFirstPaginator
from partners.models import Organisation, User
from partners.permissions import request_user
from partners.roles import Role
from persons import services as person_services
from persons.models import Address, Person, PersonRelation
from persons.services import DuplicatePersonError

PER_PAGE = 50


def _case_worker(request: HttpRequest) -> User:
    """The user, if their role works on cases; others find no case pages at all."""
    user = request_user(request)
    if not works_on_cases(user):
        raise Http404
    return user


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Page[Any]:
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("pagina"))


def _case_url(case: Case, anchor: str = "") -> str:
    url = reverse("caseroom:case_detail", args=[case.pk])
    return f"{url}#{anchor}" if anchor else url


def person_name(person: Person) -> str:
    return " ".join(part for part in (person.given_names, person.surname) if part)


# --- case list ------------------------------------------------------------------------------


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    user = _case_worker(request)
    source: Any = selectors.VisibleCasePages(user=user)
    page = IdsFirstPaginator(source, PER_PAGE).get_page(request.GET.get("pagina"))
    cases = selectors.mark_person_visibility(user=user, cases=list(page.object_list))
    shown = [case for case in cases if case.shows_persons]
    for case in shown:
        names = {link.person_id: person_name(link.person) for link in case.linked_persons()}
        case.person_names = list(names.values())  # type: ignore[attr-defined]
    selectors.log_exposure(
        AccessEvent.Action.LIST, "caseroom.case", person_ids=selectors.case_person_ids(shown)
    )
    return render(
        request,
        "caseroom/case_list.html",
        {
            "page": page,
            "cases": cases,
            "is_procesregisseur": user.has_role(Role.PROCESREGISSEUR),
        },
    )


# --- the case page --------------------------------------------------------------------------


@dataclass
class PersonCard:
    person: Person
    roles: list[str] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    relations: list[PersonRelation] = field(default_factory=list)
    shows_health: bool = False  # may the user see health data (``has_lvb``, ``zorg``)?


@dataclass
class ParticipantRow:
    participation: Participation
    is_lead: bool
    categories_form: StyledForm | None = None
    withdraw_form: StyledForm | None = None


@dataclass
class CategoryGroup:
    category: InformationCategory
    contributions: list[Contribution]


@dataclass
class TimelineLine:
    event: CaseEvent
    detail: str


def _person_cards(user: User, case: Case) -> list[PersonCard]:
    cards: dict[UUID, PersonCard] = {}
    links: list[CasePerson] = case.linked_persons()
    for link in links:
        card = cards.setdefault(link.person_id, PersonCard(person=link.person))
        card.roles.append(link.get_role_display())
    persons = [card.person for card in cards.values()]
    addresses = selectors.addresses_of_persons_for_user(user=user, persons=persons)
    relations = selectors.relations_of_persons_for_user(user=user, persons=persons)
    health = selectors.health_visible_person_ids(user=user, persons=persons)
    for person_id, card in cards.items():
        card.addresses = addresses.get(person_id, [])
        card.relations = relations.get(person_id, [])
        card.shows_health = person_id in health
    return list(cards.values())


def _event_detail(
    event: CaseEvent, organisation_names: dict[int, str], person_names: dict[str, str]
) -> str:
    data = event.data or {}
    statuses = dict(Case.Status.choices)
    if event.kind == CaseEvent.Kind.STATUS_CHANGED:
        old, new = data.get("old", ""), data.get("new", "")
        return f"{statuses.get(old, old)} → {statuses.get(new, new)}"
    if event.kind in (
        CaseEvent.Kind.PARTICIPANT_ADDED,
        CaseEvent.Kind.PARTICIPANT_WITHDRAWN,
        CaseEvent.Kind.CATEGORIES_CHANGED,
    ):
        return organisation_names.get(data.get("participant_id"), "")  # type: ignore[arg-type]
    if event.kind == CaseEvent.Kind.LEAD_CHANGED:
        lead = data.get("organisation_id")
        return organisation_names.get(lead, "") if lead else _("geen regiehouder")
    if event.kind == CaseEvent.Kind.PERSON_ADDED:
        role = str(dict(CasePerson.Role.choices).get(data.get("role", ""), ""))
        name = person_names.get(str(data.get("person_id", "")))
        return f"{name} ({role})" if name else role
    if event.category is not None:
        return str(event.category.label)
    return ""


def _contribution_form(
    user: User, case: Case, codes: set[str], *args: Any, **kwargs: Any
) -> ContributionForm:
    persons: list[tuple[str, str]] = []
    if getattr(case, "shows_persons", False):
        seen: dict[str, str] = {}
        for link in case.linked_persons():
            seen.setdefault(str(link.person_id), person_name(link.person))
        persons = list(seen.items())
    return ContributionForm(
        *args, category_codes=codes, persons=persons, prefix="inbreng", **kwargs
    )


def _lead_candidates(case: Case) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        participations__case=case, participations__withdrawn_at__isnull=True
    ).order_by("name")


def _render_case(
    request: HttpRequest, user: User, case: Case, bound: dict[str, StyledForm] | None = None
) -> HttpResponse:
    """The case page. ``bound`` holds a submitted form (by prefix) to show with its errors."""
    bound = bound or {}
    can_manage = is_house_procesregisseur(user, case)
    codes = user_category_codes(user, case)
    categories = list(InformationCategory.objects.all())

    participations = list(selectors.participation_list_for_case(case=case))
    organisation_names = {p.organisation_id: p.organisation.name for p in participations}
    own_active = any(
        p.organisation_id == user.organisation_id and p.is_active for p in participations
    )
    rows: list[ParticipantRow] = []
    withdrawn: list[Participation] = []
    for participation in participations:
        if participation.withdrawn_at is not None:
            withdrawn.append(participation)
            continue
        row = ParticipantRow(
            participation=participation,
            is_lead=participation.organisation_id == case.lead_organisation_id,
        )
        key = str(participation.pk)
        if can_manage:
            row.categories_form = bound.get(f"cat-{key}") or CategoriesForm(
                prefix=f"cat-{key}",
                initial={"categories": [c.code for c in participation.categories.all()]},
            )
        own = participation.organisation_id == user.organisation_id
        # The house keeps coordinating; it is not offered a way out of its own case.
        if (can_manage or own) and participation.organisation_id != case.house.organisation_id:
            row.withdraw_form = bound.get(f"terug-{key}") or WithdrawForm(prefix=f"terug-{key}")
        rows.append(row)

    contributions = list(selectors.contribution_list_for_user(user=user, case=case))
    groups = [
        CategoryGroup(c, [item for item in contributions if item.category_id == c.pk])
        for c in categories
        if c.code in codes
    ]
    empty_categories = [group.category for group in groups if not group.contributions]
    groups = [group for group in groups if group.contributions]
    hidden_categories = [c for c in categories if c.code not in codes]

    cards = _person_cards(user, case) if getattr(case, "shows_persons", False) else []
    names = {card.person.pk: person_name(card.person) for card in cards}
    by_id = {str(pk): name for pk, name in names.items()}
    for contribution in contributions:
        about = names.get(contribution.person_id) if contribution.person_id else None
        contribution.about = about or ""  # type: ignore[attr-defined]
    timeline = [
        TimelineLine(event, _event_detail(event, organisation_names, by_id))
        for event in selectors.timeline_for_user(user=user, case=case)
    ]
    case_groups = selectors.group_list_for_case(user=user, case=case)

    context: dict[str, Any] = {
        "case": case,
        "can_manage": can_manage,
        "via_break_glass": not can_manage and not own_active,
        "lead_missing": case.lead_organisation_id is None and case.is_active,
        "persons": cards,
        "participants": rows,
        "withdrawn": withdrawn,
        "case_groups": case_groups,
        "groups": groups,
        "empty_categories": empty_categories,
        "hidden_categories": hidden_categories,
        "timeline": timeline,
    }
    contribute = user_category_codes(user, case, participation_only=True)
    if contribute:
        context["contribution_form"] = bound.get("inbreng") or _contribution_form(
            user, case, contribute
        )
    if can_manage:
        context["participant_form"] = bound.get("deelnemer") or ParticipantAddForm(
            prefix="deelnemer", case=case
        )
        context["status_form"] = bound.get("status") or StatusForm(
            prefix="status",
            current=case.status,
            initial={"status": case.status, "closure_reason": case.closure_reason},
        )
        context["lead_form"] = bound.get("regie") or LeadForm(
            prefix="regie",
            organisations=_lead_candidates(case),
            initial={"lead_organisation": case.lead_organisation_id},
        )

    plan = selectors.plan_for_user(user=user, case=case)
    context["plan"] = plan
    context["can_agree"] = own_active and user.organisation_id not in plan.agreed_organisation_ids
    if can_manage:
        context["goal_form"] = bound.get("doel") or GoalForm(prefix="doel")

    shown = set(names)
    shown |= {r.related_id for card in cards for r in card.relations}
    shown |= {c.person_id for c in contributions if c.person_id}
    shown |= selectors.group_member_ids(case_groups)
    selectors.log_exposure(AccessEvent.Action.VIEW, "caseroom.case", case.pk, shown)
    return render(request, "caseroom/case_detail.html", context)


@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _case_worker(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    return _render_case(request, user, case)


def _submit(
    request: HttpRequest,
    user: User,
    case: Case,
    form: StyledForm,
    perform: Callable[[dict[str, Any]], str],
    anchor: str,
) -> HttpResponse:
    """Run a case change from a form: on success a notice and back to the case page; on a
    refusal the case page again, with the error on the form."""
    if form.is_valid():
        try:
            notice = perform(form.cleaned_data)
        except ServiceError as error:
            if error.code == "permission_denied":
                raise PermissionDenied(error.message) from error  # 403, nothing changed
            form.add_service_error(error)
        else:
            messages.success(request, notice)
            if not selectors.case_list_for_user(user=user).filter(pk=case.pk).exists():
                # Withdrawing one's own organisation ends one's access at once.
                return redirect("caseroom:case_list")
            return redirect(_case_url(case, anchor))
    return _render_case(request, user, case, bound={str(form.prefix): form})


def _participation(case: Case, participation_id: UUID) -> Participation:
    found = selectors.participation_list_for_case(case=case).filter(pk=participation_id).first()
    if found is None:
        raise Http404
    return found


@require_POST
def contribution_add(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _case_worker(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    form = _contribution_form(
        user,
        case,
        user_category_codes(user, case, participation_only=True),
        request.POST,
        request.FILES,
    )
    refused = upload_refusal(request)  # a file past the limit was not even received
    if refused is not None:
        form.add_error("attachments", refused.message)

    def perform(data: dict[str, Any]) -> str:
        person = None
        if data["person"]:
            person = selectors.person_get_for_user(user=user, person_id=data["person"])
        services.contribution_add(
            case=case,
            by=user,
            category=data["category"],
            text=data["text"],
            person=person,
            files=data["attachments"],
        )
        return _("Uw inbreng is toegevoegd.")

    return _submit(request, user, case, form, perform, "inbreng")


@require_POST
def participant_add(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _case_worker(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    form = ParticipantAddForm(request.POST, prefix="deelnemer", case=case)

    def perform(data: dict[str, Any]) -> str:
        participation = services.participation_add(
            case=case,
            organisation=data["organisation"],
            categories=list(data["categories"]),
            until=data["until"],
            by=user,
        )
        return _("%(organisation)s neemt nu deel aan de casus.") % {
            "organisation": participation.organisation.name
        }

    return _submit(request, user, case, form, perform, "deelnemers")


@require_POST
def participant_categories(
    request: HttpRequest, case_id: int, participation_id: UUID
) -> HttpResponse:
    user = _case_worker(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    participation = _participation(case, participation_id)
    form = CategoriesForm(request.POST, prefix=f"cat-{participation.pk}")

    def perform(data: dict[str, Any]) -> str:
        services.participation_set_categories(
            participation=participation, categories=list(data["categories"]), by=user
        )
        return _("De informatiecategorieën van %(organisation)s zijn gewijzigd.") % {
            "organisation": participation.organisation.name
        }

    return _submit(request, user, case, form, perform, "deelnemers")


@require_POST
def participant_withdraw(
    request: HttpRequest, case_id: int, participation_id: UUID
) -> HttpResponse:
    user = _case_worker(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    participation = _participation(case, participation_id)
    form = WithdrawForm(request.POST, prefix=f"terug-{participation.pk}")

    def perform(data: dict[str, Any]) -> str:
        services.participation_withdraw(participation=participation, reason=data["reason"], by=user)
        return _("%(organisation)s neemt niet meer deel aan de casus.") % {
            "organisation": participation.organisation.name
        }

    return _submit(request, user, case, form, perform, "deelnemers")


@require_POST
def plan_goal_add(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _case_worker(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    form = GoalForm(request.POST, prefix="doel")

    def perform(data: dict[str, Any]) -> str:
        services.goal_add(
            case=case, domain=data["domain"], description=data["description"], by=user
        )
        return _("Het doel is toegevoegd aan het plan van aanpak.")

    return _submit(request, user, case, form, perform, "plan")


@require_POST
def plan_agree(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _case_worker(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    try:
        services.plan_agree(case=case, by=user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(organisation)s stemt in met het plan van aanpak.")
            % {"organisation": user.organisation.name},
        )
    return redirect(_case_url(case, "plan"))


@require_POST
def case_status(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _case_worker(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    form = StatusForm(request.POST, prefix="status")

    def perform(data: dict[str, Any]) -> str:
        services.case_set_status(
            case=case, status=data["status"], closure_reason=data["closure_reason"], by=user
        )
        return _("De status is nu: %(status)s.") % {"status": case.get_status_display()}

    return _submit(request, user, case, form, perform, "procesregie")


@require_POST
def case_lead(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _case_worker(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    form = LeadForm(request.POST, prefix="regie", organisations=_lead_candidates(case))

    def perform(data: dict[str, Any]) -> str:
        lead = data["lead_organisation"]
        services.case_set_lead(case=case, organisation=lead, by=user)
        if lead is None:
            return _("De casus heeft nu geen regiehouder.")
        return _("%(organisation)s is nu regiehouder.") % {"organisation": lead.name}

    return _submit(request, user, case, form, perform, "procesregie")


@require_GET
def attachment_download(
    request: HttpRequest, case_id: int, contribution_id: UUID, attachment_id: UUID
) -> HttpResponse:
    user = _case_worker(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    contribution = selectors.contribution_get_for_user(
        user=user, case=case, contribution_id=contribution_id
    )
    attachment = next((a for a in contribution.attachments.all() if a.pk == attachment_id), None)
    if attachment is None:
        raise Http404
    persons = [contribution.person_id] if contribution.person_id else []
    selectors.log_exposure(AccessEvent.Action.EXPORT, "caseroom.attachment", attachment.pk, persons)
    # The stored name may hold a person's name; it stays out of headers and proxy logs.
    extension = ALLOWED.get(attachment.content_type, ("",))[0]
    filename = f"bijlage-{str(attachment.pk)[:8]}{extension}"
    response = HttpResponse(attachment.data, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


# --- persons of a case ----------------------------------------------------------------------


def _managed_case(request: HttpRequest, case_id: int) -> tuple[User, Case]:
    """The case, for the procesregisseur of its house; for everyone else the pages that
    change its persons do not exist (404)."""
    user = _case_worker(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    if not is_house_procesregisseur(user, case):
        raise Http404
    return user, case


def _persons_of(case: Case) -> dict[UUID, Person]:
    """The persons of the case (from the links the case selector prefetched), in order."""
    return {link.person_id: link.person for link in case.linked_persons()}


def _person_of(case: Case, person_id: UUID) -> Person:
    person = _persons_of(case).get(person_id)
    if person is None:
        raise Http404
    return person


def _person_label(person: Person) -> str:
    born = person.birth_date
    if born is None:
        return person_name(person)
    return _("%(name)s (geboren %(date)s)") % {
        "name": person_name(person),
        "date": date_format(born, "j F Y"),
    }


def _identity_question_allowed(request: HttpRequest) -> bool:
    """Looking a person up by identity answers "is this person known?": it shares the
    hit/no-hit rate limit of the API, per user."""
    return HitNoHitThrottle().allow_request(request, None)  # type: ignore[arg-type]


@dataclass
class Proposal:
    """An existing record the search found: linked instead of created twice. Its data show
    only where the user may see the person already."""

    form: StyledForm
    person: Person | None
    in_case: bool


def _proposal(user: User, case: Case, existing: Person, roles: list[str]) -> Proposal:
    form = CasePersonLinkForm(
        prefix="koppelen",
        initial={
            "person": existing.pk,
            "proposal": selectors.person_link_proposal(user=user, person=existing),
            "roles": roles,
        },
    )
    return _shown_proposal(user, case, existing, form)


def _shown_proposal(user: User, case: Case, existing: Person, form: StyledForm) -> Proposal:
    visible = selectors.person_list_for_user(user=user).filter(pk=existing.pk).exists()
    return Proposal(
        form=form, person=existing if visible else None, in_case=existing.pk in _persons_of(case)
    )


@require_http_methods(["GET", "POST"])
def case_person_add(request: HttpRequest, case_id: int) -> HttpResponse:
    """Persoon toevoegen, search before create: a person already known is proposed for
    linking; only when nobody matches is a new record made, and linked in the same step."""
    user, case = _managed_case(request, case_id)
    form = CasePersonForm(None, prefix="persoon")
    proposal: Proposal | None = None
    status = 200
    if request.method == "POST" and "koppelen-person" in request.POST:
        link = CasePersonLinkForm(request.POST, prefix="koppelen")
        link.is_valid()
        try:
            person = selectors.person_get_linkable(
                user=user,
                case=case,
                person_id=link.cleaned_data.get("person", ""),
                proposal=link.cleaned_data.get("proposal", ""),
            )
        except Http404:
            messages.error(request, _("Dit voorstel is niet meer geldig. Zoek de persoon opnieuw."))
            return redirect("caseroom:case_person_add", case_id=case.pk)
        else:
            proposal = _shown_proposal(user, case, person, link)
            if link.is_valid():
                try:
                    added = services.case_link_person(
                        case=case, person=person, roles=link.cleaned_data["roles"], by=user
                    )
                except ServiceError as error:
                    link.add_service_error(error)
                else:
                    if added:
                        messages.success(request, _("De persoon is aan de casus gekoppeld."))
                    else:
                        messages.info(request, _("De persoon had deze rollen al in de casus."))
                    return redirect(_case_url(case, "personen"))
            if proposal.person is not None:  # shown again, with the form's errors
                selectors.log_exposure(
                    AccessEvent.Action.VIEW, "persons.person", person.pk, [person.pk]
                )
    elif request.method == "POST":
        form = CasePersonForm(request.POST, prefix="persoon")
        if form.is_valid():
            values = form.cleaned_data
            if not _identity_question_allowed(request):
                status = 429
                form.add_error(
                    None,
                    _("U heeft te veel personen opgezocht. Probeer het later opnieuw."),
                )
            else:
                try:
                    with transaction.atomic():
                        person = person_services.person_create(
                            surname=values["surname"],
                            given_names=values["given_names"],
                            bsn=values["bsn"] or None,
                            birth_date=values["birth_date"],
                            gender=values["gender"],
                        )
                        services.case_link_person(
                            case=case, person=person, roles=values["roles"], by=user
                        )
                except DuplicatePersonError as duplicate:
                    if duplicate.existing is None:
                        # Several records fit: nobody is proposed until they are told apart.
                        selectors.log_exposure(
                            AccessEvent.Action.CHECK,
                            "persons.person",
                            person_ids=[c.pk for c in duplicate.candidates],
                        )
                        form.add_error(None, duplicate.message)
                    else:
                        selectors.log_exposure(
                            AccessEvent.Action.CHECK,
                            "persons.person",
                            duplicate.existing.pk,
                            [duplicate.existing.pk],
                        )
                        proposal = _proposal(user, case, duplicate.existing, values["roles"])
                except (ServiceError, ValidationError) as error:
                    form.add_refusal(error)
                else:
                    messages.success(request, _("De persoon is aan de casus toegevoegd."))
                    return redirect(_case_url(case, "personen"))
    return render(
        request,
        "caseroom/case_person_add.html",
        {"case": case, "form": form, "proposal": proposal},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def case_person_edit(request: HttpRequest, case_id: int, person_id: UUID) -> HttpResponse:
    """The staff-safety warning, language and communication needs of a person of the case."""
    user, case = _managed_case(request, case_id)
    person = _person_of(case, person_id)
    current = {
        "staff_safety_warning": person.staff_safety_warning,
        "language": person.language,
        "communication_needs": person.communication_needs,
    }
    form = CasePersonEditForm(request.POST if request.method == "POST" else None, initial=current)
    if form.is_bound and form.is_valid():
        try:
            services.case_person_update(case=case, person=person, by=user, **form.cleaned_data)
        except (ServiceError, ValidationError) as error:
            form.add_refusal(error)
        else:
            messages.success(request, _("De gegevens van de persoon zijn opgeslagen."))
            return redirect(_case_url(case, "personen"))
    selectors.log_exposure(AccessEvent.Action.VIEW, "persons.person", person.pk, [person.pk])
    return render(
        request,
        "caseroom/case_person_edit.html",
        {"case": case, "person": person, "form": form},
    )


@require_http_methods(["GET", "POST"])
def case_person_address_add(request: HttpRequest, case_id: int, person_id: UUID) -> HttpResponse:
    """An address for a person of the case; a secret one only for the organisations chosen."""
    user, case = _managed_case(request, case_id)
    person = _person_of(case, person_id)
    if request.method == "POST":
        form = AddressForm(request.POST)
    else:
        # The house keeps seeing a secret address it records, unless it chooses otherwise.
        form = AddressForm(initial={"visible_to": [case.house.organisation_id]})
    if form.is_bound and form.is_valid():
        try:
            services.case_person_address_add(case=case, person=person, by=user, **form.cleaned_data)
        except (ServiceError, ValidationError) as error:
            form.add_refusal(error)
        else:
            messages.success(request, _("Het adres is vastgelegd."))
            return redirect(_case_url(case, "personen"))
    selectors.log_exposure(AccessEvent.Action.VIEW, "persons.person", person.pk, [person.pk])
    return render(
        request,
        "caseroom/case_person_address.html",
        {"case": case, "person": person, "form": form},
    )


@require_http_methods(["GET", "POST"])
def case_relation_add(request: HttpRequest, case_id: int) -> HttpResponse:
    """A relation between two persons of the case (stored both ways)."""
    user, case = _managed_case(request, case_id)
    persons = _persons_of(case)
    choices = [(str(pk), _person_label(person)) for pk, person in persons.items()]
    form = RelationForm(request.POST if request.method == "POST" else None, persons=choices)
    if form.is_bound and form.is_valid():
        values = form.cleaned_data
        try:
            services.case_persons_relate(
                case=case,
                person=persons[UUID(values["person"])],
                related=persons[UUID(values["related"])],
                kind=values["kind"],
                by=user,
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("De relatie is vastgelegd."))
            return redirect(_case_url(case, "personen"))
    selectors.log_exposure(AccessEvent.Action.LIST, "caseroom.caseperson", case.pk, set(persons))
    return render(
        request,
        "caseroom/case_relation_add.html",
        {"case": case, "form": form, "has_two": len(persons) > 1},
    )


# --- intake ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    user = _case_worker(request)
    data = request.POST if request.method == "POST" else None
    if data is not None and "meer" in data:
        # "Nog een persoon": the same form again with one more row; nothing is submitted.
        form, persons = _referral_with_another_row(data, user.organisation)
        data = None
    else:
        form = ReferralForm(data, organisation=user.organisation)
        persons = ReferralPersonFormSet(data, prefix="personen")
    if data is not None and all([form.is_valid(), persons.is_valid()]):
        values = form.cleaned_data
        try:
            # Persons created for a referral that is then refused are not kept.
            with transaction.atomic():
                people = person_services.persons_for_intake(
                    [
                        {
                            "surname": row["surname"],
                            "given_names": row.get("given_names", ""),
                            "bsn": row.get("bsn") or None,
                            "birth_date": row.get("birth_date"),
                        }
                        for row in persons.cleaned_data
                        if row
                    ]
                )
                referral = services.referral_submit(
                    by=user,
                    house=values["house"],
                    persons=people,
                    reason=values["reason"],
                    goal=values["goal"],
                    person_informed=values["person_informed"],
                    not_informed_reason=values["not_informed_reason"],
                    invited_organisations=values["invited_organisations"],
                )
        except (ServiceError, ValidationError) as error:
            form.add_refusal(error)
        else:
            messages.success(request, _("Uw aanmelding is ingediend."))
            return redirect("caseroom:referral_detail", referral_id=referral.pk)
    return render(
        request,
        "caseroom/referral_form.html",
        {
            "form": form,
            "persons": persons,
            "can_add_row": persons.total_form_count() < persons.max_num,
        },
    )


def _referral_with_another_row(
    data: QueryDict, organisation: Organisation
) -> tuple[ReferralForm, BaseFormSet[Any]]:
    """The referral form as filled in so far (without error messages: it was not
    submitted), with the persons' rows that hold anything and one empty row more."""
    multiple = {"invited_organisations"}
    initial = {
        name: data.getlist(name) if name in multiple else data.get(name)
        for name in ReferralForm.base_fields
        if name in data
    }
    rows = []
    fields = list(ReferralPersonFormSet.form.base_fields)
    try:
        count = min(int(data.get("personen-TOTAL_FORMS", "0")), ReferralPersonFormSet.max_num)
    except ValueError:
        count = 0
    for index in range(count):
        row = {name: data.get(f"personen-{index}-{name}", "").strip() for name in fields}
        if any(row.values()):
            rows.append(row)
    form = ReferralForm(initial=initial, organisation=organisation)
    return form, ReferralPersonFormSet(initial=rows, prefix="personen")


@require_GET
def referral_detail(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = _case_worker(request)
    referral = selectors.referral_get_for_user(user=user, referral_id=referral_id)
    selectors.mark_referral_persons(user=user, referrals=[referral])
    persons = referral.visible_persons
    case = getattr(referral, "case", None)
    if case is not None and not selectors.case_list_for_user(user=user).filter(pk=case.pk).exists():
        case = None
    can_triage = (
        user.has_role(Role.PROCESREGISSEUR)
        and referral.house.organisation_id == user.organisation_id
        and referral.status == Referral.Status.SUBMITTED
    )
    selectors.log_exposure(
        AccessEvent.Action.VIEW, "caseroom.referral", referral.pk, [p.pk for p in persons]
    )
    return render(
        request,
        "caseroom/referral_detail.html",
        {"referral": referral, "persons": persons, "case": case, "can_triage": can_triage},
    )


@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    """The referrals one's own organisation made, with the house's decision."""
    user = _case_worker(request)
    own = selectors.referral_list_for_user(user=user).filter(
        referring_organisation_id=user.organisation_id
    )
    page = _page(request, own)
    referrals = selectors.mark_referral_persons(user=user, referrals=list(page.object_list))
    persons = {p.pk for r in referrals for p in r.visible_persons}
    selectors.log_exposure(AccessEvent.Action.LIST, "caseroom.referral", person_ids=persons)
    return render(request, "caseroom/referral_list.html", {"page": page, "referrals": referrals})


# --- triage ---------------------------------------------------------------------------------


def _procesregisseur(request: HttpRequest) -> User:
    user = _case_worker(request)
    if not user.has_role(Role.PROCESREGISSEUR):
        raise Http404
    return user


@require_GET
def triage_queue(request: HttpRequest) -> HttpResponse:
    user = _procesregisseur(request)
    page = _page(request, selectors.triage_queue_for_user(user=user))
    referrals = list(page.object_list)
    persons = {p.pk for r in referrals for p in r.persons.all()}
    selectors.log_exposure(AccessEvent.Action.LIST, "caseroom.referral", person_ids=persons)
    return render(request, "caseroom/triage_queue.html", {"page": page, "referrals": referrals})


@require_http_methods(["GET", "POST"])
def triage(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = _procesregisseur(request)
    referral = selectors.referral_get_for_user(user=user, referral_id=referral_id)
    if referral.house.organisation_id != user.organisation_id:
        raise Http404
    if referral.status != Referral.Status.SUBMITTED:
        messages.info(request, _("Over deze aanmelding is al besloten."))
        return redirect("caseroom:referral_detail", referral_id=referral.pk)
    form = TriageForm(
        request.POST if request.method == "POST" else None,
        referral=referral,
        initial={"participants": list(selectors.organisations_to_invite(referral=referral))},
    )
    if form.is_bound and form.is_valid():
        values = form.cleaned_data
        try:
            decided = services.referral_triage(
                referral=referral,
                by=user,
                decision=values["decision"],
                criteria={name: values[name] for name in TriageForm.CRITERIA},
                note=values["note"],
                target_group=values["target_group"],
                participants=list(values["participants"]),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            if decided.status == Referral.Status.ACCEPTED:
                case = Case.objects.get(referral=decided)
                messages.success(
                    request,
                    _("De aanmelding is geaccepteerd: casus %(number)s is geopend.")
                    % {"number": case.number},
                )
                return redirect(_case_url(case))
            messages.success(
                request,
                _("Het besluit is vastgelegd. De aanmelder ziet het besluit en uw toelichting."),
            )
            return redirect("caseroom:triage_queue")
    persons = list(referral.persons.all())
    selectors.log_exposure(
        AccessEvent.Action.VIEW, "caseroom.referral", referral.pk, [p.pk for p in persons]
    )
    return render(
        request, "caseroom/triage.html", {"referral": referral, "persons": persons, "form": form}
    )


# --- break the glass ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    user = _case_worker(request)
    if request.method == "POST":
        form = BreakGlassForm(request.POST)
    else:
        form = BreakGlassForm(initial={"case_number": request.GET.get("casus", "")})
    if form.is_bound and form.is_valid():
        values = form.cleaned_data
        try:
            case = selectors.case_get_by_number(number=values["case_number"])
        except Http404:
            form.add_error("case_number", _("Er is geen casus met dit nummer."))
        else:
            try:
                access = services.break_glass_open(
                    user=user,
                    case=case,
                    reason=values["reason"],
                    categories=list(values["categories"]),
                )
            except ServiceError as error:
                form.add_service_error(error)
            else:
                until = date_format(timezone.localtime(access.expires_at), "j F H:i")
                messages.warning(
                    request,
                    _(
                        "U heeft casus %(number)s geopend met een doorbraak. Uw toegang geldt "
                        "tot %(until)s en wordt vastgelegd en beoordeeld."
                    )
                    % {"number": case.number, "until": until},
                )
                return HttpResponseRedirect(_case_url(case))
    return render(request, "caseroom/break_glass.html", {"form": form})
