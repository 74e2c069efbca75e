"""Need-to-know with legal bases (DESIGN.md §6.2): a category grant alone is not enough;
consent withdrawal takes effect on the next request; nothing is shared without a basis."""

from __future__ import annotations

import pytest

from audit.models import AccessEvent
from caseroom import services
from caseroom.models import CaseEvent
from consent import services as consent_services
from consent.models import LegalBasis
from tests.caseroom.conftest import World, make_org, make_user
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def contribution_ids(user: object, world: World) -> set[str]:
    response = verified_client(user).get(f"/api/v1/cases/{world.case.pk}/contributions/")  # type: ignore[arg-type]
    assert response.status_code == 200, response.content
    return {c["id"] for c in response.json()["results"]}


def test_the_covenant_supplies_statutory_bases_when_categories_are_granted(world: World) -> None:
    politie = world.politie.organisation
    kinds = dict(
        LegalBasis.objects.filter(case=world.case, organisation=politie).values_list(
            "category__code", "kind"
        )
    )
    assert kinds == {"basis": "wgs", "politie": "wgs", "justitie": "uavg_33"}
    assert all(
        b.person_id is None and b.covenant_rule_id
        for b in LegalBasis.objects.filter(case=world.case, organisation=politie)
    )


def test_a_category_grant_without_a_valid_basis_shows_nothing(world: World) -> None:
    justitie = str(world.contributions["justitie"].pk)  # brought in by politie
    assert justitie in contribution_ids(world.regisseur, world)
    house = world.house.organisation
    basis = LegalBasis.objects.get(case=world.case, organisation=house, category__code="justitie")
    consent_services.legal_basis_end(basis=basis, reason="Geen noodzaak meer.", by=world.regisseur)
    # The house's grant is still there, its basis is not: the next request no longer shows
    # it; the organisation that brought it in still sees it, and nothing is deleted.
    assert (
        world.case.participations.get(organisation=house)
        .categories.filter(code="justitie")
        .exists()
    )
    assert justitie not in contribution_ids(world.regisseur, world)
    assert justitie in contribution_ids(world.politie, world)


