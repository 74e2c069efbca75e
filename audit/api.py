"""The privacy officer's console over access events: metadata, never case content. Every
use of the console is itself an access event."""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import io
import uuid
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.anomalies import RULES, find_anomalies, rule_label
from audit.chain import audit_key as _audit_key
from audit.models import AccessEvent, ReviewItem
from audit.review import decide
from audit.services import record_access

PRIVACY_ROLE = "privacyfunctionaris"
FIELDS = [
    "seq",
    "occurred_at",
    "actor_id",
    "actor_username",
    "on_behalf_of",
    "organisation_id",
    "organisation_name",
    "role",
    "action",
    "object_type",
    "object_id",
    "person_ids",
    "purpose",
    "client_ip",
    "request_id",
    "result",
]


class AccessEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessEvent
        fields = FIELDS
        read_only_fields = FIELDS


def require_privacy_officer(request: Request | HttpRequest) -> Any:
    """The console (API and pages) does not exist for anyone else: 404."""
    user = request.user
    has_role = getattr(user, "has_role", None)
    if not (callable(has_role) and has_role(PRIVACY_ROLE)):
        raise Http404
    return user


FILTERS = [
    OpenApiParameter(
        "person", str, description="id van een betrokkene (meerdere: gescheiden door komma's)"
    ),
    OpenApiParameter("user", int, description="id van een gebruiker"),
    OpenApiParameter("organisation", int),
    OpenApiParameter("action", str, enum=AccessEvent.Action.values),
    OpenApiParameter("from", str, description="JJJJ-MM-DD"),
    OpenApiParameter("to", str, description="JJJJ-MM-DD (tot en met)"),
]


def filtered_events(params: Any) -> tuple[QuerySet[AccessEvent], list[str]]:
    """Events by the console's filters; also the person ids asked about (for the log)."""
    events = AccessEvent.objects.order_by("-seq")
    persons: list[str] = []
    if params.get("person"):
        # Person ids only (comma-separated): a BSN never goes into a URL. The console's
        # page looks a BSN up by POST and continues with the id.
        try:
            persons = [str(uuid.UUID(p.strip())) for p in str(params["person"]).split(",")]
        except ValueError as error:
            raise ValidationError({"person": ["Geef een persoons-id."]}) from error
        # Person ids are unique UUID strings: a text match on the JSON list is exact enough
        # and works on SQLite as well as PostgreSQL.
        match = Q()
        for person in persons:
            match |= Q(person_ids__icontains=person)
        events = events.filter(match)
    for name, field in (("user", "actor_id"), ("organisation", "organisation_id")):
        if params.get(name):
            if not str(params[name]).isdigit():
                raise ValidationError({name: ["Geef een getal."]})
            events = events.filter(**{field: int(params[name])})
    if params.get("action"):
        if params["action"] not in AccessEvent.Action.values:
            raise ValidationError({"action": ["Onbekende handeling."]})
        events = events.filter(action=params["action"])
    for name, lookup in (("from", "gte"), ("to", "lt")):
        if params.get(name):
            day = parse_date(str(params[name]))
            if day is None:
                raise ValidationError({name: ["Ongeldige datum; gebruik JJJJ-MM-DD."]})
            if name == "to":
                day += datetime.timedelta(days=1)
            events = events.filter(**{f"occurred_at__date__{lookup}": day})
    return events, persons


