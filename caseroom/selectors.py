"""Reads for a given user. Each list filters in SQL through ``caseroom.access``; each single
object uses the same predicate and raises Http404 for "missing" and "not yours" alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.core import signing
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from audit.models import AccessEvent
from audit.services import record_access
from caseroom.access import (
    basis_case_ids,
    basis_predicate,
    case_predicate,
    category_predicate,
    contribution_predicate,
    has_personal_case_grants,
    is_house_procesregisseur,
    organisation_case_ids,
    person_health_predicate,
    person_predicate,
    works_on_cases,
)
from caseroom.models import (
    Action,
    AgendaItem,
    Attachment,
    Attendee,
    BreakGlassAccess,
    Case,
    CaseEvent,
    CasePerson,
    Contribution,
    Goal,
    GroupRecord,
    Meeting,
    Minutes,
    Participation,
    PlanAgreement,
    Referral,
)
from partners.models import Organisation, User
from partners.roles import Role
from persons.models import Address, Person, PersonRelation

PURPOSE = "uitvoering casusregie"


def log_exposure(
    action: str, object_type: str, object_id: object = "", person_ids: Iterable[object] = ()
) -> None:
    """The access event for a read of case data, naming the persons it exposed."""
    record_access(
        action=action,
        object_type=object_type,
        object_id=object_id,
        person_ids=person_ids,
        purpose=PURPOSE,
    )


def _get_or_404(queryset: QuerySet[Any], **lookup: Any) -> Any:
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- cases ----------------------------------------------------------------------------------


def case_list_for_user(*, user: User) -> QuerySet[Case]:
    """Visible cases. Mark a page with ``mark_person_visibility`` before showing persons."""
    persons = CasePerson.objects.select_related("person")
    return (
        Case.objects.filter(case_predicate(user))
        .select_related("house", "target_group", "lead_organisation", "procesregisseur")
        .prefetch_related(Prefetch("case_persons", queryset=persons, to_attr=Case.PREFETCHED_LINKS))
        .order_by("-opened_at", "-id")
    )


class VisibleCasePages:
    """The user's visible cases in list order, sliceable for a Paginator; each case of a page
    comes marked with ``shows_persons``.

    Without break-the-glass grants (nearly always) a page's ids come straight from the
    organisation's grant index, so a deep page costs what a first page costs; with them the
    ids come from the list query. The rows are then read with the full access predicate, and
    with ``basis`` asked for those rows only."""

    def __init__(self, *, user: User) -> None:
        self.user = user
        self.queryset = case_list_for_user(user=user)
        self.from_grants = works_on_cases(user) and not has_personal_case_grants(user)

    def count(self) -> int:
        if self.from_grants:
            return organisation_case_ids(self.user).count()
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Case]:
        if not isinstance(index, slice):
            raise TypeError("VisibleCasePages is read in slices (pages)")
        ids_source = (
            organisation_case_ids(self.user)
            if self.from_grants
            else self.queryset.values_list("pk", flat=True)
        )
        ids = list(ids_source[index])
        if not ids:
            return []
        basis = models.Case(
            models.When(basis_predicate(self.user), then=models.Value(True)),
            default=models.Value(False),
            output_field=models.BooleanField(),
        )
        rows = {case.pk: case for case in self.queryset.filter(pk__in=ids).annotate(basis=basis)}
        page: list[Case] = [rows[pk] for pk in ids if pk in rows]
        for case in page:
            case.shows_persons = rows[case.pk].basis
        return page


def mark_person_visibility(*, user: User, cases: list[Case]) -> list[Case]:
    """Set ``case.shows_persons``: may the user see who the persons are (``basis``)?
    Asked for the page only, never for the whole list; a page from ``VisibleCasePages``
    is marked already."""
    unmarked = [case for case in cases if "shows_persons" not in case.__dict__]
    if unmarked:
        allowed = basis_case_ids(user, [case.pk for case in unmarked])
        for case in unmarked:
            case.shows_persons = case.pk in allowed
    return cases


def case_get_for_user(*, user: User, case_id: object) -> Case:
    """The case, or 404; a refused look is an access event too (result "niet gevonden",
    no persons named: the user learns nothing, the log keeps the attempt)."""
    try:
        case: Case = _get_or_404(case_list_for_user(user=user), pk=case_id)
    except Http404:
        record_access(
            action=AccessEvent.Action.VIEW,
            object_type="caseroom.case",
            object_id=str(case_id)[:64],
            purpose=PURPOSE,
            result=AccessEvent.Result.NOT_FOUND,
        )
        raise
    mark_person_visibility(user=user, cases=[case])
    return case


def case_get_by_number(*, number: str) -> Case:
    """A case by its number regardless of access: only for break-the-glass, which is
    itself logged and reviewed."""
    return _get_or_404(Case.objects.select_related("house"), number=number)


def active_case_of_person(*, person: Person) -> Case | None:
    """The person's most recent active case in any house (hit/no-hit; no access filter:
    the answer is only yes or no and whom to contact)."""
    return (
        Case.objects.filter(status__in=Case.ACTIVE, case_persons__person=person)
        .select_related("house", "procesregisseur")
        .order_by("-opened_at")
        .first()
    )


def person_ids_of_cases(*, user: User, case_ids: set[int]) -> set[UUID]:
    """The persons of these cases that the user may see (for naming them in an access
    event when free text about the cases is shown)."""
    shown = basis_case_ids(user, list(case_ids))
    return set(CasePerson.objects.filter(case_id__in=shown).values_list("person_id", flat=True))


def case_person_ids(cases: list[Case]) -> set[UUID]:
    """Persons exposed by a page of cases (uses the prefetched links)."""
    return {link.person_id for case in cases for link in case.linked_persons()}


def participation_list_for_case(*, case: Case) -> QuerySet[Participation]:
    """Who takes part, for anyone who may see the case (no content)."""
    return (
        case.participations.select_related("organisation__kind")
        .prefetch_related("categories")
        .order_by("withdrawn_at", "created_at")
    )


def contribution_list_for_user(*, user: User, case: Case) -> QuerySet[Contribution]:
    return (
        Contribution.objects.filter(contribution_predicate(user), case=case)
        .select_related("category", "organisation", "author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.defer("data")))
        .order_by("-created_at")
    )


def contribution_get_for_user(*, user: User, case: Case, contribution_id: object) -> Contribution:
    return _get_or_404(contribution_list_for_user(user=user, case=case), pk=contribution_id)


def timeline_for_user(*, user: User, case: Case) -> QuerySet[CaseEvent]:
    """Events of a visible case; an event about a category shows only to who may see it."""
    gated = category_predicate(user, case_ref="case_id", permission_ref="category__permission_id")
    events = CaseEvent.objects.filter(case=case).filter(Q(category__isnull=True) | gated)
    if not is_house_procesregisseur(user, case):
        events = events.exclude(kind=CaseEvent.Kind.BREAK_GLASS)
    return events.select_related("actor", "organisation", "category").order_by("occurred_at", "id")


def group_records_for_user(*, user: User, case: Case) -> QuerySet[GroupRecord]:
    """Groups of a case, for those who may see the group's classification category."""
    gated = category_predicate(
        user, case_ref="cases__id", permission_ref="classification_category__permission_id"
    )
    return GroupRecord.objects.filter(gated, cases=case).distinct()


