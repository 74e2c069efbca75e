"""A licht verstandelijke beperking (``has_lvb``) is health data, category ``zorg``: only
who may see ``zorg`` in a case of the person gets it, in the API and on the case page.
Language and communication needs stay with ``basis``."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from caseroom import services
from consent import services as consent_services
from consent import subject_requests
from consent.models import LegalBasis
from partners.models import User
from persons.models import Person
from persons.services import person_create, person_update
from tests.caseroom.conftest import World
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

LVB_ON_PAGE = "verstandelijke beperking"
BREAK_GLASS_REASON = "Acuut gevaar: huisbezoek vanavond, moet weten wie er wonen."


@pytest.fixture
def farid(world: World) -> Person:
    return person_update(
        person=world.person,
        has_lvb=True,
        language="Dari",
        communication_needs="Korte zinnen; afspraken op papier meegeven.",
    )


def get_person(user: User, person: Person) -> dict[str, object]:
    response = verified_client(user).get(f"/api/v1/persons/{person.pk}/")
    assert response.status_code == 200, response.content
    data: dict[str, object] = response.json()
    return data


def listed(user: User) -> dict[str, dict[str, object]]:
    response = verified_client(user).get("/api/v1/persons/")
    assert response.status_code == 200, response.content
    return {row["id"]: row for row in response.json()["results"]}


def case_page(user: User, world: World) -> str:
    response = verified_client(user).get(reverse("caseroom:case_detail", args=[world.case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_partner_without_zorg_does_not_get_the_lvb_flag(world: World, farid: Person) -> None:
    detail = get_person(world.politie, farid)
    assert "has_lvb" not in detail
    assert (detail["language"], detail["communication_needs"]) == (
        "Dari",
        "Korte zinnen; afspraken op papier meegeven.",
    )
    assert "has_lvb" not in listed(world.politie)[str(farid.pk)]


def test_a_partner_with_zorg_gets_the_lvb_flag(world: World, farid: Person) -> None:
    assert get_person(world.ggz, farid)["has_lvb"] is True
    assert listed(world.ggz)[str(farid.pk)]["has_lvb"] is True
    # "No LVB" is health data too, and shown as such to who may see it.
    person_update(person=farid, has_lvb=False)
    assert get_person(world.ggz, farid)["has_lvb"] is False
    assert "has_lvb" not in get_person(world.politie, farid)


def test_the_case_page_shows_the_lvb_flag_only_with_zorg(world: World, farid: Person) -> None:
    politie = case_page(world.politie, world)
    assert LVB_ON_PAGE not in politie
    assert "afspraken op papier meegeven" in politie  # communication needs are basis
    assert "Dari" in politie
    assert LVB_ON_PAGE in case_page(world.ggz, world)


def test_break_the_glass_with_zorg_shows_the_lvb_flag(world: World, farid: Person) -> None:
    services.break_glass_open(
        user=world.outsider,
        case=world.case,
        reason=BREAK_GLASS_REASON,
        categories=services.categories_by_code(["basis"]),
    )
    assert "has_lvb" not in get_person(world.outsider, farid)
    services.break_glass_open(
        user=world.outsider,
        case=world.case,
        reason=BREAK_GLASS_REASON,
        categories=services.categories_by_code(["basis", "zorg"]),
    )
    assert get_person(world.outsider, farid)["has_lvb"] is True
    assert LVB_ON_PAGE in case_page(world.outsider, world)


def count_queries(user: User, url: str) -> int:
    client = verified_client(user)
    client.get(url)  # warm up session and caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_persons_list_runs_a_constant_number_of_queries(world: World, farid: Person) -> None:
    one = count_queries(world.ggz, "/api/v1/persons/")
    for i in range(5):
        person = person_create(
            surname=f"Gezinslid {i}", birth_date=datetime.date(2010, 1, 1 + i), has_lvb=i % 2 == 0
        )
        services.case_add_person(
            case=world.case, person=person, role="gezinslid", by=world.regisseur
        )
    rows = listed(world.ggz)
    assert len(rows) == 6
    assert all("has_lvb" in row for row in rows.values())
    assert count_queries(world.ggz, "/api/v1/persons/") == one


# --- the legal basis (DESIGN.md §6.2) ---------------------------------------------------------


def test_the_lvb_flag_needs_a_legal_basis_for_that_person(world: World, farid: Person) -> None:
    """A household case where GGZ's only basis for ``zorg`` is the mother's consent: GGZ
    sees her flag, not her child's nor the father's, though it holds the ``zorg`` grant."""
    mother = person_create(
        surname="Haidari", given_names="Mina", birth_date=datetime.date(1975, 3, 2), has_lvb=True
    )
    child = person_create(
        surname="Haidari", given_names="Sami", birth_date=datetime.date(2012, 9, 9), has_lvb=True
    )
    for person in (mother, child):
        services.case_add_person(
            case=world.case, person=person, role="gezinslid", by=world.regisseur
        )
    statutory = LegalBasis.objects.get(
        case=world.case, organisation=world.ggz.organisation, category__code="zorg"
    )
    consent_services.legal_basis_end(
        basis=statutory, reason="Alleen nog op toestemming.", by=world.regisseur
    )
    consent_services.consent_record(
        case=world.case,
        person=mother,
        organisations=[world.ggz.organisation],
        categories=services.categories_by_code(["zorg"]),
        recorded_how="schriftelijk",
        by=world.regisseur,
    )

    assert get_person(world.ggz, mother)["has_lvb"] is True
    assert "has_lvb" not in get_person(world.ggz, child)
    assert "has_lvb" not in get_person(world.ggz, farid)
    rows = listed(world.ggz)
    assert rows[str(mother.pk)]["has_lvb"] is True
    assert "has_lvb" not in rows[str(child.pk)]
    assert "has_lvb" not in rows[str(farid.pk)]


def test_restricted_processing_hides_the_lvb_flag(world: World, farid: Person) -> None:
    assert get_person(world.ggz, farid)["has_lvb"] is True
    request = subject_requests.request_intake(
        kind="beperking",
        bsn="111222333",
        description="Betrokkene wil dat zijn gegevens niet meer worden gedeeld.",
        identity_checked="paspoort getoond aan de balie",
        by=world.ggz,
    )
    subject_requests.restrict(request=request, by=world.privacy)
    assert "has_lvb" not in get_person(world.ggz, farid)
    assert "has_lvb" not in listed(world.ggz)[str(farid.pk)]
    assert LVB_ON_PAGE not in case_page(world.ggz, world)
