"""Writes for referrals, cases, participations, contributions and break-the-glass.

Grants (``CaseGroupObjectPermission`` / ``CaseUserObjectPermission``) are written here, in
the same transaction as the participation, withdrawal, category change or break-the-glass
that causes them, and nowhere else.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from audit.models import AccessEvent
from audit.review import open_for_event
from audit.services import record_access
from caseroom.access import (
    is_house_procesregisseur,
    user_category_codes,
    view_case_permission,
    works_on_cases,
)
from caseroom.models import (
    Action,
    ActionEvent,
    AgendaItem,
    Attachment,
    Attendee,
    BreakGlassAccess,
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseNumberCounter,
    CasePerson,
    CaseUserObjectPermission,
    Contribution,
    Goal,
    GroupRecord,
    House,
    InformationCategory,
    LifeDomain,
    Meeting,
    MeetingType,
    Minutes,
    MinutesVersion,
    Participation,
    Plan,
    PlanAgreement,
    Referral,
    TargetGroup,
)
from caseroom.signals import legal_bases_needed
from caseroom.uploads import CheckedFile
from consent.selectors import missing_categories
from core.exceptions import ServiceError
from partners.models import Organisation, User
from partners.roles import Role
from persons import services as person_services
from persons.models import Address, Person, PersonRelation

BREAK_GLASS_SOURCE = "caseroom.breakglassaccess"

DEFAULT_CATEGORIES: list[tuple[str, str, bool]] = [
    ("basis", "Basis (identiteit, adres, rol in casus)", False),
    ("politie", "Politiegegevens", False),
    ("justitie", "Strafrechtelijke gegevens", True),
    ("zorg", "Gezondheid en zorg", True),
    ("sociaal", "Sociaal domein", False),
    ("financien", "Financiën", False),
    ("wonen", "Wonen", False),
    ("onderwijs", "Onderwijs", False),
    ("jeugd", "Jeugd", False),
]

DEFAULT_TARGET_GROUPS: dict[str, str] = {
    "pga": "Veelplegers (PGA)",
    "huiselijk-geweld": "Huiselijk geweld",
    "verward-gedrag": "Personen met verward gedrag",
    "radicalisering": "Radicalisering",
    "nazorg": "Nazorg ex-gedetineerden",
    "jeugd": "Jeugd en jeugdgroepen",
    "multiprobleem": "Multiprobleemgezinnen",
}


# --- configuration --------------------------------------------------------------------------


def category_create(
    *, code: str, label: str, is_special: bool, position: int = 0
) -> InformationCategory:
    """A category with its own permission on Case (``view_category_<code>``)."""
    existing = InformationCategory.objects.filter(code=code).first()
    if existing is not None:
        return existing
    content_type = ContentType.objects.get_for_model(Case)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=f"view_category_{code}",
        defaults={"name": f"Mag categorie {label} zien"},
    )
    return InformationCategory.objects.create(
        code=code, label=label, is_special=is_special, permission=permission, position=position
    )


def defaults_ensure() -> None:
    for position, (code, label, special) in enumerate(DEFAULT_CATEGORIES):
        category_create(code=code, label=label, is_special=special, position=position)
    for code, label in DEFAULT_TARGET_GROUPS.items():
        TargetGroup.objects.get_or_create(code=code, defaults={"label": label})
    meeting_defaults_ensure()


DEFAULT_CASE_PREFIX = "ZVH"


def case_prefix_free() -> str:
    """The first of ZVH, ZVH2, ZVH3, … that no house uses yet."""
    taken = set(House.objects.values_list("case_prefix", flat=True))
    candidate, n = DEFAULT_CASE_PREFIX, 1
    while candidate in taken:
        n += 1
        candidate = f"{DEFAULT_CASE_PREFIX}{n}"
    return candidate


@transaction.atomic
def house_create(*, name: str, organisation: Organisation, case_prefix: str = "") -> House:
    """A house with a case-number prefix of its own; without one, the first free one of
    ZVH, ZVH2, ZVH3, …"""
    if organisation.kind.code != "zvh":
        raise ServiceError(
            gettext("Een Zorg- en Veiligheidshuis hoort bij een organisatie van soort ZVH.")
        )
    house = House(
        name=name,
        organisation=organisation,
        case_prefix=case_prefix.strip().upper() or case_prefix_free(),
    )
    try:
        house.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceError(messages[0], field=field) from None
    try:
        with transaction.atomic():
            house.save()
    except IntegrityError:
        # Another house with the same name or prefix was created at the same moment.
        raise ServiceError(
            gettext(
                "Dit Zorg- en Veiligheidshuis bestaat al; kies een andere naam of een ander "
                "voorvoegsel."
            ),
            code="duplicate",
        ) from None
    return house


def categories_by_code(codes: Iterable[str]) -> list[InformationCategory]:
    codes = list(dict.fromkeys(codes))
    found = {c.code: c for c in InformationCategory.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ServiceError(
            gettext("Onbekende informatiecategorie '%(code)s'.") % {"code": unknown[0]},
            code="unknown_category",
            field="categories",
        )
    return [found[c] for c in codes]


def _event(
    case: Case,
    kind: str,
    *,
    by: User | None,
    category: InformationCategory | None = None,
    occurred_at: datetime.datetime | None = None,
    **data: Any,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        occurred_at=occurred_at or timezone.now(),
        kind=kind,
        actor=by,
        organisation=by.organisation if by is not None else None,
        category=category,
        data=data,
    )
    Case.objects.filter(pk=case.pk).update(last_activity_at=event.occurred_at)
    return event


def case_event(
    case: Case,
    kind: str,
    *,
    by: User | None,
    category: InformationCategory | None = None,
    **data: Any,
) -> CaseEvent:
    """A line on the case timeline, for other apps' services (consent)."""
    return _event(case, kind, by=by, category=category, **data)