def group_list_for_case(*, user: User, case: Case) -> list[GroupRecord]:
    """The groups a visible case belongs to (S3), each marked for the user:
    ``shows_classification`` where ``group_records_for_user`` allows it, and
    ``shown_members``, the members the user may see (none unless the user may see who the
    persons of this case are). The same queries however many groups and members."""
    classified = group_records_for_user(user=user, case=case).filter(pk=OuterRef("pk"))
    members = (
        person_list_for_user(user=user)
        if getattr(case, "shows_persons", False)
        else Person.objects.none()
    )
    return list(
        case.group_records.annotate(shows_classification=Exists(classified))
        .prefetch_related(Prefetch("members", queryset=members, to_attr="shown_members"))
        .order_by("created_at", "pk")
    )


def group_member_ids(groups: list[GroupRecord]) -> set[UUID]:
    """Persons exposed by groups from ``group_list_for_case`` (uses the prefetched members)."""
    return {person.pk for group in groups for person in getattr(group, "shown_members", ())}


# --- persons --------------------------------------------------------------------------------


def person_list_for_user(*, user: User) -> QuerySet[Person]:
    return Person.objects.filter(person_predicate(user)).order_by("created_at")


def person_get_for_user(*, user: User, person_id: object) -> Person:
    return _get_or_404(person_list_for_user(user=user), pk=person_id)


def person_list_with_health_for_user(*, user: User) -> QuerySet[Person]:
    """Visible persons, each marked ``shows_health``: may the user see their health data
    (``has_lvb``, category ``zorg``)? Decided in the same query as the rows."""
    health = models.Case(
        models.When(person_health_predicate(user), then=models.Value(True)),
        default=models.Value(False),
        output_field=models.BooleanField(),
    )
    return person_list_for_user(user=user).annotate(shows_health=health)


