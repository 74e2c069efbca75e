"""Configuration for the beheerder: houses, information categories, target groups,
meeting types and life domains.
Case content is deliberately not in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from caseroom import services
from caseroom.models import House, InformationCategory, LifeDomain, MeetingType, TargetGroup
from core.exceptions import ServiceError


@admin.register(House)
class HouseAdmin(admin.ModelAdmin[House]):
    list_display = ["name", "organisation", "case_prefix"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # A new house is offered a prefix no other house uses (ZVH, ZVH2, …); the form
        # refuses one that is taken, through the unique constraint.
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("case_prefix", services.case_prefix_free())
        return initial

    def save_model(self, request: HttpRequest, obj: House, form: Any, change: bool) -> None:
        if change:
            obj.save()
            return
        try:
            created = services.house_create(
                name=obj.name, organisation=obj.organisation, case_prefix=obj.case_prefix
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            return
        obj.pk = created.pk


@admin.register(InformationCategory)
class InformationCategoryAdmin(admin.ModelAdmin[InformationCategory]):
    list_display = ["label", "code", "is_special", "position"]
    fields = ["code", "label", "is_special", "position"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The code names the permission behind every grant: it cannot change afterwards.
        return ["code"] if obj is not None else []

    def save_model(
        self, request: HttpRequest, obj: InformationCategory, form: Any, change: bool
    ) -> None:
        if change:
            obj.save()
            return
        created = services.category_create(
            code=obj.code, label=obj.label, is_special=obj.is_special, position=obj.position
        )
        obj.pk = created.pk
        obj.permission_id = created.permission_id

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin[TargetGroup]):
    list_display = ["label", "code"]


@admin.register(MeetingType)
class MeetingTypeAdmin(admin.ModelAdmin[MeetingType]):
    list_display = ["label", "code"]
    filter_horizontal = ["allowed_kinds"]


@admin.register(LifeDomain)
class LifeDomainAdmin(admin.ModelAdmin[LifeDomain]):
    list_display = ["label", "code", "position"]
