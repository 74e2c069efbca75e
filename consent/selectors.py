"""Reads about legal bases, asked by the case room too (DESIGN.md §5: caseroom may ask a
consent selector; this module imports no case-room code)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from consent.models import Consent, LegalBasis


def contribution_basis_exists(organisation_id: int) -> Exists:
    """For a contribution row: a valid basis for this organisation, its case, its category,
    and its person (or all persons of the case)."""
    return Exists(
        LegalBasis.objects.valid().filter(
            Q(person__isnull=True) | Q(person_id=OuterRef("person_id")),
            case_id=OuterRef("case_id"),
            organisation_id=organisation_id,
            category_id=OuterRef("category_id"),
        )
    )


def person_basis_exists(
    organisation_id: int, category_code: str, *, case: OuterRef, person: OuterRef
) -> Exists:
    """For a person in a case (``case`` and ``person`` refer to the outer rows): a valid
    basis for this organisation and category, for that person or all persons of the case."""
    return Exists(
        LegalBasis.objects.valid().filter(
            Q(person__isnull=True) | Q(person_id=person),
            case_id=case,
            organisation_id=organisation_id,
            category__code=category_code,
        )
    )


def missing_categories(*, case: Any, organisation: Any, categories: Sequence[Any]) -> list[Any]:
    """The categories for which the organisation has no valid basis in the case at all."""
    covered = set(
        LegalBasis.objects.valid()
        .filter(case=case, organisation=organisation, category__in=[c.pk for c in categories])
        .values_list("category_id", flat=True)
    )
    return [c for c in categories if c.pk not in covered]


def bases_for_case(*, case: Any) -> QuerySet[LegalBasis]:
    return (
        LegalBasis.objects.filter(case=case)
        .select_related("organisation", "category", "consent", "person")
        .order_by("organisation__name", "category__position", "created_at")
    )


def consents_for_case(*, case: Any) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(case=case)
        .prefetch_related("organisations", "categories")
        .order_by("-given_at")
    )
