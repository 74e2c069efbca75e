"""Forms for the case room pages. They check input; the services decide whether a change is
allowed, and their refusals (``ServiceError``) come back as errors on the same form."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from caseroom.models import Case, House, InformationCategory, LifeDomain, Referral, TargetGroup
from caseroom.uploads import CheckedFile, check_upload
from core.exceptions import ServiceError
from core.forms import StyledForm
from core.validators import validate_bsn
from partners.models import Organisation


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if obj.is_special:
            return f"{obj.label} ({_('bijzondere gegevens')})"
        return str(obj.label)


def _categories_field(*, required: bool = True, **kwargs: Any) -> CategoryChoiceField:
    return CategoryChoiceField(
        queryset=InformationCategory.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        required=required,
        **kwargs,
    )


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- the case page --------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ContributionForm(StyledForm):
    category = forms.ModelChoiceField(
        label=_("Informatiecategorie"),
        queryset=InformationCategory.objects.none(),
        to_field_name="code",
        empty_label=_("Kies een categorie"),
        help_text=_(
            "U kunt alleen inbrengen in de categorieën die aan uw organisatie zijn toegekend."
        ),
    )
    person = forms.ChoiceField(label=_("Over"), required=False)
    text = forms.CharField(label=_("Inbreng"), max_length=20000, widget=_textarea(6))
    attachments = MultipleFileField(label=_("Bijlagen (niet verplicht)"), required=False)

    def __init__(
        self,
        *args: Any,
        category_codes: Iterable[str],
        persons: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        category: Any = self.fields["category"]
        category.queryset = InformationCategory.objects.filter(code__in=list(category_codes))
        person: Any = self.fields["person"]
        person.choices = [("", _("De casus als geheel")), *persons]
        if not persons:
            person.widget = forms.HiddenInput()
        self.fields["attachments"].help_text = gettext(
            "PDF, PNG, JPEG, Word, Excel of platte tekst; maximaal %(mb)d MB per bestand."
        ) % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}

    def clean_attachments(self) -> list[CheckedFile]:
        checked: list[CheckedFile] = []
        errors: list[str] = []
        for upload in self.cleaned_data.get("attachments") or []:
            try:
                checked.append(
                    check_upload(
                        filename=upload.name,
                        data=upload.read(),
                        declared_type=upload.content_type or "",
                    )
                )
            except ServiceError as error:
                errors.append(error.message)
        if errors:
            raise ValidationError(errors)
        return checked


class ParticipantAddForm(StyledForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"),
        queryset=Organisation.objects.none(),
        empty_label=_("Kies een organisatie"),
    )
    categories = _categories_field(label=_("Mag deze informatiecategorieën zien"))
    until = forms.DateField(
        label=_("Deelname tot en met (niet verplicht)"), required=False, widget=_date_input()
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        taking_part = case.participations.filter(withdrawn_at__isnull=True).values(
            "organisation_id"
        )
        organisation: Any = self.fields["organisation"]
        organisation.queryset = Organisation.objects.filter(is_active=True).exclude(
            pk__in=taking_part
        )


class CategoriesForm(StyledForm):
    categories = _categories_field(label=_("Mag deze informatiecategorieën zien"))


class WithdrawForm(StyledForm):
    reason = forms.CharField(
        label=_("Reden van terugtrekking"), max_length=2000, widget=_textarea(2)
    )


class GoalForm(StyledForm):
    domain = forms.ModelChoiceField(
        label=_("Leefgebied"),
        queryset=LifeDomain.objects.all(),
        empty_label=_("Kies een leefgebied"),
    )
    description = forms.CharField(label=_("Doel"), max_length=5000, widget=_textarea(2))


class StatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=Case.Status.choices)
    closure_reason = forms.ChoiceField(
        label=_("Reden van afsluiting"),
        choices=[("", _("Alleen bij afsluiten")), *Case.ClosureReason.choices],
        required=False,
    )


class LeadForm(StyledForm):
    lead_organisation = forms.ModelChoiceField(
        label=_("Regiehouder"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Geen regiehouder"),
        help_text=_("De organisatie die de inhoudelijke regie voert; zij moet deelnemen."),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead: Any = self.fields["lead_organisation"]
        lead.queryset = organisations


# --- intake ---------------------------------------------------------------------------------


class ReferralForm(StyledForm):
    house = forms.ModelChoiceField(
        label=_("Zorg- en Veiligheidshuis"),
        queryset=House.objects.all(),
        empty_label=_("Kies een Zorg- en Veiligheidshuis"),
    )
    reason = forms.CharField(
        label=_("Reden van aanmelding"),
        max_length=10000,
        widget=_textarea(5),
        help_text=_(
            "Wat is er aan de hand, op welke leefgebieden, en waarom is samenwerking nodig?"
        ),
    )
    goal = forms.CharField(
        label=_("Doel"),
        max_length=10000,
        widget=_textarea(3),
        help_text=_("Wat moet de aanpak opleveren?"),
    )
    invited_organisations = forms.ModelMultipleChoiceField(
        label=_("Uit te nodigen organisaties"),
        queryset=Organisation.objects.filter(is_active=True).exclude(kind__code="zvh"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    person_informed = forms.TypedChoiceField(
        label=_("Is de betrokkene geïnformeerd over de aanmelding?"),
        choices=[("ja", _("Ja")), ("nee", _("Nee"))],
        coerce=lambda value: value == "ja",
        widget=forms.RadioSelect,
    )
    not_informed_reason = forms.CharField(
        label=_("Waarom is de betrokkene niet geïnformeerd?"),
        max_length=2000,
        required=False,
        widget=_textarea(2),
        help_text=_("Alleen invullen als u hierboven 'Nee' kiest."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invited: Any = self.fields["invited_organisations"]
        invited.queryset = invited.queryset.exclude(pk=organisation.pk)
        houses = list(House.objects.all()[:2])
        if len(houses) == 1:
            self.fields["house"].initial = houses[0].pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("person_informed") is False and not data.get("not_informed_reason", "").strip():
            self.add_error(
                "not_informed_reason", _("Leg uit waarom de betrokkene niet is geïnformeerd.")
            )
        return data


class ReferralPersonForm(StyledForm):
    surname = forms.CharField(label=_("Achternaam"), max_length=200)
    given_names = forms.CharField(label=_("Voornamen"), max_length=200, required=False)
    bsn = forms.CharField(
        label=_("BSN"),
        max_length=20,
        required=False,
        validators=[validate_bsn],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_date = forms.DateField(label=_("Geboortedatum"), required=False, widget=_date_input())


class BaseReferralPersonFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_few_forms": _("Noem minstens één persoon."),
        "too_many_forms": _("Noem hooguit %(num)d personen."),
    }


ReferralPersonFormSet = forms.formset_factory(
    ReferralPersonForm,
    formset=BaseReferralPersonFormSet,
    extra=1,
    min_num=1,
    validate_min=True,
    max_num=10,
    validate_max=True,
)


# --- triage ---------------------------------------------------------------------------------

DECISION_CHOICES = [
    (Referral.Status.ACCEPTED.value, _("Accepteren: casus openen voor het casusoverleg")),
    (Referral.Status.ADVICE.value, _("Advies geven")),
    (Referral.Status.REDIRECTED.value, _("Doorverwijzen")),
    (Referral.Status.REJECTED.value, _("Afwijzen")),
]


class TriageForm(StyledForm):
    criterion_domains = forms.BooleanField(
        label=_(
            "1. Problemen op meerdere leefgebieden die leiden tot criminaliteit, overlast of "
            "verloedering"
        ),
        required=False,
    )
    criterion_chains = forms.BooleanField(
        label=_("2. Ketenoverstijgende samenwerking is nodig, ten minste met drang of dwang"),
        required=False,
    )
    criterion_system = forms.BooleanField(
        label=_("3. De problemen hangen samen met het gezin of de omgeving"), required=False
    )
    criterion_safety = forms.BooleanField(
        label=_("4. Ernstige lokale veiligheidsproblematiek die een ketenaanpak vraagt"),
        required=False,
    )
    decision = forms.ChoiceField(
        label=_("Besluit"), choices=DECISION_CHOICES, widget=forms.RadioSelect
    )
    target_group = forms.ModelChoiceField(
        label=_("Doelgroep"),
        queryset=TargetGroup.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("Kies een doelgroep"),
        help_text=_("Nodig bij accepteren."),
    )
    note = forms.CharField(
        label=_("Toelichting voor de aanmelder"),
        max_length=5000,
        required=False,
        widget=_textarea(3),
        help_text=_(
            "Verplicht bij advies, doorverwijzen of afwijzen. De aanmelder ziet deze tekst."
        ),
    )

    CRITERIA = ("criterion_domains", "criterion_chains", "criterion_system", "criterion_safety")


# --- break the glass ------------------------------------------------------------------------


class BreakGlassForm(StyledForm):
    case_number = forms.CharField(
        label=_("Casusnummer"),
        max_length=30,
        help_text=_("Bijvoorbeeld ZVH-2026-0042."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Waarom moet u deze casus nu inzien?"),
        max_length=2000,
        widget=_textarea(4),
        help_text=_(
            "Minstens 20 tekens. Uw reden wordt vastgelegd en beoordeeld door de "
            "privacyfunctionaris."
        ),
    )
    categories = _categories_field(
        required=False,
        label=_("Informatiecategorieën (niet verplicht)"),
        help_text=_("Kiest u niets, dan ziet u alleen de basisgegevens."),
    )

    def clean_case_number(self) -> str:
        return str(self.cleaned_data["case_number"]).strip().upper()
