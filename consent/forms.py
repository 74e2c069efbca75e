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
