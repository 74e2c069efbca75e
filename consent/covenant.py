"""The covenant: its default version, and the statutory bases it supplies when the case room
grants an organisation a category (receiver of ``caseroom.signals.legal_bases_needed``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.models import BasisKind, Covenant, CovenantRule, LegalBasis

WGS = "WGS en Besluit gegevensverwerking samenwerkingsverbanden (Zorg- en Veiligheidshuis)"
ALL_KINDS = [
    "politie", "om", "reclassering", "ggz", "verslavingszorg", "veilig-thuis", "rvdk",
    "gecertificeerde-instelling", "wijkteam", "woningcorporatie", "leerplicht", "dji",
    "halt", "gemeente", "zvh", "maatschappelijk-werk", "maatschappelijke-opvang", "mee",
    "bewindvoering", "jongerenwerk", "rechtspraak",
]  # fmt: skip
JUSTICE_KINDS = ["politie", "om", "reclassering", "rvdk", "dji", "halt", "rechtspraak"]
SOCIAL_KINDS = [
    "wijkteam", "gemeente", "maatschappelijk-werk", "maatschappelijke-opvang", "mee",
    "jongerenwerk", "veilig-thuis",
]  # fmt: skip

# (organisation kind, category, basis kind, provision). Slachtofferhulp works on the
# victim's consent only: the matrix names the route, each person's consent supplies it.
DEFAULT_RULES: list[tuple[str, str, str, str]] = [
    *((kind, "basis", BasisKind.WGS, WGS) for kind in ALL_KINDS),
    *((kind, code, BasisKind.WGS, WGS) for kind in ["zvh"] for code in (
        "politie", "justitie", "zorg", "sociaal", "financien", "wonen", "onderwijs", "jeugd"
    )),
    ("politie", "politie", BasisKind.WGS, "Wet politiegegevens, art. 20 jo. WGS"),
    *((kind, "justitie", BasisKind.CRIMINAL, "UAVG art. 33 jo. WGS") for kind in JUSTICE_KINDS),
    *((kind, "zorg", BasisKind.CARE, "AVG art. 9 lid 2 onder h") for kind in (
        "ggz", "verslavingszorg", "veilig-thuis"
    )),
    *((kind, "sociaal", BasisKind.PUBLIC_TASK, "Wmo 2015 / Participatiewet")
      for kind in SOCIAL_KINDS),
    *((kind, "financien", BasisKind.PUBLIC_TASK, "Participatiewet / WGS") for kind in (
        "gemeente", "bewindvoering"
    )),
    *((kind, "wonen", BasisKind.PUBLIC_TASK, "Woningwet / WGS") for kind in (
        "woningcorporatie", "gemeente"
    )),
    *((kind, "jeugd", BasisKind.LEGAL_DUTY, "Jeugdwet / Wmo 2015 art. 4.1.1") for kind in (
        "veilig-thuis", "rvdk", "gecertificeerde-instelling"
    )),
    ("leerplicht", "onderwijs", BasisKind.LEGAL_DUTY, "Leerplichtwet 1969"),
    ("slachtofferhulp", "basis", BasisKind.CONSENT, "toestemming van het slachtoffer"),
    ("slachtofferhulp", "sociaal", BasisKind.CONSENT, "toestemming van het slachtoffer"),
    ("maatschappelijk-werk", "zorg", BasisKind.CONSENT, "toestemming van betrokkene"),
]  # fmt: skip


def active_covenant() -> Covenant | None:
    return Covenant.objects.filter(status=Covenant.Status.ACTIVE).first()


@transaction.atomic
def covenant_defaults_ensure() -> Covenant | None:
    """The first covenant, active, with the default matrix (once; never over an existing
    covenant). Runs after migrate, once the kinds and categories exist."""
    from django.apps import apps

    if Covenant.objects.exists():
        return None
    kinds = dict(apps.get_model("partners", "OrganisationKind").objects.values_list("code", "pk"))
    categories = dict(
        apps.get_model("caseroom", "InformationCategory").objects.values_list("code", "pk")
    )
    if not kinds or not categories:
        return None
    covenant = Covenant.objects.create(
        name="Convenant Zorg- en Veiligheidshuis",
        version=1,
        status=Covenant.Status.ACTIVE,
        valid_from=timezone.localdate(),
        note="Standaardmatrix; pas aan in een nieuwe versie.",
    )
    CovenantRule.objects.bulk_create(
        CovenantRule(
            covenant=covenant,
            organisation_kind_id=kinds[kind],
            category_id=categories[code],
            kind=basis,
            provision=provision,
        )
        for kind, code, basis, provision in DEFAULT_RULES
        if kind in kinds and code in categories
    )
    return covenant


def covenant_rules_for(organisation: Any, categories: Sequence[Any]) -> list[CovenantRule]:
    """The active covenant's statutory rules for this organisation and these categories
    (consent rules supply nothing by themselves)."""
    covenant = active_covenant()
    if covenant is None:
        return []
    listed = covenant.organisations.all()
    if listed.exists() and not listed.filter(pk=organisation.pk).exists():
        return []  # the covenant names its partners, and this is not one of them
    return list(
        covenant.rules.filter(
            organisation_kind_id=organisation.kind_id,
            category__in=[c.pk for c in categories],
        ).exclude(kind=BasisKind.CONSENT)
    )


def record_covenant_bases(
    sender: object, *, case: Any, organisation: Any, categories: Sequence[Any], by: Any, **_: Any
) -> None:
    """Receiver: for each category the organisation gets, the covenant's statutory basis,
    unless a valid basis for all persons is already there."""
    for rule in covenant_rules_for(organisation, categories):
        exists = LegalBasis.objects.valid().filter(
            case=case, organisation=organisation, category_id=rule.category_id, person=None
        )
        if exists.exists():
            continue
        LegalBasis.objects.create(
            case=case,
            organisation=organisation,
            category_id=rule.category_id,
            kind=rule.kind,
            provision=rule.provision,
            covenant_rule=rule,
            motivation=f"Convenant: {rule.provision}",
            recorded_by=by if getattr(by, "pk", None) else None,
        )


@transaction.atomic
def covenant_copy(*, covenant: Covenant) -> Covenant:
    """A new concept version with the same partners, purposes and matrix."""
    last = Covenant.objects.filter(name=covenant.name).order_by("-version").first()
    copy = Covenant.objects.create(
        name=covenant.name,
        version=(last.version if last else covenant.version) + 1,
        note=covenant.note,
    )
    copy.organisations.set(covenant.organisations.all())
    for purpose in covenant.purposes.all():
        purpose.pk, purpose.covenant = None, copy
        purpose.save()
    for rule in covenant.rules.all():
        rule.pk, rule.covenant = None, copy
        rule.save()
    return copy


@transaction.atomic
def covenant_activate(*, covenant: Covenant) -> Covenant:
    """Make a concept the active version; the active one becomes superseded. Bases already
    recorded keep their own ground; new grants follow the new matrix."""
    from core.exceptions import ServiceError

    covenant = Covenant.objects.select_for_update().get(pk=covenant.pk)
    if covenant.status != Covenant.Status.DRAFT:
        raise ServiceError(_("Alleen een concept kan actief worden."), field="status")
    if not covenant.rules.exists():
        raise ServiceError(_("Een convenant zonder matrix kan niet actief worden."), field="rules")
    Covenant.objects.filter(status=Covenant.Status.ACTIVE).update(status=Covenant.Status.SUPERSEDED)
    covenant.status = Covenant.Status.ACTIVE
    covenant.valid_from = timezone.localdate()
    covenant.save(update_fields=["status", "valid_from", "updated_at"])
    return covenant
