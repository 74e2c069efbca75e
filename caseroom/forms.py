"""Forms for the case room pages. They check input; the services decide whether a change is
allowed, and their refusals (``ServiceError``) come back as errors on the same form."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from caseroom.models import (
    Case,
    CasePerson,
    House,
    InformationCategory,
    LifeDomain,
    Referral,
    TargetGroup,
)
from caseroom.uploads import CheckedFile, check_upload
from core.exceptions import ServiceError
from core.forms import StyledForm
from core.validators import validate_bsn
from partners.models import Organisation
from persons.models import Address, Person, PersonRelation


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

    def __init__(self, *args: Any, current: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current:
            # Offer only where the case can go from its current status.
            allowed = {current, *Case.TRANSITIONS[current]}
            status: Any = self.fields["status"]
            status.choices = [
                (value, label) for value, label in Case.Status.choices if value in allowed
            ]


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


# --- persons of a case ----------------------------------------------------------------------


def _not_in_future(value: datetime.date) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("De geboortedatum ligt in de toekomst."), code="future")


def _roles_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Rol in de casus"),
        choices=CasePerson.Role.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies minstens één rol in de casus.")},
    )


class CasePersonForm(StyledForm):
    """A person to add to a case. Casusregie first looks whether the person is known (by
    BSN, or by surname, birth date and given names) and then proposes that record instead
    of a second one."""

    bsn = forms.CharField(
        label=_("BSN"),
        max_length=20,
        required=False,
        validators=[validate_bsn],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    surname = forms.CharField(label=_("Achternaam"), max_length=200)
    given_names = forms.CharField(label=_("Voornamen"), max_length=200, required=False)
    birth_date = forms.DateField(
        label=_("Geboortedatum"),
        required=False,
        validators=[_not_in_future],
        widget=_date_input(),
    )
    gender = forms.ChoiceField(
        label=_("Geslacht"), choices=Person.Gender.choices, initial=Person.Gender.ONBEKEND
    )
    roles = _roles_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unchecked = "bsn" in self.errors or "birth_date" in self.errors
        if not unchecked and not data.get("bsn") and not data.get("birth_date"):
            raise ValidationError(
                _(
                    "Vul een BSN of een geboortedatum in, zodat Casusregie kan nagaan of deze "
                    "persoon al bekend is."
                ),
                code="no_identity",
            )
        return data


class CasePersonLinkForm(StyledForm):
    """Link the existing record the search proposed, in the roles chosen."""

    person = forms.UUIDField(widget=forms.HiddenInput)
    proposal = forms.CharField(max_length=500, widget=forms.HiddenInput)
    roles = _roles_field()


class CasePersonEditForm(StyledForm):
    staff_safety_warning = forms.CharField(
        label=_("Veiligheidswaarschuwing voor medewerkers"),
        max_length=2000,
        required=False,
        widget=_textarea(3),
        help_text=_(
            "Bijvoorbeeld: bedreigt hulpverleners, alleen met twee personen op huisbezoek. "
            "Iedereen die in een casus de basisgegevens van deze persoon ziet, ziet de "
            "waarschuwing."
        ),
    )
    language = forms.CharField(
        label=_("Voertaal"),
        max_length=50,
        required=False,
        help_text=_("Bijvoorbeeld: Arabisch, of Nederlands met een tolk."),
    )
    communication_needs = forms.CharField(
        label=_("Communicatiebehoeften"),
        max_length=2000,
        required=False,
        widget=_textarea(3),
        help_text=_(
            "Hoe u de persoon het best bereikt en informeert, bijvoorbeeld: eenvoudige taal, "
            "afspraken ook op papier. Leg hier geen diagnoses vast."
        ),
    )


class AddressForm(StyledForm):
    kind = forms.ChoiceField(label=_("Soort adres"), choices=Address.Kind.choices)
    street = forms.CharField(label=_("Straat en huisnummer"), max_length=200)
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    city = forms.CharField(label=_("Plaats"), max_length=100)
    valid_from = forms.DateField(
        label=_("Geldig vanaf (niet verplicht)"), required=False, widget=_date_input()
    )
    is_secret = forms.BooleanField(
        label=_("Geheim adres"),
        required=False,
        help_text=_(
            "Een geheim adres bestaat alleen voor de organisaties die u hieronder kiest; alle "
            "andere zien het niet, ook niet dat er een geheim adres is."
        ),
    )
    visible_to = forms.ModelMultipleChoiceField(
        label=_("Zichtbaar voor (alleen bij een geheim adres)"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_secret") and not data.get("visible_to") and "visible_to" not in self.errors:
            self.add_error(
                "visible_to", _("Kies minstens één organisatie die het geheime adres mag zien.")
            )
        return data


class RelationForm(StyledForm):
    """Read as a sentence: <related> is the <kind> of <person>."""

    related = forms.ChoiceField(label=_("Persoon"))
    kind = forms.ChoiceField(
        label=_("is de/het"),
        choices=PersonRelation.Kind.choices,
        help_text=_(
            "Lees als een zin, bijvoorbeeld: Amina is het kind van Farid. De omgekeerde "
            "relatie (Farid is de ouder van Amina) wordt vanzelf vastgelegd."
        ),
    )
    person = forms.ChoiceField(label=_("van"))

    def __init__(self, *args: Any, persons: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("related", "person"):
            field: Any = self.fields[name]
            field.choices = [("", _("Kies een persoon")), *persons]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("related") and data.get("related") == data.get("person"):
            self.add_error("person", _("Kies twee verschillende personen."))
        return data


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
    max_num=25,  # a household as large as S1's (fifteen) and then some
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
    participants = forms.ModelMultipleChoiceField(
        label=_("Deelnemers bij accepteren"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Aangevinkt zijn de organisaties die de aanmelder wil uitnodigen. Zij nemen vanaf "
            "het begin deel en zien de basisgegevens, net als de aanmelder; meer categorieën "
            "kent u daarna toe op de casuspagina."
        ),
    )

    CRITERIA = ("criterion_domains", "criterion_chains", "criterion_system", "criterion_safety")

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The house and the referrer take part anyway.
        participants: Any = self.fields["participants"]
        participants.queryset = (
            Organisation.objects.filter(is_active=True)
            .exclude(kind__code="zvh")
            .exclude(pk__in=[referral.house.organisation_id, referral.referring_organisation_id])
        )


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