def _require_manager(user: User, case: Case) -> None:
    if not is_house_procesregisseur(user, case):
        raise ServiceError(
            gettext("Alleen de procesregisseur van dit Zorg- en Veiligheidshuis kan dit doen."),
            code="permission_denied",
        )


# --- referrals and triage -------------------------------------------------------------------


@transaction.atomic
def referral_submit(
    *,
    by: User,
    house: House,
    persons: Sequence[Person],
    reason: str,
    goal: str,
    person_informed: bool,
    not_informed_reason: str = "",
    invited_organisations: Iterable[Organisation] = (),
) -> Referral:
    if not works_on_cases(by):
        raise ServiceError(gettext("U kunt geen aanmeldingen doen."), code="permission_denied")
    if not persons:
        raise ServiceError(gettext("Noem minstens één persoon."), field="persons")
    if not reason.strip():
        raise ServiceError(gettext("Geef de reden van aanmelding."), field="reason")
    if not person_informed and not not_informed_reason.strip():
        raise ServiceError(
            gettext("Leg uit waarom de betrokkene niet is geïnformeerd."),
            field="not_informed_reason",
        )
    referral = Referral(
        house=house,
        referred_by=by,
        referring_organisation=by.organisation,
        reason=reason.strip(),
        goal=goal.strip(),
        person_informed=person_informed,
        not_informed_reason="" if person_informed else not_informed_reason.strip(),
    )
    referral.save()
    referral.persons.set(persons)
    referral.invited_organisations.set(invited_organisations)
    return referral


@transaction.atomic
def referral_triage(
    *,
    referral: Referral,
    by: User,
    decision: str,
    criteria: dict[str, bool],
    note: str = "",
    target_group: TargetGroup | None = None,
    participants: Sequence[Organisation] = (),
) -> Referral:
    """Record the triage decision; accepting opens the case, with ``participants`` taking
    part from the start."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if not (
        by.has_role(Role.PROCESREGISSEUR) and referral.house.organisation_id == by.organisation_id
    ):
        raise ServiceError(
            gettext(
                "Alleen de procesregisseur van dit Zorg- en Veiligheidshuis beoordeelt "
                "aanmeldingen."
            ),
            code="permission_denied",
        )
    if referral.status != Referral.Status.SUBMITTED:
        raise ServiceError(gettext("Over deze aanmelding is al besloten."), code="already_decided")
    if decision not in Referral.DECISIONS:
        raise ServiceError(
            gettext("Onbekend besluit '%(decision)s'.") % {"decision": decision}, field="decision"
        )
    for name in ("criterion_domains", "criterion_chains", "criterion_system", "criterion_safety"):
        setattr(referral, name, bool(criteria.get(name, False)))
    if decision == Referral.Status.ACCEPTED:
        if not referral.meets_criteria:
            raise ServiceError(
                gettext(
                    "Een casus wordt alleen geopend als aan criteria 1, 2 en 3 of aan "
                    "criterium 4 is voldaan."
                ),
                code="criteria_not_met",
                field="criteria",
            )
        if target_group is None:
            raise ServiceError(gettext("Kies een doelgroep voor de casus."), field="target_group")
    elif not note.strip():
        raise ServiceError(gettext("Licht het besluit toe voor de aanmelder."), field="note")
    referral.status = decision
    referral.decision_note = note.strip()
    referral.decided_by = by
    referral.decided_at = timezone.now()
    referral.save()
    if target_group is not None and decision == Referral.Status.ACCEPTED:
        case_open(referral=referral, by=by, target_group=target_group, participants=participants)
    return referral


def _next_number(house: House, year: int) -> str:
    counter, _ = CaseNumberCounter.objects.get_or_create(house=house, year=year)
    counter = CaseNumberCounter.objects.select_for_update().get(pk=counter.pk)
    while True:
        counter.last += 1
        number = f"{house.case_prefix}-{year}-{counter.last:04d}"
        # A number issued before the house had a prefix of its own, or under a prefix it
        # gave up, keeps belonging to the case that has it.
        if not Case.objects.filter(number=number).exists():
            break
    counter.save(update_fields=["last"])
    return number


@transaction.atomic
def case_open(
    *,
    referral: Referral,
    by: User,
    target_group: TargetGroup,
    participants: Sequence[Organisation] = (),
) -> Case:
    """Open the case of an accepted referral. The house, the referrer and ``participants``
    (usually the organisations the referral asked to invite) take part from the start; the
    partners see ``basis``, and the procesregisseur grants more on the case page."""
    house = referral.house
    now = timezone.now()
    case = Case.objects.create(
        house=house,
        number=_next_number(house, timezone.localdate(now).year),
        referral=referral,
        target_group=target_group,
        procesregisseur=by,
        opened_at=now,
    )
    _event(
        case,
        CaseEvent.Kind.REFERRAL_SUBMITTED,
        by=referral.referred_by,
        occurred_at=referral.created_at,
    )
    _event(case, CaseEvent.Kind.CASE_OPENED, by=by)
    for person in referral.persons.all():
        case_add_person(case=case, person=person, role=CasePerson.Role.BETROKKENE, by=by)
    # The house coordinates: it sees every category that is not special by default.
    ordinary = InformationCategory.objects.filter(is_special=False)
    participation_add(case=case, organisation=house.organisation, categories=list(ordinary), by=by)
    if referral.referring_organisation_id != house.organisation_id:
        participation_add(
            case=case,
            organisation=referral.referring_organisation,
            categories=categories_by_code(["basis"]),
            by=by,
        )
    taking_part = {house.organisation_id, referral.referring_organisation_id}
    for organisation in participants:
        if organisation.pk in taking_part:
            continue
        taking_part.add(organisation.pk)
        try:
            participation_add(
                case=case,
                organisation=organisation,
                categories=categories_by_code(["basis"]),
                by=by,
            )
        except ServiceError as error:
            raise ServiceError(
                gettext(
                    "%(error)s Haal %(organisation)s weg bij de deelnemers en nodig de "
                    "organisatie uit vanaf de casuspagina."
                )
                % {"error": error.message, "organisation": organisation.name},
                code=error.code,
                field="participants",
            ) from error
    return case


# --- the case -------------------------------------------------------------------------------


@transaction.atomic
def case_add_person(*, case: Case, person: Person, role: str, by: User) -> CasePerson:
    if role not in CasePerson.Role.values:
        raise ServiceError(gettext("Onbekende rol '%(role)s'.") % {"role": role}, field="role")
    link, created = CasePerson.objects.get_or_create(case=case, person=person, role=role)
    if created:
        # Who the persons are is basis information: the event shows only to who may see it.
        (basis,) = categories_by_code(["basis"])
        _event(
            case,
            CaseEvent.Kind.PERSON_ADDED,
            by=by,
            category=basis,
            person_id=str(person.pk),
            role=role,
        )
    return link


@transaction.atomic
def case_link_person(
    *, case: Case, person: Person, roles: Sequence[str], by: User
) -> list[CasePerson]:
    """Link a person to a case of the house in one or more roles; the new links only (a role
    the person has already stays as it is). Each new role is a timeline entry; the link is
    an access event naming the person, whose record everyone with ``basis`` in the case now
    sees. Which person may be linked is decided before: ``selectors.person_get_linkable``."""
    _require_manager(by, case)
    if not case.is_active:
        raise ServiceError(
            gettext("Deze casus is afgesloten. Heropen de casus om personen toe te voegen."),
            code="case_closed",
        )
    roles = list(dict.fromkeys(roles))
    if not roles:
        raise ServiceError(gettext("Kies minstens één rol in de casus."), field="roles")
    known = set(CasePerson.objects.filter(case=case, person=person).values_list("role", flat=True))
    links = [
        case_add_person(case=case, person=person, role=role, by=by)
        for role in roles
        if role not in known
    ]
    record_access(
        action=AccessEvent.Action.VIEW,
        object_type="caseroom.caseperson",
        object_id=case.pk,
        person_ids=[person.pk],
        purpose="uitvoering casusregie: persoon aan casus gekoppeld",
    )
    return links


def _require_case_person(by: User, case: Case, *persons: Person) -> None:
    _require_manager(by, case)
    linked = set(
        CasePerson.objects.filter(case=case, person__in=persons).values_list("person_id", flat=True)
    )
    if any(person.pk not in linked for person in persons):
        raise ServiceError(gettext("Deze persoon hoort niet bij deze casus."), code="not_in_case")


@transaction.atomic
def case_person_update(
    *,
    case: Case,
    person: Person,
    by: User,
    staff_safety_warning: str,
    language: str,
    communication_needs: str,
) -> Person:
    """The procesregisseur of the house records how to meet a person of the case safely
    and understandably: the staff-safety warning, language and communication needs."""
    _require_case_person(by, case, person)
    return person_services.person_update(
        person=person,
        staff_safety_warning=staff_safety_warning.strip(),
        language=language.strip(),
        communication_needs=communication_needs.strip(),
    )


@transaction.atomic
def case_person_address_add(
    *,
    case: Case,
    person: Person,
    by: User,
    street: str,
    city: str,
    postcode: str = "",
    kind: str = Address.Kind.WOONADRES,
    is_secret: bool = False,
    visible_to: Iterable[Organisation] = (),
    valid_from: datetime.date | None = None,
) -> Address:
    """An address of a person of the case; a secret one exists only for ``visible_to``."""
    _require_case_person(by, case, person)
    return person_services.address_add(
        person=person,
        street=street,
        city=city,
        postcode=postcode,
        kind=kind,
        is_secret=is_secret,
        visible_to=visible_to if is_secret else (),
        valid_from=valid_from,
    )


@transaction.atomic
def case_persons_relate(
    *, case: Case, person: Person, related: Person, kind: str, by: User
) -> PersonRelation:
    """Record that ``related`` is the ``kind`` of ``person`` (and the inverse), both persons
    of the case."""
    _require_case_person(by, case, person, related)
    return person_services.person_relate(person=person, related=related, kind=kind)


def _coverage_recheck(case: Case) -> None:
    """Cover may be gone (a category taken away, a closed case reopened): the stall sweep
    checks the case's withdrawals again (escalation.sweep.withdrawals_check)."""
    Participation.objects.filter(case=case, withdrawn_at__isnull=False).update(
        coverage_checked_at=None
    )


