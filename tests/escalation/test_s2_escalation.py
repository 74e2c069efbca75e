"""Scenario S2 end to end through the API: referral → triage → meeting → refused actions →
escalation through all four levels with responses → directive → verslavingszorg leads."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from freezegun import freeze_time

from caseroom.models import Case, CaseEvent
from escalation.models import Escalation
from partners.models import User
from partners.roles import Role
from tests.caseroom.conftest import World, make_org, make_user
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

MOTIVATION = {
    "consultation_expired": (
        "Vier escalatieniveaus in drie maanden zonder partij die de regie neemt; de "
        "ontruiming is over twee weken."
    ),
    "interests_weighed": (
        "Veiligheid van buren en hulpverleners tegen de autonomie van de organisaties en de "
        "kosten van behandeling."
    ),
    "proportionality": (
        "Alleen de regie wordt opgedragen, niet een behandeling; minder zware middelen zijn "
        "zonder resultaat beproefd."
    ),
    "objection_route": (
        "Binnen zes weken bezwaar bij de burgemeester (Awb art. 6:7), daarna beroep bij de "
        "rechtbank."
    ),
}


def call(user: User, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    client = verified_client(user)
    response = getattr(client, method)(url, data or {}, content_type="application/json")
    return response


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def test_s2_from_referral_to_directive(world: World) -> None:
    addiction = make_user("vz", make_org("Verslavingszorg Oost", "verslavingszorg"))
    mayor = make_user("burgemeester", make_org("Gemeente Rivierstad", "gemeente"), Role.BESTUURDER)
    regisseur, ggz = world.regisseur, world.ggz

    referral = ok(
        call(
            world.woning, "post", "/api/v1/referrals/",
            {"house": world.house.pk,
             "persons": [{"surname": "de Wit", "given_names": "Hendrik", "bsn": "123456782"}],
             "reason": "Dreigt het huis in brand te steken bij ontruiming.",
             "goal": "Een instelling die de zorg op zich neemt.", "person_informed": True},
        ),
        201,
    )  # fmt: skip
    number = ok(
        call(
            regisseur, "post", f"/api/v1/referrals/{referral['id']}/triage/",
            {"decision": "geaccepteerd", "criterion_domains": True, "criterion_chains": True,
             "criterion_system": True, "target_group": "verward-gedrag"},
        )
    )["case"]  # fmt: skip
    case = Case.objects.get(number=number)
    for org, categories in ((ggz.organisation, ["basis", "zorg"]),
                            (addiction.organisation, ["basis", "zorg"])):  # fmt: skip
        ok(call(regisseur, "post", f"/api/v1/cases/{case.pk}/participants/",
                {"organisation": org.pk, "categories": categories}), 201)  # fmt: skip
    created = call(
        regisseur, "post", "/api/v1/meetings/",
        {"meeting_type": "casusoverleg", "starts_at": timezone.now().isoformat()},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    meeting_id = created.json()[0]["id"]  # a series of one
    item = ok(call(regisseur, "post", f"/api/v1/meetings/{meeting_id}/agenda/",
                   {"case": case.pk, "question": "Wie neemt de zorg?"}), 201)  # fmt: skip
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    actions = {}
    for user in (ggz, addiction):
        actions[user.username] = ok(
            call(regisseur, "post", "/api/v1/actions/",
                 {"case": case.pk, "description": "Intake voor behandeling plannen",
                  "owner_organisation": user.organisation_id, "due_date": due,
                  "agenda_item": item["id"]}),
            201,
        )["id"]  # fmt: skip
    for user, note in ((ggz, "Geen behandelbare stoornis."),
                       (addiction, "Hoort bij de GGZ (hersenletsel).")):  # fmt: skip
        ok(call(user, "post", f"/api/v1/actions/{actions[user.username]}/status/",
                {"status": "geweigerd", "note": note, "obstacle": "onwil"}))  # fmt: skip

    url = f"/api/v1/cases/{case.pk}/escalations/"
    organisations = [ggz.organisation_id, addiction.organisation_id]
    levels = ["operationeel", "tactisch", "strategisch", "bestuurlijk"]
    for step, level in enumerate(levels):
        body = {
            "level": level,
            "reason": "Beide partners weigeren de intake; niemand neemt de zorg.",
            "organisations": organisations,
            "addressed_to": {"operationeel": "teamleiders", "tactisch": "afdelingsmanagers",
                             "strategisch": "directies", "bestuurlijk": "burgemeester"}[level],
            "actions": list(actions.values()),
        }  # fmt: skip
        if level == "tactisch":
            # Leaving the operational level needs the conversation about solutions.
            refused = call(regisseur, "post", url, body)
            assert refused.status_code == 400
            assert refused.json()["error"]["fields"]["solutions_discussed"]
            body["solutions_discussed"] = "Gesprek 12-11: dubbele diagnose, geen gedeelde route."
        escalation = ok(call(regisseur, "post", url, body), 201)
        assert escalation["level"] == level
        responses = f"/api/v1/escalations/{escalation['id']}/responses/"
        for user, kind in ((ggz, "geweigerd"), (addiction, "tegenvoorstel")):
            text = f"Reactie op niveau {level}: geen capaciteit."
            ok(call(user, "post", responses, {"kind": kind, "text": text}), 201)
        if level != "bestuurlijk":
            # The next step opens only when this one failed.
            early = call(regisseur, "post", url, {**body, "level": levels[step + 1]})
            assert early.status_code == 400 and early.json()["error"]["code"] == "step_open"
            ok(call(regisseur, "post", f"/api/v1/escalations/{escalation['id']}/close/",
                    {"status": "mislukt", "outcome": "Geen partij neemt de zorg."}))  # fmt: skip

    queue = call(mayor, "get", "/api/v1/escalations/queue/").json()
    assert [e["case"] for e in queue] == [number]
    directive_url = f"/api/v1/cases/{case.pk}/directive/"
    comply_by = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    directive = ok(
        call(mayor, "post", directive_url,
             {"organisation": addiction.organisation_id, "categories": ["basis", "zorg"],
              "comply_by": comply_by, **MOTIVATION}),
        201,
    )  # fmt: skip
    case.refresh_from_db()
    assert case.lead_organisation_id == addiction.organisation_id
    assert directive["status"] == "genomen"
    pdf = verified_client(mayor).get(f"/api/v1/directives/{directive['id']}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"

    # The audit trail: each step on the timeline with actor (and the reasons in the records).
    kinds = list(case.events.order_by("occurred_at", "pk").values_list("kind", "actor__username"))
    escalated = [actor for kind, actor in kinds if kind == CaseEvent.Kind.ESCALATED]
    assert escalated == ["regisseur"] * 4
    assert (CaseEvent.Kind.DIRECTIVE, "burgemeester") in kinds
    assert (CaseEvent.Kind.LEAD_CHANGED, "burgemeester") in kinds
    assert sum(1 for kind, _ in kinds if kind == CaseEvent.Kind.ESCALATION_RESPONSE) == 8
    chain = list(Escalation.objects.filter(case=case).order_by("created_at"))
    assert [e.status for e in chain] == ["mislukt", "mislukt", "mislukt", "opgelost"]
    assert all(e.previous_id == p.pk for p, e in zip(chain, chain[1:], strict=False))


def test_a_directive_is_refused_to_the_wrong_addressee_without_motivation_or_role(
    world: World,
) -> None:
    from escalation import services
    from escalation.models import EscalationLevel

    mayor = make_user("burgemeester", make_org("Gemeente Rivierstad", "gemeente"), Role.BESTUURDER)
    top = EscalationLevel.objects.get(code="bestuurlijk")
    services.escalate(
        case=world.case, level=top, by=world.regisseur,
        reason="Patstelling tussen GGZ en woningcorporatie over de zorg.",
        organisations=[world.ggz.organisation], addressed_to="burgemeester", stalemate=True,
        solutions_discussed="Overleg gevoerd, geen oplossing.",
        urgency="Ontruiming over een week; spoed is nodig om escalatie te voorkomen.",
    )  # fmt: skip
    url = f"/api/v1/cases/{world.case.pk}/directive/"
    comply_by = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    body = {"organisation": world.ggz.organisation_id, "categories": ["basis", "zorg"],
            "comply_by": comply_by, **MOTIVATION}  # fmt: skip
    for kind in ("om", "politie", "rechtspraak", "rvdk"):
        target = make_org(f"Instantie {kind}", kind)
        refused = call(mayor, "post", url, {**body, "organisation": target.pk})
        assert refused.status_code == 400, kind
        assert "organisation" in refused.json()["error"]["fields"]
    bare = call(mayor, "post", url, {**body, "proportionality": "Evenredig."})
    assert bare.status_code == 400 and "proportionality" in bare.json()["error"]["fields"]
    for user in (world.regisseur, world.politie, world.privacy):
        assert call(user, "post", url, body).status_code == 404
    assert call(mayor, "post", url, body).status_code == 201


def test_skipping_a_level_needs_motivated_urgency(world: World) -> None:
    url = f"/api/v1/cases/{world.case.pk}/escalations/"
    body = {
        "level": "strategisch", "reason": "Niemand pakt de huisvesting op; dreigende dakloosheid.",
        "organisations": [world.woning.organisation_id], "addressed_to": "directie",
        "stalemate": True, "solutions_discussed": "Overleg met de teamleider, zonder resultaat.",
    }  # fmt: skip
    refused = call(world.regisseur, "post", url, body)
    assert refused.status_code == 400 and "urgency" in refused.json()["error"]["fields"]
    body["urgency"] = "Ontruiming is morgen; geen tijd om alle niveaus te doorlopen."
    assert call(world.regisseur, "post", url, body).status_code == 201
    with freeze_time(timezone.now() + datetime.timedelta(days=30)):
        # The strategic step passed its term: the next one may open without closing it.
        body["level"] = "bestuurlijk"
        assert call(world.regisseur, "post", url, body).status_code == 201
