"""Escalations, responses, the bestuurder's queue, directives and the stalled-cases
overview over the API. Reasons and motivations may speak of the case's persons: reading
them is an access event naming them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AccessEvent
from caseroom.access import is_house_procesregisseur
from caseroom.models import Action, Case, CasePerson, InformationCategory
from caseroom.selectors import case_get_for_user, log_exposure
from escalation import services
from escalation.models import Directive, Escalation, EscalationLevel, EscalationResponse, Stall
from partners.models import Organisation, User
from partners.permissions import request_user
from partners.roles import Role


def _log(action: str, object_type: str, object_id: object, case_ids: set[int]) -> None:
    persons = CasePerson.objects.filter(case_id__in=case_ids).values_list("person_id", flat=True)
    log_exposure(action, object_type, object_id, set(persons))


def escalations_for(user: User) -> QuerySet[Escalation]:
    """Escalations the user may see: of the own house (procesregisseur), addressed to the
    own organisation, or at the top level (bestuurder)."""
    scope = Q(organisations=user.organisation_id) if user.organisation_id else Q(pk__in=[])
    if user.has_role(Role.PROCESREGISSEUR):
        scope |= Q(case__house__organisation_id=user.organisation_id)
    if user.has_role(Role.BESTUURDER):
        top = EscalationLevel.objects.order_by("-position").first()
        scope |= Q(level=top)
    return Escalation.objects.filter(scope).distinct().select_related("level", "case")


class ResponseSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = EscalationResponse
        fields = ["id", "organisation", "kind", "text", "created_at"]
        read_only_fields = fields


class EscalationSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    case_id = serializers.IntegerField(read_only=True)
    level = serializers.CharField(source="level.code", read_only=True)
    organisations: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    actions: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    responses = ResponseSerializer(many=True, read_only=True)
    expired = serializers.BooleanField(source="is_expired", read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "case",
            "case_id",
            "level",
            "stalemate",
            "organisations",
            "actions",
            "addressed_to",
            "reason",
            "solutions_discussed",
            "urgency",
            "respond_by",
            "expired",
            "status",
            "outcome",
            "responses",
            "created_at",
        ]
        read_only_fields = fields


class EscalateSerializer(serializers.Serializer):
    level = serializers.SlugRelatedField(slug_field="code", queryset=EscalationLevel.objects.all())
    reason = serializers.CharField(max_length=5000)
    organisations = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Organisation.objects.all()
    )
    addressed_to = serializers.CharField(max_length=200)
    actions = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Action.objects.all(), required=False
    )
    stalemate = serializers.BooleanField(required=False, default=False)
    solutions_discussed = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    urgency = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class CaseEscalationsView(APIView):
    """``GET``: the escalations of a case (participants). ``POST``: the next step
    (procesregisseur of the house)."""

    @extend_schema(responses=EscalationSerializer(many=True))
    def get(self, request: Request, case_pk: int) -> Response:
        case = case_get_for_user(user=request_user(request), case_id=case_pk)
        rows = list(
            Escalation.objects.filter(case=case)
            .select_related("level", "case")
            .prefetch_related("responses__organisation", "organisations", "actions")
        )
        _log(AccessEvent.Action.LIST, "escalation.escalation", "", {case.pk})
        return Response(EscalationSerializer(rows, many=True).data)

    @extend_schema(request=EscalateSerializer, responses=EscalationSerializer)
    def post(self, request: Request, case_pk: int) -> Response:
        user = request_user(request)
        case = case_get_for_user(user=user, case_id=case_pk)
        data = EscalateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        escalation = services.escalate(
            case=case,
            by=user,
            level=values["level"],
            reason=values["reason"],
            organisations=values["organisations"],
            addressed_to=values["addressed_to"],
            actions=values.get("actions", []),
            stalemate=values.get("stalemate", False),
            solutions_discussed=values.get("solutions_discussed", ""),
            urgency=values.get("urgency", ""),
        )
        return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)


class RespondSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EscalationResponse.Kind.choices)
    text = serializers.CharField(max_length=5000)


class CloseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            Escalation.Status.RESOLVED,
            Escalation.Status.FAILED,
            Escalation.Status.DEESCALATED,
        ]
    )
    outcome = serializers.CharField(max_length=5000)


def _escalation(user: User, pk: Any) -> Escalation:
    found = escalations_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


class EscalationRespondView(APIView):
    @extend_schema(request=RespondSerializer, responses=ResponseSerializer)
    def post(self, request: Request, pk: Any) -> Response:
        user = request_user(request)
        escalation = _escalation(user, pk)
        if not escalation.organisations.filter(pk=user.organisation_id).exists():
            raise PermissionDenied(  # before anything is validated
                _("Alleen een betrokken organisatie reageert op deze escalatie.")
            )
        data = RespondSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        response = services.respond(escalation=escalation, by=user, **data.validated_data)
        return Response(ResponseSerializer(response).data, status=status.HTTP_201_CREATED)


class EscalationCloseView(APIView):
    @extend_schema(request=CloseSerializer, responses=EscalationSerializer)
    def post(self, request: Request, pk: Any) -> Response:
        user = request_user(request)
        escalation = _escalation(user, pk)
        data = CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        escalation = services.close(escalation=escalation, by=user, **data.validated_data)
        return Response(EscalationSerializer(escalation).data)


class BestuurderQueueView(APIView):
    """The bestuurder's queue: escalations at the top level awaiting a decision. 404 for
    anyone else."""

    @extend_schema(responses=EscalationSerializer(many=True))
    def get(self, request: Request) -> Response:
        user = request_user(request)
        if not user.has_role(Role.BESTUURDER):
            raise Http404
        top = EscalationLevel.objects.order_by("-position").first()
        rows = list(
            Escalation.objects.filter(level=top)
            .exclude(directives__isnull=False)
            .exclude(status=Escalation.Status.DEESCALATED)
            .select_related("level", "case")
            .prefetch_related("responses__organisation", "organisations", "actions")
        )
        _log(AccessEvent.Action.LIST, "escalation.escalation", "", {e.case_id for e in rows})
        return Response(EscalationSerializer(rows, many=True).data)


class DirectiveSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    categories: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Directive
        fields = [
            "id",
            "case",
            "organisation",
            "categories",
            "consultation_expired",
            "interests_weighed",
            "proportionality",
            "comply_by",
            "objection_route",
            "status",
            "created_at",
        ]
        read_only_fields = fields


class DirectiveCreateSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=InformationCategory.objects.all()
    )
    consultation_expired = serializers.CharField(max_length=5000)
    interests_weighed = serializers.CharField(max_length=5000)
    proportionality = serializers.CharField(max_length=5000)
    comply_by = serializers.DateField()
    objection_route = serializers.CharField(max_length=2000)


def _bestuurder_case(user: User, case_pk: int) -> Case:
    """A case as the bestuurder reaches it: through an escalation at the top level."""
    if not user.has_role(Role.BESTUURDER):
        raise Http404
    top = EscalationLevel.objects.order_by("-position").first()
    case = Case.objects.filter(pk=case_pk, escalations__level=top).distinct().first()
    if case is None:
        raise Http404
    return case


class DirectiveCreateView(APIView):
    """The bestuurder's decision (doorzettingsmacht) in a case escalated to the top level."""

    @extend_schema(request=DirectiveCreateSerializer, responses=DirectiveSerializer)
    def post(self, request: Request, case_pk: int) -> Response:
        user = request_user(request)
        case = _bestuurder_case(user, case_pk)
        data = DirectiveCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        directive = services.directive_issue(case=case, by=user, **data.validated_data)
        return Response(DirectiveSerializer(directive).data, status=status.HTTP_201_CREATED)


