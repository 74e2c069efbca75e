"""Forms of the consent pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consent.models import SubjectRequest
from core.forms import StyledForm


class IntakeForm(StyledForm):
    kind = forms.ChoiceField(label=_("Soort verzoek"), choices=SubjectRequest.Kind.choices)
    bsn = forms.CharField(
        label=_("BSN van betrokkene"),
        max_length=20,
        help_text=_("U hoort niet of de persoon bij ons bekend is; de privacyfunctionaris wel."),
    )
    identity_checked = forms.CharField(
        label=_("Identiteit vastgesteld met"),
        max_length=100,
        help_text=_("Bijvoorbeeld: paspoort getoond aan de balie."),
    )
    description = forms.CharField(
        label=_("Wat vraagt betrokkene?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class BasisForm(StyledForm):
    organisation = forms.TypedChoiceField(label=_("Organisatie"), coerce=int)
    category = forms.ChoiceField(label=_("Informatiecategorie"))
    person = forms.ChoiceField(label=_("Betrokkene"), required=False)
    kind = forms.ChoiceField(label=_("Grondslag"))
    secrecy_route = forms.ChoiceField(label=_("Route bij beroepsgeheim"), required=False)
    provision = forms.CharField(label=_("Bepaling"), required=False, max_length=200)
    motivation = forms.CharField(
        label=_("Noodzaak, proportionaliteit en subsidiariteit"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    valid_until = forms.DateField(
        label=_("Geldig tot en met"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ConsentForm(StyledForm):
    person = forms.ChoiceField(label=_("Betrokkene"))
    organisations = forms.TypedMultipleChoiceField(
        label=_("Organisaties"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    categories = forms.MultipleChoiceField(
        label=_("Categorieën"), widget=forms.CheckboxSelectMultiple
    )
    recorded_how = forms.ChoiceField(label=_("Vastgelegd"))
    note = forms.CharField(
        label=_("Toelichting"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