def health_visible_person_ids(*, user: User, persons: list[Person]) -> set[UUID]:
    """Of these persons, those whose health data the user may see (one query per page)."""
    if not persons:
        return set()
    return set(
        Person.objects.filter(
            person_health_predicate(user), pk__in=[person.pk for person in persons]
        ).values_list("pk", flat=True)
    )


def address_list_for_user(*, user: User, person: Person) -> QuerySet[Address]:
    """A secret address exists only for the organisations it names."""
    named = Address.visible_to.through.objects.filter(
        address_id=OuterRef("pk"), organisation_id=user.organisation_id
    )
    return person.addresses.filter(Q(is_secret=False) | Q(Exists(named))).order_by("created_at")


def addresses_of_persons_for_user(
    *, user: User, persons: list[Person]
) -> dict[UUID, list[Address]]:
    """Addresses of several persons at once (one query), the secret ones only for the
    organisations they name."""
    named = Address.visible_to.through.objects.filter(
        address_id=OuterRef("pk"), organisation_id=user.organisation_id
    )
    found: dict[UUID, list[Address]] = {}
    for address in Address.objects.filter(
        Q(is_secret=False) | Q(Exists(named)), person__in=persons
    ).order_by("created_at"):
        found.setdefault(address.person_id, []).append(address)
    return found


def relations_of_persons_for_user(
    *, user: User, persons: list[Person]
) -> dict[UUID, list[PersonRelation]]:
    """Relations of several persons at once, to persons the user may also see."""
    visible = person_list_for_user(user=user).values("pk")
    found: dict[UUID, list[PersonRelation]] = {}
    for relation in (
        PersonRelation.objects.filter(person__in=persons, related__in=visible)
        .select_related("related")
        .order_by("kind")
    ):
        found.setdefault(relation.person_id, []).append(relation)
    return found


def relation_list_for_user(*, user: User, person: Person) -> QuerySet[PersonRelation]:
    """Relations to persons the user may also see."""
    visible = person_list_for_user(user=user).values("pk")
    return (
        PersonRelation.objects.filter(person=person, related__in=visible)
        .select_related("related")
        .order_by("kind")
    )


def cases_of_person_for_user(*, user: User, person: Person) -> QuerySet[Case]:
    return case_list_for_user(user=user).filter(case_persons__person=person).distinct()


# Linking a person to a case. The duplicate check proposes an existing record by a signed
# note: only the user it was given to can use it, for one person, for an hour.
PERSON_LINK_SALT = "caseroom.person-link"
PERSON_LINK_MAX_AGE = 60 * 60


def person_link_proposal(*, user: User, person: Person) -> str:
    """The note proposing ``person`` to ``user`` after a duplicate check (two ids, signed;
    no personal data)."""
    return signing.dumps({"user": user.pk, "person": str(person.pk)}, salt=PERSON_LINK_SALT)


def _proposed(user: User, person_id: UUID, proposal: str) -> bool:
    try:
        note = signing.loads(proposal, salt=PERSON_LINK_SALT, max_age=PERSON_LINK_MAX_AGE)
    except signing.BadSignature:  # also an expired note
        return False
    return bool(note == {"user": user.pk, "person": str(person_id)})


def person_get_linkable(*, user: User, case: Case, person_id: object, proposal: str = "") -> Person:
    """A person the procesregisseur of the house may link to ``case``, or 404.

    Only persons whose id the user came to know legitimately:
    - a person they may see already through their organisation's participation (``basis``
      in a case); not through break-the-glass, which lets one read for a few hours, never
      take a person of another house's case along into one's own;
    - a person named in a referral to their house (they see it in triage);
    - a person in no case and no referral at all: just registered, by the id that
      registering returned;
    - the existing record the duplicate check proposed to this user, with its ``proposal``
      note (``person_link_proposal``): the user typed that person's BSN or name and birth
      date.
    Anyone else, in another house's case or referral, answers 404 as if they did not
    exist; the refused attempt is an access event without persons."""
    try:
        pk = UUID(str(person_id))
    except ValueError:
        pk = None
    found = None
    if pk is not None and is_house_procesregisseur(user, case):
        in_a_case = CasePerson.objects.filter(person=OuterRef("pk"))
        referred = Referral.persons.through.objects.filter(person=OuterRef("pk"))
        referred_here = referred.filter(referral__house__organisation_id=user.organisation_id)
        linkable = (
            person_predicate(user, participation_only=True)
            | Q(Exists(referred_here))
            | (~Q(Exists(in_a_case)) & ~Q(Exists(referred)))
        )
        if proposal and _proposed(user, pk, proposal):
            linkable |= Q(pk=pk)
        found = Person.objects.filter(linkable, pk=pk).first()
    if found is None:
        record_access(
            action=AccessEvent.Action.VIEW,
            object_type="persons.person",
            object_id=str(person_id)[:64],
            purpose=PURPOSE,
            result=AccessEvent.Result.NOT_FOUND,
        )
        raise Http404
    return found