def _require_transition(old: str, new: str) -> None:
    """Only the moves of ``Case.TRANSITIONS``; a closed case comes back only by reopening."""
    if new in Case.TRANSITIONS[old]:
        return
    if old == Case.Status.CLOSED:
        message = gettext(
            "Een afgesloten casus kan alleen worden heropend: zet de status op ‘%(reopened)s’."
        ) % {"reopened": Case.Status.IN_PROGRESS.label}
    else:
        message = gettext(
            "Een casus met status ‘%(old)s’ kan niet naar ‘%(new)s’; wel naar: %(allowed)s."
        ) % {
            "old": Case.Status(old).label,
            "new": Case.Status(new).label,
            "allowed": ", ".join(str(Case.Status(s).label) for s in Case.TRANSITIONS[old]),
        }
    raise ServiceError(message, code="invalid_transition", field="status")


@transaction.atomic
def case_set_status(*, case: Case, status: str, by: User, closure_reason: str = "") -> Case:
    """Move the case along ``Case.TRANSITIONS``; closing needs a reason, reopening clears it."""
    _require_manager(by, case)
    if status not in Case.Status.values:
        raise ServiceError(
            gettext("Onbekende status '%(status)s'.") % {"status": status}, field="status"
        )
    # The status as stored, locked: two regisseurs at once cannot both make a move.
    old = Case.objects.select_for_update().values_list("status", flat=True).get(pk=case.pk)
    if status == old:
        return case
    _require_transition(old, status)
    if status == Case.Status.CLOSED:
        if closure_reason not in Case.ClosureReason.values:
            raise ServiceError(gettext("Kies een reden van afsluiting."), field="closure_reason")
        case.closure_reason = closure_reason
        case.closed_at = timezone.now()
    else:
        # Reopening a closed case clears its closure.
        case.closure_reason = ""
        case.closed_at = None
        if old == Case.Status.CLOSED:
            _coverage_recheck(case)
    case.status = status
    case.save(update_fields=["status", "closure_reason", "closed_at", "updated_at"])
    _event(case, CaseEvent.Kind.STATUS_CHANGED, by=by, old=old, new=status, reason=closure_reason)
    return case


