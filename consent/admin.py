"""The covenant for the beheerder: a concept is edited (matrix, purposes, partners) and then
activated, which supersedes the active version; an active version is read-only and is
changed by copying it into a new concept. Bases and consents are case data: not here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from consent import covenant as covenant_services
from consent.models import Covenant, CovenantPurpose, CovenantRule
from core.exceptions import ServiceError


def _draft(obj: Any) -> bool:
    return obj is None or obj.status == Covenant.Status.DRAFT


class _ConceptOnly:
    """Inlines of a covenant: editable only while it is a concept (``obj`` is the covenant)."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not _draft(obj):
            return False
        return super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != Covenant.Status.DRAFT:
            return False
        return super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != Covenant.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]


class CovenantRuleInline(_ConceptOnly, admin.TabularInline[CovenantRule, Covenant]):
    model = CovenantRule
    extra = 0
    fields = ["organisation_kind", "category", "kind", "secrecy_route", "provision"]


class CovenantPurposeInline(_ConceptOnly, admin.TabularInline[CovenantPurpose, Covenant]):
    model = CovenantPurpose
    extra = 0
    fields = ["meeting_type", "purpose", "retention_months"]


@admin.register(Covenant)
class CovenantAdmin(admin.ModelAdmin[Covenant]):
    list_display = ["name", "version", "status", "valid_from"]
    fields = ["name", "version", "status", "valid_from", "note", "organisations"]
    readonly_fields = ["version", "status", "valid_from"]
    filter_horizontal = ["organisations"]
    inlines = [CovenantPurposeInline, CovenantRuleInline]
    actions = ["new_version", "activate"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # versions are history

    def save_model(self, request: HttpRequest, obj: Covenant, form: Any, change: bool) -> None:
        if not change:
            last = Covenant.objects.filter(name=obj.name).order_by("-version").first()
            obj.version = (last.version + 1) if last else 1
            obj.status = Covenant.Status.DRAFT
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Nieuwe conceptversie maken (kopie)"))
    def new_version(self, request: HttpRequest, queryset: QuerySet[Covenant]) -> None:
        for covenant in queryset:
            copy = covenant_services.covenant_copy(covenant=covenant)
            messages.success(request, _("Concept %(c)s gemaakt.") % {"c": copy})

    @admin.action(description=_("Activeren (vervangt de actieve versie)"))
    def activate(self, request: HttpRequest, queryset: QuerySet[Covenant]) -> None:
        for covenant in queryset:
            try:
                covenant_services.covenant_activate(covenant=covenant)
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("%(c)s is nu actief.") % {"c": covenant})