# --- referrals ------------------------------------------------------------------------------


def referral_list_for_user(*, user: User) -> QuerySet[Referral]:
    """The house's referrals for its procesregisseurs; one's own organisation's otherwise."""
    if not works_on_cases(user):
        return Referral.objects.none()
    condition = Q(referring_organisation_id=user.organisation_id)
    if user.has_role(Role.PROCESREGISSEUR):
        condition |= Q(house__organisation_id=user.organisation_id)
    return (
        Referral.objects.filter(condition)
        .select_related("house", "referring_organisation", "referred_by", "case")
        .prefetch_related("persons", "invited_organisations")
        .order_by("-created_at")
    )


def organisations_to_invite(*, referral: Referral) -> QuerySet[Organisation]:
    """The active organisations the referral asks to invite, apart from the house and the
    referrer (who take part in the case anyway): the participants accepting proposes."""
    return (
        referral.invited_organisations.filter(is_active=True)
        .exclude(pk__in=[referral.house.organisation_id, referral.referring_organisation_id])
        .order_by("name")
    )


def mark_referral_persons(*, user: User, referrals: list[Referral]) -> list[Referral]:
    """Set ``referral.visible_persons``: all persons for the procesregisseur of the house; for
    others only persons they may already see in a case. A referral links to an existing
    person silently, so showing the stored record would reveal who that person is."""
    hidden = [r for r in referrals if not _is_house_regisseur_of(user, r)]
    wanted = {p.pk for r in hidden for p in r.persons.all()}
    visible = set(
        person_list_for_user(user=user).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    for referral in referrals:
        persons = list(referral.persons.all())
        if referral in hidden:
            persons = [p for p in persons if p.pk in visible]
        referral.visible_persons = persons
    return referrals


def _is_house_regisseur_of(user: User, referral: Referral) -> bool:
    return user.has_role(Role.PROCESREGISSEUR) and referral.house.organisation_id == (
        user.organisation_id
    )


def referral_get_for_user(*, user: User, referral_id: object) -> Referral:
    return _get_or_404(referral_list_for_user(user=user), pk=referral_id)


def triage_queue_for_user(*, user: User) -> QuerySet[Referral]:
    if not user.has_role(Role.PROCESREGISSEUR):
        return Referral.objects.none()
    return referral_list_for_user(user=user).filter(
        house__organisation_id=user.organisation_id, status=Referral.Status.SUBMITTED
    )


def break_glass_list_for_house(*, user: User) -> QuerySet[BreakGlassAccess]:
    """Break-the-glass uses in the privacy officer's house (metadata only)."""
    if not user.has_role(Role.PRIVACYFUNCTIONARIS):
        return BreakGlassAccess.objects.none()
    return (
        BreakGlassAccess.objects.filter(case__house__organisation_id=user.organisation_id)
        .select_related("user__organisation", "case")
        .order_by("-created_at")
    )


# --- casusoverleg ---------------------------------------------------------------------------


def _meeting_condition(user: User) -> Q:
    """Meetings of the user's house (procesregisseur) or to which their organisation is
    invited."""
    if not works_on_cases(user):
        return Q(pk__in=[])
    condition = Q(
        Exists(
            Attendee.objects.filter(meeting=OuterRef("pk"), organisation_id=user.organisation_id)
        )
    )
    if user.has_role(Role.PROCESREGISSEUR):
        condition |= Q(house__organisation_id=user.organisation_id)
    return condition


def meeting_list_for_user(*, user: User) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(_meeting_condition(user))
        .select_related("meeting_type", "house", "chair")
        .order_by("starts_at", "id")
    )


def meeting_get_for_user(*, user: User, meeting_id: object) -> Meeting:
    meeting: Meeting = _get_or_404(meeting_list_for_user(user=user), pk=meeting_id)
    return meeting


@dataclass
class AgendaView:
    item: AgendaItem
    case: Case
    persons: list[CasePerson]
    contributions: list[Contribution]
    actions: list[Action]
    minutes: Minutes | None


@dataclass
class MeetingView:
    meeting: Meeting
    attendee: Attendee | None
    items: list[AgendaView] = field(default_factory=list)

    def person_ids(self) -> set[UUID]:
        return {link.person_id for view in self.items for link in view.persons}