class DirectivePdfView(APIView):
    """The decision as a formal document (PDF): the bestuurder, the procesregisseur of the
    house and the designated organisation may print it; printing is logged."""

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, pk: Any) -> HttpResponse:
        from escalation.pdf import directive_pdf

        user = request_user(request)
        directive = (
            Directive.objects.filter(pk=pk).select_related("case__house", "organisation").first()
        )
        if directive is None or not (
            user.has_role(Role.BESTUURDER)
            or is_house_procesregisseur(user, directive.case)
            or user.organisation_id == directive.organisation_id
        ):
            raise Http404
        pdf = directive_pdf(directive)
        _log(AccessEvent.Action.PRINT, "escalation.directive", directive.pk, {directive.case_id})
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="besluit-doorzettingsmacht.pdf"'
        response["Cache-Control"] = "no-store"
        return response


class StallSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    case_id = serializers.IntegerField(read_only=True)
    action = serializers.UUIDField(source="action_id", read_only=True, allow_null=True)
    proposed = serializers.SerializerMethodField()

    class Meta:
        model = Stall
        fields = ["id", "case", "case_id", "kind", "action", "found_at", "proposed"]
        read_only_fields = fields

    def get_proposed(self, stall: Stall) -> bool:
        return stall.proposed_at is not None


class StallListView(APIView):
    """The procesregisseur's overview of stalled cases in the house (case numbers, kinds,
    dates; no content). 404 for others."""

    @extend_schema(responses=StallSerializer(many=True))
    def get(self, request: Request) -> Response:
        user = request_user(request)
        if not user.has_role(Role.PROCESREGISSEUR):
            raise Http404
        rows = Stall.objects.filter(
            resolved_at__isnull=True, case__house__organisation_id=user.organisation_id
        ).select_related("case")[:2000]
        return Response(StallSerializer(rows, many=True).data)
