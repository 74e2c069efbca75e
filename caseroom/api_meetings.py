"""API for the casusoverleg: meetings, agenda, attendees, the per-partner view, minutes,
the plan and actions."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from audit.models import AccessEvent
from caseroom import selectors, services
from caseroom.access import is_house_procesregisseur, works_on_cases
from caseroom.models import (
    Action,
    AgendaItem,
    Goal,
    InformationCategory,
    LifeDomain,
    Meeting,
    MeetingType,
    Minutes,
)
from core.exceptions import ServiceError
from partners.models import Organisation, User
from partners.permissions import request_user
from partners.roles import Role


class MeetingSerializer(serializers.ModelSerializer):
    meeting_type: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    house = serializers.CharField(source="house.name", read_only=True)
    chair = serializers.CharField(source="chair.get_full_name", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "meeting_type",
            "house",
            "starts_at",
            "location",
            "chair",
            "status",
            "series",
        ]
        read_only_fields = fields


class MeetingCreateSerializer(serializers.Serializer):
    meeting_type = serializers.SlugField()
    starts_at = serializers.DateTimeField()
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    repeat_every_days = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=90
    )
    repeat_count = serializers.IntegerField(required=False, default=1, min_value=1, max_value=52)


class AgendaItemCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    question = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class AttendeeCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    user = serializers.IntegerField(required=False, allow_null=True)
    ad_hoc = serializers.BooleanField(required=False, default=False)


class MinutesWriteSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=50000)
    decisions = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=20000
    )
    version = serializers.IntegerField(min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    category = serializers.SlugField(required=False, help_text=_("Wie het verslag mag zien."))

    def validate_category(self, value: str) -> InformationCategory:
        category = InformationCategory.objects.filter(code=value).first()
        if category is None:
            raise serializers.ValidationError(
                _("Onbekende informatiecategorie: %(code)s.") % {"code": value},
                code="unknown_category",
            )
        return category


class ActionSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    owner_organisation = serializers.CharField(source="owner_organisation.name", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "case",
            "description",
            "owner_organisation",
            "due_date",
            "status",
            "note",
            "overdue",
        ]
        read_only_fields = fields


class ActionCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    description = serializers.CharField(max_length=5000)
    owner_organisation = serializers.IntegerField()
    due_date = serializers.DateField()
    agenda_item = serializers.UUIDField(required=False, allow_null=True)
    goal = serializers.UUIDField(required=False, allow_null=True)


class ActionStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Action.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    obstacle = serializers.ChoiceField(
        choices=Action.Obstacle.choices,
        required=False,
        allow_blank=True,
        help_text=_("Bij weigeren of blokkeren: onwil of onmacht."),
    )


class GoalCreateSerializer(serializers.Serializer):
    domain = serializers.SlugField()
    description = serializers.CharField(max_length=5000)


def _view_body(view: selectors.MeetingView) -> dict[str, Any]:
    return {
        "meeting": MeetingSerializer(view.meeting).data,
        "items": [
            {
                "id": str(item.item.pk),
                "case": item.case.number,
                "question": item.item.question,
                "persons": [
                    {
                        "id": str(link.person_id),
                        "name": f"{link.person.given_names} {link.person.surname}".strip(),
                        "role": link.role,
                    }
                    for link in item.persons
                ],
                "contributions": [
                    {
                        "category": c.category.code,
                        "organisation": c.organisation.name,
                        "text": c.text,
                    }
                    for c in item.contributions
                ],
                "actions": ActionSerializer(item.actions, many=True).data,
                "minutes": (
                    {
                        "version": item.minutes.version,
                        "status": item.minutes.status,
                        "text": item.minutes.text,
                        "decisions": item.minutes.decisions,
                    }
                    if item.minutes is not None
                    else None
                ),
            }
            for item in view.items
        ],
    }


def meeting_view_or_error(user: User, meeting: Meeting) -> selectors.MeetingView:
    try:
        view = selectors.meeting_view_for_user(user=user, meeting=meeting)
    except selectors.ConfidentialityRequired:
        raise PermissionDenied(
            _("Teken eerst de geheimhoudingsverklaring voordat u de agenda ziet.")
        ) from None
    selectors.log_exposure(
        AccessEvent.Action.VIEW, "caseroom.meeting", meeting.pk, view.person_ids()
    )
    return view


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MeetingSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        return selectors.meeting_list_for_user(user=request_user(self.request))

    @extend_schema(request=MeetingCreateSerializer, responses=MeetingSerializer(many=True))
    def create(self, request: Request) -> Response:
        user = request_user(request)
        if not user.has_role(Role.PROCESREGISSEUR):  # before anything is validated
            raise PermissionDenied(_("Alleen procesregisseurs plannen overleggen."))
        data = MeetingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        house = getattr(user.organisation, "house", None)
        meeting_type = MeetingType.objects.filter(code=values["meeting_type"]).first()
        if house is None:
            raise ServiceError(
                gettext("Alleen een Zorg- en Veiligheidshuis plant overleggen."),
                code="permission_denied",
            )
        if meeting_type is None:
            raise ServiceError(gettext("Onbekende soort overleg."), field="meeting_type")
        meetings = services.meeting_create(
            house=house,
            meeting_type=meeting_type,
            starts_at=values["starts_at"],
            location=values.get("location", ""),
            repeat_every_days=values["repeat_every_days"],
            repeat_count=values["repeat_count"],
            by=user,
        )
        return Response(MeetingSerializer(meetings, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AgendaItemCreateSerializer)
    @action(detail=True, methods=["post"])
    def agenda(self, request: Request, pk: str | None = None) -> Response:
        user = request_user(request)
        meeting = self.get_object()
        data = AgendaItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = selectors.case_get_for_user(user=user, case_id=data.validated_data["case"])
        item = services.agenda_item_add(
            meeting=meeting, case=case, question=data.validated_data.get("question", ""), by=user
        )
        return Response(
            {"id": str(item.pk), "position": item.position}, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=AttendeeCreateSerializer)
    @action(detail=True, methods=["post"])
    def attendees(self, request: Request, pk: str | None = None) -> Response:
        user = request_user(request)
        meeting = self.get_object()
        data = AttendeeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organisation = get_object_or_404(
            Organisation, pk=data.validated_data["organisation"], is_active=True
        )
        invitee = None
        if data.validated_data.get("user"):
            invitee = get_object_or_404(User, pk=data.validated_data["user"])
        attendee = services.attendee_invite(
            meeting=meeting,
            organisation=organisation,
            user=invitee,
            ad_hoc=data.validated_data["ad_hoc"],
            by=user,
        )
        return Response({"id": attendee.pk}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        """The confidentiality statement of an ad-hoc attendee's organisation."""
        user = request_user(request)
        meeting = self.get_object()
        attendee = meeting.attendees.filter(organisation_id=user.organisation_id).first()
        if attendee is None:
            raise NotFound
        services.confidentiality_sign(attendee=attendee, by=user)
        return Response({"signed_at": attendee.confidentiality_signed_at})

    @action(detail=True, methods=["get"], pagination_class=None)
    def view(self, request: Request, pk: str | None = None) -> Response:
        """The agenda as the requesting organisation may see it."""
        view = meeting_view_or_error(request_user(request), self.get_object())
        return Response(_view_body(view))


