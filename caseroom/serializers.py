from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import serializers

from caseroom.models import (
    Attachment,
    BreakGlassAccess,
    Case,
    CaseEvent,
    CasePerson,
    Contribution,
    GroupRecord,
    InformationCategory,
    Participation,
    Referral,
)
from core.validators import validate_bsn
from partners.models import Organisation
from persons.models import Address, Person, PersonRelation


def _validate_bsn(value: str) -> None:
    from django.core.exceptions import ValidationError

    try:
        validate_bsn(value)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.messages[0], code="invalid_bsn") from None


class CategoryCodesField(serializers.ListField):
    child = serializers.SlugField()

    def to_internal_value(self, data: Any) -> list[str]:
        codes: list[str] = super().to_internal_value(data)
        known = set(
            InformationCategory.objects.filter(code__in=codes).values_list("code", flat=True)
        )
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise serializers.ValidationError(
                ngettext(
                    "Onbekende informatiecategorie: %(codes)s.",
                    "Onbekende informatiecategorieën: %(codes)s.",
                    len(unknown),
                )
                % {"codes": ", ".join(sorted(unknown))},
                code="unknown_category",
            )
        return codes


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name"]
        read_only_fields = fields


# --- persons --------------------------------------------------------------------------------

COMMUNICATION_NEEDS_HELP = _(
    "Hoe u de persoon het best te woord staat, bijvoorbeeld: korte zinnen, afspraken op "
    "papier meegeven. Noteer hier geen diagnoses of andere gezondheidsgegevens; die horen "
    "in de categorie zorg."
)


class PersonSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "given_names", "surname", "birth_date"]
        read_only_fields = fields


class AddressSerializer(serializers.ModelSerializer):
    visible_to: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Organisation.objects.filter(is_active=True), required=False
    )

    class Meta:
        model = Address
        fields = [
            "id",
            "kind",
            "street",
            "postcode",
            "city",
            "is_secret",
            "visible_to",
            "valid_from",
        ]
        read_only_fields = ["id"]

    def to_representation(self, instance: Address) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not instance.is_secret:
            data.pop("visible_to", None)
        return data


class RelationSerializer(serializers.ModelSerializer):
    related = PersonSummarySerializer(read_only=True)

    class Meta:
        model = PersonRelation
        fields = ["kind", "related"]
        read_only_fields = fields


class RelationCreateSerializer(serializers.Serializer):
    related = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=PersonRelation.Kind.choices)


class PersonSerializer(serializers.ModelSerializer):
    bsn = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, validators=[_validate_bsn]
    )
    surname = serializers.CharField(max_length=200)
    given_names = serializers.CharField(max_length=200, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    staff_safety_warning = serializers.CharField(required=False, allow_blank=True)
    has_lvb = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text=_(
            "Licht verstandelijke beperking: een gezondheidsgegeven. Alleen aanwezig in het "
            "antwoord voor wie in een casus van deze persoon de categorie zorg mag zien."
        ),
    )
    communication_needs = serializers.CharField(
        required=False, allow_blank=True, help_text=COMMUNICATION_NEEDS_HELP
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "bsn",
            "given_names",
            "surname",
            "birth_date",
            "gender",
            "staff_safety_warning",
            "language",
            "has_lvb",
            "communication_needs",
        ]
        read_only_fields = ["id"]

    def to_representation(self, instance: Person) -> dict[str, Any]:
        """``has_lvb`` is health data: absent unless the person comes marked
        ``shows_health`` (``selectors.person_list_with_health_for_user``)."""
        data: dict[str, Any] = super().to_representation(instance)
        if not getattr(instance, "shows_health", False):
            data.pop("has_lvb", None)
        return data


class PersonDetailSerializer(PersonSerializer):
    addresses = serializers.SerializerMethodField()
    relations = serializers.SerializerMethodField()

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "addresses", "relations"]

    def get_addresses(self, person: Person) -> list[dict[str, Any]]:
        return AddressSerializer(self.context["addresses"], many=True).data  # type: ignore[return-value]

    def get_relations(self, person: Person) -> list[dict[str, Any]]:
        return RelationSerializer(self.context["relations"], many=True).data  # type: ignore[return-value]


class CheckPurpose(models.TextChoices):
    """Why a partner asks hit/no-hit. A fixed list, because the purpose goes into the
    append-only audit log, where typed names or birth dates could never be removed."""

    SIGNAL = "signal", _("Signaal: nagaan of er al een aanpak loopt")
    REFERRAL = "referral", _("Aanmelding voorbereiden")
    COORDINATE_CARE = "coordinate-care", _("Lopende hulpverlening afstemmen")
    SAFETY_RISK = "safety-risk", _("Veiligheidsrisico inschatten")
    AFTERCARE = "aftercare", _("Nazorg na detentie voorbereiden")


