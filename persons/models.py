"""Persons a case is about. Identity data is encrypted; search goes through blind indexes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import normalise
from core.fields import (
    BlindIndexField,
    EncryptedBooleanField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedTextField,
)
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
    class Gender(models.TextChoices):
        MAN = "man", _("man")
        VROUW = "vrouw", _("vrouw")
        ANDERS = "anders", _("anders")
        ONBEKEND = "onbekend", _("onbekend")

    bsn = EncryptedCharField(
        _("BSN"), plain_max_length=9, null=True, blank=True, validators=[validate_bsn]
    )
    given_names = EncryptedCharField(_("voornamen"), plain_max_length=200, blank=True, default="")
    surname = EncryptedCharField(_("achternaam"), plain_max_length=200)
    birth_date = EncryptedDateField(_("geboortedatum"), null=True, blank=True)
    gender = models.CharField(
        _("geslacht"), max_length=10, choices=Gender.choices, default=Gender.ONBEKEND
    )
    staff_safety_warning = EncryptedTextField(
        _("veiligheidswaarschuwing voor medewerkers"), blank=True, default=""
    )
    language = models.CharField(_("voertaal"), max_length=50, blank=True, default="")
    has_lvb = EncryptedBooleanField(
        _("licht verstandelijke beperking (LVB)"), null=True, blank=True
    )
    communication_needs = EncryptedTextField(_("communicatiebehoeften"), blank=True, default="")
    processing_restricted = models.BooleanField(
        _("verwerking beperkt"),
        default=False,
        help_text=_(
            "Op verzoek van betrokkene (AVG art. 18): gegevens worden bewaard, niet gedeeld; "
            "alleen de organisatie die ze inbracht ziet ze nog."
        ),
    )
    is_protected = models.BooleanField(
        _("bijzonder beschermd"),
        default=False,
        help_text=_(
            "Bijvoorbeeld een bekende Nederlander of een medewerker: elke inzage komt bij de "
            "privacyfunctionaris ter beoordeling."
        ),
    )

    bsn_index = BlindIndexField(source=["bsn"], purpose="person-bsn", prepare=_prepare_bsn)
    name_index = BlindIndexField(
        source=["surname", "birth_date"],
        purpose="person-surname-birth-date",
        prepare=_prepare_surname_birth_date,
    )

    class Meta:
        verbose_name = _("persoon")
        verbose_name_plural = _("personen")

    @property
    def full_name(self) -> str:
        """Given names and surname: personal data, for pages and reports only (never logs)."""
        return " ".join(p for p in (self.given_names, self.surname) if p)

    def __str__(self) -> str:
        # Never a name: this string ends up in change logs and admin messages.
        return f"Persoon {str(self.pk)[:8]}"


class Address(EncryptedModel):
    """An address of a person. A secret address exists only for its named organisations."""

    class Kind(models.TextChoices):
        WOONADRES = "woonadres", _("woonadres")
        VERBLIJFADRES = "verblijfadres", _("verblijfadres")
        POSTADRES = "postadres", _("postadres")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices, default=Kind.WOONADRES)
    street = EncryptedCharField(_("straat en huisnummer"), plain_max_length=200)
    postcode = EncryptedCharField(_("postcode"), plain_max_length=10, blank=True, default="")
    city = EncryptedCharField(_("plaats"), plain_max_length=100)
    is_secret = models.BooleanField(_("geheim adres"), default=False)
    visible_to = models.ManyToManyField(
        "partners.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("zichtbaar voor"),
        help_text=_("Alleen deze organisaties zien een geheim adres."),
    )
    valid_from = models.DateField(_("geldig vanaf"), null=True, blank=True)

    class Meta:
        verbose_name = _("adres")
        verbose_name_plural = _("adressen")

    def __str__(self) -> str:
        return f"Adres {str(self.pk)[:8]}"


class PersonRelation(models.Model):
    """``related`` is the ``kind`` of ``person`` (for example: related is the child of person).
    Services store both directions."""

    class Kind(models.TextChoices):
        OUDER = "ouder", _("ouder")
        KIND = "kind", _("kind")
        PARTNER = "partner", _("partner")
        BROER_ZUS = "broer_zus", _("broer/zus")
        OVERIG = "overig", _("overig")

    INVERSE = {
        Kind.OUDER: Kind.KIND,
        Kind.KIND: Kind.OUDER,
        Kind.PARTNER: Kind.PARTNER,
        Kind.BROER_ZUS: Kind.BROER_ZUS,
        Kind.OVERIG: Kind.OVERIG,
    }

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relations")
    related = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("relatie"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relatie")
        verbose_name_plural = _("relaties")
        constraints = [
            models.UniqueConstraint(fields=["person", "related"], name="person_relation_unique"),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("related")), name="person_relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"Relatie {self.pk}"