class AccessEventListView(ListAPIView):
    """Who accessed what, when and why: filter by person, user, organisation, action, period."""

    serializer_class = AccessEventSerializer

    def get_queryset(self) -> QuerySet[AccessEvent]:
        if getattr(self, "swagger_fake_view", False):
            return AccessEvent.objects.none()
        return filtered_events(self.request.query_params)[0]

    @extend_schema(parameters=FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_privacy_officer(request)
        response = super().get(request, *args, **kwargs)
        persons = filtered_events(request.query_params)[1]
        record_access(
            action=AccessEvent.Action.SEARCH,
            object_type="audit.accessevent",
            person_ids=persons,
            purpose="toezicht op toegang (privacyfunctionaris)",
        )
        return response


class AccessEventExportView(APIView):
    """The same selection as CSV; the export itself is logged."""

    @extend_schema(parameters=FILTERS, responses={(200, "text/csv"): str})
    def get(self, request: Request) -> HttpResponse:
        require_privacy_officer(request)
        events, persons = filtered_events(request.query_params)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(FIELDS)
        for row in events.values_list(*FIELDS)[:100_000]:
            writer.writerow([";".join(v) if isinstance(v, list) else v for v in row])
        record_access(
            action=AccessEvent.Action.EXPORT,
            object_type="audit.accessevent",
            person_ids=persons,
            purpose="toezicht op toegang: export (privacyfunctionaris)",
        )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="toegangslog.csv"'
        response["Cache-Control"] = "no-store"
        return response


class AnomalySerializer(serializers.Serializer):
    rule = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_username = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    seq = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()


class AnomalyListView(APIView):
    """Unusual access in a period (default: the last 7 days): break-the-glass, off hours,
    bulk reading. Metadata only."""

    @extend_schema(
        parameters=[OpenApiParameter("from", str), OpenApiParameter("to", str)],
        responses=AnomalySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        require_privacy_officer(request)
        end = timezone.now()
        start = end - datetime.timedelta(days=7)
        for name in ("from", "to"):
            if request.query_params.get(name):
                day = parse_date(request.query_params[name])
                if day is None:
                    raise ValidationError({name: ["Ongeldige datum; gebruik JJJJ-MM-DD."]})
                moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
                if name == "from":
                    start = moment
                else:
                    end = moment + datetime.timedelta(days=1)
        anomalies = find_anomalies(start=start, end=end)
        record_access(
            action=AccessEvent.Action.SEARCH,
            object_type="audit.accessevent",
            purpose="toezicht op toegang: ongebruikelijke toegang (privacyfunctionaris)",
        )
        return Response(AnomalySerializer(anomalies, many=True).data)


def pseudonym(person_id: str) -> str:
    """A stable pseudonym for a data subject: keyed, so it cannot be reversed or guessed."""
    mac = hmac.new(_audit_key(), b"data-subject:" + person_id.encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def logboek_records(event: AccessEvent) -> list[dict[str, Any]]:
    """One event in the shape of the Logius standard *Logboek Dataverwerkingen*: one record
    per data subject, carrying the trace id (our request id) so partner systems can
    correlate their processing with ours."""
    base = {
        "trace_id": event.request_id or f"casusregie-{event.seq}",
        "span_id": f"{event.seq:016x}" if event.seq else "",
        "name": f"{event.action} {event.object_type}",
        "start_time": event.occurred_at.isoformat(),
        "end_time": event.occurred_at.isoformat(),
        "status_code": "STATUS_CODE_OK"
        if event.result == AccessEvent.Result.SUCCESS
        else "STATUS_CODE_ERROR",
        "resource": {"name": "casusregie", "version": "1"},
    }
    subjects = event.person_ids or [None]
    return [
        {
            **base,
            "attributes": {
                "dpl.core.processing_activity_id": f"casusregie:{event.object_type}:{event.action}",
                "dpl.core.user_id": str(event.actor_id or ""),
                "dpl.core.organisation_id": str(event.organisation_id or ""),
                **(
                    {
                        "dpl.core.data_subject_id": pseudonym(str(subject)),
                        "dpl.core.data_subject_id_type": "casusregie-pseudoniem",
                    }
                    if subject is not None
                    else {}
                ),
            },
        }
        for subject in subjects
    ]


class LogboekExportView(APIView):
    """The selected events as *Logboek Dataverwerkingen* records (JSON); the export is logged."""

    @extend_schema(parameters=FILTERS, responses={(200, "application/json"): dict})
    def get(self, request: Request) -> Response:
        require_privacy_officer(request)
        events, persons = filtered_events(request.query_params)
        records = [r for event in events[:20_000] for r in logboek_records(event)]
        record_access(
            action=AccessEvent.Action.EXPORT,
            object_type="audit.accessevent",
            person_ids=persons,
            purpose="toezicht op toegang: export Logboek Dataverwerkingen (privacyfunctionaris)",
        )
        return Response({"records": records})


class AccessEventPdfView(APIView):
    """The same selection as a PDF (at most 2 000 events); the export is logged."""

    @extend_schema(parameters=FILTERS, responses={(200, "application/pdf"): bytes})
    def get(self, request: Request) -> HttpResponse:
        from audit.pdf import events_pdf

        require_privacy_officer(request)
        events, persons = filtered_events(request.query_params)
        description = ", ".join(
            f"{name}={request.query_params[name]}"
            for name in ("user", "organisation", "action", "from", "to")
            if request.query_params.get(name)
        )
        if persons:
            description = ", ".join(filter(None, [f"{len(persons)} betrokkene(n)", description]))
        pdf = events_pdf(events.iterator(), description=description or "alles", limit=2000)
        record_access(
            action=AccessEvent.Action.EXPORT,
            object_type="audit.accessevent",
            person_ids=persons,
            purpose="toezicht op toegang: export als PDF (privacyfunctionaris)",
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="toegangslog.pdf"'
        response["Cache-Control"] = "no-store"
        return response


class ReviewItemSerializer(serializers.ModelSerializer):
    rule_label = serializers.SerializerMethodField()

    class Meta:
        model = ReviewItem
        fields = [
            "id",
            "rule",
            "rule_label",
            "event_seq",
            "occurred_at",
            "actor_id",
            "actor_username",
            "organisation_id",
            "organisation_name",
            "object_type",
            "object_id",
            "detail",
            "status",
            "findings",
            "reviewed_at",
        ]
        read_only_fields = fields

    def get_rule_label(self, item: ReviewItem) -> str:
        return rule_label(item.rule)


class ReviewDecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReviewItem.Status.choices)
    findings = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ReviewItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The review queue: every anomaly and every break-the-glass use, with status (open, in
    onderzoek, gegrond, ongegrond) and findings. Filter by ``status`` and ``rule``."""

    serializer_class = ReviewItemSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ReviewItem]:
        items = ReviewItem.objects.order_by("-occurred_at")
        if getattr(self, "swagger_fake_view", False):
            return items
        require_privacy_officer(self.request)
        params = self.request.query_params
        if params.get("status"):
            items = items.filter(status=params["status"])
        if params.get("rule"):
            items = items.filter(rule=params["rule"])
        return items

    def _log(self, action: str, object_id: object = "") -> None:
        record_access(
            action=action,
            object_type="audit.reviewitem",
            object_id=object_id,
            purpose="toezicht op toegang: beoordeling (privacyfunctionaris)",
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ReviewItem.Status.values),
            OpenApiParameter("rule", str, enum=list(RULES)),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        self._log(AccessEvent.Action.LIST)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        self._log(AccessEvent.Action.VIEW, kwargs.get("pk", ""))
        return response

    @extend_schema(request=ReviewDecisionSerializer, responses=ReviewItemSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        data = ReviewDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = decide(
            item=item,
            by=request.user,
            status=data.validated_data["status"],
            findings=data.validated_data.get("findings", ""),
        )
        return Response(self.get_serializer(item).data)
