"""Persons a case is about. Identity data is encrypted; search goes through blind indexes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.crypto import normalise
from core.fields import BlindIndexField, EncryptedCharField, EncryptedDateField
from core.models import EncryptedModel
from core.validators import normalise_bsn, validate_bsn


def _prepare_bsn(values: Sequence[Any]) -> str | None:
    (bsn,) = values
    return normalise_bsn(bsn) if bsn else None


def _prepare_surname_birth_date(values: Sequence[Any]) -> str | None:
    surname, birth_date = values
    if not surname or not birth_date:
        return None
    return f"{normalise(surname)}|{birth_date.isoformat()}"


class Person(EncryptedModel):
    bsn = EncryptedCharField(
        _("BSN"), plain_max_length=9, null=True, blank=True, validators=[validate_bsn]
    )
    given_names = EncryptedCharField(_("voornamen"), plain_max_length=200, blank=True, default="")
    surname = EncryptedCharField(_("achternaam"), plain_max_length=200)
    birth_date = EncryptedDateField(_("geboortedatum"), null=True, blank=True)

    bsn_index = BlindIndexField(source=["bsn"], purpose="person-bsn", prepare=_prepare_bsn)
    name_index = BlindIndexField(
        source=["surname", "birth_date"],
        purpose="person-surname-birth-date",
        prepare=_prepare_surname_birth_date,
    )

    class Meta:
        verbose_name = _("persoon")
        verbose_name_plural = _("personen")

    def __str__(self) -> str:
        # Never a name: this string ends up in change logs and admin messages.
        return f"Persoon {str(self.pk)[:8]}"
