"""Recording legal bases and consent, and withdrawing consent (DESIGN.md §6.6: withdrawal
takes effect on the next request). Each change reaches access through the case room's
services, in the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caseroom import services as caseroom_services
from caseroom.access import is_house_procesregisseur
from caseroom.models import Case, CaseEvent, InformationCategory, Participation
from consent.models import BasisKind, Consent, LegalBasis, SecrecyRoute
from core.exceptions import ServiceError
from partners.models import Organisation, User
from persons.models import Person

# Organisation kinds bound by professional secrecy: their bases name the route used.
SECRECY_KINDS = {"ggz", "verslavingszorg", "veilig-thuis", "maatschappelijk-werk", "wijkteam"}
# Which grounds can carry which category (special categories and criminal data are never
# shared on an ordinary ground).
ALLOWED_KINDS: dict[str, set[str]] = {
    "zorg": {BasisKind.CONSENT, BasisKind.CARE, BasisKind.SUBSTANTIAL_INTEREST, BasisKind.WGS},
    "justitie": {BasisKind.CRIMINAL, BasisKind.WGS},
}


def _require_manager(by: User, case: Case) -> None:
    if not is_house_procesregisseur(by, case):
        raise ServiceError(
            _("Alleen de procesregisseur van het huis legt grondslagen vast."),
            code="permission_denied",
        )


def _require_person_in_case(case: Case, person: Person | None) -> None:
    if person is not None and not case.case_persons.filter(person=person).exists():
        raise ServiceError(_("Deze persoon hoort niet bij de casus."), field="person")


@transaction.atomic
def legal_basis_record(
    *,
    case: Case,
    organisation: Organisation,
    category: InformationCategory,
    kind: str,
    motivation: str,
    by: User,
    person: Person | None = None,
    provision: str = "",
    secrecy_route: str = "",
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> LegalBasis:
    """A basis the procesregisseur records by hand, with its motivation (necessity,
    proportionality, subsidiarity). Consent is recorded as a consent, not here."""
    _require_manager(by, case)
    _require_person_in_case(case, person)
    if kind not in BasisKind.values or kind == BasisKind.CONSENT:
        raise ServiceError(
            _("Kies een wettelijke grondslag; toestemming legt u vast als toestemming."),
            field="kind",
        )
    allowed = ALLOWED_KINDS.get(category.code)
    if allowed is not None and kind not in allowed:
        raise ServiceError(
            _("Deze grondslag draagt geen gegevens van categorie %(category)s.")
            % {"category": category.label},
            field="kind",
        )
    if len(motivation.strip()) < 20:
        raise ServiceError(
            _("Motiveer noodzaak, proportionaliteit en subsidiariteit (minstens 20 tekens)."),
            field="motivation",
        )
    if secrecy_route not in SecrecyRoute.values:
        raise ServiceError(_("Onbekende route bij beroepsgeheim."), field="secrecy_route")
    if organisation.kind.code in SECRECY_KINDS and not secrecy_route:
        raise ServiceError(
            _("%(organisation)s heeft een beroepsgeheim: geef de route (toestemming, wettelijke "
              "plicht, conflict van plichten of meldrecht).") % {"organisation": organisation.name},
            field="secrecy_route",
        )  # fmt: skip
    start = valid_from or timezone.localdate()
    if valid_until is not None and valid_until < start:
        raise ServiceError(_("De einddatum ligt vóór de begindatum."), field="valid_until")
    return LegalBasis.objects.create(
        case=case,
        organisation=organisation,
        person=person,
        category=category,
        kind=kind,
        provision=provision.strip()[:200],
        secrecy_route=secrecy_route,
        motivation=motivation.strip(),
        recorded_by=by,
        valid_from=start,
        valid_until=valid_until,
    )


@transaction.atomic
def consent_record(
    *,
    case: Case,
    person: Person,
    organisations: Sequence[Organisation],
    categories: Sequence[InformationCategory],
    recorded_how: str,
    by: User,
    note: str = "",
) -> Consent:
    """A person's consent for these organisations to receive these categories about them.
    Each pair becomes a legal basis resting on the consent."""
    _require_manager(by, case)
    _require_person_in_case(case, person)
    if recorded_how not in Consent.Recorded.values:
        raise ServiceError(_("Geef aan hoe de toestemming is vastgelegd."), field="recorded_how")
    if not organisations:
        raise ServiceError(_("Kies ten minste één organisatie."), field="organisations")
    if not categories:
        raise ServiceError(_("Kies ten minste één categorie."), field="categories")
    consent = Consent.objects.create(
        case=case, person=person, recorded_how=recorded_how, note=note.strip(), recorded_by=by
    )
    consent.organisations.set(organisations)
    consent.categories.set(categories)
    LegalBasis.objects.bulk_create(
        LegalBasis(
            case=case,
            organisation=organisation,
            person=person,
            category=category,
            kind=BasisKind.CONSENT,
            consent=consent,
            provision="AVG art. 6 lid 1 onder a",
            secrecy_route=SecrecyRoute.CONSENT
            if organisation.kind.code in SECRECY_KINDS
            else SecrecyRoute.NONE,
            recorded_by=by,
        )
        for organisation in organisations
        for category in categories
    )
    caseroom_services.case_event(
        case,
        CaseEvent.Kind.CONSENT_GIVEN,
        by=by,
        consent_id=str(consent.pk),
        organisations=sorted(o.pk for o in organisations),
        categories=sorted(c.code for c in categories),
    )
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, by: User, note: str = "") -> dict[str, Any]:
    """Withdraw a consent: the bases resting on it end now. An organisation left without
    any basis in the case stops taking part (404 on its next request); a category left
    without a basis is taken away; shares that rest on another basis stay and are flagged
    for review. Nothing is deleted."""
    case = consent.case
    _require_manager(by, case)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ServiceError(_("Deze toestemming is al ingetrokken."), code="withdrawn")
    now = timezone.now()
    consent.withdrawn_at, consent.withdrawn_by = now, by
    if note.strip():
        consent.note = (consent.note + "\n" if consent.note else "") + note.strip()
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "note", "updated_at"])
    ended = list(consent.bases.filter(ended_at__isnull=True))
    LegalBasis.objects.filter(pk__in=[b.pk for b in ended]).update(
        ended_at=now, end_reason=_("toestemming ingetrokken"), updated_at=now
    )
    outcome: dict[str, Any] = {"ended": len(ended), "withdrawn": [], "reduced": [], "review": 0}
    for organisation_id in sorted({b.organisation_id for b in ended}):
        participation = Participation.objects.filter(
            case=case, organisation_id=organisation_id, withdrawn_at__isnull=True
        ).first()
        remaining = LegalBasis.objects.valid().filter(case=case, organisation_id=organisation_id)
        if participation is None:
            continue
        if not remaining.exists():
            caseroom_services.participation_end(
                participation=participation,
                reason=_("Toestemming ingetrokken; geen andere grondslag."),
                by=by,
            )
            outcome["withdrawn"].append(organisation_id)
            continue
        covered = set(remaining.values_list("category_id", flat=True))
        lost = [c for c in participation.categories.all() if c.pk not in covered]
        if lost:
            caseroom_services.participation_drop_categories(
                participation=participation, categories=lost, by=by
            )
            outcome["reduced"].append(organisation_id)
        outcome["review"] += remaining.filter(needs_review=False).update(
            needs_review=True, updated_at=now
        )
    caseroom_services.case_event(
        case, CaseEvent.Kind.CONSENT_WITHDRAWN, by=by, consent_id=str(consent.pk)
    )
    return outcome


@transaction.atomic
def legal_basis_end(*, basis: LegalBasis, reason: str, by: User) -> LegalBasis:
    _require_manager(by, basis.case)
    if basis.consent_id is not None:
        raise ServiceError(
            _("Deze grondslag rust op toestemming; trek de toestemming in."), code="consent"
        )
    if not reason.strip():
        raise ServiceError(_("Geef de reden van beëindiging."), field="reason")
    basis.ended_at, basis.end_reason = timezone.now(), reason.strip()[:300]
    basis.save(update_fields=["ended_at", "end_reason", "updated_at"])
    return basis


@transaction.atomic
def legal_basis_reviewed(*, basis: LegalBasis, by: User) -> LegalBasis:
    """The procesregisseur confirms that a flagged share still rests on its basis."""
    _require_manager(by, basis.case)
    basis.needs_review = False
    basis.save(update_fields=["needs_review", "updated_at"])
    return basis
