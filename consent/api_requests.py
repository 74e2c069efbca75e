"""Data-subject requests over the API. Any partner takes a request in (and learns nothing
about whether the person is known); the privacy officer sees and handles all of them; a
partner sees the requests it took in and those with a task for its organisation."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AccessEvent
from audit.services import record_access
from caseroom.access import works_on_cases
from consent import subject_requests as services
from consent.models import SubjectRequest, SubjectRequestTask
from partners.models import User
from partners.permissions import request_user
from partners.roles import Role


def requests_for(user: User) -> QuerySet[SubjectRequest]:
    requests = SubjectRequest.objects.select_related("contact_organisation")
    if user.has_role(Role.PRIVACYFUNCTIONARIS):
        return requests
    if user.organisation_id is None or not works_on_cases(user):
        return requests.none()  # the beheerder and the bestuurder handle no requests
    return requests.filter(
        Q(contact_organisation_id=user.organisation_id)
        | Q(tasks__organisation_id=user.organisation_id)
    ).distinct()


def request_for(user: User, pk: Any) -> SubjectRequest:
    found = requests_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _log(request: SubjectRequest, action: str = AccessEvent.Action.VIEW) -> None:
    record_access(
        action=action,
        object_type="consent.subjectrequest",
        object_id=request.pk,
        person_ids=[request.person_id] if request.person_id else [],
        purpose="verzoek van betrokkene",
    )


class TaskSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = SubjectRequestTask
        fields = ["id", "organisation", "note", "done_at"]
        read_only_fields = fields


class SubjectRequestSerializer(serializers.ModelSerializer):
    contact_organisation = serializers.CharField(source="contact_organisation.name")
    deadline = serializers.DateField(read_only=True)
    overdue = serializers.SerializerMethodField()
    person_known = serializers.SerializerMethodField(
        help_text=_("Alleen voor de privacyfunctionaris; voor anderen altijd null.")
    )
    tasks = serializers.SerializerMethodField()

    class Meta:
        model = SubjectRequest
        fields = [
            "id",
            "kind",
            "status",
            "contact_organisation",
            "received_on",
            "due_on",
            "extended_to",
            "deadline",
            "overdue",
            "description",
            "identity_checked",
            "extension_reason",
            "person_known",
            "tasks",
            "report_released_at",
            "outcome",
            "closed_at",
        ]
        read_only_fields = fields

    def _officer(self) -> bool:
        user = self.context.get("user")
        return bool(user and user.has_role(Role.PRIVACYFUNCTIONARIS))

    def get_overdue(self, request: SubjectRequest) -> bool:
        return request.is_overdue()

    def get_person_known(self, request: SubjectRequest) -> bool | None:
        return request.person_id is not None if self._officer() else None

    def get_tasks(self, request: SubjectRequest) -> list[dict[str, Any]]:
        tasks = request.tasks.select_related("organisation")
        user = self.context.get("user")
        if not self._officer() and user is not None:
            tasks = tasks.filter(organisation_id=user.organisation_id)
        return list(TaskSerializer(tasks, many=True).data)


class IntakeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SubjectRequest.Kind.choices)
    bsn = serializers.CharField(max_length=20)
    description = serializers.CharField(max_length=5000)
    identity_checked = serializers.CharField(max_length=100)


class IntakeResultSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    due_on = serializers.DateField()


class SubjectRequestListView(APIView):
    """``GET``: the requests (``?overdue=1``: past their term). ``POST``: take one in."""

    @extend_schema(
        parameters=[OpenApiParameter("overdue", bool)],
        responses=SubjectRequestSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        rows = list(requests_for(user).prefetch_related("tasks")[:1000])
        if request.query_params.get("overdue") in ("1", "true"):
            rows = [r for r in rows if r.is_overdue()]
        record_access(
            action=AccessEvent.Action.LIST,
            object_type="consent.subjectrequest",
            person_ids=[r.person_id for r in rows if r.person_id],
            purpose="verzoeken van betrokkenen",
        )
        context = {"user": user}
        return Response(SubjectRequestSerializer(rows, many=True, context=context).data)

    @extend_schema(request=IntakeSerializer, responses=IntakeResultSerializer)
    def post(self, request: Request) -> Response:
        data = IntakeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.request_intake(by=request_user(request), **data.validated_data)
        body = {"id": created.pk, "due_on": created.due_on}
        return Response(IntakeResultSerializer(body).data, status=status.HTTP_201_CREATED)


class SubjectRequestDetailView(APIView):
    @extend_schema(responses=SubjectRequestSerializer)
    def get(self, request: Request, pk: Any) -> Response:
        user = request_user(request)
        found = request_for(user, pk)
        _log(found)
        return Response(SubjectRequestSerializer(found, context={"user": user}).data)


class ExtendSerializer(serializers.Serializer):
    months = serializers.IntegerField(min_value=1, max_value=2)
    reason = serializers.CharField(max_length=5000)


class CloseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[SubjectRequest.Status.DONE, SubjectRequest.Status.REFUSED]
    )
    outcome = serializers.CharField(max_length=5000)


class TaskDoneSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, allow_blank=True)


class RectifySerializer(serializers.Serializer):
    surname = serializers.CharField(required=False, max_length=200)
    given_names = serializers.CharField(required=False, allow_blank=True, max_length=200)
    birth_date = serializers.DateField(required=False)
    language = serializers.CharField(required=False, allow_blank=True, max_length=50)
    communication_needs = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SubjectRequestActionView(APIView):
    """One step of handling a request: ``extend``, ``release``, ``close``, ``rectify``,
    ``restrict`` or ``erase`` (privacy officer)."""

    serializers_by_step: dict[str, type[serializers.Serializer] | None] = {
        "extend": ExtendSerializer,
        "release": None,
        "close": CloseSerializer,
        "rectify": RectifySerializer,
        "restrict": None,
        "erase": None,
    }

    @extend_schema(
        request=None, responses=SubjectRequestSerializer, operation_id="subject_requests_step"
    )
    def post(self, request: Request, pk: Any, step: str) -> Response:
        user = request_user(request)
        found = request_for(user, pk)
        if step not in self.serializers_by_step:
            raise Http404
        if not user.has_role(Role.PRIVACYFUNCTIONARIS):  # before anything is validated
            raise PermissionDenied(_("Alleen de privacyfunctionaris handelt een verzoek af."))
        serializer_class = self.serializers_by_step[step]
        values: dict[str, Any] = {}
        if serializer_class is not None:
            data = serializer_class(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
        if step == "extend":
            services.request_extend(request=found, by=user, **values)
        elif step == "release":
            services.report_release(request=found, by=user)
        elif step == "close":
            services.request_close(request=found, by=user, **values)
        elif step == "rectify":
            services.rectify(request=found, changes=values, by=user)
        elif step == "restrict":
            services.restrict(request=found, by=user)
        else:
            services.erase(request=found, by=user)
        found.refresh_from_db()
        return Response(SubjectRequestSerializer(found, context={"user": user}).data)


class TaskDoneView(APIView):
    @extend_schema(request=TaskDoneSerializer, responses=TaskSerializer)
    def post(self, request: Request, pk: Any, task_pk: Any) -> Response:
        user = request_user(request)
        found = request_for(user, pk)
        task = found.tasks.filter(pk=task_pk, organisation_id=user.organisation_id).first()
        if task is None:  # another organisation's task does not exist for this user
            raise Http404
        data = TaskDoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_done(task=task, note=data.validated_data["note"], by=user)
        return Response(TaskSerializer(task).data)


class AccessReportView(APIView):
    """The access report as PDF, for the privacy officer: a draft until released. Each
    download is logged as an export naming the person."""

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, pk: Any) -> HttpResponse:
        from consent.pdf import access_report_pdf

        user = request_user(request)
        if not user.has_role(Role.PRIVACYFUNCTIONARIS):
            raise Http404
        found = request_for(user, pk)
        report = services.access_report(found)
        pdf = access_report_pdf(report, draft=found.report_released_at is None)
        _log(found, AccessEvent.Action.EXPORT)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="inzage.pdf"'
        response["Cache-Control"] = "no-store"
        return response


class AnonymisedExportView(APIView):
    """An anonymised export of one house's cases opened in a period (``house`` = the
    house's organisation id, ``from``/``to`` as JJJJ-MM-DD): no direct identifiers, no free
    text, small groups suppressed. For the procesregisseur (own house), the bestuurder and
    the privacy officer; the export is logged."""

    @extend_schema(
        parameters=[
            OpenApiParameter("house", int),
            OpenApiParameter("from", str),
            OpenApiParameter("to", str),
        ],
        responses={(200, "application/json"): dict},
    )
    def get(self, request: Request) -> Response:
        from dataclasses import asdict

        from django.utils import timezone
        from django.utils.dateparse import parse_date
        from rest_framework.exceptions import ValidationError

        from caseroom.models import House
        from consent.anonymised import anonymised_export

        user = request_user(request)
        houses = House.objects.all()
        if user.has_role(Role.PRIVACYFUNCTIONARIS) or user.has_role(Role.BESTUURDER):
            pass
        elif user.has_role(Role.PROCESREGISSEUR):
            houses = houses.filter(organisation_id=user.organisation_id)
        else:
            raise Http404
        house_id = str(request.query_params.get("house", ""))
        house = houses.filter(organisation_id=house_id).first() if house_id.isdigit() else None
        if house is None:
            raise Http404
        today = timezone.localdate()
        period = {}
        for name, default in (("from", today.replace(year=today.year - 1)), ("to", today)):
            text = request.query_params.get(name)
            try:
                day = parse_date(text) if text else default
            except ValueError:
                day = None
            if day is None:
                raise ValidationError({name: ["Ongeldige datum; gebruik JJJJ-MM-DD."]})
            period[name] = day
        if period["from"] > period["to"]:
            raise ValidationError({"to": ["De einddatum ligt vóór de begindatum."]})
        export = anonymised_export(house=house, start=period["from"], end=period["to"])
        record_access(
            action=AccessEvent.Action.EXPORT,
            object_type="consent.anonymisedexport",
            object_id=house.organisation_id,
            purpose="geanonimiseerde export (leersessie / raad)",
        )
        return Response(asdict(export))