def meeting_view_for_user(*, user: User, meeting: Meeting) -> MeetingView:
    """The one agenda as this user's organisation may see it: per case only what its
    participation grants. A fixed number of queries, whatever the number of items."""
    attendee = Attendee.objects.filter(
        meeting=meeting, organisation_id=user.organisation_id
    ).first()
    if attendee is not None and not attendee.may_see:
        raise ConfidentialityRequired
    items = list(
        meeting.agenda_items.filter(case__in=Case.objects.filter(case_predicate(user)))
        .select_related("case", "minutes")
        .order_by("position", "created_at")
    )
    cases = [item.case for item in items]
    mark_person_visibility(user=user, cases=cases)
    case_ids = [case.pk for case in cases]
    links = CasePerson.objects.filter(
        case_id__in=[c.pk for c in cases if c.shows_persons]
    ).select_related("person")
    contributions = (
        Contribution.objects.filter(contribution_predicate(user), case_id__in=case_ids)
        .select_related("category", "organisation", "author")
        .order_by("category__position", "-created_at")
    )
    actions = (
        Action.objects.filter(case_id__in=case_ids)
        .select_related("owner_organisation")
        .order_by("due_date")
    )
    by_case: dict[str, dict[int, list[Any]]] = {"persons": {}, "contributions": {}, "actions": {}}
    for name, rows in (("persons", links), ("contributions", contributions), ("actions", actions)):
        for row in rows:
            by_case[name].setdefault(row.case_id, []).append(row)
    # Minutes show where the user may see their category (minutes without one count as basis).
    visible_minutes = set(
        Minutes.objects.filter(_minutes_visibility(user), agenda_item__in=items).values_list(
            "pk", flat=True
        )
    )
    view = MeetingView(meeting=meeting, attendee=attendee)
    for item in items:
        view.items.append(
            AgendaView(
                item=item,
                case=item.case,
                persons=by_case["persons"].get(item.case_id, []),
                contributions=by_case["contributions"].get(item.case_id, []),
                actions=by_case["actions"].get(item.case_id, []),
                minutes=_visible(getattr(item, "minutes", None), visible_minutes),
            )
        )
    return view


def _minutes_visibility(user: User) -> Q:
    """Minutes show where the user may see their category (none counts as basis)."""
    return category_predicate(
        user, case_ref="agenda_item__case_id", permission_ref="category__permission_id"
    ) | (Q(category__isnull=True) & basis_predicate(user, case_ref="agenda_item__case_id"))


def minutes_visible_to(*, user: User, minutes: Minutes) -> bool:
    return Minutes.objects.filter(_minutes_visibility(user), pk=minutes.pk).exists()


def _visible(minutes: Minutes | None, visible: set[UUID]) -> Minutes | None:
    return minutes if minutes is not None and minutes.pk in visible else None


class ConfidentialityRequired(Exception):
    """An ad-hoc attendee sees nothing before signing the confidentiality statement."""


def action_list_for_user(*, user: User, own: bool = False) -> QuerySet[Action]:
    """Actions of cases the user may see; ``own``: those of the user's organisation."""
    actions = Action.objects.filter(case_predicate(user, case_ref="case_id"))
    if own:
        actions = actions.filter(owner_organisation_id=user.organisation_id)
    return actions.select_related("case", "owner_organisation", "owner").order_by(
        "due_date", "created_at"
    )


def action_get_for_user(*, user: User, action_id: object) -> Action:
    action: Action = _get_or_404(action_list_for_user(user=user), pk=action_id)
    return action


@dataclass
class PlanView:
    goals: list[Goal]
    agreed: list[str]
    agreed_organisation_ids: set[int]


def plan_for_user(*, user: User, case: Case) -> PlanView:
    """The plan van aanpak of a case the user may see: goals with the actions that serve
    them, and which organisations agreed. Three queries."""
    actions = (
        Action.objects.filter(case=case).select_related("owner_organisation").order_by("due_date")
    )
    goals = list(
        Goal.objects.filter(plan__case=case)
        .select_related("domain")
        .prefetch_related(Prefetch("actions", queryset=actions))
        .order_by("domain__position", "created_at")
    )
    agreements = list(
        PlanAgreement.objects.filter(plan__case=case)
        .select_related("organisation")
        .order_by("agreed_at")
    )
    return PlanView(
        goals=goals,
        agreed=[a.organisation.name for a in agreements],
        agreed_organisation_ids={a.organisation_id for a in agreements},
    )