@transaction.atomic
def case_set_lead(*, case: Case, organisation: Organisation | None, by: User) -> Case:
    _require_manager(by, case)
    if (
        organisation is not None
        and not case.participations.filter(
            organisation=organisation, withdrawn_at__isnull=True
        ).exists()
    ):
        raise ServiceError(
            gettext("De regiehouder moet deelnemen aan de casus."),
            code="not_participating",
            field="lead_organisation",
        )
    case.lead_organisation = organisation
    case.save(update_fields=["lead_organisation", "updated_at"])
    _event(
        case,
        CaseEvent.Kind.LEAD_CHANGED,
        by=by,
        organisation_id=organisation.pk if organisation else None,
    )
    return case


def _write_grants(participation: Participation) -> None:
    """Replace the organisation's grants on the case with those of the participation."""
    case = participation.case
    group_id = participation.organisation.group_id
    CaseGroupObjectPermission.objects.filter(content_object=case, group_id=group_id).delete()
    if participation.withdrawn_at is not None:
        return
    expires = None
    if participation.until is not None:
        end = datetime.datetime.combine(participation.until + timedelta(days=1), datetime.time.min)
        expires = timezone.make_aware(end)
    permission_ids = [
        view_case_permission(),
        *participation.categories.values_list("permission_id", flat=True),
    ]
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(
            content_object=case,
            group_id=group_id,
            permission_id=pid,
            expires_at=expires,
            case_opened_at=case.opened_at,
        )
        for pid in permission_ids
    )


def _require_bases(
    case: Case, organisation: Organisation, categories: Sequence[InformationCategory], by: User
) -> None:
    """No category without a legal basis: the covenant supplies statutory bases (through
    the signal); what is still missing is refused, naming what is missing."""
    legal_bases_needed.send(
        sender=Participation, case=case, organisation=organisation, categories=categories, by=by
    )
    missing = missing_categories(case=case, organisation=organisation, categories=categories)
    if missing:
        labels = ", ".join(str(c.label) for c in missing)
        raise ServiceError(
            gettext(
                "Geen grondslag voor %(organisation)s om te ontvangen: %(categories)s. Leg eerst "
                "een grondslag vast: een wettelijke grondslag met motivering, of toestemming van "
                "betrokkene."
            )
            % {"organisation": organisation.name, "categories": labels},
            code="no_legal_basis",
            field="categories",
        )


@transaction.atomic
def participation_add(
    *,
    case: Case,
    organisation: Organisation,
    categories: Sequence[InformationCategory],
    by: User,
    until: datetime.date | None = None,
) -> Participation:
    _require_manager(by, case)
    if not organisation.is_active:
        raise ServiceError(gettext("Deze organisatie is niet actief."), field="organisation")
    if case.participations.filter(organisation=organisation, withdrawn_at__isnull=True).exists():
        raise ServiceError(
            gettext("%(organisation)s neemt al deel aan deze casus.")
            % {"organisation": organisation.name},
            code="duplicate",
            field="organisation",
        )
    _require_bases(case, organisation, categories, by)
    participation = Participation.objects.create(case=case, organisation=organisation, until=until)
    participation.categories.set(categories)
    _write_grants(participation)
    _event(
        case,
        CaseEvent.Kind.PARTICIPANT_ADDED,
        by=by,
        participant_id=organisation.pk,
        categories=sorted(c.code for c in categories),
    )
    return participation


@transaction.atomic
def participation_set_categories(
    *, participation: Participation, categories: Sequence[InformationCategory], by: User
) -> Participation:
    _require_manager(by, participation.case)
    if participation.withdrawn_at is not None:
        raise ServiceError(gettext("Deze deelname is beëindigd."), code="withdrawn")
    old = sorted(participation.categories.values_list("code", flat=True))
    _require_bases(participation.case, participation.organisation, categories, by)
    participation.categories.set(categories)
    _write_grants(participation)
    if set(old) - {c.code for c in categories}:
        _coverage_recheck(participation.case)
    _event(
        participation.case,
        CaseEvent.Kind.CATEGORIES_CHANGED,
        by=by,
        participant_id=participation.organisation_id,
        old=old,
        new=sorted(c.code for c in categories),
    )
    return participation


@transaction.atomic
def participation_withdraw(*, participation: Participation, reason: str, by: User) -> Participation:
    """End a participation at once: its grants are gone on the next request."""
    own = by.organisation_id == participation.organisation_id and works_on_cases(by)
    if not own:
        _require_manager(by, participation.case)
    if participation.organisation_id == participation.case.house.organisation_id:
        # The house's procesregisseurs see the case through this participation.
        raise ServiceError(
            gettext(
                "Het Zorg- en Veiligheidshuis voert de regie over deze casus; zijn eigen "
                "deelname kan niet worden beëindigd."
            ),
            code="house_participation",
        )
    if participation.withdrawn_at is not None:
        raise ServiceError(gettext("Deze deelname is al beëindigd."), code="withdrawn")
    if not reason.strip():
        raise ServiceError(gettext("Geef de reden van terugtrekking."), field="reason")
    return participation_end(participation=participation, reason=reason, by=by)


