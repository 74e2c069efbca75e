"""Forms for the casusoverleg pages. As elsewhere, they check input; the services decide,
and a service's refusal comes back as an error on the same form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from caseroom.models import Action, Case, InformationCategory, MeetingType
from core.forms import StyledForm
from partners.models import Organisation


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class MeetingCreateForm(StyledForm):
    meeting_type = forms.ModelChoiceField(
        label=_("Soort overleg"),
        queryset=MeetingType.objects.all(),
        empty_label=_("Kies een soort overleg"),
    )
    starts_at = forms.DateTimeField(
        label=_("Datum en tijd"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location = forms.CharField(label=_("Plaats"), max_length=200, required=False)
    repeat_every_days = forms.IntegerField(
        label=_("Herhalen om de … dagen"),
        min_value=0,
        max_value=90,
        initial=0,
        help_text=_("0 als het overleg niet terugkeert; 14 voor eens per twee weken."),
    )
    repeat_count = forms.IntegerField(label=_("Aantal keer"), min_value=1, max_value=52, initial=1)


class AgendaItemForm(StyledForm):
    case = forms.ModelChoiceField(
        label=_("Casus"), queryset=Case.objects.none(), empty_label=_("Kies een casus")
    )
    question = forms.CharField(
        label=_("Vraag aan het overleg"), max_length=5000, required=False, widget=_textarea(3)
    )

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["case"]
        field.queryset = cases
        field.label_from_instance = lambda case: case.number


class AttendeeInviteForm(StyledForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        empty_label=_("Kies een organisatie"),
    )
    ad_hoc = forms.BooleanField(
        label=_("Incidenteel aanwezig (tekent eerst de geheimhoudingsverklaring)"),
        required=False,
    )


class PresentForm(StyledForm):
    present = forms.BooleanField(label=_("Aanwezig"), required=False)


class MinutesForm(StyledForm):
    """Draft minutes, or, once approved, an amendment that needs a reason."""

    text = forms.CharField(
        label=_("Verslag"), max_length=50000, required=False, widget=_textarea(6)
    )
    decisions = forms.CharField(
        label=_("Besluiten"), max_length=20000, required=False, widget=_textarea(3)
    )
    category = forms.ChoiceField(
        label=_("Wie mag dit verslag zien"),
        help_text=_(
            "Deelnemers die deze informatiecategorie in de casus mogen zien. Kies bijvoorbeeld "
            "Gezondheid en zorg als het gesprek over de gezondheid ging."
        ),
        required=False,
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reden van de wijziging"), max_length=2000, required=False, widget=_textarea(2)
    )

    def __init__(
        self,
        *args: Any,
        amend: bool = False,
        categories: Sequence[InformationCategory] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {c.code: c for c in categories}
        choices = [(c.code, c.label) for c in categories]
        cast(forms.ChoiceField, self.fields["category"]).choices = choices
        self.amend = amend
        if amend:
            self.fields["reason"].required = True
            self.fields["reason"].widget.attrs["aria-required"] = "true"
        else:
            del self.fields["reason"]


class ActionCreateForm(StyledForm):
    """An agreement from a decision; the owner is one of the case's participants. The
    choices are given (not a queryset), so a page with many items reads them once."""

    description = forms.CharField(label=_("Afspraak"), max_length=5000, widget=_textarea(2))
    owner_organisation = forms.ChoiceField(label=_("Uitvoerende organisatie"))
    due_date = forms.DateField(
        label=_("Uiterlijk op"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {str(o.pk): o for o in organisations}
        field: Any = self.fields["owner_organisation"]
        field.choices = [("", _("Kies een organisatie"))] + [
            (key, o.name) for key, o in self.organisations.items()
        ]

    def clean_owner_organisation(self) -> Organisation:
        return self.organisations[self.cleaned_data["owner_organisation"]]


class ActionStatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    note = forms.CharField(
        label=_("Toelichting"),
        max_length=5000,
        required=False,
        widget=_textarea(2),
        help_text=_("Verplicht bij weigeren of blokkeren."),
    )
    obstacle = forms.ChoiceField(
        label=_("Onwil of onmacht"),
        choices=Action.Obstacle.choices,
        required=False,
        help_text=_("Bij weigeren of blokkeren."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stalled = data.get("status") in Action.STALLED
        if stalled and not data.get("note", "").strip():
            self.add_error("note", _("Geef de reden van weigering."))
        if stalled and not data.get("obstacle"):
            self.add_error("obstacle", _("Geef aan of het om onwil of onmacht gaat."))
        return data
