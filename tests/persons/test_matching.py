"""Whom an identity names: a BSN match is the same person; a surname and birth date only
point to a record without another BSN, and only when the given names agree. Registering,
intake and hit/no-hit follow the one rule, so nobody is attached to the wrong person. Intake,
which links without anyone looking, also needs given names on both sides."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessEvent
from caseroom import services as caseroom_services
from caseroom.models import House, Referral
from partners.models import User
from persons.models import Person
from persons.selectors import person_find_by_bsn
from persons.services import (
    IDENTITY_LOCK,
    PersonIdentity,
    identity_lock_keys,
    person_create,
    person_find_existing,
)
from tests.caseroom.conftest import World, make_org, make_user, open_case
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


def test_registering_twins_without_given_names_proposes_neither(world: World, anna: Person) -> None:
    bea = person_create(surname="Bakker", given_names="Bea", birth_date=TWINS_BORN)
    persons = Person.objects.count()
    response = post(
        world.regisseur, "/api/v1/persons/", {"surname": "Bakker", "birth_date": "2009-04-04"}
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "ambiguous_person"
    assert "BSN of de voornamen" in error["message"]
    assert "existing_person" not in error and "proposal" not in error
    assert Person.objects.count() == persons
    # The question is a check naming both records it touched.
    assert any(
        set(event.person_ids) == {str(anna.pk), str(bea.pk)}
        for event in AccessEvent.objects.filter(action="check")
    )
    # With the given names of one twin, that twin is proposed.
    named = post(
        world.regisseur,
        "/api/v1/persons/",
        {"surname": "Bakker", "given_names": "Bea", "birth_date": "2009-04-04"},
    )
    assert named.status_code == 409
    error = named.json()["error"]
    assert error["code"] == "duplicate_person"
    assert error["existing_person"] == str(bea.pk) and error["proposal"]


def test_the_page_asks_to_tell_twins_apart_and_proposes_nobody(world: World, anna: Person) -> None:
    person_create(surname="Bakker", given_names="Bea", birth_date=TWINS_BORN)
    persons = Person.objects.count()
    response = verified_client(world.regisseur).post(
        reverse("caseroom:case_person_add", args=[world.case.pk]),
        {
            "persoon-surname": "Bakker",
            "persoon-given_names": "",
            "persoon-bsn": "",
            "persoon-birth_date": "2009-04-04",
            "persoon-gender": "onbekend",
            "persoon-roles": ["gezinslid"],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vul het BSN of de voornamen in" in page
    assert "koppelen-proposal" not in page and "Deze persoon is al bekend" not in page
    assert 'value="Bakker"' in page
    assert Person.objects.count() == persons


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


# --- intake links silently only to the person the referral certainly names ------------------

JANSEN_BORN = datetime.date(1990, 1, 1)

on_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="needs PostgreSQL"
)


def second_house() -> tuple[House, User]:
    zvh = make_org("ZVH Noord", "zvh")
    house = caseroom_services.house_create(name="ZVH Noord", organisation=zvh, case_prefix="NRD")
    return house, make_user("regisseur-noord", zvh, "procesregisseur")


@pytest.mark.parametrize(
    ("recorded", "referred"),
    [("Piet", ""), ("", "Piet"), ("", "")],
    ids=["referral", "record", "both"],
)
def test_a_referral_without_given_names_on_either_side_registers_a_new_person(
    world: World, recorded: str, referred: str
) -> None:
    # The only Jansen born that day, in another house's case.
    other_house, other_regisseur = second_house()
    jansen = person_create(surname="Jansen", given_names=recorded, birth_date=JANSEN_BORN)
    open_case(house=other_house, regisseur=other_regisseur, referrer=world.ggz, persons=[jansen])

    referral = refer(
        world, {"surname": "Jansen", "given_names": referred, "birth_date": "1990-01-01"}
    )
    (referred_person,) = referral.persons.all()
    assert referred_person.pk != jansen.pk
    assert links_logged_to(jansen) == 0
    # Registering by hand still proposes the record: someone looks before anything is linked.
    response = post(
        world.regisseur,
        "/api/v1/persons/",
        {"surname": "Jansen", "given_names": referred, "birth_date": "1990-01-01"},
    )
    assert response.status_code == 409


def test_a_referral_with_the_same_given_names_is_linked(world: World) -> None:
    piet = person_create(surname="Jansen", given_names="Piet Hein", birth_date=JANSEN_BORN)
    referral = refer(
        world, {"surname": "JANSEN", "given_names": " piet  hein", "birth_date": "1990-01-01"}
    )
    assert list(referral.persons.all()) == [piet]
    assert links_logged_to(piet) == 1


def test_a_link_by_names_records_the_referrals_bsn(world: World) -> None:
    piet = person_create(surname="Jansen", given_names="Piet", birth_date=JANSEN_BORN)
    referral = refer(
        world,
        {
            "surname": "Jansen",
            "given_names": "Piet",
            "bsn": "1234.56.782",
            "birth_date": "1990-01-01",
        },
    )
    assert list(referral.persons.all()) == [piet]
    piet.refresh_from_db()
    assert piet.bsn == "123456782"
    assert list(person_find_by_bsn(bsn="123456782")) == [piet]  # through the blind index
    # The change log shows that the BSN changed, never the BSN.
    update = LogEntry.objects.get_for_object(piet).get(action=LogEntry.Action.UPDATE)
    assert "bsn" in update.changes_dict
    assert "123456782" not in json.dumps(update.changes_dict)
    event = AccessEvent.objects.get(action="check", person_ids=[str(piet.pk)])
    assert event.purpose.endswith("BSN aangevuld")


def test_a_restricted_record_gets_no_bsn_from_a_referral(world: World) -> None:
    piet = person_create(surname="Jansen", given_names="Piet", birth_date=JANSEN_BORN)
    Person.objects.filter(pk=piet.pk).update(processing_restricted=True)
    refer(
        world,
        {
            "surname": "Jansen",
            "given_names": "Piet",
            "bsn": "123456782",
            "birth_date": "1990-01-01",
        },
    )
    piet.refresh_from_db()
    assert piet.bsn is None
    assert not person_find_by_bsn(bsn="123456782").filter(pk=piet.pk).exists()


# --- intake locks a referral's identities together, in one order ----------------------------

FAMILY: list[PersonIdentity] = [
    {"surname": "Haidari", "given_names": "Farid", "bsn": "111222333", "birth_date": BORN},
    {"surname": "Haidari", "given_names": "Lina", "bsn": None, "birth_date": TWINS_BORN},
    {"surname": "Haidari", "given_names": "Sami", "bsn": "123456782", "birth_date": None},
]


def test_the_lock_keys_of_a_family_are_one_sorted_list_in_any_order() -> None:
    keys = identity_lock_keys(FAMILY)
    assert len(keys) == 4  # Farid: BSN and name; Lina: name; Sami: BSN
    assert keys == sorted(keys)
    assert identity_lock_keys(reversed(FAMILY)) == keys
    assert identity_lock_keys([FAMILY[2], FAMILY[0], FAMILY[1], FAMILY[0]]) == keys


@on_postgresql
def test_intake_locks_all_persons_of_a_referral_in_sorted_order_before_matching(
    world: World,
) -> None:
    """Two referrals naming one family in different orders take the same locks in the same
    order, so neither can hold one the other waits for."""
    family = [FAMILY[2], FAMILY[0], FAMILY[1]]  # not in key order
    with CaptureQueriesContext(connection) as queries:
        refer(world, *({**p, "bsn": p["bsn"] or ""} for p in family))
    statements = [q["sql"] for q in queries.captured_queries]
    locks = [
        (i, int(m.group(1)))
        for i, sql in enumerate(statements)
        if (m := re.search(rf"pg_advisory_xact_lock\({IDENTITY_LOCK},\s*(-?\d+)\)", sql))
    ]
    expected = identity_lock_keys(family)
    assert [key for _, key in locks[: len(expected)]] == expected
    first_match = next(i for i, sql in enumerate(statements) if '"persons_person"' in sql)
    assert locks[len(expected) - 1][0] < first_match
    # Later locks only take again what is held already.
    assert {key for _, key in locks} == set(expected)