@transaction.atomic
def participation_end(*, participation: Participation, reason: str, by: User) -> Participation:
    """End a participation without a permission check: for services that decided it already
    (a withdrawn consent that was the only basis)."""
    participation.withdrawn_at = timezone.now()
    participation.withdrawal_reason = reason.strip()
    participation.save(update_fields=["withdrawn_at", "withdrawal_reason", "updated_at"])
    _write_grants(participation)
    case = participation.case
    if case.lead_organisation_id == participation.organisation_id:
        case.lead_organisation = None
        case.save(update_fields=["lead_organisation", "updated_at"])
    _event(
        case,
        CaseEvent.Kind.PARTICIPANT_WITHDRAWN,
        by=by,
        participant_id=participation.organisation_id,
        participation_id=str(participation.pk),
    )
    return participation


@transaction.atomic
def participation_ensure(
    *, case: Case, organisation: Organisation, categories: Sequence[InformationCategory], by: User
) -> Participation:
    """Make the organisation take part with at least these categories, without a permission
    check: for services that decided it already (a directive). Legal bases still apply."""
    participation = case.participations.filter(
        organisation=organisation, withdrawn_at__isnull=True
    ).first()
    wanted = {c.pk: c for c in categories}
    if participation is not None:
        wanted.update({c.pk: c for c in participation.categories.all()})
    _require_bases(case, organisation, list(wanted.values()), by)
    if participation is None:
        participation = Participation.objects.create(case=case, organisation=organisation)
        _event(case, CaseEvent.Kind.PARTICIPANT_ADDED, by=by, participant_id=organisation.pk,
               categories=sorted(c.code for c in wanted.values()))  # fmt: skip
    participation.categories.set(list(wanted.values()))
    _write_grants(participation)
    return participation


@transaction.atomic
def case_designate_lead(*, case: Case, organisation: Organisation, by: User) -> Case:
    """Set the lead organisation without a permission check (a directive decided it)."""
    case.lead_organisation = organisation
    case.save(update_fields=["lead_organisation", "updated_at"])
    _event(case, CaseEvent.Kind.LEAD_CHANGED, by=by, organisation_id=organisation.pk)
    return case


@transaction.atomic
def participation_drop_categories(
    *, participation: Participation, categories: Sequence[InformationCategory], by: User
) -> Participation:
    """Take categories away without a permission check: for services that decided it
    already (a category whose only basis was a withdrawn consent)."""
    old = sorted(participation.categories.values_list("code", flat=True))
    participation.categories.remove(*categories)
    _write_grants(participation)
    _coverage_recheck(participation.case)
    _event(
        participation.case,
        CaseEvent.Kind.CATEGORIES_CHANGED,
        by=by,
        participant_id=participation.organisation_id,
        old=old,
        new=sorted(participation.categories.values_list("code", flat=True)),
    )
    return participation


# --- contributions --------------------------------------------------------------------------


@transaction.atomic
def contribution_add(
    *,
    case: Case,
    by: User,
    category: InformationCategory,
    text: str,
    person: Person | None = None,
    files: Sequence[CheckedFile] = (),
) -> Contribution:
    if category.code not in user_category_codes(by, case, participation_only=True):
        raise ServiceError(
            gettext(
                "Uw organisatie kan in deze casus geen informatie in de categorie "
                "'%(category)s' inbrengen: die categorie is niet aan u toegekend."
            )
            % {"category": category.label},
            code="category_not_granted",
            field="category",
        )
    if not text.strip():
        raise ServiceError(gettext("De inbreng is leeg."), field="text")
    if person is not None and not case.case_persons.filter(person=person).exists():
        raise ServiceError(gettext("Deze persoon hoort niet bij de casus."), field="person")
    contribution = Contribution.objects.create(
        case=case,
        person=person,
        category=category,
        text=text,
        author=by,
        organisation=by.organisation,
    )
    for checked in files:
        Attachment.objects.create(
            contribution=contribution,
            filename=checked.filename,
            content_type=checked.content_type,
            size=len(checked.data),
            data=checked.data,
        )
    _event(
        case,
        CaseEvent.Kind.CONTRIBUTION_ADDED,
        by=by,
        category=category,
        contribution_id=str(contribution.pk),
    )
    return contribution


# --- break the glass ------------------------------------------------------------------------


@transaction.atomic
def break_glass_open(
    *, user: User, case: Case, reason: str, categories: Sequence[InformationCategory]
) -> BreakGlassAccess:
    if not works_on_cases(user):
        raise ServiceError(gettext("Uw rol kan geen casus openen."), code="permission_denied")
    if len(reason.strip()) < 20:
        raise ServiceError(
            gettext("Beschrijf in minstens 20 tekens waarom u deze casus nu moet inzien."),
            field="reason",
        )
    if not categories:
        categories = categories_by_code(["basis"])
    expires = timezone.now() + timedelta(hours=settings.BREAK_GLASS_HOURS)
    access = BreakGlassAccess.objects.create(
        user=user, case=case, reason=reason.strip(), expires_at=expires
    )
    access.categories.set(categories)
    permission_ids = [view_case_permission(), *(c.permission_id for c in categories)]
    for pid in permission_ids:
        CaseUserObjectPermission.objects.update_or_create(
            user=user, content_object=case, permission_id=pid, defaults={"expires_at": expires}
        )
    user.__dict__.pop("_casusregie_broken", None)  # the per-request cache of these grants
    _event(case, CaseEvent.Kind.BREAK_GLASS, by=user, categories=sorted(c.code for c in categories))
    event = record_access(
        action=AccessEvent.Action.BREAK_GLASS,
        object_type="caseroom.case",
        object_id=case.pk,
        person_ids=case.case_persons.values_list("person_id", flat=True),
        purpose="doorbraak: " + ", ".join(sorted(c.code for c in categories)),
        user=user,
    )
    # Every use is an item of the privacy officer's review queue, at once.
    open_for_event(
        "break_glass",
        event,
        "doorbraak: " + ", ".join(sorted(c.code for c in categories)),
        source_type=BREAK_GLASS_SOURCE,
        source_id=access.pk,
    )
    from caseroom.tasks import notify_break_glass

    transaction.on_commit(lambda: notify_break_glass.delay(str(access.pk)))
    return access


