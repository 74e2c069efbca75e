"""Whom an identity names: a BSN match is the same person; a surname and birth date only
point to a record without another BSN, and only when the given names agree. Registering,
intake and hit/no-hit follow the one rule, so nobody is attached to the wrong person."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from audit.models import AccessEvent
from caseroom.models import Referral
from partners.models import User
from persons.models import Person
from persons.services import person_create, person_find_existing
from tests.caseroom.conftest import World, open_case
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

BORN = datetime.date(1968, 7, 1)  # Farid Haidari's birth date in the world
TWINS_BORN = datetime.date(2009, 4, 4)


def post(user: User, url: str, data: dict[str, object]) -> Any:
    return verified_client(user).post(url, data, content_type="application/json")


def refer(world: World, *persons: dict[str, object]) -> Referral:
    response = post(
        world.ggz,
        "/api/v1/referrals/",
        {
            "house": world.house.pk,
            "persons": list(persons),
            "reason": "Zorgen over de veiligheid thuis.",
            "goal": "Een gezamenlijke aanpak.",
            "person_informed": True,
        },
    )
    assert response.status_code == 201, response.content
    return Referral.objects.get(pk=response.json()["id"])


def check(user: User, **identity: object) -> bool:
    response = post(user, "/api/v1/persons/check/", {"purpose": "referral", **identity})
    assert response.status_code == 200, response.content
    hit: bool = response.json()["hit"]
    return hit


def links_logged_to(person: Person) -> int:
    return AccessEvent.objects.filter(action="check", person_ids=[str(person.pk)]).count()


# --- a record with another BSN is someone else ----------------------------------------------


def test_a_namesake_with_another_bsn_is_not_the_same_person(world: World) -> None:
    omar: dict[str, Any] = {"bsn": "123456782", "surname": "Haidari", "birth_date": BORN}
    assert person_find_existing(**omar, given_names="Omar") is None
    assert person_find_existing(**omar) is None  # also without given names to compare
    registered = person_create(**omar, given_names="Omar")
    assert registered.pk != world.person.pk


@pytest.mark.parametrize("given_names", ["Omar", ""])
def test_a_referral_with_another_bsn_registers_a_new_person(world: World, given_names: str) -> None:
    referral = refer(
        world,
        {
            "surname": "Haidari",
            "given_names": given_names,
            "bsn": "123456782",
            "birth_date": "1968-07-01",
        },
    )
    (omar,) = referral.persons.all()
    assert omar.pk != world.person.pk
    assert (omar.given_names, omar.bsn) == (given_names, "123456782")
    assert links_logged_to(world.person) == 0


def test_hit_no_hit_with_another_bsn_is_no(world: World) -> None:
    assert (
        check(world.outsider, bsn="123456782", surname="Haidari", birth_date="1968-07-01") is False
    )
    # The same question with Farid's own BSN is a hit.
    assert (
        check(world.outsider, bsn="111222333", surname="Haidari", birth_date="1968-07-01") is True
    )


@pytest.mark.parametrize("given_names", ["Omar", ""])
def test_registering_a_namesake_with_another_bsn_is_not_refused(
    world: World, given_names: str
) -> None:
    response = post(
        world.regisseur,
        "/api/v1/persons/",
        {
            "surname": "Haidari",
            "given_names": given_names,
            "bsn": "123456782",
            "birth_date": "1968-07-01",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["id"] != str(world.person.pk)


# --- twins ----------------------------------------------------------------------------------


@pytest.fixture
def anna(world: World) -> Person:
    """One of twins, in an active case; no BSN known."""
    person = person_create(surname="Bakker", given_names="Anna", birth_date=TWINS_BORN)
    open_case(house=world.house, regisseur=world.regisseur, referrer=world.ggz, persons=[person])
    return person


def test_the_second_twin_is_registered_through_the_api(world: World, anna: Person) -> None:
    response = post(
        world.regisseur,
        "/api/v1/persons/",
        {"surname": "Bakker", "given_names": "Bea", "birth_date": "2009-04-04"},
    )
    assert response.status_code == 201, response.content
    bea = Person.objects.get(pk=response.json()["id"])
    assert bea.pk != anna.pk
    assert person_find_existing(surname="Bakker", given_names="Bea", birth_date=TWINS_BORN) == bea
    assert person_find_existing(surname="Bakker", given_names="Anna", birth_date=TWINS_BORN) == anna


def test_a_referral_of_the_other_twin_is_not_linked_to_the_first(
    world: World, anna: Person
) -> None:
    referral = refer(world, {"surname": "Bakker", "given_names": "Bea", "birth_date": "2009-04-04"})
    (bea,) = referral.persons.all()
    assert bea.pk != anna.pk
    assert links_logged_to(anna) == 0


def test_hit_no_hit_tells_twins_apart(world: World, anna: Person) -> None:
    person_create(surname="Bakker", given_names="Bea", birth_date=TWINS_BORN)
    assert check(world.outsider, surname="Bakker", given_names="Anna", birth_date="2009-04-04")
    assert not check(world.outsider, surname="Bakker", given_names="Bea", birth_date="2009-04-04")
    # Without given names the question fits both: no guess, no "yes" for the other twin.
    assert not check(world.outsider, surname="Bakker", birth_date="2009-04-04")


def test_intake_that_cannot_tell_twins_apart_registers_a_new_person(
    world: World, anna: Person
) -> None:
    bea = person_create(surname="Bakker", given_names="Bea", birth_date=TWINS_BORN)
    referral = refer(world, {"surname": "Bakker", "birth_date": "2009-04-04"})
    (referred,) = referral.persons.all()
    assert referred.pk not in {anna.pk, bea.pk}
    assert links_logged_to(anna) == links_logged_to(bea) == 0


def test_registering_without_given_names_proposes_the_first_twin(
    world: World, anna: Person
) -> None:
    person_create(surname="Bakker", given_names="Bea", birth_date=TWINS_BORN)
    response = post(
        world.regisseur, "/api/v1/persons/", {"surname": "Bakker", "birth_date": "2009-04-04"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["existing_person"] == str(anna.pk)


# --- the same person is still found ---------------------------------------------------------


def test_the_same_person_without_bsn_is_found_whatever_the_spelling(world: World) -> None:
    zeynep = person_create(surname="Çelik", given_names="Zeynep Nur", birth_date=BORN)
    for spelling in ("Zeynep Nur", "  zeynep   NUR ", "Zéynep Nür"):
        found = person_find_existing(surname="CELIK", given_names=spelling, birth_date=BORN)
        assert found == zeynep, spelling
    assert person_find_existing(surname="Çelik", given_names="Zeynep", birth_date=BORN) is None


def test_a_referral_with_a_bsn_links_the_same_person_recorded_without_one(world: World) -> None:
    zeynep = person_create(surname="Çelik", given_names="Zeynep Nur", birth_date=BORN)
    referral = refer(
        world,
        {
            "surname": "celik",
            "given_names": "ZEYNEP NUR",
            "bsn": "123456782",
            "birth_date": "1968-07-01",
        },
    )
    assert list(referral.persons.all()) == [zeynep]
    assert links_logged_to(zeynep) == 1


def test_a_bsn_match_wins_over_other_names(world: World) -> None:
    other: dict[str, Any] = {
        "surname": "Jansen",
        "given_names": "Piet",
        "birth_date": datetime.date(1990, 1, 1),
    }
    assert person_find_existing(bsn="111 222 333", **other) == world.person
    referral = refer(
        world,
        {
            "surname": "Jansen",
            "given_names": "Piet",
            "bsn": "111222333",
            "birth_date": "1990-01-01",
        },
    )
    assert list(referral.persons.all()) == [world.person]
    response = post(
        world.regisseur,
        "/api/v1/persons/",
        {"surname": "Jansen", "given_names": "Piet", "bsn": "111222333"},
    )
    assert response.status_code == 409
    assert response.json()["error"]["existing_person"] == str(world.person.pk)
    assert check(world.outsider, bsn="111222333", surname="Jansen", birth_date="1990-01-01")
