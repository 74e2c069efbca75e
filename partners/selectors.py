"""Reads for organisations and users."""

from __future__ import annotations

from django.db.models import QuerySet

from partners.models import Organisation, User


def organisation_list_for_user(*, user: User) -> QuerySet[Organisation]:
    """Organisations are no personal data: every user may see the partner list, and the
    beheerder also sees inactive ones."""
    queryset = Organisation.objects.select_related("kind").order_by("name")
    if not user.has_role("beheerder"):
        queryset = queryset.filter(is_active=True)
    return queryset