# --- groups (S3) ----------------------------------------------------------------------------


@transaction.atomic
def group_record_create(
    *, house: House, name: str, classification: str, by: User, category_code: str = "politie"
) -> GroupRecord:
    if not (by.has_role(Role.PROCESREGISSEUR) and house.organisation_id == by.organisation_id):
        raise ServiceError(
            gettext("Alleen de procesregisseur van het huis legt groepen vast."),
            code="permission_denied",
        )
    if classification not in GroupRecord.Classification.values:
        raise ServiceError(
            gettext("Onbekende classificatie '%(classification)s'.")
            % {"classification": classification},
            field="classification",
        )
    (category,) = categories_by_code([category_code])
    return GroupRecord.objects.create(
        house=house, name=name, classification=classification, classification_category=category
    )


@transaction.atomic
def group_record_link(*, group: GroupRecord, case: Case, by: User) -> None:
    _require_manager(by, case)
    group.cases.add(case)
    group.members.add(*Person.objects.filter(case_links__case=case).distinct())
    _event(case, CaseEvent.Kind.GROUP_LINKED, by=by, group_id=group.pk)


# --- casusoverleg ---------------------------------------------------------------------------

DEFAULT_MEETING_TYPES: dict[str, tuple[str, list[str]]] = {
    "casusoverleg": ("Casusoverleg", []),
    "justitieel-casusoverleg": (
        "Justitieel casusoverleg",
        ["om", "politie", "gecertificeerde-instelling"],
    ),
    "regieoverleg": ("Regieoverleg", []),
    "screeningsoverleg-hg": ("Screeningsoverleg huiselijk geweld", []),
    "nazorgoverleg": ("Nazorgoverleg", []),
}

# The twelve life domains of the PGA monitor.
DEFAULT_LIFE_DOMAINS: list[tuple[str, str]] = [
    ("dagbesteding", "Dagbesteding"),
    ("financien", "Financiën"),
    ("huisvesting", "Huisvesting"),
    ("huiselijke-relaties", "Huiselijke relaties"),
    ("geestelijke-gezondheid", "Geestelijke gezondheid"),
    ("lichamelijke-gezondheid", "Lichamelijke gezondheid"),
    ("middelengebruik", "Middelengebruik"),
    ("adl", "Algemene dagelijkse levensverrichtingen"),
    ("sociaal-netwerk", "Sociaal netwerk"),
    ("maatschappelijke-participatie", "Maatschappelijke participatie"),
    ("justitie", "Justitie"),
    ("veiligheid", "Veiligheid"),
]


def meeting_defaults_ensure() -> None:
    from partners.models import OrganisationKind
    from partners.services import organisation_kinds_ensure_defaults

    organisation_kinds_ensure_defaults()  # the kinds a meeting type refers to
    for code, (label, kinds) in DEFAULT_MEETING_TYPES.items():
        meeting_type, created = MeetingType.objects.get_or_create(
            code=code, defaults={"label": label}
        )
        if created and kinds:
            meeting_type.allowed_kinds.set(OrganisationKind.objects.filter(code__in=kinds))
    for position, (code, label) in enumerate(DEFAULT_LIFE_DOMAINS):
        LifeDomain.objects.get_or_create(code=code, defaults={"label": label, "position": position})


def _require_house_regisseur(user: User, house: House) -> None:
    if not (user.has_role(Role.PROCESREGISSEUR) and house.organisation_id == user.organisation_id):
        raise ServiceError(
            gettext("Alleen de procesregisseur van dit Zorg- en Veiligheidshuis kan dit doen."),
            code="permission_denied",
        )


@transaction.atomic
def meeting_create(
    *,
    house: House,
    meeting_type: MeetingType,
    starts_at: datetime.datetime,
    by: User,
    location: str = "",
    repeat_every_days: int = 0,
    repeat_count: int = 1,
) -> list[Meeting]:
    """Plan a meeting, or a series (for example every 14 days, 6 times)."""
    _require_house_regisseur(by, house)
    if repeat_count < 1 or repeat_count > 52 or (repeat_count > 1 and repeat_every_days < 1):
        raise ServiceError(
            gettext("Kies een herhaling van 1 tot 52 keer, met een interval in dagen.")
        )
    series = uuid.uuid4() if repeat_count > 1 else None
    return [
        Meeting.objects.create(
            house=house,
            meeting_type=meeting_type,
            starts_at=starts_at + timedelta(days=repeat_every_days * n),
            location=location,
            chair=by,
            series=series,
        )
        for n in range(repeat_count)
    ]


@transaction.atomic
def agenda_item_add(*, meeting: Meeting, case: Case, by: User, question: str = "") -> AgendaItem:
    _require_house_regisseur(by, meeting.house)
    if case.house_id != meeting.house_id:
        raise ServiceError(
            gettext("Deze casus hoort niet bij dit Zorg- en Veiligheidshuis."), field="case"
        )
    if meeting.agenda_items.filter(case=case).exists():
        raise ServiceError(
            gettext("Deze casus staat al op de agenda."), code="duplicate", field="case"
        )
    position = meeting.agenda_items.count() + 1
    return AgendaItem.objects.create(
        meeting=meeting, case=case, question=question.strip(), position=position
    )


