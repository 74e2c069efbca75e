"""Need-to-know (DESIGN.md §6): who may see which case, person and contribution.

Every decision is a SQL predicate over the grant tables (``CaseGroupObjectPermission`` for
organisations, ``CaseUserObjectPermission`` for break-the-glass), so lists are filtered by
the database with one EXISTS per row and single objects use the same predicate. Objects a
user may not see answer 404 exactly as if they did not exist.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from caseroom.models import (
    Case,
    CaseGroupObjectPermission,
    CasePerson,
    CaseUserObjectPermission,
    InformationCategory,
)
from consent.selectors import contribution_basis_exists, person_basis_exists
from partners.models import User
from partners.roles import Role

# Roles that work on case content. The privacy officer, bestuurder and beheerder see none of
# it through their organisation's participation.
CASE_ROLES = (Role.PROCESREGISSEUR, Role.KETENPARTNER)
BASIS = "basis"
ZORG = "zorg"


def works_on_cases(user: User) -> bool:
    return user.is_authenticated and user.is_active and any(user.has_role(r) for r in CASE_ROLES)


def is_house_procesregisseur(user: User, case: Case) -> bool:
    """The procesregisseur of the house that owns the case (may manage it)."""
    return (
        user.has_role(Role.PROCESREGISSEUR) and case.house.organisation_id == user.organisation_id
    )


# Permission ids are passed to SQL as literals, so the planner can use its statistics. They
# only change when the permission table is rebuilt (migrate, flush): both send post_migrate,
# which clears this cache (see CaseroomConfig.ready).
_permission_ids: dict[str, int | None] = {}


def clear_permission_cache(**kwargs: object) -> None:
    _permission_ids.clear()


def view_case_permission() -> int:
    if "view_case" not in _permission_ids:
        _permission_ids["view_case"] = Permission.objects.values_list("id", flat=True).get(
            content_type__app_label="caseroom", content_type__model="case", codename="view_case"
        )
    return _permission_ids["view_case"]  # type: ignore[return-value]


def category_permission(code: str) -> int | None:
    key = f"category:{code}"
    if key not in _permission_ids:
        _permission_ids[key] = (
            InformationCategory.objects.filter(code=code)
            .values_list("permission_id", flat=True)
            .first()
        )
    return _permission_ids[key]


def _active() -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())


def organisation_grants(user: User) -> QuerySet[CaseGroupObjectPermission]:
    return CaseGroupObjectPermission.objects.filter(_active(), group_id=user.organisation.group_id)


def personal_grants(user: User) -> QuerySet[CaseUserObjectPermission]:
    return CaseUserObjectPermission.objects.filter(_active(), user_id=user.pk)


def _broken(user: User) -> list[tuple[int, int]]:
    """The user's unexpired break-the-glass grants as (case, permission), read once per
    request (the user object lives for one request)."""
    cached: list[tuple[int, int]] | None = getattr(user, "_casusregie_broken", None)
    if cached is None:
        cached = list(personal_grants(user).values_list("content_object_id", "permission_id"))
        user._casusregie_broken = cached  # type: ignore[attr-defined]
    return cached


def _broken_cases(user: User, permission_id: int | None) -> list[int]:
    return [case for case, perm in _broken(user) if perm == permission_id]


def _nothing() -> Q:
    return Q(pk__in=[])


def case_predicate(user: User, *, case_ref: str = "pk") -> Q:
    """Cases the user may open: a grant of their organisation (participation), or their own
    unexpired break-the-glass grant. Break-the-glass grants are few, so they are read first
    and joined as a literal list; the organisation grant stays one EXISTS the planner can
    turn into a semi-join."""
    if not works_on_cases(user):
        return _nothing()
    view = view_case_permission()
    predicate = Q(
        Exists(
            organisation_grants(user).filter(content_object=OuterRef(case_ref), permission_id=view)
        )
    )
    broken = _broken_cases(user, view)
    if broken:
        predicate |= Q(**{f"{case_ref}__in": broken})
    return predicate


def organisation_case_ids(user: User) -> QuerySet[CaseGroupObjectPermission, int]:
    """Ids of the cases the user's organisation takes part in, in list order (newest opened
    first), read from the grant index alone."""
    return (
        organisation_grants(user)
        .filter(permission_id=view_case_permission())
        .order_by("-case_opened_at", "-content_object_id")
        .values_list("content_object_id", flat=True)
    )


def has_personal_case_grants(user: User) -> bool:
    return bool(_broken_cases(user, view_case_permission()))


def category_predicate(
    user: User, *, case_ref: str, permission_ref: str, basis: Q | None = None
) -> Q:
    """The one place where category gating is decided: rows whose case (``case_ref``) and
    category permission (``permission_ref``) the user's organisation holds a grant for (and,
    with ``basis``, a legal basis too), or the user holds a break-the-glass grant for."""
    if not works_on_cases(user):
        return _nothing()
    predicate = Q(
        Exists(
            organisation_grants(user).filter(
                content_object=OuterRef(case_ref), permission_id=OuterRef(permission_ref)
            )
        )
    )
    if basis is not None:
        predicate &= basis
    broken = _broken(user)
    if broken:
        predicate |= reduce(
            or_, (Q(**{case_ref: case_id, permission_ref: perm}) for case_id, perm in broken)
        )
    return predicate


def contribution_predicate(user: User) -> Q:
    """Contributions: the category granted to the organisation **and** a valid legal basis
    for the organisation, the case, the category and the contribution's person (DESIGN.md
    §6.2), unless the person asked to restrict processing. An organisation always sees what
    it brought in itself. A break-the-glass grant
    rests on the emergency itself (and is reviewed)."""
    basis = Q(organisation_id=user.organisation_id) | (
        Q(contribution_basis_exists(user.organisation_id or 0))
        & ~Q(person__processing_restricted=True)  # AVG art. 18: kept, not shared
    )
    return category_predicate(
        user, case_ref="case_id", permission_ref="category__permission_id", basis=basis
    )


def user_category_codes(user: User, case: Case, *, participation_only: bool = False) -> set[str]:
    """The categories the user may see in one case. With ``participation_only``, only those
    of the organisation's participation: break-the-glass lets one read, not contribute."""
    if not works_on_cases(user):
        return set()
    perms = set(
        organisation_grants(user)
        .filter(content_object=case)
        .values_list("permission_id", flat=True)
    )
    if not participation_only:
        perms |= set(
            personal_grants(user)
            .filter(content_object=case)
            .values_list("permission_id", flat=True)
        )
    return set(
        InformationCategory.objects.filter(permission_id__in=perms).values_list("code", flat=True)
    )