class MinutesViewSet(viewsets.GenericViewSet):
    """Minutes per agenda item (the id is the agenda item's), saved with the version they
    were read at."""

    serializer_class = MinutesWriteSerializer
    queryset = AgendaItem.objects.none()  # for the schema: ids are agenda item ids

    def _item(self, request: Request, pk: str) -> AgendaItem:
        user = request_user(request)
        item = get_object_or_404(AgendaItem.objects.select_related("meeting__house", "case"), pk=pk)
        selectors.meeting_get_for_user(user=user, meeting_id=item.meeting_id)
        selectors.case_get_for_user(user=user, case_id=item.case_id)
        return item

    def _write(self, request: Request, pk: str, *, amend: bool) -> Response:
        user = request_user(request)
        item = self._item(request, pk)
        if not is_house_procesregisseur(user, item.case):  # before anything is validated
            raise PermissionDenied(_("Alleen de procesregisseur legt het verslag vast."))
        data = MinutesWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            if amend:
                minutes = services.minutes_amend(
                    minutes=get_object_or_404(Minutes, agenda_item=item),
                    by=user,
                    text=values["text"],
                    decisions=values["decisions"],
                    reason=values.get("reason", ""),
                    expected_version=values["version"],
                    category=values.get("category"),
                )
            else:
                minutes = services.minutes_save(
                    agenda_item=item,
                    by=user,
                    text=values["text"],
                    decisions=values["decisions"],
                    expected_version=values["version"],
                    category=values.get("category"),
                )
        except services.MinutesConflict as conflict:
            current = conflict.minutes
            shown: dict[str, Any] = {"version": current.version}
            # The winning text only for who may see the minutes' category.
            if selectors.minutes_visible_to(user=user, minutes=current):
                shown.update(text=current.text, decisions=current.decisions)
                persons = selectors.person_ids_of_cases(user=user, case_ids={item.case_id})
                selectors.log_exposure(
                    AccessEvent.Action.VIEW, "caseroom.minutes", current.pk, persons
                )
            return Response(
                {"error": {"code": conflict.code, "message": conflict.message, "current": shown}},
                status=status.HTTP_409_CONFLICT,
            )
        return Response({"version": minutes.version, "status": minutes.status})

    @extend_schema(request=MinutesWriteSerializer)
    def update(self, request: Request, pk: str) -> Response:
        return self._write(request, pk, amend=False)

    @extend_schema(request=MinutesWriteSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, pk: str) -> Response:
        return self._write(request, pk, amend=True)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        item = self._item(request, pk)
        minutes = services.minutes_approve(
            minutes=get_object_or_404(Minutes, agenda_item=item), by=request_user(request)
        )
        return Response({"version": minutes.version, "status": minutes.status})


class ActionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Actions in cases the user may see; ``?mine=1``: those of the user's organisation."""

    serializer_class = ActionSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        actions = list(page or [])
        persons = selectors.person_ids_of_cases(
            user=request_user(request), case_ids={a.case_id for a in actions}
        )
        selectors.log_exposure(AccessEvent.Action.LIST, "caseroom.action", person_ids=persons)
        return self.get_paginated_response(ActionSerializer(actions, many=True).data)

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Action.objects.none()
        own = self.request.query_params.get("mine") in {"1", "true", "ja"}
        return selectors.action_list_for_user(user=request_user(self.request), own=own)

    @extend_schema(request=ActionCreateSerializer, responses=ActionSerializer)
    def create(self, request: Request) -> Response:
        user = request_user(request)
        if not works_on_cases(user):  # before anything is validated
            raise PermissionDenied(_("Uw rol maakt geen afspraken."))
        data = ActionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = selectors.case_get_for_user(user=user, case_id=values["case"])
        organisation = get_object_or_404(Organisation, pk=values["owner_organisation"])
        agenda_item = None
        if values.get("agenda_item"):
            agenda_item = get_object_or_404(AgendaItem, pk=values["agenda_item"], case=case)
        goal = None
        if values.get("goal"):
            goal = get_object_or_404(Goal, pk=values["goal"], plan__case=case)
        created = services.action_create(
            case=case,
            by=user,
            description=values["description"],
            owner_organisation=organisation,
            due_date=values["due_date"],
            agenda_item=agenda_item,
            goal=goal,
        )
        return Response(ActionSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActionStatusSerializer, responses=ActionSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        user = request_user(request)
        found = selectors.action_get_for_user(user=user, action_id=pk)
        data = ActionStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.action_set_status(
            action=found,
            by=user,
            status=data.validated_data["status"],
            note=data.validated_data.get("note", ""),
            obstacle=data.validated_data.get("obstacle", ""),
        )
        # The answer shows the action's text, as the list does: name the case's persons.
        persons = selectors.person_ids_of_cases(user=user, case_ids={updated.case_id})
        selectors.log_exposure(AccessEvent.Action.VIEW, "caseroom.action", updated.pk, persons)
        return Response(ActionSerializer(updated).data)


class PlanGoalSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    domain = serializers.CharField()
    description = serializers.CharField()
    actions = ActionSerializer(many=True)


class PlanSerializer(serializers.Serializer):
    goals = PlanGoalSerializer(many=True)
    agreed = serializers.ListField(child=serializers.CharField())


class GoalViewSet(viewsets.GenericViewSet):
    """The plan van aanpak of a case: goals per life domain with their actions, agreements."""

    serializer_class = GoalCreateSerializer
    queryset = Goal.objects.none()  # for the schema; reads go through the selectors
    pagination_class = None

    @extend_schema(responses=PlanSerializer)
    def plan(self, request: Request, case_pk: str) -> Response:
        user = request_user(request)
        case = selectors.case_get_for_user(user=user, case_id=case_pk)
        plan = selectors.plan_for_user(user=user, case=case)
        persons = selectors.person_ids_of_cases(user=user, case_ids={case.pk})
        selectors.log_exposure(AccessEvent.Action.VIEW, "caseroom.plan", case.pk, persons)
        return Response(
            {
                "goals": [
                    {
                        "id": str(goal.pk),
                        "domain": goal.domain.code,
                        "description": goal.description,
                        "actions": ActionSerializer(goal.actions.all(), many=True).data,
                    }
                    for goal in plan.goals
                ],
                "agreed": plan.agreed,
            }
        )

    @extend_schema(request=GoalCreateSerializer)
    def create(self, request: Request, case_pk: str) -> Response:
        user = request_user(request)
        case = selectors.case_get_for_user(user=user, case_id=case_pk)
        data = GoalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        domain = LifeDomain.objects.filter(code=data.validated_data["domain"]).first()
        if domain is None:
            raise ServiceError(gettext("Onbekend leefgebied."), field="domain")
        goal = services.goal_add(
            case=case, domain=domain, description=data.validated_data["description"], by=user
        )
        return Response({"id": str(goal.pk)}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=False, methods=["post"])
    def agree(self, request: Request, case_pk: str) -> Response:
        user = request_user(request)
        case = selectors.case_get_for_user(user=user, case_id=case_pk)
        agreement = services.plan_agree(case=case, by=user)
        return Response(
            {"organisation": agreement.organisation_id, "agreed_at": agreement.agreed_at}
        )