@transaction.atomic
def attendee_invite(
    *,
    meeting: Meeting,
    organisation: Organisation,
    by: User,
    user: User | None = None,
    ad_hoc: bool = False,
) -> Attendee:
    """Invite an organisation; the meeting type may limit which kinds can come."""
    _require_house_regisseur(by, meeting.house)
    allowed = set(meeting.meeting_type.allowed_kinds.values_list("pk", flat=True))
    if allowed and organisation.kind_id not in allowed:
        raise ServiceError(
            gettext("Een %(kind)s kan niet worden uitgenodigd voor een %(meeting_type)s.")
            % {
                "kind": organisation.kind.label.lower(),
                "meeting_type": meeting.meeting_type.label.lower(),
            },
            code="kind_not_allowed",
            field="organisation",
        )
    if user is not None and user.organisation_id != organisation.pk:
        raise ServiceError(gettext("Deze persoon werkt niet bij die organisatie."), field="user")
    attendee, created = Attendee.objects.get_or_create(
        meeting=meeting, organisation=organisation, defaults={"user": user, "ad_hoc": ad_hoc}
    )
    if created:
        from caseroom.tasks import notify_meeting_invitation

        transaction.on_commit(lambda: notify_meeting_invitation.delay(attendee.pk))
    return attendee


@transaction.atomic
def confidentiality_sign(*, attendee: Attendee, by: User) -> Attendee:
    if by.organisation_id != attendee.organisation_id:
        raise ServiceError(
            gettext("U kunt alleen voor uw eigen organisatie tekenen."), code="permission_denied"
        )
    if attendee.confidentiality_signed_at is None:
        attendee.confidentiality_signed_at = timezone.now()
        attendee.save(update_fields=["confidentiality_signed_at", "updated_at"])
    return attendee


@transaction.atomic
def meeting_set_status(*, meeting: Meeting, status: str, by: User) -> Meeting:
    _require_house_regisseur(by, meeting.house)
    if status not in Meeting.Status.values:
        raise ServiceError(
            gettext("Onbekende status '%(status)s'.") % {"status": status}, field="status"
        )
    meeting.status = status
    meeting.save(update_fields=["status", "updated_at"])
    return meeting


@transaction.atomic
def attendee_set_present(*, attendee: Attendee, present: bool, by: User) -> Attendee:
    _require_house_regisseur(by, attendee.meeting.house)
    attendee.present = present
    attendee.save(update_fields=["present", "updated_at"])
    return attendee


class MinutesConflict(ServiceError):
    """Someone saved the minutes after you read them. Your text is kept as a version."""

    def __init__(self, minutes: Minutes) -> None:
        super().__init__(
            gettext(
                "Iemand anders heeft dit verslag intussen opgeslagen. Uw tekst is bewaard als "
                "versie; neem de wijzigingen over in de nieuwste versie."
            ),
            code="conflict",
        )
        self.minutes = minutes


def _minutes_for_update(agenda_item: AgendaItem) -> Minutes:
    (basis,) = categories_by_code(["basis"])
    minutes, _ = Minutes.objects.get_or_create(
        agenda_item=agenda_item, defaults={"version": 0, "category": basis}
    )
    return Minutes.objects.select_for_update().get(pk=minutes.pk)


def _minutes_write(
    minutes: Minutes,
    *,
    by: User,
    text: str,
    decisions: str,
    expected_version: int,
    reason: str,
    category: InformationCategory | None = None,
) -> bool:
    """Write if the minutes are still at ``expected_version``; otherwise keep the text as a
    conflicted version. Returns whether it was written."""
    conflicted = minutes.version != expected_version
    if not conflicted:
        if category is not None:
            minutes.category = category
        minutes.version += 1
        minutes.text = text
        minutes.decisions = decisions
        minutes.save()
    MinutesVersion.objects.create(
        minutes=minutes,
        version=expected_version if conflicted else minutes.version,
        text=text,
        decisions=decisions,
        author=by,
        reason=reason,
        conflicted=conflicted,
    )
    return not conflicted


def _require_minutes_category(
    by: User, agenda_item: AgendaItem, category: InformationCategory | None
) -> None:
    if category is not None and category.code not in user_category_codes(
        by, agenda_item.case, participation_only=True
    ):
        raise ServiceError(
            gettext(
                "Uw organisatie mag de categorie '%(category)s' in deze casus niet zien, dus "
                "ook geen verslag in die categorie vastleggen."
            )
            % {"category": category.label},
            code="category_not_granted",
            field="category",
        )


def minutes_save(
    *,
    agenda_item: AgendaItem,
    by: User,
    text: str,
    decisions: str,
    expected_version: int,
    category: InformationCategory | None = None,
) -> Minutes:
    """Save draft minutes read at ``expected_version`` (0 for new). A stale save raises
    MinutesConflict; its text is kept as a conflicted version, so nothing is lost."""
    with transaction.atomic():
        _require_house_regisseur(by, agenda_item.meeting.house)
        _require_minutes_category(by, agenda_item, category)
        minutes = _minutes_for_update(agenda_item)
        if minutes.status == Minutes.Status.APPROVED:
            raise ServiceError(
                gettext(
                    "Dit verslag is vastgesteld; wijzig het met een nieuwe versie en een reden."
                ),
                code="approved",
            )
        written = _minutes_write(
            minutes,
            by=by,
            text=text,
            decisions=decisions,
            expected_version=expected_version,
            reason="",
            category=category,
        )
    if not written:
        raise MinutesConflict(minutes)
    return minutes


@transaction.atomic
def minutes_approve(*, minutes: Minutes, by: User) -> Minutes:
    meeting = minutes.agenda_item.meeting
    if by.pk != meeting.chair_id:
        _require_house_regisseur(by, meeting.house)
    minutes.status = Minutes.Status.APPROVED
    minutes.approved_by = by
    minutes.approved_at = timezone.now()
    minutes.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return minutes


def minutes_amend(
    *,
    minutes: Minutes,
    by: User,
    text: str,
    decisions: str,
    reason: str,
    expected_version: int,
    category: InformationCategory | None = None,
) -> Minutes:
    """Approved minutes change only as a new version with a reason."""
    if not reason.strip():
        raise ServiceError(gettext("Geef de reden van de wijziging."), field="reason")
    with transaction.atomic():
        _require_house_regisseur(by, minutes.agenda_item.meeting.house)
        _require_minutes_category(by, minutes.agenda_item, category)
        locked = Minutes.objects.select_for_update().get(pk=minutes.pk)
        written = _minutes_write(
            locked,
            by=by,
            text=text,
            decisions=decisions,
            expected_version=expected_version,
            reason=reason.strip(),
            category=category,
        )
    if not written:
        raise MinutesConflict(locked)
    return locked


