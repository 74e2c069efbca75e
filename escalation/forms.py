"""Forms of the escalation pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EscalateForm(StyledForm):
    level = forms.ChoiceField(label=_("Niveau"))
    organisations = forms.TypedMultipleChoiceField(
        label=_("Betrokken organisaties"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    addressed_to = forms.CharField(label=_("Gericht aan (persoon of rol)"), max_length=200)
    reason = forms.CharField(label=_("Reden"), widget=forms.Textarea(attrs={"rows": 3}))
    stalemate = forms.BooleanField(label=_("Patstelling"), required=False)
    solutions_discussed = forms.CharField(
        label=_("Gesprek over oplossingen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Verplicht om het operationele niveau te verlaten."),
    )
    urgency = forms.CharField(
        label=_("Motivering spoed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Alleen om een niveau over te slaan."),
    )


class DirectiveForm(StyledForm):
    organisation = forms.TypedChoiceField(label=_("Aan te wijzen organisatie"), coerce=int)
    categories = forms.MultipleChoiceField(
        label=_("Categorieën die zij nodig heeft"), widget=forms.CheckboxSelectMultiple
    )
    consultation_expired = forms.CharField(
        label=_("Waarom de redelijke overlegtermijn is verstreken"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    interests_weighed = forms.CharField(
        label=_("Afgewogen belangen"), widget=forms.Textarea(attrs={"rows": 3})
    )
    proportionality = forms.CharField(
        label=_("Waarom de maatregel evenredig is"), widget=forms.Textarea(attrs={"rows": 3})
    )
    comply_by = forms.DateField(label=_("Uiterste datum van naleving"), widget=DATE)
    objection_route = forms.CharField(
        label=_("Bezwaar en beroep"),
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_(
            "Binnen zes weken na bekendmaking kan bezwaar worden gemaakt bij de burgemeester "
            "(Algemene wet bestuursrecht, art. 6:7)."
        ),
    )
