"""Legal bases and consents of a case (``/api/v1/cases/<case>/legal-bases/``, ``…/consents/``).
The procesregisseur of the house sees and records all of them; a participating organisation
sees its own bases. Reads are access events naming the persons concerned."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from audit.models import AccessEvent
from caseroom import selectors as caseroom_selectors
from caseroom.access import is_house_procesregisseur
from caseroom.models import Case, InformationCategory
from consent import selectors, services
from consent.models import BasisKind, Consent, LegalBasis, SecrecyRoute
from partners.models import Organisation
from partners.permissions import request_user
from persons.models import Person


class LegalBasisSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    organisation_id = serializers.IntegerField(read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    person = serializers.UUIDField(source="person_id", read_only=True, allow_null=True)
    consent = serializers.UUIDField(source="consent_id", read_only=True, allow_null=True)
    in_force = serializers.SerializerMethodField(help_text="Nu geldig.")

    class Meta:
        model = LegalBasis
        fields = [
            "id",
            "organisation",
            "organisation_id",
            "category",
            "person",
            "kind",
            "secrecy_route",
            "provision",
            "motivation",
            "consent",
            "valid_from",
            "valid_until",
            "ended_at",
            "end_reason",
            "needs_review",
            "in_force",
        ]
        read_only_fields = fields

    def get_in_force(self, basis: LegalBasis) -> bool:
        return basis.pk in self.context.get("valid", set())


class LegalBasisCreateSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=InformationCategory.objects.all()
    )
    person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), required=False, allow_null=True
    )
    kind = serializers.ChoiceField(choices=BasisKind.choices)
    secrecy_route = serializers.ChoiceField(
        choices=SecrecyRoute.choices, required=False, allow_blank=True
    )
    provision = serializers.CharField(required=False, allow_blank=True, max_length=200)
    motivation = serializers.CharField(max_length=5000)
    valid_from = serializers.DateField(required=False)
    valid_until = serializers.DateField(required=False, allow_null=True)


class EndSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ConsentSerializer(serializers.ModelSerializer):
    person = serializers.UUIDField(source="person_id", read_only=True)
    organisations: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    categories: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Consent
        fields = [
            "id",
            "person",
            "organisations",
            "categories",
            "given_at",
            "recorded_how",
            "note",
            "withdrawn_at",
        ]
        read_only_fields = fields


class ConsentCreateSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    organisations = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), many=True
    )
    categories = serializers.SlugRelatedField(
        slug_field="code", queryset=InformationCategory.objects.all(), many=True
    )
    recorded_how = serializers.ChoiceField(choices=Consent.Recorded.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class WithdrawConsentSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class _CaseChild(viewsets.GenericViewSet):
    pagination_class = None

    def case(self) -> Case:
        return caseroom_selectors.case_get_for_user(
            user=request_user(self.request), case_id=self.kwargs["case_pk"]
        )

    def _log(self, case: Case, object_type: str, object_id: object = "") -> None:
        persons = case.case_persons.values_list("person_id", flat=True)
        caseroom_selectors.log_exposure(AccessEvent.Action.VIEW, object_type, object_id, persons)


class LegalBasisViewSet(_CaseChild):
    """The legal bases of a case: kind, provision, motivation, validity, review flag."""

    serializer_class = LegalBasisSerializer

    def get_queryset(self) -> QuerySet[LegalBasis]:
        if getattr(self, "swagger_fake_view", False):
            return LegalBasis.objects.none()
        case = self.case()
        user = request_user(self.request)
        bases = selectors.bases_for_case(case=case)
        if not is_house_procesregisseur(user, case):
            bases = bases.filter(organisation_id=user.organisation_id)
        return bases

    def _context(self, bases: list[LegalBasis]) -> dict[str, Any]:
        valid = set(
            LegalBasis.objects.valid()
            .filter(pk__in=[b.pk for b in bases])
            .values_list("pk", flat=True)
        )
        return {**self.get_serializer_context(), "valid": valid}

    def list(self, request: Request, case_pk: str) -> Response:
        bases = list(self.get_queryset())
        self._log(self.case(), "consent.legalbasis")
        return Response(LegalBasisSerializer(bases, many=True, context=self._context(bases)).data)

    @extend_schema(request=LegalBasisCreateSerializer, responses=LegalBasisSerializer)
    def create(self, request: Request, case_pk: str) -> Response:
        case = self.case()
        data = LegalBasisCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        basis = services.legal_basis_record(
            case=case,
            organisation=values["organisation"],
            category=values["category"],
            person=values.get("person"),
            kind=values["kind"],
            secrecy_route=values.get("secrecy_route", ""),
            provision=values.get("provision", ""),
            motivation=values["motivation"],
            valid_from=values.get("valid_from"),
            valid_until=values.get("valid_until"),
            by=request_user(request),
        )
        body = LegalBasisSerializer(basis, context=self._context([basis])).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndSerializer, responses=LegalBasisSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, case_pk: str, pk: str) -> Response:
        basis = self._basis(pk)
        data = EndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        basis = services.legal_basis_end(
            basis=basis, reason=data.validated_data["reason"], by=request_user(request)
        )
        return Response(LegalBasisSerializer(basis, context=self._context([basis])).data)

    def _basis(self, pk: str) -> LegalBasis:
        try:
            return self.get_queryset().get(pk=pk)
        except (LegalBasis.DoesNotExist, ValueError):
            raise NotFound from None


class ConsentViewSet(_CaseChild):
    """Consents in a case: who agreed to which organisations receiving which categories.
    Only the procesregisseur of the house; 404 for others."""

    serializer_class = ConsentSerializer

    def get_queryset(self) -> QuerySet[Consent]:
        if getattr(self, "swagger_fake_view", False):
            return Consent.objects.none()
        case = self.case()
        if not is_house_procesregisseur(request_user(self.request), case):
            raise NotFound
        return selectors.consents_for_case(case=case)

    def list(self, request: Request, case_pk: str) -> Response:
        consents = list(self.get_queryset())
        self._log(self.case(), "consent.consent")
        return Response(ConsentSerializer(consents, many=True).data)

    @extend_schema(request=ConsentCreateSerializer, responses=ConsentSerializer)
    def create(self, request: Request, case_pk: str) -> Response:
        self.get_queryset()  # 404 unless the procesregisseur of the house
        data = ConsentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        consent = services.consent_record(
            case=self.case(),
            person=values["person"],
            organisations=values["organisations"],
            categories=values["categories"],
            recorded_how=values["recorded_how"],
            note=values.get("note", ""),
            by=request_user(request),
        )
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawConsentSerializer, responses=ConsentSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, case_pk: str, pk: str) -> Response:
        try:
            consent = self.get_queryset().get(pk=pk)
        except (Consent.DoesNotExist, ValueError):
            raise NotFound from None
        data = WithdrawConsentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.consent_withdraw(
            consent=consent, by=request_user(request), note=data.validated_data.get("note", "")
        )
        consent.refresh_from_db()
        return Response(ConsentSerializer(consent).data)