def test_sharing_a_category_without_a_basis_is_refused_naming_what_is_missing(
    world: World,
) -> None:
    # Maatschappelijk werk may receive zorg only with the person's consent (the matrix).
    amw = make_user("amw", make_org("AMW Rivierstad", "maatschappelijk-werk"))
    response = verified_client(world.regisseur).post(
        f"/api/v1/cases/{world.case.pk}/participants/",
        {"organisation": amw.organisation.pk, "categories": ["basis", "zorg"]},
        content_type="application/json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "no_legal_basis"
    assert "AMW Rivierstad" in error["message"] and "Gezondheid en zorg" in error["message"]
    assert not world.case.participations.filter(organisation=amw.organisation).exists()
    # With the person's consent the same share goes through.
    consent = verified_client(world.regisseur).post(
        f"/api/v1/cases/{world.case.pk}/consents/",
        {
            "person": str(world.person.pk),
            "organisations": [amw.organisation.pk],
            "categories": ["zorg"],
            "recorded_how": "schriftelijk",
        },
        content_type="application/json",
    )
    assert consent.status_code == 201, consent.content
    again = verified_client(world.regisseur).post(
        f"/api/v1/cases/{world.case.pk}/participants/",
        {"organisation": amw.organisation.pk, "categories": ["basis", "zorg"]},
        content_type="application/json",
    )
    assert again.status_code == 201, again.content
    assert str(world.contributions["zorg"].pk) in contribution_ids(amw, world)


def test_consent_withdrawal_takes_effect_on_the_next_request(world: World) -> None:
    """Slachtofferhulp takes part on the person's consent only; politie on the law. After
    withdrawal slachtofferhulp gets 404, politie keeps access; both requests are logged."""
    victim_support = make_user("sh", make_org("Slachtofferhulp Rivierenland", "slachtofferhulp"))
    organisation = victim_support.organisation
    consent = consent_services.consent_record(
        case=world.case,
        person=world.person,
        organisations=[organisation, world.politie.organisation],
        categories=services.categories_by_code(["basis", "sociaal"]),
        recorded_how="mondeling",
        by=world.regisseur,
    )
    services.participation_add(
        case=world.case,
        organisation=organisation,
        categories=services.categories_by_code(["basis", "sociaal"]),
        by=world.regisseur,
    )
    url = f"/api/v1/cases/{world.case.pk}/"
    assert verified_client(victim_support).get(url).status_code == 200

    response = verified_client(world.regisseur).post(
        f"/api/v1/cases/{world.case.pk}/consents/{consent.pk}/withdraw/",
        {"note": "Betrokkene trekt toestemming in per telefoon."},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["withdrawn_at"]

    assert verified_client(victim_support).get(url).status_code == 404
    assert verified_client(world.politie).get(url).status_code == 200
    denied = AccessEvent.objects.filter(actor_id=victim_support.pk).latest("seq")
    kept = AccessEvent.objects.filter(actor_id=world.politie.pk).latest("seq")
    assert (denied.object_id, denied.result) == (str(world.case.pk), "not_found")
    assert (kept.object_id, kept.result) == (str(world.case.pk), "success")
    # Nothing deleted: the consent and its bases remain, ended; the participation is ended
    # with its reason; politie's statutory bases stay and are flagged for review.
    ended = LegalBasis.objects.filter(consent=consent)
    assert ended.count() == 4 and all(b.ended_at for b in ended)
    participation = world.case.participations.get(organisation=organisation)
    assert participation.withdrawn_at is not None
    assert "Toestemming ingetrokken" in participation.withdrawal_reason
    flagged = LegalBasis.objects.filter(
        case=world.case, organisation=world.politie.organisation, needs_review=True
    )
    assert flagged.exists() and all(b.ended_at is None for b in flagged)
    assert world.case.events.filter(kind=CaseEvent.Kind.CONSENT_WITHDRAWN).exists()


def test_recording_a_basis_by_hand_needs_a_fitting_ground_a_motivation_and_a_route(
    world: World,
) -> None:
    from core.exceptions import ServiceError

    (zorg,) = services.categories_by_code(["zorg"])
    woning = world.woning.organisation
    with pytest.raises(ServiceError) as wrong_ground:
        consent_services.legal_basis_record(
            case=world.case, organisation=woning, category=zorg, kind="avg_6_1_e",
            motivation="Nodig om huisuitzetting te voorkomen bij deze persoon.",
            by=world.regisseur,
        )  # fmt: skip
    assert wrong_ground.value.field == "kind"
    with pytest.raises(ServiceError) as short:
        consent_services.legal_basis_record(
            case=world.case, organisation=woning, category=zorg, kind="avg_9_2_g",
            motivation="nodig", by=world.regisseur,
        )  # fmt: skip
    assert short.value.field == "motivation"
    ggz = world.ggz.organisation
    with pytest.raises(ServiceError) as no_route:
        consent_services.legal_basis_record(
            case=world.case, organisation=ggz, category=zorg, kind="avg_9_2_g",
            motivation="Acuut gevaar voor de kinderen; overleg met behandelaar gevoerd.",
            by=world.regisseur,
        )  # fmt: skip
    assert no_route.value.field == "secrecy_route"
    with pytest.raises(ServiceError) as not_manager:
        consent_services.legal_basis_record(
            case=world.case, organisation=woning, category=zorg, kind="avg_9_2_g",
            motivation="Acuut gevaar voor de kinderen; overleg met behandelaar gevoerd.",
            by=world.politie,
        )  # fmt: skip
    assert not_manager.value.code == "permission_denied"
    basis = consent_services.legal_basis_record(
        case=world.case, organisation=ggz, category=zorg, kind="avg_9_2_g",
        secrecy_route="conflict_van_plichten", person=world.person,
        motivation="Acuut gevaar voor de kinderen; overleg met behandelaar gevoerd.",
        by=world.regisseur,
    )  # fmt: skip
    assert basis.person == world.person and basis.recorded_by == world.regisseur


def test_bases_are_visible_to_the_house_and_to_each_organisation_for_itself(
    world: World,
) -> None:
    url = f"/api/v1/cases/{world.case.pk}/legal-bases/"
    everything = verified_client(world.regisseur).get(url).json()
    own = verified_client(world.politie).get(url).json()
    assert {b["organisation"] for b in everything} >= {"Politie Oost", "GGZ Rivierenland"}
    assert {b["organisation"] for b in own} == {"Politie Oost"}
    assert all(b["in_force"] for b in own)
    assert (
        verified_client(world.politie).get(f"/api/v1/cases/{world.case.pk}/consents/").status_code
        == 404
    )
    referrer = verified_client(world.outsider).get(
        f"/api/v1/cases/{world.other_case.pk}/legal-bases/"
    )
    assert {b["organisation"] for b in referrer.json()} == {"Wijkteam Noord"}


def test_the_bases_page_records_and_withdraws(world: World) -> None:
    from django.urls import reverse

    from consent.models import Consent

    url = reverse("consent:case_bases", args=[world.case.pk])
    regisseur = verified_client(world.regisseur)
    page = regisseur.get(url).content.decode()
    assert "Politie Oost" in page and "Wettelijke grondslag vastleggen" in page
    own = verified_client(world.politie).get(url).content.decode()
    assert "Politie Oost" in own and "GGZ Rivierenland" not in own
    assert "Toestemming vastleggen" not in own
    assert verified_client(world.politie).post(url, {"form": "basis"}).status_code == 404
    assert verified_client(world.outsider).get(url).status_code == 404
    # A hand-recorded basis that is refused shows why, on the form.
    refused = regisseur.post(
        url,
        {"form": "basis", "grondslag-organisation": world.woning.organisation.pk,
         "grondslag-category": "zorg", "grondslag-kind": "avg_6_1_e",
         "grondslag-motivation": "Nodig om huisuitzetting te voorkomen."},
    )  # fmt: skip
    assert "Deze grondslag draagt geen gegevens van categorie" in refused.content.decode()
    done = regisseur.post(
        url,
        {"form": "consent", "toestemming-person": str(world.person.pk),
         "toestemming-organisations": [world.woning.organisation.pk],
         "toestemming-categories": ["zorg"], "toestemming-recorded_how": "schriftelijk"},
    )  # fmt: skip
    assert done.status_code == 302
    consent = Consent.objects.get()
    withdrawn = regisseur.post(
        url, {"form": "withdraw", "consent": str(consent.pk), "note": "Per brief."}, follow=True
    )
    assert "Toestemming ingetrokken" in withdrawn.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