# --- plan and actions -----------------------------------------------------------------------


@transaction.atomic
def goal_add(*, case: Case, domain: LifeDomain, description: str, by: User) -> Goal:
    _require_manager(by, case)
    if not description.strip():
        raise ServiceError(gettext("Beschrijf het doel."), field="description")
    plan, _ = Plan.objects.get_or_create(case=case)
    return Goal.objects.create(plan=plan, domain=domain, description=description.strip())


@transaction.atomic
def plan_agree(*, case: Case, by: User) -> PlanAgreement:
    plan = Plan.objects.filter(case=case).first()
    if plan is None:
        raise ServiceError(gettext("Deze casus heeft nog geen plan van aanpak."), code="no_plan")
    if not case.participations.filter(
        organisation_id=by.organisation_id, withdrawn_at__isnull=True
    ).exists():
        raise ServiceError(
            gettext("Uw organisatie neemt niet deel aan deze casus."), code="permission_denied"
        )
    agreement, _ = PlanAgreement.objects.get_or_create(
        plan=plan, organisation_id=by.organisation_id, defaults={"agreed_by": by}
    )
    return agreement


@transaction.atomic
def action_create(
    *,
    case: Case,
    by: User,
    description: str,
    owner_organisation: Organisation,
    due_date: datetime.date,
    owner: User | None = None,
    agenda_item: AgendaItem | None = None,
    goal: Goal | None = None,
) -> Action:
    _require_manager(by, case)
    if not description.strip():
        raise ServiceError(gettext("Beschrijf de afspraak."), field="description")
    if not case.participations.filter(
        organisation=owner_organisation, withdrawn_at__isnull=True
    ).exists():
        raise ServiceError(
            gettext("Een afspraak is voor een organisatie die aan de casus deelneemt."),
            code="not_participating",
            field="owner_organisation",
        )
    if owner is not None and owner.organisation_id != owner_organisation.pk:
        raise ServiceError(gettext("De uitvoerder werkt niet bij die organisatie."), field="owner")
    if agenda_item is not None and agenda_item.case_id != case.pk:
        raise ServiceError(
            gettext("Dit agendapunt hoort bij een andere casus."), field="agenda_item"
        )
    if goal is not None and goal.plan.case_id != case.pk:
        raise ServiceError(gettext("Dit doel hoort bij een andere casus."), field="goal")
    action = Action.objects.create(
        case=case,
        agenda_item=agenda_item,
        goal=goal,
        description=description.strip(),
        owner_organisation=owner_organisation,
        owner=owner,
        due_date=due_date,
    )
    ActionEvent.objects.create(action=action, actor=by, old_status="", new_status=action.status)
    from caseroom.tasks import notify_new_action

    transaction.on_commit(lambda: notify_new_action.delay(str(action.pk)))
    return action


@transaction.atomic
def action_set_status(
    *, action: Action, by: User, status: str, note: str = "", obstacle: str = ""
) -> Action:
    """Partners update their own actions; the procesregisseur may update any. Refusing or
    reporting a block needs a reason and whether it is onwil or onmacht."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    own = by.organisation_id == action.owner_organisation_id and works_on_cases(by)
    if not own:
        _require_manager(by, action.case)
    if status not in Action.Status.values:
        raise ServiceError(
            gettext("Onbekende status '%(status)s'.") % {"status": status}, field="status"
        )
    if status in Action.STALLED and not note.strip():
        raise ServiceError(gettext("Geef de reden van weigering."), field="note")
    if obstacle not in Action.Obstacle.values:
        raise ServiceError(gettext("Kies onwil of onmacht."), field="obstacle")
    if status in Action.STALLED and not obstacle:
        raise ServiceError(gettext("Geef aan of het om onwil of onmacht gaat."), field="obstacle")
    old = action.status
    action.status = status
    action.obstacle = obstacle if status in Action.STALLED else ""
    if note.strip():
        action.note = note.strip()
    action.save(update_fields=["status", "note", "obstacle", "updated_at"])
    ActionEvent.objects.create(action=action, actor=by, old_status=old, new_status=status)
    return action


# --- retention ------------------------------------------------------------------------------


@transaction.atomic
def case_purge(*, case: Case) -> dict[str, int]:
    """Remove a case and all personal data in it, for retention (consent.retention decides
    when). Persons in no other case or referral go too. Returns what was removed, by count,
    for the tombstone; nothing of the content survives."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    person_ids = set(case.case_persons.values_list("person_id", flat=True))
    referral = case.referral
    if referral is not None:
        person_ids |= set(referral.persons.values_list("pk", flat=True))
    counts = {
        "persons": len(person_ids),
        "participations": case.participations.count(),
        "contributions": case.contributions.count(),
        "attachments": Attachment.objects.filter(contribution__case=case).count(),
        "agenda_items": case.agenda_items.count(),
        "actions": case.actions.count(),
        "timeline": case.events.count(),
    }
    AgendaItem.objects.filter(case=case).delete()  # their minutes go with them
    case.delete()
    if referral is not None and not Case.objects.filter(referral=referral).exists():
        referral.delete()
    still_used = set(
        CasePerson.objects.filter(person_id__in=person_ids).values_list("person_id", flat=True)
    ) | set(
        Referral.persons.through.objects.filter(person_id__in=person_ids).values_list(
            "person_id", flat=True
        )
    )
    orphans = Person.objects.filter(pk__in=person_ids - still_used)
    counts["persons_removed"] = len(orphans)
    for person in orphans:
        person.delete()  # addresses and relations go with the person
    return counts