def basis_case_ids(user: User, case_ids: list[int]) -> set[int]:
    """Of these cases, those in which the user may see ``basis`` (one query per page)."""
    if not works_on_cases(user) or not case_ids:
        return set()
    return set(
        Case.objects.filter(basis_predicate(user), pk__in=case_ids).values_list("pk", flat=True)
    )


def basis_predicate(user: User, *, case_ref: str = "pk") -> Q:
    """Cases in which the user may see ``basis``: who the persons are, their roles."""
    if not works_on_cases(user):
        return _nothing()
    basis = category_permission(BASIS)
    if basis is None:
        return _nothing()
    predicate = Q(
        Exists(
            organisation_grants(user).filter(content_object=OuterRef(case_ref), permission_id=basis)
        )
    )
    broken = _broken_cases(user, basis)
    if broken:
        predicate |= Q(**{f"{case_ref}__in": broken})
    return predicate


def person_predicate(user: User, *, participation_only: bool = False) -> Q:
    """Persons in a case where the user may see the ``basis`` category. With
    ``participation_only``, only through the organisation's participation: break-the-glass
    lets one read, not take a person along."""
    return _person_in_case_with(user, BASIS, participation_only=participation_only)


def person_health_predicate(user: User) -> Q:
    """Persons whose health data (``Person.has_lvb``) the user may see (special category
    data, DESIGN.md §6.3): in a case where the user's organisation holds the ``zorg`` grant
    **and** a valid legal basis for ``zorg`` about that person (or all persons of that case),
    unless the person asked to restrict processing (DESIGN.md §6.2); or in a case where the
    user holds a break-the-glass grant for ``zorg``."""
    return _person_in_case_with(user, ZORG, needs_basis=True)


def _person_in_case_with(
    user: User, code: str, *, needs_basis: bool = False, participation_only: bool = False
) -> Q:
    """Persons in a case where the user may see the category ``code``; with
    ``needs_basis``, through the organisation only where a legal basis covers the person."""
    if not works_on_cases(user):
        return _nothing()
    permission = category_permission(code)
    if permission is None:
        return _nothing()
    grants = organisation_grants(user).filter(
        permission_id=permission, content_object__case_persons__person=OuterRef("pk")
    )
    if needs_basis:
        grants = grants.filter(
            person_basis_exists(
                user.organisation_id or 0,
                code,
                case=OuterRef("content_object_id"),
                person=OuterRef(OuterRef("pk")),
            )
        )
    predicate = Q(Exists(grants))
    if needs_basis:
        predicate &= ~Q(processing_restricted=True)  # AVG art. 18: kept, not shared
    if participation_only:
        return predicate
    broken = _broken_cases(user, permission)
    if broken:
        predicate |= Q(Exists(CasePerson.objects.filter(person=OuterRef("pk"), case_id__in=broken)))
    return predicate
