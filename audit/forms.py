"""Forms of the privacy officer's console."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.anomalies import RULES
from audit.console import houses
from audit.models import AccessEvent, ReviewItem
from core.forms import StyledForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _organisation_model() -> Any:
    # The user model knows its organisation model; audit imports no domain app.
    return get_user_model()._meta.get_field("organisation").related_model


class PeriodForm(StyledForm):
    start = forms.DateField(label=_("Van"), required=False, widget=DATE)
    end = forms.DateField(label=_("Tot en met"), required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("De einddatum ligt vóór de begindatum."))
        if start and end and (end - start).days > 366:
            self.add_error("start", _("Kies een periode van hoogstens een jaar."))
        return data

    def period(self, default_days: int = 30) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - datetime.timedelta(days=default_days - 1)
        return start, end


class EventFilterForm(StyledForm):
    """The console's filters, named as the API's query parameters."""

    person = forms.CharField(
        label=_("Betrokkene"),
        required=False,
        max_length=64,
        help_text=_("BSN of persoons-id. Het BSN wordt niet vastgelegd, alleen wie het is."),
    )
    user = forms.TypedChoiceField(
        label=_("Gebruiker"), required=False, coerce=int, empty_value=None
    )
    organisation = forms.TypedChoiceField(
        label=_("Organisatie"), required=False, coerce=int, empty_value=None
    )
    action = forms.ChoiceField(label=_("Handeling"), required=False)
    start = forms.DateField(label=_("Van"), required=False, widget=DATE)
    end = forms.DateField(label=_("Tot en met"), required=False, widget=DATE)

    def __init__(self, *args: Any, allow_bsn: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allow_bsn = allow_bsn
        users = get_user_model().objects.order_by("username").values_list("pk", "username")
        user_field: Any = self.fields["user"]
        user_field.choices = [("", _("Alle gebruikers")), *users]
        organisations = _organisation_model().objects.order_by("name").values_list("pk", "name")
        organisation_field: Any = self.fields["organisation"]
        organisation_field.choices = [("", _("Alle organisaties")), *organisations]
        action_field: Any = self.fields["action"]
        action_field.choices = [("", _("Alle handelingen")), *AccessEvent.Action.choices]

    def clean_person(self) -> str:
        """By POST: a BSN or id, looked up by the view. In a URL (GET): person ids only."""
        text = str(self.cleaned_data.get("person") or "").strip()
        if text and not self.allow_bsn:
            try:
                text = ",".join(str(uuid.UUID(p.strip())) for p in text.split(","))
            except ValueError as error:
                raise forms.ValidationError(
                    _("Zoek een betrokkene met het zoekformulier.")
                ) from error
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("De einddatum ligt vóór de begindatum."))
        return data

    def page_params(self) -> dict[str, str]:
        """The valid filters as this page's query (person as ids)."""
        data = self.cleaned_data
        params = {
            "person": data.get("person") or "",
            "user": str(data["user"]) if data.get("user") else "",
            "organisation": str(data["organisation"]) if data.get("organisation") else "",
            "action": data.get("action") or "",
            "start": data["start"].isoformat() if data.get("start") else "",
            "end": data["end"].isoformat() if data.get("end") else "",
        }
        return {k: v for k, v in params.items() if v}

    def api_params(self) -> dict[str, str]:
        """The valid filters in the API's terms (for the query and the export links)."""
        names = {"start": "from", "end": "to"}
        return {names.get(k, k): v for k, v in self.page_params().items()}


class ReviewFilterForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), required=False)
    rule = forms.ChoiceField(label=_("Regel"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status: Any = self.fields["status"]
        status.choices = [
            ("", _("Nog niet afgerond")),
            ("alle", _("Alle")),
            *ReviewItem.Status.choices,
        ]
        rule: Any = self.fields["rule"]
        rule.choices = [("", _("Alle regels")), *RULES.items()]


class ReviewDecisionForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=ReviewItem.Status.choices)
    findings = forms.CharField(
        label=_("Bevindingen"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Verplicht bij gegrond of ongegrond. Wordt versleuteld opgeslagen."),
    )


class ReportForm(StyledForm):
    house = forms.TypedChoiceField(label=_("Zorg- en Veiligheidshuis"), coerce=int)
    month = forms.CharField(
        label=_("Maand"),
        max_length=7,
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text=_("JJJJ-MM"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        house: Any = self.fields["house"]
        house.choices = houses()

    def clean_month(self) -> tuple[int, int]:
        text = self.cleaned_data["month"].strip()
        year, _dash, month = text.partition("-")
        if not (len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
            raise forms.ValidationError(_("Geef een maand als JJJJ-MM."))
        today = timezone.localdate()
        if (int(year), int(month)) > (today.year, today.month):
            raise forms.ValidationError(_("Deze maand is nog niet begonnen."))
        if int(year) < 2000:
            raise forms.ValidationError(_("Geef een maand als JJJJ-MM."))
        return int(year), int(month)
