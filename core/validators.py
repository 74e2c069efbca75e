"""Validators for Dutch identifiers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalise_bsn(value: str) -> str:
    """Strip spaces, dots and dashes; pad an 8-digit BSN with its leading zero."""
    digits = "".join(ch for ch in str(value) if ch not in " .-")
    if len(digits) == 8 and digits.isdigit():
        digits = "0" + digits
    return digits


def is_valid_bsn(value: str) -> bool:
    digits = normalise_bsn(value)
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit() or digits == "0" * 9:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    total -= int(digits[8])
    return total % 11 == 0


def validate_bsn(value: str) -> None:
    """Elfproef (11-test) for a burgerservicenummer. Messages never repeat the number."""
    digits = normalise_bsn(value)
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(_("Een BSN bestaat alleen uit cijfers."), code="invalid_bsn")
    if len(digits) != 9:
        raise ValidationError(_("Een BSN bestaat uit 9 cijfers."), code="invalid_bsn")
    if not is_valid_bsn(digits):
        raise ValidationError(
            _("Dit is geen geldig BSN: het voldoet niet aan de elfproef."), code="invalid_bsn"
        )
