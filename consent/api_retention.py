"""Retention over the API: the list of closed cases and when they are due (the dry-run list
before each removal), legal holds, extensions and tombstones. Case numbers and dates only;
for the privacy officer (all houses) and the procesregisseur (own house); 404 for others."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AccessEvent
from audit.services import record_access
from caseroom.models import Case, CasePerson
from caseroom.selectors import log_exposure
from consent import retention as services
from consent.models import CaseTombstone, Retention, RetentionExtension
from partners.models import User
from partners.permissions import request_user
from partners.roles import Role


def cases_scope(user: User) -> QuerySet[Case]:
    """The cases whose retention this user handles: all (privacy officer), the own house's
    (procesregisseur); 404 for other roles."""
    if user.has_role(Role.PRIVACYFUNCTIONARIS):
        return Case.objects.all()
    if user.has_role(Role.PROCESREGISSEUR):
        return Case.objects.filter(house__organisation_id=user.organisation_id)
    raise Http404


def retention_scope(user: User) -> QuerySet[Retention]:
    return Retention.objects.filter(case__in=cases_scope(user))


def case_in_scope(user: User, case_id: int) -> Case:
    case = (
        cases_scope(user)
        .select_related("house")
        .filter(pk=case_id, closed_at__isnull=False)
        .first()
    )
    if case is None:
        raise Http404
    return case


class RetentionSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    closed_at = serializers.DateTimeField(source="case.closed_at", read_only=True)
    removal_on = serializers.SerializerMethodField(
        help_text=_("Verwijderd op of na deze dag, tenzij er een bewaarplicht komt.")
    )

    class Meta:
        model = Retention
        fields = [
            "case",
            "case_number",
            "closed_at",
            "months",
            "source",
            "due_on",
            "announced_on",
            "removal_on",
            "legal_hold",
            "hold_reason",
        ]
        read_only_fields = fields

    def get_removal_on(self, retention: Retention) -> datetime.date | None:
        if retention.legal_hold:
            return None
        start = retention.announced_on or max(retention.due_on, timezone.localdate())
        return start + datetime.timedelta(days=settings.RETENTION_NOTICE_DAYS)


class ExtensionSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)

    class Meta:
        model = RetentionExtension
        fields = ["id", "case_number", "until", "reason", "status", "requested_by", "decided_at"]
        read_only_fields = fields


class TombstoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseTombstone
        fields = [
            "case_number",
            "house_name",
            "target_group",
            "opened_at",
            "closed_at",
            "closure_reason",
            "retention_months",
            "retention_source",
            "due_on",
            "purged_at",
            "counts",
        ]
        read_only_fields = fields


class HoldSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ExtensionRequestSerializer(serializers.Serializer):
    until = serializers.DateField()
    reason = serializers.CharField(max_length=5000)


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()


def _log(object_type: str, object_id: object = "") -> None:
    record_access(
        action=AccessEvent.Action.LIST,
        object_type=object_type,
        object_id=object_id,
        purpose="bewaartermijnen",
    )


class RetentionListView(APIView):
    """Closed cases with their retention: due date, when listed, when removed, holds.
    ``?due=1`` gives only those due (the dry-run list of the next removals)."""

    @extend_schema(responses=RetentionSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = retention_scope(request_user(request)).select_related("case")
        if request.query_params.get("due"):
            rows = rows.filter(due_on__lte=timezone.localdate())
        _log("consent.retention")
        return Response(RetentionSerializer(rows.order_by("due_on")[:1000], many=True).data)


class LegalHoldView(APIView):
    @extend_schema(request=HoldSerializer, responses=RetentionSerializer)
    def post(self, request: Request, case_pk: int) -> Response:
        user = request_user(request)
        case = case_in_scope(user, case_pk)  # 404 before anything is validated
        data = HoldSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        retention = services.legal_hold_set(
            case=case, reason=data.validated_data["reason"], by=user
        )
        return Response(RetentionSerializer(retention).data)

    @extend_schema(responses=RetentionSerializer)
    def delete(self, request: Request, case_pk: int) -> Response:
        user = request_user(request)
        retention = services.legal_hold_release(case=case_in_scope(user, case_pk), by=user)
        return Response(RetentionSerializer(retention).data)


class ExtensionRequestView(APIView):
    @extend_schema(request=ExtensionRequestSerializer, responses=ExtensionSerializer)
    def post(self, request: Request, case_pk: int) -> Response:
        user = request_user(request)
        case = case_in_scope(user, case_pk)  # 404 before anything is validated
        data = ExtensionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        extension = services.extension_request(
            case=case,
            until=data.validated_data["until"],
            reason=data.validated_data["reason"],
            by=user,
        )
        return Response(ExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)


class ExtensionListView(APIView):
    """Requested extensions awaiting a decision (privacy officer) or of the own house."""

    @extend_schema(responses=ExtensionSerializer(many=True))
    def get(self, request: Request) -> Response:
        cases = cases_scope(request_user(request)).values_list("pk", flat=True)
        rows = list(
            RetentionExtension.objects.filter(case_id__in=cases).select_related(
                "case", "requested_by"
            )[:500]
        )
        # The reasons may speak of the cases' persons: name them in the access event.
        persons = CasePerson.objects.filter(case_id__in={r.case_id for r in rows}).values_list(
            "person_id", flat=True
        )
        log_exposure(AccessEvent.Action.LIST, "consent.retentionextension", "", set(persons))
        return Response(ExtensionSerializer(rows, many=True).data)


class ExtensionDecisionView(APIView):
    @extend_schema(request=DecisionSerializer, responses=ExtensionSerializer)
    def post(self, request: Request, pk: Any) -> Response:
        user = request_user(request)
        cases = cases_scope(user).values_list("pk", flat=True)
        extension = RetentionExtension.objects.filter(pk=pk, case_id__in=cases).first()
        if extension is None:
            raise Http404
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        extension = services.extension_decide(
            extension=extension, approve=data.validated_data["approve"], by=user
        )
        return Response(ExtensionSerializer(extension).data)


class TombstoneListView(APIView):
    @extend_schema(responses=TombstoneSerializer(many=True))
    def get(self, request: Request) -> Response:
        user = request_user(request)
        retention_scope(user)  # 404 for other roles
        rows = CaseTombstone.objects.all()
        if not user.has_role(Role.PRIVACYFUNCTIONARIS):
            rows = rows.filter(house_organisation_id=user.organisation_id)
        _log("consent.casetombstone")
        return Response(TombstoneSerializer(rows[:1000], many=True).data)
