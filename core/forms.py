"""Forms in the NL Design System style, shared by the apps' pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.exceptions import ServiceError

TEXTBOX = "utrecht-textbox utrecht-textbox--html-input"
TEXTAREA = "utrecht-textarea utrecht-textarea--html-textarea"
SELECT = "utrecht-select utrecht-select--html-select"
CHECKBOX = "utrecht-checkbox utrecht-checkbox--html-input"


class StyledForm(forms.Form):
    """NL Design System classes on the widgets, and errors that assistive technology finds.

    The server validates; the browser's ``required`` would paint empty fields as invalid
    before anything was submitted, so required fields say so through ARIA instead."""

    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if field.required and not isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("aria-required", "true")
            # Multiple-choice widgets put their class on the wrapper too; they are styled
            # through their fieldset instead.
            if isinstance(widget, forms.RadioSelect | forms.FileInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = CHECKBOX
            elif isinstance(widget, forms.Textarea):
                css = TEXTAREA
            elif isinstance(widget, forms.Select):
                css = SELECT
            else:
                css = TEXTBOX
            widget.attrs.setdefault("class", css)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}_error"

    def add_refusal(self, error: ServiceError | ValidationError) -> None:
        """Show a service's refusal, or a model's validation errors above the form."""
        if isinstance(error, ServiceError):
            self.add_service_error(error)
        else:
            for message in error.messages:
                self.add_error(None, message)

    def add_service_error(self, error: ServiceError) -> None:
        """Show a service's refusal on the field it names, or above the form."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)
