"""API for persons, referrals, cases, participants, contributions and break-the-glass.

Every object comes from a selector for the requesting user (404 for "not yours"); every read
of personal data writes an access event naming the persons exposed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AccessEvent, ReviewItem
from audit.services import record_access
from caseroom import selectors, services
from caseroom.access import is_house_procesregisseur, works_on_cases
from caseroom.models import (
    Attachment,
    BreakGlassAccess,
    Case,
    CasePerson,
    House,
    Referral,
    TargetGroup,
)
from caseroom.serializers import (
    AddressSerializer,
    BreakGlassResultSerializer,
    BreakGlassSerializer,
    CaseEventSerializer,
    CasePersonCreateSerializer,
    CasePersonSerializer,
    CaseSerializer,
    CaseUpdateSerializer,
    CheckPurpose,
    ContributionCreateSerializer,
    ContributionSerializer,
    GroupRecordSerializer,
    ParticipationCreateSerializer,
    ParticipationSerializer,
    ParticipationUpdateSerializer,
    PersonCheckSerializer,
    PersonDetailSerializer,
    PersonSerializer,
    ReferralCreateSerializer,
    ReferralSerializer,
    RelationCreateSerializer,
    TriageSerializer,
    WithdrawSerializer,
)
from caseroom.throttles import HitNoHitThrottle
from caseroom.uploads import check_upload, upload_refusal
from core.api import error_body
from core.exceptions import ServiceError
from core.pagination import IdsFirstPagination
from partners.permissions import request_user
from partners.roles import Role
from persons import services as person_services
from persons.services import DuplicatePersonError


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases the user's organisation takes part in (or opened by break-the-glass)."""

    serializer_class = CaseSerializer
    pagination_class = IdsFirstPagination
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.case_list_for_user(user=request_user(self.request))

    def get_object(self) -> Case:
        return selectors.case_get_for_user(
            user=request_user(self.request), case_id=self.kwargs[self.lookup_field]
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request_user(request)
        # Unfiltered, the list pages from the grant index; a filter pages the query.
        filtered = any(request.query_params.get(name) for name in self.filterset_fields)
        source: Any = (
            self.filter_queryset(self.get_queryset())
            if filtered
            else selectors.VisibleCasePages(user=user)
        )
        page = self.paginate_queryset(source)
        cases = selectors.mark_person_visibility(user=request_user(request), cases=list(page or []))
        shown = [case for case in cases if case.shows_persons]
        selectors.log_exposure(
            AccessEvent.Action.LIST, "caseroom.case", person_ids=selectors.case_person_ids(shown)
        )
        return self.get_paginated_response(self.get_serializer(cases, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._shown(self.get_object())

    def _shown(self, case: Case) -> Response:
        """The case as the user may see it; its persons, when shown, are named in the log."""
        shown = selectors.case_person_ids([case]) if case.shows_persons else set()
        selectors.log_exposure(AccessEvent.Action.VIEW, "caseroom.case", case.pk, shown)
        return Response(self.get_serializer(case).data)

    @extend_schema(request=CaseUpdateSerializer, responses=CaseSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request_user(request)
        case = self.get_object()
        data = CaseUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic():  # both changes or neither
            if "lead_organisation" in values:
                services.case_set_lead(case=case, organisation=values["lead_organisation"], by=user)
            if "status" in values:
                services.case_set_status(
                    case=case,
                    status=values["status"],
                    closure_reason=values.get("closure_reason", ""),
                    by=user,
                )
        return self._shown(selectors.case_get_for_user(user=user, case_id=case.pk))

    @extend_schema(responses=CaseEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        user = request_user(request)
        case = self.get_object()
        events = list(selectors.timeline_for_user(user=user, case=case))
        persons = {e.data["person_id"] for e in events if e.data.get("person_id")}
        selectors.log_exposure(AccessEvent.Action.VIEW, "caseroom.timeline", case.pk, persons)
        return Response(CaseEventSerializer(events, many=True).data)

    @extend_schema(responses=GroupRecordSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def groups(self, request: Request, pk: str | None = None) -> Response:
        """The groups the case belongs to (S3): the classification for who may see its
        category, the members for who may see them."""
        case = self.get_object()
        groups = selectors.group_list_for_case(user=request_user(request), case=case)
        members = selectors.group_member_ids(groups)
        selectors.log_exposure(AccessEvent.Action.LIST, "caseroom.grouprecord", case.pk, members)
        return Response(GroupRecordSerializer(groups, many=True).data)

    @extend_schema(request=CasePersonCreateSerializer, responses=CasePersonSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def persons(self, request: Request, pk: str | None = None) -> Response:
        user = request_user(request)
        case = self.get_object()
        if request.method == "POST":
            # Link a person: one the user may see, one just registered (in no case or
            # referral), or the existing record a 409 of POST /persons/ proposed (with its
            # ``proposal``). Any other id is a 404 (selectors.person_get_linkable).
            if not is_house_procesregisseur(user, case):  # before anything is validated
                raise PermissionDenied(_("Alleen de procesregisseur voegt personen toe."))
            data = CasePersonCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            person = selectors.person_get_linkable(
                user=user,
                case=case,
                person_id=data.validated_data["person"],
                proposal=data.validated_data.get("proposal", ""),
            )
            services.case_link_person(
                case=case, person=person, roles=[data.validated_data["role"]], by=user
            )
        if not case.shows_persons and not is_house_procesregisseur(user, case):
            raise NotFound
        links = list(case.case_persons.select_related("person"))
        selectors.log_exposure(
            AccessEvent.Action.LIST,
            "caseroom.caseperson",
            case.pk,
            [link.person_id for link in links],
        )
        code = status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK
        return Response(CasePersonSerializer(links, many=True).data, status=code)


class CaseChildViewSet(viewsets.GenericViewSet):
    """Views nested under ``cases/<case_pk>/``: the case comes from the user's selector,
    so a case the user may not see is a 404 for everything below it."""

    def case(self) -> Case:
        return selectors.case_get_for_user(
            user=request_user(self.request), case_id=self.kwargs["case_pk"]
        )


class ParticipantViewSet(CaseChildViewSet):
    """Organisations taking part in a case: their categories, since/until, withdrawal."""

    serializer_class = ParticipationSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.participation_list_for_case(case=self.case())

    def list(self, request: Request, case_pk: str) -> Response:
        user = request_user(request)
        case = self.case()
        participations = list(selectors.participation_list_for_case(case=case))
        # Why a partner withdrew is for the house's procesregisseur only.
        reasons = is_house_procesregisseur(user, case)
        if reasons and any(p.withdrawal_reason for p in participations):
            # Free text about the case: name its persons.
            persons = selectors.person_ids_of_cases(user=user, case_ids={case.pk})
            selectors.log_exposure(
                AccessEvent.Action.LIST, "caseroom.participation", case.pk, persons
            )
        context = {**self.get_serializer_context(), "show_withdrawal_reason": reasons}
        return Response(ParticipationSerializer(participations, many=True, context=context).data)

    @extend_schema(request=ParticipationCreateSerializer)
    def create(self, request: Request, case_pk: str) -> Response:
        case = self.case()
        data = ParticipationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        participation = services.participation_add(
            case=case,
            organisation=data.validated_data["organisation"],
            categories=services.categories_by_code(data.validated_data["categories"]),
            until=data.validated_data.get("until"),
            by=request_user(request),
        )
        return Response(self.get_serializer(participation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ParticipationUpdateSerializer)
    def partial_update(self, request: Request, case_pk: str, pk: str) -> Response:
        participation = self._participation(pk)
        data = ParticipationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.participation_set_categories(
            participation=participation,
            categories=services.categories_by_code(data.validated_data["categories"]),
            by=request_user(request),
        )
        return Response(self.get_serializer(participation).data)

    @extend_schema(request=WithdrawSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, case_pk: str, pk: str) -> Response:
        participation = self._participation(pk)
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.participation_withdraw(
            participation=participation,
            reason=data.validated_data["reason"],
            by=request_user(request),
        )
        return Response(self.get_serializer(participation).data)

    def _participation(self, pk: str) -> Any:
        try:
            return self.get_queryset().get(pk=pk)
        except Exception:
            raise NotFound from None


class ContributionViewSet(CaseChildViewSet):
    """Information partners bring in, each in one category, visible per category grant."""

    serializer_class = ContributionSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.contribution_list_for_user(
            user=request_user(self.request), case=self.case()
        )

    def list(self, request: Request, case_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        items = list(page or [])
        persons = {c.person_id for c in items if c.person_id}
        selectors.log_exposure(AccessEvent.Action.LIST, "caseroom.contribution", case_pk, persons)
        return self.get_paginated_response(self.get_serializer(items, many=True).data)

    def retrieve(self, request: Request, case_pk: str, pk: str) -> Response:
        contribution = self._contribution(pk)
        persons = [contribution.person_id] if contribution.person_id else []
        selectors.log_exposure(
            AccessEvent.Action.VIEW, "caseroom.contribution", contribution.pk, persons
        )
        return Response(self.get_serializer(contribution).data)

    @extend_schema(request=ContributionCreateSerializer)
    def create(self, request: Request, case_pk: str) -> Response:
        user = request_user(request)
        case = self.case()
        body = request.data
        refused = upload_refusal(request)  # a file past the limit was not even received
        if refused is not None:
            raise refused
        data = ContributionCreateSerializer(data=body)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person = None
        if values.get("person"):
            person = selectors.person_get_for_user(user=user, person_id=values["person"])
        files = [
            check_upload(filename=f.name, data=f.read(), declared_type=f.content_type or "")
            for f in values.get("files", [])
        ]
        contribution = services.contribution_add(
            case=case,
            by=user,
            category=values["category"],
            text=values["text"],
            person=person,
            files=files,
        )
        contribution = selectors.contribution_get_for_user(
            user=user, case=case, contribution_id=contribution.pk
        )
        return Response(self.get_serializer(contribution).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_pk>[^/.]+)")
    def attachment(
        self, request: Request, case_pk: str, pk: str, attachment_pk: str
    ) -> HttpResponse:
        contribution = self._contribution(pk)
        attachment = Attachment.objects.filter(contribution=contribution, pk=attachment_pk).first()
        if attachment is None:
            raise NotFound
        persons = [contribution.person_id] if contribution.person_id else []
        selectors.log_exposure(
            AccessEvent.Action.EXPORT, "caseroom.attachment", attachment.pk, persons
        )
        response = HttpResponse(attachment.data, content_type=attachment.content_type)
        response["Content-Disposition"] = f'attachment; filename="bijlage-{str(attachment.pk)[:8]}"'
        response["Cache-Control"] = "no-store"
        return response

    def _contribution(self, pk: str) -> Any:
        return selectors.contribution_get_for_user(
            user=request_user(self.request), case=self.case(), contribution_id=pk
        )


class BreakGlassView(APIView):
    """Open a case outside one's participation, with a reason. Logged, notified, reviewed."""

    serializer_class = BreakGlassSerializer

    @extend_schema(request=BreakGlassSerializer, responses=BreakGlassResultSerializer)
    def post(self, request: Request) -> Response:
        user = request_user(request)
        if not works_on_cases(user):  # before anything is validated
            raise NotFound
        data = BreakGlassSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = selectors.case_get_by_number(number=data.validated_data["case_number"])
        access = services.break_glass_open(
            user=user,
            case=case,
            reason=data.validated_data["reason"],
            categories=services.categories_by_code(data.validated_data.get("categories") or []),
        )
        return Response(BreakGlassResultSerializer(access).data, status=status.HTTP_201_CREATED)


# --- persons --------------------------------------------------------------------------------


class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Persons in cases the user may see (``basis``); their health data (``has_lvb``) only
    where the user may see ``zorg`` too. Only procesregisseurs register persons."""

    serializer_class = PersonSerializer

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.person_list_with_health_for_user(user=request_user(self.request))

    def get_serializer_class(self) -> type[Any]:
        return PersonDetailSerializer if self.action == "retrieve" else PersonSerializer

    def get_throttles(self) -> list[Any]:
        # Registering answers "is this BSN known?" (409): rate-limited like hit/no-hit.
        if self.action == "create":
            return [HitNoHitThrottle()]
        return super().get_throttles()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        persons = list(page or [])
        selectors.log_exposure(
            AccessEvent.Action.LIST, "persons.person", person_ids=[p.pk for p in persons]
        )
        return self.get_paginated_response(PersonSerializer(persons, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request_user(request)
        person = self.get_object()
        addresses = list(selectors.address_list_for_user(user=user, person=person))
        relations = list(selectors.relation_list_for_user(user=user, person=person))
        selectors.log_exposure(
            AccessEvent.Action.VIEW,
            "persons.person",
            person.pk,
            [person.pk, *(r.related_id for r in relations)],
        )
        context = {"addresses": addresses, "relations": relations}
        return Response(PersonDetailSerializer(person, context=context).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request_user(request)
        if not user.has_role(Role.PROCESREGISSEUR):
            raise PermissionDenied(_("Alleen procesregisseurs registreren personen."))
        data = PersonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            person = person_services.person_create(**data.validated_data)
        except DuplicatePersonError as duplicate:
            if duplicate.existing is None:
                # Several records fit: nobody is proposed, the user tells them apart first.
                selectors.log_exposure(
                    AccessEvent.Action.CHECK,
                    "persons.person",
                    person_ids=[c.pk for c in duplicate.candidates],
                )
                return Response(
                    error_body(duplicate.code, duplicate.message), status=status.HTTP_409_CONFLICT
                )
            visible = selectors.person_list_for_user(user=user).filter(pk=duplicate.existing.pk)
            selectors.log_exposure(
                AccessEvent.Action.CHECK,
                "persons.person",
                duplicate.existing.pk,
                [duplicate.existing.pk],
            )
            # Search before create: the existing record is proposed for linking to a case
            # of the user's house (POST /cases/{id}/persons/ with ``proposal``). Its data
            # shows only once it is linked, or where the user may see it already.
            body: dict[str, Any] = {
                "code": duplicate.code,
                "message": duplicate.message,
                "existing_person": str(duplicate.existing.pk),
                "proposal": selectors.person_link_proposal(user=user, person=duplicate.existing),
            }
            if not visible.exists():
                body["message"] = str(
                    _(
                        "Deze persoon is al bekend in Casusregie. Koppel de bestaande "
                        "registratie aan een casus van uw huis met dit voorstel."
                    )
                )
            return Response({"error": body}, status=status.HTTP_409_CONFLICT)
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RelationCreateSerializer)
    @action(detail=True, methods=["post"])
    def relations(self, request: Request, pk: str | None = None) -> Response:
        user = request_user(request)
        if not user.has_role(Role.PROCESREGISSEUR):
            raise PermissionDenied(_("Alleen procesregisseurs leggen relaties vast."))
        person = self.get_object()
        data = RelationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        related = selectors.person_get_for_user(user=user, person_id=data.validated_data["related"])
        person_services.person_relate(
            person=person, related=related, kind=data.validated_data["kind"]
        )
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(request=AddressSerializer, responses=AddressSerializer)
    @action(detail=True, methods=["post"])
    def addresses(self, request: Request, pk: str | None = None) -> Response:
        user = request_user(request)
        if not user.has_role(Role.PROCESREGISSEUR):
            raise PermissionDenied(_("Alleen procesregisseurs leggen adressen vast."))
        person = self.get_object()
        data = AddressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = person_services.address_add(person=person, **data.validated_data)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


def check_purpose_label(code: str) -> str:
    """The Dutch label of a hit/no-hit purpose, as the audit log keeps it (whatever the
    language of the request)."""
    with translation.override("nl"):
        return str(CheckPurpose(code).label)


class PersonCheckView(APIView):
    """Hit/no-hit: is this person known in an active case, in any house? The answer is only
    yes or no, and whom to contact. "Yes" only for the one person the question certainly
    names (``person_find_existing``): never for a record with another BSN, nor when twins
    or namesakes fit and nothing tells them apart. Every question is logged."""

    serializer_class = PersonCheckSerializer
    throttle_classes = [HitNoHitThrottle]

    @extend_schema(request=PersonCheckSerializer)
    def post(self, request: Request) -> Response:
        user = request_user(request)
        if not works_on_cases(user):
            raise PermissionDenied(_("Uw rol kan geen hit/no-hit-vraag stellen."))
        data = PersonCheckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person = person_services.person_find_existing(
            bsn=values.get("bsn"),
            surname=values.get("surname", ""),
            given_names=values.get("given_names", ""),
            birth_date=values.get("birth_date"),
        )
        case = selectors.active_case_of_person(person=person) if person is not None else None
        record_access(
            action=AccessEvent.Action.CHECK,
            object_type="persons.person",
            object_id=person.pk if case is not None and person is not None else "",
            person_ids=[person.pk] if case is not None and person is not None else [],
            purpose=check_purpose_label(values["purpose"]),
            result=AccessEvent.Result.SUCCESS if case is not None else AccessEvent.Result.NOT_FOUND,
        )
        if case is None:
            return Response({"hit": False})
        contact = case.procesregisseur
        return Response(
            {
                "hit": True,
                "contact": {
                    "house": case.house.name,
                    "procesregisseur": contact.get_full_name() if contact else None,
                    "email": contact.email if contact else None,
                },
            }
        )


# --- referrals ------------------------------------------------------------------------------


class ReferralViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Aanmeldingen: partners submit, the house's procesregisseur triages."""

    serializer_class = ReferralSerializer
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        return selectors.referral_list_for_user(user=request_user(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        items = selectors.mark_referral_persons(
            user=request_user(request), referrals=list(page or [])
        )
        persons = {p.pk for r in items for p in r.visible_persons}
        selectors.log_exposure(AccessEvent.Action.LIST, "caseroom.referral", person_ids=persons)
        return self.get_paginated_response(self.get_serializer(items, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._shown(self.get_object())

    def _shown(self, referral: Referral, code: int = status.HTTP_200_OK) -> Response:
        """The referral with the persons the user may see, named in the log."""
        selectors.mark_referral_persons(user=request_user(self.request), referrals=[referral])
        selectors.log_exposure(
            AccessEvent.Action.VIEW,
            "caseroom.referral",
            referral.pk,
            [p.pk for p in referral.visible_persons],
        )
        return Response(self.get_serializer(referral).data, status=code)

    @extend_schema(request=ReferralCreateSerializer, responses=ReferralSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request_user(request)
        if not works_on_cases(user):  # before anything is validated
            raise PermissionDenied(_("Uw rol doet geen aanmeldingen."))
        data = ReferralCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        house = House.objects.filter(pk=values["house"]).first()
        if house is None:
            raise ServiceError(gettext("Onbekend Zorg- en Veiligheidshuis."), field="house")
        # Persons created for a referral that is then refused are not kept.
        with transaction.atomic():
            persons = person_services.persons_for_intake(
                [
                    {
                        "surname": p["surname"],
                        "given_names": p.get("given_names", ""),
                        "bsn": p.get("bsn") or None,
                        "birth_date": p.get("birth_date"),
                    }
                    for p in values["persons"]
                ]
            )
            referral = services.referral_submit(
                by=user,
                house=house,
                persons=persons,
                reason=values["reason"],
                goal=values["goal"],
                person_informed=values["person_informed"],
                not_informed_reason=values.get("not_informed_reason", ""),
                invited_organisations=values.get("invited_organisations", []),
            )
        referral = selectors.referral_get_for_user(user=user, referral_id=referral.pk)
        return self._shown(referral, status.HTTP_201_CREATED)

    @extend_schema(request=TriageSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def triage(self, request: Request, pk: str | None = None) -> Response:
        user = request_user(request)
        referral = self.get_object()
        if not (
            user.has_role(Role.PROCESREGISSEUR)
            and referral.house.organisation_id == user.organisation_id
        ):  # before anything is validated
            raise PermissionDenied(_("Alleen de procesregisseur van het huis beoordeelt."))
        data = TriageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        target_group = None
        if values.get("target_group"):
            target_group = TargetGroup.objects.filter(code=values["target_group"]).first()
            if target_group is None:
                raise ServiceError(gettext("Onbekende doelgroep."), field="target_group")
        services.referral_triage(
            referral=referral,
            by=user,
            decision=values["decision"],
            criteria=values,
            note=values.get("note", ""),
            target_group=target_group,
            # Only the organisations named: those the referrer asked to invite are listed in
            # the referral for the procesregisseur to choose from, never added unasked.
            participants=values.get("participants", []),
        )
        return self._shown(selectors.referral_get_for_user(user=user, referral_id=referral.pk))


class BreakGlassReviewSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    user = serializers.CharField(source="user.username", read_only=True)
    organisation = serializers.CharField(source="user.organisation.name", read_only=True)
    categories: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    review = serializers.SerializerMethodField(
        help_text=_("Het item in de beoordelingswachtrij (/api/v1/audit/reviews/<id>/).")
    )
    review_status = serializers.SerializerMethodField()

    class Meta:
        model = BreakGlassAccess
        fields = [
            "id",
            "case",
            "user",
            "organisation",
            "reason",
            "categories",
            "created_at",
            "expires_at",
            "review",
            "review_status",
        ]
        read_only_fields = fields

    def _item(self, access: BreakGlassAccess) -> ReviewItem | None:
        return self.context.get("reviews", {}).get(str(access.pk))

    def get_review(self, access: BreakGlassAccess) -> str | None:
        item = self._item(access)
        return str(item.pk) if item else None

    def get_review_status(self, access: BreakGlassAccess) -> str | None:
        item = self._item(access)
        return item.status if item else None


class BreakGlassReviewViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Break-the-glass uses in the privacy officer's house, with their typed reasons. They
    are reviewed in the review queue (/api/v1/audit/reviews/)."""

    serializer_class = BreakGlassReviewSerializer

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return BreakGlassAccess.objects.none()
        return selectors.break_glass_list_for_house(
            user=request_user(self.request)
        ).prefetch_related("categories")

    def _log(self, action: str, items: list[BreakGlassAccess], object_id: object = "") -> None:
        # The typed reasons may speak of the case's persons: name them in the access event.
        persons = CasePerson.objects.filter(case_id__in={i.case_id for i in items}).values_list(
            "person_id", flat=True
        )
        selectors.log_exposure(action, "caseroom.breakglassaccess", object_id, set(persons))

    def _context(self, items: list[BreakGlassAccess]) -> dict[str, Any]:
        reviews = ReviewItem.objects.filter(
            source_type=services.BREAK_GLASS_SOURCE, source_id__in=[str(i.pk) for i in items]
        )
        return {**self.get_serializer_context(), "reviews": {r.source_id: r for r in reviews}}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        items = list(page or [])
        self._log(AccessEvent.Action.LIST, items)
        data = BreakGlassReviewSerializer(items, many=True, context=self._context(items)).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        access = self.get_object()
        self._log(AccessEvent.Action.VIEW, [access], access.pk)
        return Response(BreakGlassReviewSerializer(access, context=self._context([access])).data)
