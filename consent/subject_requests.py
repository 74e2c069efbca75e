"""Data-subject requests (DESIGN.md §7): one contact point, the legal clock, a task per joint
controller, the access report, and the rectification, restriction and erasure workflows
where the law allows them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AccessEvent
from audit.services import record_access
from caseroom import services as caseroom_services
from caseroom.models import Case, CasePerson, Contribution, Participation
from consent.models import SubjectRequest, SubjectRequestTask, add_months
from core.exceptions import ServiceError
from core.validators import is_valid_bsn, normalise_bsn
from partners.models import User
from partners.roles import Role
from persons import services as persons_services
from persons.models import Person, PersonRelation
from persons.selectors import person_find_by_bsn

MAX_EXTENSION_MONTHS = 2


def _require_privacy_officer(by: User) -> None:
    if not by.has_role(Role.PRIVACYFUNCTIONARIS):
        raise ServiceError(
            _("Alleen de privacyfunctionaris behandelt dit verzoek."), code="permission_denied"
        )


def _require_open(request: SubjectRequest) -> None:
    if not request.is_open:
        raise ServiceError(_("Dit verzoek is al afgehandeld."), code="closed")


def joint_controllers(person: Person) -> list[int]:
    """Every organisation that takes or took part in a case of the person, and the houses."""
    cases = Case.objects.filter(case_persons__person=person)
    organisations = set(
        Participation.objects.filter(case__in=cases).values_list("organisation_id", flat=True)
    )
    organisations |= set(cases.values_list("house__organisation_id", flat=True))
    return sorted(organisations)


@transaction.atomic
def request_intake(
    *, kind: str, bsn: str, description: str, identity_checked: str, by: User
) -> SubjectRequest:
    """Any partner takes a request in. The answer says nothing about whether the person is
    known here (that would be a hit/no-hit answer): the privacy officer sees it."""
    if by.organisation_id is None:
        raise ServiceError(
            _("Uw account hoort niet bij een organisatie."), code="permission_denied"
        )
    if kind not in SubjectRequest.Kind.values:
        raise ServiceError(_("Kies de soort verzoek."), field="kind")
    digits = normalise_bsn(bsn)
    if not is_valid_bsn(digits):
        raise ServiceError(_("Dit is geen geldig BSN."), field="bsn")
    if not identity_checked.strip():
        raise ServiceError(
            _("Leg vast hoe de identiteit is vastgesteld (bijvoorbeeld: paspoort getoond)."),
            field="identity_checked",
        )
    if not description.strip():
        raise ServiceError(_("Beschrijf het verzoek."), field="description")
    person = person_find_by_bsn(bsn=digits).first()
    today = timezone.localdate()
    request = SubjectRequest.objects.create(
        kind=kind,
        person=person,
        contact_organisation_id=by.organisation_id,
        received_by=by,
        received_on=today,
        description=description.strip(),
        identity_checked=identity_checked.strip()[:100],
        due_on=add_months(today, 1),
    )
    if person is not None:
        SubjectRequestTask.objects.bulk_create(
            SubjectRequestTask(request=request, organisation_id=org)
            for org in joint_controllers(person)
        )
    record_access(
        action=AccessEvent.Action.CHECK,
        object_type="consent.subjectrequest",
        object_id=request.pk,
        person_ids=[person.pk] if person else [],
        purpose="verzoek van betrokkene: inname",
        result=AccessEvent.Result.SUCCESS if person else AccessEvent.Result.NOT_FOUND,
    )
    return request


@transaction.atomic
def request_extend(
    *, request: SubjectRequest, months: int, reason: str, by: User
) -> SubjectRequest:
    """AVG art. 12(3): at most two more months, with a reason the person is told."""
    _require_privacy_officer(by)
    _require_open(request)
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ServiceError(_("Verlengen kan met één of twee maanden."), field="months")
    if len(reason.strip()) < 20:
        raise ServiceError(
            _("Geef de reden van verlenging (minstens 20 tekens); betrokkene krijgt die te horen."),
            field="reason",
        )
    request.extended_to = add_months(request.due_on, months)
    request.extension_reason = reason.strip()
    request.status = SubjectRequest.Status.IN_PROGRESS
    request.save(update_fields=["extended_to", "extension_reason", "status", "updated_at"])
    return request


@transaction.atomic
def task_done(*, task: SubjectRequestTask, note: str, by: User) -> SubjectRequestTask:
    if by.organisation_id != task.organisation_id:
        raise ServiceError(
            _("Alleen de eigen organisatie rondt deze taak af."), code="permission_denied"
        )
    _require_open(task.request)
    task.note, task.done_at, task.done_by = note.strip(), timezone.now(), by
    task.save(update_fields=["note", "done_at", "done_by", "updated_at"])
    SubjectRequest.objects.filter(pk=task.request_id, status=SubjectRequest.Status.RECEIVED).update(
        status=SubjectRequest.Status.IN_PROGRESS
    )
    return task


# --- the access report ----------------------------------------------------------------------


@dataclass
class CaseSection:
    number: str
    status: str
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    roles: list[str]
    contributions: list[Contribution] = field(default_factory=list)


@dataclass
class AccessReport:
    person: Person
    relations: list[tuple[str, str]]
    cases: list[CaseSection]
    accesses: list[AccessEvent]


def access_report(request: SubjectRequest) -> AccessReport:
    """All data about the person, by category, across cases, and who accessed them. Other
    persons appear only as the relation and their name; contributions about someone else or
    about no one in particular are left out."""
    person = request.person
    if person is None:
        raise ServiceError(_("Er zijn geen gegevens over deze persoon."), code="no_person")
    relations = [
        (str(r.get_kind_display()), r.related.full_name)
        for r in PersonRelation.objects.filter(person=person).select_related("related")
    ]
    sections: dict[int, CaseSection] = {}
    for link in (
        CasePerson.objects.filter(person=person).select_related("case").order_by("case__opened_at")
    ):
        case = link.case
        section = sections.setdefault(
            case.pk,
            CaseSection(
                case.number, str(case.get_status_display()), case.opened_at, case.closed_at, []
            ),
        )
        section.roles.append(str(link.get_role_display()))
    for contribution in (
        Contribution.objects.filter(person=person, case_id__in=sections)
        .select_related("category", "organisation")
        .order_by("created_at")
    ):
        sections[contribution.case_id].contributions.append(contribution)
    accesses = list(
        AccessEvent.objects.filter(
            Q(person_ids__icontains=str(person.pk)) & ~Q(object_type__startswith="audit.")
        ).order_by("occurred_at")[:5000]
    )
    return AccessReport(person, relations, list(sections.values()), accesses)


@transaction.atomic
def report_release(*, request: SubjectRequest, by: User) -> SubjectRequest:
    """The privacy officer reviewed the report; it may go to the person."""
    _require_privacy_officer(by)
    _require_open(request)
    if request.person is None:
        raise ServiceError(_("Er zijn geen gegevens over deze persoon."), code="no_person")
    request.report_released_at, request.report_released_by = timezone.now(), by
    request.save(update_fields=["report_released_at", "report_released_by", "updated_at"])
    return request


# --- the other rights -----------------------------------------------------------------------

RECTIFIABLE = {"surname", "given_names", "birth_date", "language", "communication_needs"}


@transaction.atomic
def rectify(*, request: SubjectRequest, changes: dict[str, Any], by: User) -> Person:
    """Correct factual data (art. 16). Assessments of partners are not rewritten: the
    person's view is added to the request's outcome instead."""
    _require_privacy_officer(by)
    _require_open(request)
    if request.kind != SubjectRequest.Kind.RECTIFICATION or request.person is None:
        raise ServiceError(_("Dit verzoek is geen correctieverzoek over een bekende persoon."))
    unknown = set(changes) - RECTIFIABLE
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ServiceError(
            _("Niet te corrigeren via een verzoek: %(fields)s.") % {"fields": names},
            field="changes",
        )
    try:
        return persons_services.person_update(person=request.person, **changes)
    except ValidationError as error:
        raise ServiceError(
            "; ".join(error.messages), field=next(iter(getattr(error, "error_dict", {})), None)
        ) from None


@transaction.atomic
def restrict(*, request: SubjectRequest, by: User) -> Person:
    """Restrict processing (art. 18): the person's contributions stay, shown only to the
    organisation that brought them in."""
    _require_privacy_officer(by)
    _require_open(request)
    if request.kind != SubjectRequest.Kind.RESTRICTION or request.person is None:
        raise ServiceError(_("Dit verzoek is geen beperkingsverzoek over een bekende persoon."))
    person = request.person
    person.processing_restricted = True
    person.save(update_fields=["processing_restricted", "updated_at"])
    return person


@transaction.atomic
def erase(*, request: SubjectRequest, by: User) -> dict[str, int]:
    """Erase (art. 17) where the law allows: not while the person is in an active case (the
    processing is then necessary for a task in the public interest, art. 17(3)(b)). Closed
    cases with only this person go entirely; from others the person and what was said about
    them go."""
    _require_privacy_officer(by)
    _require_open(request)
    person = request.person
    if request.kind != SubjectRequest.Kind.ERASURE or person is None:
        raise ServiceError(_("Dit verzoek is geen verwijderverzoek over een bekende persoon."))
    cases = Case.objects.filter(case_persons__person=person).distinct()
    if cases.filter(closed_at__isnull=True).exists():
        raise ServiceError(
            _("Betrokkene staat in een lopende casus; verwijderen kan niet zolang die loopt "
              "(AVG art. 17 lid 3 onder b). Wijs het verzoek af met deze reden."),
            code="active_case",
        )  # fmt: skip
    removed = {"cases": 0, "contributions": 0}
    person_id = person.pk
    for case in list(cases):
        others = CasePerson.objects.filter(case=case).exclude(person=person).exists()
        if not others:
            caseroom_services.case_purge(case=case)
            removed["cases"] += 1
            continue
        removed["contributions"] += (
            Contribution.objects.filter(case=case, person=person)
            .delete()[1]
            .get("caseroom.Contribution", 0)
        )
        CasePerson.objects.filter(case=case, person=person).delete()
    if Person.objects.filter(pk=person_id).exists():
        Person.objects.filter(pk=person_id).delete()
    record_access(
        action=AccessEvent.Action.DELETE,
        object_type="persons.person",
        object_id=person_id,
        person_ids=[person_id],
        purpose="verzoek van betrokkene: verwijdering (AVG art. 17)",
    )
    return removed


@transaction.atomic
def request_close(
    *, request: SubjectRequest, status: str, outcome: str, by: User
) -> SubjectRequest:
    _require_privacy_officer(by)
    _require_open(request)
    if status not in (SubjectRequest.Status.DONE, SubjectRequest.Status.REFUSED):
        raise ServiceError(_("Sluit af als afgehandeld of afgewezen."), field="status")
    if len(outcome.strip()) < 10:
        raise ServiceError(_("Leg de uitkomst vast die betrokkene krijgt."), field="outcome")
    if (
        request.kind == SubjectRequest.Kind.ACCESS
        and status == SubjectRequest.Status.DONE
        and request.person is not None
        and request.report_released_at is None
    ):
        raise ServiceError(
            _("Geef het inzagerapport eerst vrij na controle."), code="report_not_released"
        )
    request.status, request.outcome = status, outcome.strip()
    request.closed_at, request.closed_by = timezone.now(), by
    request.save(update_fields=["status", "outcome", "closed_at", "closed_by", "updated_at"])
    return request
