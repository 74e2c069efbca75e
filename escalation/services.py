"""The escalation ladder and the directive (doorzettingsmacht). Every step is a case-timeline
event (actor and reason in the record) and a change-log entry."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caseroom import services as caseroom_services
from caseroom.access import is_house_procesregisseur
from caseroom.models import Action, Case, CaseEvent, InformationCategory
from core.exceptions import ServiceError
from escalation.models import Directive, Escalation, EscalationLevel, EscalationResponse
from partners.models import Organisation, User
from partners.roles import Role

DEFAULT_LEVELS = [
    ("operationeel", "Operationeel", 14),
    ("tactisch", "Tactisch", 14),
    ("strategisch", "Strategisch", 21),
    ("bestuurlijk", "Bestuurlijk", 28),
]
# Organisations a directive cannot be addressed to: the judiciary, the prosecution and the
# police are not subject to the mayor's coordination; the Raad voor de Kinderbescherming
# can only be asked.
NOT_DIRECTABLE = {"om", "rechtspraak", "politie", "rvdk"}
MIN_MOTIVATION = 30


def levels_ensure() -> None:
    if EscalationLevel.objects.exists():
        return
    for position, (code, label, days) in enumerate(DEFAULT_LEVELS, start=1):
        EscalationLevel.objects.create(
            code=code, label=label, position=position, response_days=days
        )


def _require_manager(by: User, case: Case) -> None:
    if not is_house_procesregisseur(by, case):
        raise ServiceError(
            _("Alleen de procesregisseur van het huis escaleert."), code="permission_denied"
        )


def _event(case: Case, kind: str, by: User, **data: Any) -> None:
    caseroom_services.case_event(case, kind, by=by, **data)


@transaction.atomic
def escalate(
    *,
    case: Case,
    level: EscalationLevel,
    by: User,
    reason: str,
    organisations: Sequence[Organisation],
    addressed_to: str,
    actions: Sequence[Action] = (),
    stalemate: bool = False,
    solutions_discussed: str = "",
    urgency: str = "",
) -> Escalation:
    """Open the next step. It must follow the open step when that failed or passed its
    term; skipping a level needs a motivated urgency; above the operational level a
    recorded conversation about solutions is required."""
    _require_manager(by, case)
    if not case.is_active:
        raise ServiceError(_("Alleen een lopende casus kan escaleren."), code="closed")
    if len(reason.strip()) < 20:
        raise ServiceError(_("Geef de reden van escalatie (minstens 20 tekens)."), field="reason")
    if not organisations:
        raise ServiceError(_("Noem de betrokken organisaties."), field="organisations")
    if not addressed_to.strip():
        raise ServiceError(_("Noem aan wie de escalatie is gericht."), field="addressed_to")
    if not actions and not stalemate:
        raise ServiceError(
            _("Noem de vastgelopen afspraken, of geef aan dat het om een patstelling gaat."),
            field="actions",
        )
    if any(a.case_id != case.pk for a in actions):
        raise ServiceError(_("Een afspraak hoort niet bij deze casus."), field="actions")
    current = (
        Escalation.objects.select_for_update()
        .filter(case=case, status=Escalation.Status.OPEN)
        .select_related("level")
        .first()
    )
    last = (
        Escalation.objects.filter(case=case).select_related("level").order_by("-created_at").first()
    )
    chain = last if last is not None and last.status != Escalation.Status.DEESCALATED else None
    if chain is not None and chain.status == Escalation.Status.RESOLVED:
        chain = None  # solved: a new problem starts at the bottom again
    expected = (
        EscalationLevel.objects.filter(position__gt=chain.level.position).first()
        if chain is not None
        else EscalationLevel.objects.first()
    )
    if expected is None:
        raise ServiceError(_("Er is geen hoger niveau; de bestuurder kan een besluit nemen."))
    if current is not None:
        if not current.is_expired:
            raise ServiceError(
                _("Het %(level)s niveau heeft nog tot %(date)s om te reageren; sluit die stap "
                  "eerst af als mislukt, of wacht de termijn af.")
                % {"level": current.level.label.lower(), "date": current.respond_by},
                code="step_open",
            )  # fmt: skip
        current.status, current.closed_at, current.closed_by = (
            Escalation.Status.FAILED,
            timezone.now(),
            by,
        )
        current.outcome = current.outcome or _("Termijn verstreken zonder oplossing.")
        current.save(update_fields=["status", "closed_at", "closed_by", "outcome", "updated_at"])
    if level.position > expected.position and len(urgency.strip()) < 20:
        raise ServiceError(
            _("Een niveau overslaan kan alleen met een gemotiveerde spoed (minstens 20 tekens)."),
            field="urgency",
        )
    if level.position < expected.position:
        raise ServiceError(
            _("Dit niveau is al geweest; de volgende stap is %(level)s.")
            % {"level": expected.label.lower()},
            field="level",
        )
    first = EscalationLevel.objects.first()
    # Encrypted text cannot be filtered in SQL; a case has few escalations.
    discussed = bool(solutions_discussed.strip()) or any(
        e.solutions_discussed for e in Escalation.objects.filter(case=case)
    )
    if first is not None and level.position > first.position and not discussed:
        raise ServiceError(
            _("Leg eerst het gesprek over oplossingen vast voordat het operationele niveau "
              "wordt verlaten."),
            field="solutions_discussed",
        )  # fmt: skip
    escalation = Escalation.objects.create(
        case=case,
        level=level,
        previous=chain
        if chain is not None and not Escalation.objects.filter(previous=chain).exists()
        else None,
        stalemate=stalemate,
        addressed_to=addressed_to.strip()[:200],
        reason=reason.strip(),
        solutions_discussed=solutions_discussed.strip(),
        urgency=urgency.strip(),
        respond_by=timezone.localdate() + datetime.timedelta(days=level.response_days),
        opened_by=by,
    )
    escalation.organisations.set(organisations)
    escalation.actions.set(actions)
    _event(
        case,
        CaseEvent.Kind.ESCALATED,
        by,
        escalation_id=str(escalation.pk),
        level=level.code,
        organisations=sorted(o.pk for o in organisations),
        actions=sorted(str(a.pk) for a in actions),
    )
    return escalation


@transaction.atomic
def respond(*, escalation: Escalation, by: User, kind: str, text: str) -> EscalationResponse:
    """An organisation concerned answers: accepted, a counter-proposal, or refused (with a
    reason)."""
    if escalation.status != Escalation.Status.OPEN:
        raise ServiceError(_("Deze escalatie is afgesloten."), code="closed")
    if not escalation.organisations.filter(pk=by.organisation_id).exists():
        raise ServiceError(
            _("Alleen een betrokken organisatie reageert op deze escalatie."),
            code="permission_denied",
        )
    if kind not in EscalationResponse.Kind.values:
        raise ServiceError(_("Kies akkoord, tegenvoorstel of geweigerd."), field="kind")
    if len(text.strip()) < 10:
        raise ServiceError(_("Licht de reactie toe."), field="text")
    response = EscalationResponse.objects.create(
        escalation=escalation,
        organisation_id=by.organisation_id,
        responder=by,
        kind=kind,
        text=text.strip(),
    )
    _event(
        escalation.case,
        CaseEvent.Kind.ESCALATION_RESPONSE,
        by,
        escalation_id=str(escalation.pk),
        response=kind,
    )
    return response


@transaction.atomic
def close(*, escalation: Escalation, by: User, status: str, outcome: str) -> Escalation:
    """Record the outcome: solved, failed (the next level may open) or de-escalated."""
    _require_manager(by, escalation.case)
    if escalation.status != Escalation.Status.OPEN:
        raise ServiceError(_("Deze escalatie is al afgesloten."), code="closed")
    if status not in (
        Escalation.Status.RESOLVED,
        Escalation.Status.FAILED,
        Escalation.Status.DEESCALATED,
    ):
        raise ServiceError(_("Kies opgelost, mislukt of gedeëscaleerd."), field="status")
    if len(outcome.strip()) < 10:
        raise ServiceError(_("Leg de uitkomst vast."), field="outcome")
    escalation.status, escalation.outcome = status, outcome.strip()
    escalation.closed_at, escalation.closed_by = timezone.now(), by
    escalation.save(update_fields=["status", "outcome", "closed_at", "closed_by", "updated_at"])
    _event(
        escalation.case,
        CaseEvent.Kind.ESCALATION_CLOSED,
        by,
        escalation_id=str(escalation.pk),
        status=status,
    )
    return escalation


@transaction.atomic
def directive_issue(
    *,
    case: Case,
    by: User,
    organisation: Organisation,
    categories: Sequence[InformationCategory],
    consultation_expired: str,
    interests_weighed: str,
    proportionality: str,
    comply_by: datetime.date,
    objection_route: str,
) -> Directive:
    """The bestuurder designates the organisation that must take the coordination of care:
    it becomes the lead organisation and takes part with the categories it needs."""
    if not by.has_role(Role.BESTUURDER):
        raise ServiceError(
            _("Alleen de bestuurder neemt een besluit doorzettingsmacht."),
            code="permission_denied",
        )
    kind = organisation.kind.code
    if kind == "rvdk":
        raise ServiceError(
            _("De Raad voor de Kinderbescherming kan niet worden aangewezen; doe een verzoek "
              "tot onderzoek."),
            field="organisation",
        )  # fmt: skip
    if kind in NOT_DIRECTABLE:
        raise ServiceError(
            _("%(organisation)s valt niet onder de doorzettingsmacht van de burgemeester.")
            % {"organisation": organisation.name},
            field="organisation",
        )
    for name, text in (
        ("consultation_expired", consultation_expired),
        ("interests_weighed", interests_weighed),
        ("proportionality", proportionality),
    ):
        if len(text.strip()) < MIN_MOTIVATION:
            raise ServiceError(
                _("Deze motivering is verplicht (minstens %(n)s tekens).") % {"n": MIN_MOTIVATION},
                field=name,
            )
    if len(objection_route.strip()) < 20:
        raise ServiceError(
            _("Vermeld de bezwaar- en beroepsmogelijkheid."), field="objection_route"
        )
    if comply_by <= timezone.localdate():
        raise ServiceError(_("De termijn van naleving ligt in de toekomst."), field="comply_by")
    top = EscalationLevel.objects.order_by("-position").first()
    escalation = (
        Escalation.objects.filter(case=case, level=top)
        .exclude(status=Escalation.Status.DEESCALATED)
        .order_by("-created_at")
        .first()
    )
    if escalation is None:
        raise ServiceError(
            _("Een besluit volgt op een escalatie op bestuurlijk niveau."), code="no_escalation"
        )
    directive = Directive.objects.create(
        case=case,
        escalation=escalation,
        organisation=organisation,
        consultation_expired=consultation_expired.strip(),
        interests_weighed=interests_weighed.strip(),
        proportionality=proportionality.strip(),
        comply_by=comply_by,
        objection_route=objection_route.strip(),
        issued_by=by,
    )
    directive.categories.set(categories)
    caseroom_services.participation_ensure(
        case=case, organisation=organisation, categories=categories, by=by
    )
    caseroom_services.case_designate_lead(case=case, organisation=organisation, by=by)
    if escalation.status == Escalation.Status.OPEN:
        escalation.status, escalation.closed_at, escalation.closed_by = (
            Escalation.Status.RESOLVED,
            timezone.now(),
            by,
        )
        escalation.outcome = _("Besluit doorzettingsmacht: %(o)s aangewezen.") % {
            "o": organisation.name
        }
        escalation.save(update_fields=["status", "closed_at", "closed_by", "outcome", "updated_at"])
    _event(
        case,
        CaseEvent.Kind.DIRECTIVE,
        by,
        directive_id=str(directive.pk),
        organisation_id=organisation.pk,
        comply_by=comply_by.isoformat(),
    )
    return directive