class PersonCheckSerializer(serializers.Serializer):
    bsn = serializers.CharField(required=False, validators=[_validate_bsn])
    surname = serializers.CharField(required=False, max_length=200)
    given_names = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_(
            "Voornamen, bij een vraag op achternaam en geboortedatum: zo worden bijvoorbeeld "
            "tweelingen uit elkaar gehouden."
        ),
    )
    birth_date = serializers.DateField(required=False)
    purpose = serializers.ChoiceField(
        choices=CheckPurpose.choices,
        help_text=_(
            "Het doel van de vraag, een code uit de lijst. Het doel komt in het logboek; "
            "vrije tekst is niet mogelijk."
        ),
        error_messages={
            "invalid_choice": format_lazy(
                _("Onbekend doel. Kies een van: {codes}."), codes=", ".join(CheckPurpose.values)
            )
        },
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("bsn") and not (attrs.get("surname") and attrs.get("birth_date")):
            raise serializers.ValidationError(
                _("Geef een BSN, of achternaam en geboortedatum."), code="missing_identity"
            )
        return attrs


# --- cases ----------------------------------------------------------------------------------


class CasePersonSerializer(serializers.ModelSerializer):
    person = PersonSummarySerializer(read_only=True)

    class Meta:
        model = CasePerson
        fields = ["person", "role"]
        read_only_fields = fields


class CasePersonCreateSerializer(serializers.Serializer):
    person = serializers.UUIDField()
    role = serializers.ChoiceField(choices=CasePerson.Role.choices)
    proposal = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=_(
            "Het voorstel uit het 409-antwoord van POST /api/v1/persons/ (veld `proposal`), "
            "om een al bekende persoon te koppelen. Eén uur geldig, alleen voor u."
        ),
    )


class CaseSerializer(serializers.ModelSerializer):
    house = serializers.CharField(source="house.name", read_only=True)
    target_group: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    lead_organisation = OrganisationRefSerializer(read_only=True, allow_null=True)
    lead_missing = serializers.SerializerMethodField()
    procesregisseur = serializers.SerializerMethodField()
    persons = serializers.SerializerMethodField()
    # Empty while the case is open.
    closure_reason = serializers.ChoiceField(
        choices=Case.ClosureReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "house",
            "target_group",
            "status",
            "closure_reason",
            "opened_at",
            "closed_at",
            "procesregisseur",
            "lead_organisation",
            "lead_missing",
            "persons",
        ]
        read_only_fields = fields

    def get_lead_missing(self, case: Case) -> bool:
        return case.lead_organisation_id is None and case.is_active

    def get_procesregisseur(self, case: Case) -> str | None:
        return case.procesregisseur.get_full_name() if case.procesregisseur else None

    def get_persons(self, case: Case) -> list[dict[str, Any]]:
        if not getattr(case, "shows_persons", False):
            return []
        return CasePersonSerializer(case.linked_persons(), many=True).data  # type: ignore[return-value]


class CaseUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    closure_reason = serializers.ChoiceField(
        choices=Case.ClosureReason.choices, required=False, allow_blank=True
    )
    lead_organisation: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )


class ParticipationSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    categories: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    active = serializers.BooleanField(source="is_active", read_only=True)
    withdrawal_reason = serializers.SerializerMethodField(
        help_text=_(
            "Waarom de deelname is beëindigd; alleen voor de procesregisseur van het huis, "
            "anders leeg."
        )
    )

    class Meta:
        model = Participation
        fields = [
            "id",
            "organisation",
            "categories",
            "since",
            "until",
            "active",
            "withdrawn_at",
            "withdrawal_reason",
        ]
        read_only_fields = fields

    def get_withdrawal_reason(self, participation: Participation) -> str | None:
        """Only with ``show_withdrawal_reason`` in the context (the house's procesregisseur)."""
        if not self.context.get("show_withdrawal_reason") or participation.withdrawn_at is None:
            return None
        return participation.withdrawal_reason


class ParticipationCreateSerializer(serializers.Serializer):
    organisation: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all()
    )
    categories = CategoryCodesField()
    until = serializers.DateField(required=False, allow_null=True)


class ParticipationUpdateSerializer(serializers.Serializer):
    categories = CategoryCodesField()


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=3, max_length=2000)


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size"]
        read_only_fields = fields


