"""Writes for referrals, cases, participations, contributions and break-the-glass.

Grants (``CaseGroupObjectPermission`` / ``CaseUserObjectPermission``) are written here, in
the same transaction as the participation, withdrawal, category change or break-the-glass
that causes them, and nowhere else.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from audit.models import AccessEvent
from audit.services import record_access
from caseroom.access import is_house_procesregisseur, user_category_codes, works_on_cases
from caseroom.models import (
    Attachment,
    BreakGlassAccess,
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseNumberCounter,
    CasePerson,
    CaseUserObjectPermission,
    Contribution,
    GroupRecord,
    House,
    InformationCategory,
    Participation,
    Referral,
    TargetGroup,
)
from caseroom.uploads import CheckedFile
from core.exceptions import ServiceError
from partners.models import Organisation, User
from partners.roles import Role
from persons.models import Person

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


def house_create(*, name: str, organisation: Organisation, case_prefix: str = "ZVH") -> House:
    if organisation.kind.code != "zvh":
        raise ServiceError("Een Zorg- en Veiligheidshuis hoort bij een organisatie van soort ZVH.")
    return House.objects.create(name=name, organisation=organisation, case_prefix=case_prefix)


def categories_by_code(codes: Iterable[str]) -> list[InformationCategory]:
    codes = list(dict.fromkeys(codes))
    found = {c.code: c for c in InformationCategory.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ServiceError(
            f"Onbekende informatiecategorie {unknown[0]!r}.",
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
    **data: Any,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=by,
        organisation=by.organisation if by is not None else None,
        category=category,
        data=data,
    )


def _require_manager(user: User, case: Case) -> None:
    if not is_house_procesregisseur(user, case):
        raise ServiceError(
            "Alleen de procesregisseur van dit Zorg- en Veiligheidshuis kan dit doen.",
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
        raise ServiceError("U kunt geen aanmeldingen doen.", code="permission_denied")
    if not persons:
        raise ServiceError("Noem minstens één persoon.", field="persons")
    if not reason.strip():
        raise ServiceError("Geef de reden van aanmelding.", field="reason")
    if not person_informed and not not_informed_reason.strip():
        raise ServiceError(
            "Leg uit waarom de betrokkene niet is geïnformeerd.", field="not_informed_reason"
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
) -> Referral:
    """Record the triage decision; accepting opens the case."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if not (
        by.has_role(Role.PROCESREGISSEUR) and referral.house.organisation_id == by.organisation_id
    ):
        raise ServiceError(
            "Alleen de procesregisseur van dit Zorg- en Veiligheidshuis beoordeelt aanmeldingen.",
            code="permission_denied",
        )
    if referral.status != Referral.Status.SUBMITTED:
        raise ServiceError("Over deze aanmelding is al besloten.", code="already_decided")
    if decision not in Referral.DECISIONS:
        raise ServiceError(f"Onbekend besluit {decision!r}.", field="decision")
    for name in ("criterion_domains", "criterion_chains", "criterion_system", "criterion_safety"):
        setattr(referral, name, bool(criteria.get(name, False)))
    if decision == Referral.Status.ACCEPTED:
        if not referral.meets_criteria:
            raise ServiceError(
                "Een casus wordt alleen geopend als aan criteria 1, 2 en 3 of aan criterium 4 "
                "is voldaan.",
                code="criteria_not_met",
                field="criteria",
            )
        if target_group is None:
            raise ServiceError("Kies een doelgroep voor de casus.", field="target_group")
    elif not note.strip():
        raise ServiceError("Licht het besluit toe voor de aanmelder.", field="note")
    referral.status = decision
    referral.decision_note = note.strip()
    referral.decided_by = by
    referral.decided_at = timezone.now()
    referral.save()
    if target_group is not None and decision == Referral.Status.ACCEPTED:
        case_open(referral=referral, by=by, target_group=target_group)
    return referral


def _next_number(house: House, year: int) -> str:
    counter, _ = CaseNumberCounter.objects.get_or_create(house=house, year=year)
    counter = CaseNumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{house.case_prefix}-{year}-{counter.last:04d}"


@transaction.atomic
def case_open(*, referral: Referral, by: User, target_group: TargetGroup) -> Case:
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
    _event(case, CaseEvent.Kind.REFERRAL_SUBMITTED, by=referral.referred_by)
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
    return case


# --- the case -------------------------------------------------------------------------------


