from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from partners import services
from partners.models import Organisation
from partners.permissions import ReadOrBeheerder, request_user
from partners.selectors import organisation_list_for_user
from partners.serializers import MeSerializer, OrganisationSerializer


class MeView(APIView):
    """The authenticated user or service account, with organisation and roles."""

    serializer_class = MeSerializer

    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request_user(request)).data)


class OrganisationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Partner organisations. Everyone reads; the beheerder adds and changes."""

    serializer_class = OrganisationSerializer
    permission_classes = [ReadOrBeheerder]
    filterset_fields = ["is_active"]

    def get_queryset(self) -> QuerySet[Organisation]:
        if getattr(self, "swagger_fake_view", False):  # schema generation, no user
            return Organisation.objects.none()
        return organisation_list_for_user(user=request_user(self.request))

    def perform_create(self, serializer: BaseSerializer[Organisation]) -> None:
        data = serializer.validated_data
        serializer.instance = services.organisation_create(
            name=data["name"], kind_code=data["kind"].code
        )
        if data.get("is_active") is False:
            services.organisation_set_active(organisation=serializer.instance, active=False)

    def perform_update(self, serializer: BaseSerializer[Organisation]) -> None:
        organisation = self.get_object()
        serializer.instance = services.organisation_update(
            organisation=organisation, **serializer.validated_data
        )
