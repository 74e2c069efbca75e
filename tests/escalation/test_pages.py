"""The escalation pages: the procesregisseur's stalled cases with the next step, and the
bestuurder's queue with the directive."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from caseroom import services as caseroom_services
from escalation.models import Directive, Escalation
from escalation.sweep import sweep
from partners.roles import Role
from tests.caseroom.conftest import World, make_org, make_user
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def test_the_stalled_cases_page_shows_stalls_and_escalates(world: World) -> None:
    caseroom_services.action_create(
        case=world.case, by=world.regisseur, description="Huisbezoek",
        owner_organisation=world.politie.organisation,
        due_date=timezone.localdate() - datetime.timedelta(days=10),
    )  # fmt: skip
    sweep()
    url = reverse("escalation:stalls")
    assert verified_client(world.politie).get(url).status_code == 404
    client = verified_client(world.regisseur)
    page = client.get(url).content.decode()
    assert world.case.number in page and "Afspraak over de termijn" in page
    prefix = f"escaleer-{world.case.pk}"
    body = {
        "case": world.case.pk,
        f"{prefix}-level": "operationeel",
        f"{prefix}-organisations": [world.politie.organisation_id],
        f"{prefix}-addressed_to": "teamleider",
        f"{prefix}-reason": "kort",
    }
    refused = client.post(url, body)
    assert "Geef de reden van escalatie" in refused.content.decode()
    body[f"{prefix}-reason"] = "Het huisbezoek blijft uit; de melder is bang."
    done = client.post(url, body)
    assert done.status_code == 302
    escalation = Escalation.objects.get()
    assert escalation.actions.count() == 1 and escalation.level.code == "operationeel"


def test_the_bestuurder_decides_from_the_queue(world: World) -> None:
    from escalation import services
    from escalation.models import EscalationLevel

    mayor = make_user("burgemeester", make_org("Gemeente Rivierstad", "gemeente"), Role.BESTUURDER)
    services.escalate(
        case=world.case, level=EscalationLevel.objects.get(code="bestuurlijk"), by=world.regisseur,
        reason="Patstelling tussen GGZ en woningcorporatie over de zorg.",
        organisations=[world.ggz.organisation], addressed_to="burgemeester", stalemate=True,
        solutions_discussed="Overleg gevoerd, geen oplossing.",
        urgency="Ontruiming over een week; spoed is nodig.",
    )  # fmt: skip
    url = reverse("escalation:queue")
    assert verified_client(world.regisseur).get(url).status_code == 404
    client = verified_client(mayor)
    page = client.get(url).content.decode()
    assert world.case.number in page and "Patstelling tussen GGZ" in page
    escalation = Escalation.objects.get()
    prefix = f"besluit-{escalation.pk}"
    body = {
        "escalation": str(escalation.pk),
        f"{prefix}-organisation": world.ggz.organisation_id,
        f"{prefix}-categories": ["basis", "zorg"],
        f"{prefix}-consultation_expired": "Alle niveaus doorlopen; geen partij neemt de regie.",
        f"{prefix}-interests_weighed": "Veiligheid van de buren tegen de autonomie van de GGZ.",
        f"{prefix}-proportionality": "Evenredig.",
        f"{prefix}-comply_by": (timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
        f"{prefix}-objection_route": "Bezwaar binnen zes weken bij de burgemeester.",
    }
    refused = client.post(url, body)
    assert "Deze motivering is verplicht" in refused.content.decode()
    body[f"{prefix}-proportionality"] = (
        "Alleen de regie wordt opgedragen; lichtere middelen faalden."
    )
    assert client.post(url, body).status_code == 302
    directive = Directive.objects.get()
    assert directive.organisation == world.ggz.organisation
    world.case.refresh_from_db()
    assert world.case.lead_organisation == world.ggz.organisation
