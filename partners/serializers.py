from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from partners.models import Organisation, OrganisationKind, User


class OrganisationSerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", queryset=OrganisationKind.objects.all())
    kind_label = serializers.CharField(source="kind.label", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "kind_label", "is_active"]
        read_only_fields = ["id", "kind_label"]

    def validate_name(self, value: str) -> str:
        value = value.strip()
        duplicate = Organisation.objects.filter(name__iexact=value)
        if self.instance is not None:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise serializers.ValidationError(
                _("Er bestaat al een organisatie met deze naam."), code="duplicate"
            )
        return value


class MeSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)
    roles = serializers.SerializerMethodField()
    email = serializers.CharField(read_only=True)  # empty for a service account

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "organisation",
            "roles",
            "is_service_account",
        ]
        read_only_fields = fields

    def get_roles(self, user: User) -> list[str]:
        return sorted(user.roles)
