"""Paging that reads a page's ids first, then only those rows.

For a filtered list (need-to-know) a deep page must skip many rows; skipping ids through an
index is much cheaper than skipping whole rows with their joins."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination


def slice_ids_first(queryset: QuerySet[Any], start: int, stop: int) -> list[Any]:
    ids = list(queryset.values_list("pk", flat=True)[start:stop])
    if not ids:
        return []
    rows = {row.pk: row for row in queryset.filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


class IdsFirstPaginator(Paginator):
    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        rows: Any
        if isinstance(self.object_list, QuerySet):
            rows = slice_ids_first(self.object_list, bottom, top)
        else:  # a source that pages itself (caseroom.selectors.VisibleCasePages)
            rows = self.object_list[bottom:top]
        return Page(rows, number, self)


class IdsFirstPagination(PageNumberPagination):
    django_paginator_class = IdsFirstPaginator