@transaction.atomic
def case_add_person(*, case: Case, person: Person, role: str, by: User) -> CasePerson:
    if role not in CasePerson.Role.values:
        raise ServiceError(f"Onbekende rol {role!r}.", field="role")
    link, created = CasePerson.objects.get_or_create(case=case, person=person, role=role)
    if created:
        _event(case, CaseEvent.Kind.PERSON_ADDED, by=by, person_id=str(person.pk), role=role)
    return link


@transaction.atomic
def case_set_status(*, case: Case, status: str, by: User, closure_reason: str = "") -> Case:
    _require_manager(by, case)
    if status not in Case.Status.values:
        raise ServiceError(f"Onbekende status {status!r}.", field="status")
    old = case.status
    if status == old:
        return case
    if status == Case.Status.CLOSED:
        if closure_reason not in Case.ClosureReason.values:
            raise ServiceError("Kies een reden van afsluiting.", field="closure_reason")
        case.closure_reason = closure_reason
        case.closed_at = timezone.now()
    else:
        # Reopening a closed case clears its closure.
        case.closure_reason = ""
        case.closed_at = None
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
            "De regiehouder moet deelnemen aan de casus.",
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
    view = Permission.objects.get(content_type__app_label="caseroom", codename="view_case")
    permission_ids = [view.pk, *participation.categories.values_list("permission_id", flat=True)]
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


@transaction.atomic
def participation_add(
    *,
    case: Case,
    organisation: Organisation,
    categories: Sequence[InformationCategory],
    by: User,
    until: datetime.date | None = None,
) -> Participation:
    if case.house.organisation_id != organisation.pk:
        _require_manager(by, case)
    if not organisation.is_active:
        raise ServiceError("Deze organisatie is niet actief.", field="organisation")
    if case.participations.filter(organisation=organisation, withdrawn_at__isnull=True).exists():
        raise ServiceError(
            f"{organisation.name} neemt al deel aan deze casus.",
            code="duplicate",
            field="organisation",
        )
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
        raise ServiceError("Deze deelname is beëindigd.", code="withdrawn")
    old = sorted(participation.categories.values_list("code", flat=True))
    participation.categories.set(categories)
    _write_grants(participation)
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
    if participation.withdrawn_at is not None:
        raise ServiceError("Deze deelname is al beëindigd.", code="withdrawn")
    if not reason.strip():
        raise ServiceError("Geef de reden van terugtrekking.", field="reason")
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
            f"Uw organisatie kan in deze casus geen informatie in de categorie "
            f"{category.label!r} inbrengen: die categorie is niet aan u toegekend.",
            code="category_not_granted",
            field="category",
        )
    if not text.strip():
        raise ServiceError("De inbreng is leeg.", field="text")
    if person is not None and not case.case_persons.filter(person=person).exists():
        raise ServiceError("Deze persoon hoort niet bij de casus.", field="person")
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
        raise ServiceError("Uw rol kan geen casus openen.", code="permission_denied")
    if len(reason.strip()) < 20:
        raise ServiceError(
            "Beschrijf in minstens 20 tekens waarom u deze casus nu moet inzien.", field="reason"
        )
    if not categories:
        categories = categories_by_code(["basis"])
    expires = timezone.now() + timedelta(hours=settings.BREAK_GLASS_HOURS)
    access = BreakGlassAccess.objects.create(
        user=user, case=case, reason=reason.strip(), expires_at=expires
    )
    access.categories.set(categories)
    view = Permission.objects.get(content_type__app_label="caseroom", codename="view_case")
    permission_ids = [view.pk, *(c.permission_id for c in categories)]
    for pid in permission_ids:
        CaseUserObjectPermission.objects.update_or_create(
            user=user, content_object=case, permission_id=pid, defaults={"expires_at": expires}
        )
    user.__dict__.pop("_casusregie_broken", None)  # the per-request cache of these grants
    _event(case, CaseEvent.Kind.BREAK_GLASS, by=user, categories=sorted(c.code for c in categories))
    record_access(
        action=AccessEvent.Action.BREAK_GLASS,
        object_type="caseroom.case",
        object_id=case.pk,
        person_ids=case.case_persons.values_list("person_id", flat=True),
        purpose="doorbraak: " + ", ".join(sorted(c.code for c in categories)),
        user=user,
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
            "Alleen de procesregisseur van het huis legt groepen vast.", code="permission_denied"
        )
    if classification not in GroupRecord.Classification.values:
        raise ServiceError(f"Onbekende classificatie {classification!r}.", field="classification")
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