class ContributionSerializer(serializers.ModelSerializer):
    category: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    organisation = OrganisationRefSerializer(read_only=True)
    author = serializers.CharField(source="author.get_full_name", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Contribution
        fields = [
            "id",
            "person",
            "category",
            "text",
            "organisation",
            "author",
            "created_at",
            "attachments",
        ]
        read_only_fields = fields


class ContributionCreateSerializer(serializers.Serializer):
    category = serializers.SlugField()
    text = serializers.CharField(max_length=20000)
    person = serializers.UUIDField(required=False, allow_null=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)

    def validate_category(self, value: str) -> InformationCategory:
        category = InformationCategory.objects.filter(code=value).first()
        if category is None:
            raise serializers.ValidationError(
                _("Onbekende informatiecategorie: %(code)s.") % {"code": value},
                code="unknown_category",
            )
        return category


class CaseEventSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    organisation = OrganisationRefSerializer(read_only=True, allow_null=True)
    category: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = CaseEvent
        fields = ["occurred_at", "kind", "kind_label", "organisation", "category", "data"]
        read_only_fields = fields


class GroupRecordSerializer(serializers.ModelSerializer):
    """A group the case belongs to (S3), as marked by ``selectors.group_list_for_case``: the
    classification only for who may see its category, the members the user may see."""

    classification = serializers.ChoiceField(
        choices=GroupRecord.Classification.choices,
        read_only=True,
        allow_null=True,
        help_text=_("Leeg als uw organisatie de categorie van de classificatie niet ziet."),
    )
    members = PersonSummarySerializer(source="shown_members", many=True, read_only=True)

    class Meta:
        model = GroupRecord
        fields = ["id", "name", "classification", "members"]
        read_only_fields = fields

    def to_representation(self, instance: GroupRecord) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not getattr(instance, "shows_classification", False):
            data["classification"] = None
        return data


class BreakGlassSerializer(serializers.Serializer):
    case_number = serializers.CharField(max_length=30)
    reason = serializers.CharField(min_length=20, max_length=2000)
    categories = CategoryCodesField(required=False)


class BreakGlassResultSerializer(serializers.ModelSerializer):
    case: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = BreakGlassAccess
        fields = ["id", "case", "expires_at"]
        read_only_fields = fields


# --- referrals ------------------------------------------------------------------------------


class ReferralPersonSerializer(serializers.Serializer):
    bsn = serializers.CharField(required=False, allow_blank=True, validators=[_validate_bsn])
    surname = serializers.CharField(max_length=200)
    given_names = serializers.CharField(max_length=200, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)


class ReferralSerializer(serializers.ModelSerializer):
    house: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    referring_organisation = OrganisationRefSerializer(read_only=True)
    persons = serializers.SerializerMethodField()
    invited_organisations = OrganisationRefSerializer(many=True, read_only=True)
    case = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "house",
            "referring_organisation",
            "persons",
            "reason",
            "goal",
            "invited_organisations",
            "person_informed",
            "not_informed_reason",
            "status",
            "decision_note",
            "decided_at",
            "created_at",
            "case",
        ]
        read_only_fields = fields

    def get_persons(self, referral: Referral) -> list[dict[str, Any]]:
        """Only persons the user may see (selectors.mark_referral_persons)."""
        persons = getattr(referral, "visible_persons", [])
        return PersonSummarySerializer(persons, many=True).data  # type: ignore[return-value]

    def get_case(self, referral: Referral) -> str | None:
        case = getattr(referral, "case", None)
        return case.number if case is not None else None


class ReferralCreateSerializer(serializers.Serializer):
    house = serializers.IntegerField()
    persons = ReferralPersonSerializer(many=True, allow_empty=False)
    reason = serializers.CharField(max_length=10000)
    goal = serializers.CharField(max_length=10000)
    person_informed = serializers.BooleanField()
    not_informed_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    invited_organisations: serializers.PrimaryKeyRelatedField[Any] = (
        serializers.PrimaryKeyRelatedField(
            many=True, queryset=Organisation.objects.filter(is_active=True), required=False
        )
    )


class TriageSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[(d.value, d.label) for d in Referral.DECISIONS])
    criterion_domains = serializers.BooleanField(default=False)
    criterion_chains = serializers.BooleanField(default=False)
    criterion_system = serializers.BooleanField(default=False)
    criterion_safety = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    target_group = serializers.SlugField(required=False)
    participants: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        help_text=_(
            "Bij accepteren: de organisaties die vanaf het begin deelnemen en de basisgegevens "
            "zien, naast het huis en de aanmelder. De organisaties die de aanmelder wil "
            "uitnodigen staan in de aanmelding (invited_organisations); ze worden alleen "
            "toegevoegd als u ze hier noemt. Zonder dit veld neemt niemand anders deel."
        ),
    )
