"""Adding persons to an existing case, through the API and the pages: who may be linked
(need-to-know: only a person whose id the procesregisseur came to know legitimately), search
before create, addresses (the secret one too), relations and the staff-safety warning; and a
referral that holds a household as large as S1's."""

from __future__ import annotations

import datetime
import html
import re
from typing import Any
from uuid import UUID

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from audit.models import AccessEvent
from caseroom import services
from caseroom.models import CaseEvent, CasePerson, Referral
from partners.models import User
from partners.roles import Role
from persons.models import Address, Person, PersonRelation
from persons.services import person_create
from tests.caseroom.conftest import World, make_user
from tests.conftest import verified_client
from tests.hardening.authz_world import SecondHouse, second_house

pytestmark = pytest.mark.django_db


def post(user: User, url: str, data: dict[str, object]) -> Any:
    return verified_client(user).post(url, data, content_type="application/json")


def link_url(world: World) -> str:
    return reverse("v1:case-persons", args=[world.case.pk])


def roles_of(world: World, person_id: UUID | str) -> set[str]:
    return set(
        CasePerson.objects.filter(case=world.case, person_id=person_id).values_list(
            "role", flat=True
        )
    )


def new_events(before: set[int]) -> list[AccessEvent]:
    return list(AccessEvent.objects.exclude(pk__in=before).order_by("pk"))


def event_ids() -> set[int]:
    return set(AccessEvent.objects.values_list("pk", flat=True))


@pytest.fixture
def house_b(world: World) -> SecondHouse:
    """Another house, with a case about Piet Jansen (BSN 123456782) that house A cannot see."""
    return second_house(world)


def person_of(case: Any) -> Person:
    return case.case_persons.get().person


# --- the API --------------------------------------------------------------------------------


def test_register_link_address_and_relation_through_the_api(world: World) -> None:
    registered = post(
        world.regisseur,
        "/api/v1/persons/",
        {"surname": "Haidari", "given_names": "Noor", "birth_date": "2011-03-04"},
    )
    assert registered.status_code == 201, registered.content
    person_id = registered.json()["id"]

    before = event_ids()
    linked = post(world.regisseur, link_url(world), {"person": person_id, "role": "gezinslid"})
    assert linked.status_code == 201, linked.content
    assert person_id in [link["person"]["id"] for link in linked.json()]
    assert roles_of(world, person_id) == {"gezinslid"}
    # The link is an access event naming the person, and a line on the timeline.
    assert any(
        e.object_type == "caseroom.caseperson" and e.person_ids == [person_id]
        for e in new_events(before)
    )
    assert CaseEvent.objects.filter(
        case=world.case, kind=CaseEvent.Kind.PERSON_ADDED, data__person_id=person_id
    ).exists()

    address = post(
        world.regisseur,
        f"/api/v1/persons/{person_id}/addresses/",
        {"street": "Kanaalweg 12", "postcode": "1234 AB", "city": "Rivierstad"},
    )
    assert address.status_code == 201, address.content
    relation = post(
        world.regisseur,
        f"/api/v1/persons/{person_id}/relations/",
        {"related": str(world.person.pk), "kind": "ouder"},
    )
    assert relation.status_code == 201, relation.content

    seen = verified_client(world.politie).get(f"/api/v1/persons/{person_id}/").json()
    assert [a["street"] for a in seen["addresses"]] == ["Kanaalweg 12"]
    assert [(r["kind"], r["related"]["given_names"]) for r in seen["relations"]] == [
        ("ouder", "Farid")
    ]


def test_a_person_of_another_houses_case_cannot_be_linked_by_id(
    world: World, house_b: SecondHouse
) -> None:
    jansen = person_of(house_b.case)
    before = event_ids()
    response = post(world.regisseur, link_url(world), {"person": str(jansen.pk), "role": "dader"})
    assert response.status_code == 404
    assert roles_of(world, jansen.pk) == set()
    refused = [e for e in new_events(before) if e.result == AccessEvent.Result.NOT_FOUND]
    assert refused and refused[0].person_ids == []
    # The same answer as for a person that does not exist at all.
    unknown = post(
        world.regisseur,
        link_url(world),
        {"person": "00000000-0000-4000-8000-000000000000", "role": "dader"},
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == response.json()["error"]["message"]


def test_a_person_seen_by_breaking_the_glass_cannot_be_linked(
    world: World, house_b: SecondHouse
) -> None:
    """Break-the-glass lets one read another house's case for a few hours; linking its
    person into one's own case would keep them visible after the grant expires."""
    jansen = person_of(house_b.case)
    services.break_glass_open(
        user=world.regisseur,
        case=house_b.case,
        reason="Acuut gevaar: dreiging tegen het gezin, moet weten wie betrokken is.",
        categories=services.categories_by_code(["basis"]),
    )
    seen = verified_client(world.regisseur).get(f"/api/v1/persons/{jansen.pk}/")
    assert seen.status_code == 200
    response = post(world.regisseur, link_url(world), {"person": str(jansen.pk), "role": "dader"})
    assert response.status_code == 404
    assert roles_of(world, jansen.pk) == set()


def test_a_person_waiting_in_another_houses_referral_cannot_be_linked(
    world: World, house_b: SecondHouse
) -> None:
    waiting = Person.objects.create(surname="Wachtend")
    services.referral_submit(
        by=house_b.politie,
        house=house_b.case.house,
        persons=[waiting],
        reason="Zorgen over overlast.",
        goal="Afstemmen.",
        person_informed=True,
    )
    response = post(world.regisseur, link_url(world), {"person": str(waiting.pk), "role": "dader"})
    assert response.status_code == 404
    # A person referred to the own house (seen in triage) may be linked.
    own = Person.objects.create(surname="Aangemeld")
    services.referral_submit(
        by=world.politie,
        house=world.house,
        persons=[own],
        reason="Zorgen over overlast.",
        goal="Afstemmen.",
        person_informed=True,
    )
    response = post(world.regisseur, link_url(world), {"person": str(own.pk), "role": "dader"})
    assert response.status_code == 201
    assert roles_of(world, own.pk) == {"dader"}


def test_the_existing_record_proposed_by_the_duplicate_check_can_be_linked(
    world: World, house_b: SecondHouse
) -> None:
    jansen = person_of(house_b.case)
    duplicate = post(world.regisseur, "/api/v1/persons/", {"surname": "Jansen", "bsn": "123456782"})
    assert duplicate.status_code == 409
    error = duplicate.json()["error"]
    assert error["existing_person"] == str(jansen.pk)
    # Nothing about the stored record but its id.
    assert "Piet" not in duplicate.content.decode() and "1990" not in duplicate.content.decode()

    linked = post(
        world.regisseur,
        link_url(world),
        {"person": str(jansen.pk), "role": "slachtoffer", "proposal": error["proposal"]},
    )
    assert linked.status_code == 201, linked.content
    assert roles_of(world, jansen.pk) == {"slachtoffer"}
    assert Person.objects.filter(bsn_index=jansen.bsn_index).count() == 1


def test_a_proposal_links_only_its_own_person_for_its_own_user(
    world: World, house_b: SecondHouse
) -> None:
    jansen = person_of(house_b.case)
    proposal = post(
        world.regisseur, "/api/v1/persons/", {"surname": "Jansen", "bsn": "123456782"}
    ).json()["error"]["proposal"]
    other = person_create(surname="Anders", birth_date=datetime.date(1980, 1, 1))
    services.case_add_person(
        case=house_b.case, person=other, role="betrokkene", by=house_b.regisseur
    )
    # Another person with this proposal: 404.
    response = post(
        world.regisseur,
        link_url(world),
        {"person": str(other.pk), "role": "dader", "proposal": proposal},
    )
    assert response.status_code == 404
    # Another procesregisseur of the same house with this proposal: 404.
    colleague = make_user("regisseur-2", world.regisseur.organisation, Role.PROCESREGISSEUR)
    response = post(
        colleague,
        link_url(world),
        {"person": str(jansen.pk), "role": "dader", "proposal": proposal},
    )
    assert response.status_code == 404
    # A forged proposal: 404.
    response = post(
        world.regisseur,
        link_url(world),
        {"person": str(jansen.pk), "role": "dader", "proposal": proposal[:-2] + "xx"},
    )
    assert response.status_code == 404
    assert roles_of(world, jansen.pk) == set()
    assert roles_of(world, other.pk) == set()


def test_a_proposal_expires(world: World, house_b: SecondHouse) -> None:
    jansen = person_of(house_b.case)
    proposal = post(
        world.regisseur, "/api/v1/persons/", {"surname": "Jansen", "bsn": "123456782"}
    ).json()["error"]["proposal"]
    with freeze_time(timezone.now() + datetime.timedelta(hours=2)):
        response = post(
            world.regisseur,
            link_url(world),
            {"person": str(jansen.pk), "role": "dader", "proposal": proposal},
        )
    assert response.status_code == 404
    assert roles_of(world, jansen.pk) == set()


def test_a_partner_cannot_link_a_person(world: World) -> None:
    person = person_create(surname="Nieuw", birth_date=datetime.date(2000, 1, 1))
    # Participants see the case: refused (403, as other case writes); nothing linked.
    for partner in (world.politie, world.ggz):
        response = post(partner, link_url(world), {"person": str(person.pk), "role": "dader"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    # A partner not in the case does not find it.
    other = post(
        world.politie,
        reverse("v1:case-persons", args=[world.other_case.pk]),
        {"person": str(person.pk), "role": "dader"},
    )
    assert other.status_code == 404
    assert not CasePerson.objects.filter(person=person).exists()


def test_the_regisseur_of_another_house_cannot_link_to_this_case(
    world: World, house_b: SecondHouse
) -> None:
    person = person_create(surname="Nieuw", birth_date=datetime.date(2000, 1, 1))
    response = post(house_b.regisseur, link_url(world), {"person": str(person.pk), "role": "dader"})
    assert response.status_code == 404
    assert not CasePerson.objects.filter(person=person).exists()


def test_a_closed_case_takes_no_new_persons(world: World) -> None:
    person = person_create(surname="Nieuw", birth_date=datetime.date(2000, 1, 1))
    services.case_set_status(
        case=world.case, status="afgesloten", closure_reason="doel_bereikt", by=world.regisseur
    )
    response = post(world.regisseur, link_url(world), {"person": str(person.pk), "role": "dader"})
    assert response.status_code == 400
    assert "Heropen de casus" in response.json()["error"]["message"]
    assert not CasePerson.objects.filter(person=person).exists()


# --- the pages: persoon toevoegen -------------------------------------------------------------


def page_url(world: World, name: str, person: Person | None = None) -> str:
    args: list[object] = [world.case.pk] + ([person.pk] if person is not None else [])
    return reverse(f"caseroom:{name}", args=args)


def person_post(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "persoon-surname": "Haidari",
        "persoon-given_names": "Leila",
        "persoon-bsn": "",
        "persoon-birth_date": "2015-06-01",
        "persoon-gender": "vrouw",
        "persoon-roles": ["gezinslid", "slachtoffer"],
    }
    data.update({f"persoon-{k}": v for k, v in overrides.items()})
    return data


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, name
    return html.unescape(found.group(1))


def test_the_case_page_offers_the_person_forms_to_the_regisseur_only(world: World) -> None:
    regisseur = verified_client(world.regisseur).get(page_url(world, "case_detail")).content
    politie = verified_client(world.politie).get(page_url(world, "case_detail")).content
    for text in (b"Persoon toevoegen", b"Relatie toevoegen", b"Adres toevoegen"):
        assert text in regisseur
        assert text not in politie
    assert page_url(world, "case_person_edit", world.person).encode() in regisseur


def test_regisseur_adds_a_new_person_in_two_roles(world: World) -> None:
    client = verified_client(world.regisseur)
    assert client.get(page_url(world, "case_person_add")).status_code == 200
    response = client.post(page_url(world, "case_person_add"), person_post())
    assert response.status_code == 302
    assert response["Location"] == page_url(world, "case_detail") + "#personen"
    added = CasePerson.objects.filter(case=world.case).exclude(person=world.person)
    leila = Person.objects.get(pk__in=added.values("person_id"))
    assert (leila.given_names, leila.gender) == ("Leila", "vrouw")
    assert roles_of(world, leila.pk) == {"gezinslid", "slachtoffer"}
    page = client.get(response["Location"]).content.decode()
    assert "De persoon is aan de casus toegevoegd." in page
    assert "Leila Haidari" in page


def test_search_before_create_proposes_a_person_the_regisseur_knows(world: World) -> None:
    de_wit = person_of(world.other_case)
    client = verified_client(world.regisseur)
    persons = Person.objects.count()
    before = event_ids()
    response = client.post(
        page_url(world, "case_person_add"),
        person_post(surname="De Wit", given_names="", birth_date="1975-02-03", roles=["dader"]),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Deze persoon is al bekend" in page
    assert "De Wit" in page and "3 februari 1975" in page
    assert Person.objects.count() == persons
    # The question was an access event naming the person found.
    assert any(
        e.action == AccessEvent.Action.CHECK and e.person_ids == [str(de_wit.pk)]
        for e in new_events(before)
    )
    response = client.post(
        page_url(world, "case_person_add"),
        {
            "koppelen-person": hidden(page, "koppelen-person"),
            "koppelen-proposal": hidden(page, "koppelen-proposal"),
            "koppelen-roles": ["dader"],
        },
    )
    assert response.status_code == 302
    assert roles_of(world, de_wit.pk) == {"dader"}
    assert Person.objects.count() == persons


def test_a_proposal_shown_again_with_an_error_is_an_access_event(world: World) -> None:
    de_wit = person_of(world.other_case)
    client = verified_client(world.regisseur)
    page = client.post(
        page_url(world, "case_person_add"),
        person_post(surname="De Wit", given_names="", birth_date="1975-02-03", roles=["dader"]),
    ).content.decode()
    before = event_ids()
    # No role ticked: the proposal comes back with the error, the name and birth date too.
    response = client.post(
        page_url(world, "case_person_add"),
        {
            "koppelen-person": hidden(page, "koppelen-person"),
            "koppelen-proposal": hidden(page, "koppelen-proposal"),
        },
    )
    assert response.status_code == 200
    again = response.content.decode()
    assert "Kies minstens één rol in de casus." in again
    assert "De Wit" in again and "3 februari 1975" in again
    assert any(
        e.action == AccessEvent.Action.VIEW and e.person_ids == [str(de_wit.pk)]
        for e in new_events(before)
    )
    assert roles_of(world, de_wit.pk) == set()


def test_a_person_known_elsewhere_is_proposed_without_showing_the_record(
    world: World, house_b: SecondHouse
) -> None:
    jansen = person_of(house_b.case)
    client = verified_client(world.regisseur)
    response = client.post(
        page_url(world, "case_person_add"),
        person_post(surname="Jansen", given_names="", birth_date="", bsn="123456782"),
    )
    page = response.content.decode()
    assert "Deze persoon is al bekend" in page
    assert "Piet" not in page and "1990" not in page
    assert hidden(page, "koppelen-person") == str(jansen.pk)
    # Choosing no role keeps the proposal on the page, with the error.
    response = client.post(
        page_url(world, "case_person_add"),
        {
            "koppelen-person": str(jansen.pk),
            "koppelen-proposal": hidden(page, "koppelen-proposal"),
        },
    )
    assert response.status_code == 200
    again = response.content.decode()
    assert "Kies minstens één rol in de casus." in again
    response = client.post(
        page_url(world, "case_person_add"),
        {
            "koppelen-person": str(jansen.pk),
            "koppelen-proposal": hidden(again, "koppelen-proposal"),
            "koppelen-roles": ["betrokkene"],
        },
    )
    assert response.status_code == 302
    assert roles_of(world, jansen.pk) == {"betrokkene"}


def test_a_tampered_proposal_links_nobody(world: World, house_b: SecondHouse) -> None:
    jansen = person_of(house_b.case)
    response = verified_client(world.regisseur).post(
        page_url(world, "case_person_add"),
        {
            "koppelen-person": str(jansen.pk),
            "koppelen-proposal": "verzonnen",
            "koppelen-roles": ["dader"],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Dit voorstel is niet meer geldig." in response.content.decode()
    assert roles_of(world, jansen.pk) == set()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"bsn": "123456789"}, "Dit is geen geldig BSN: het voldoet niet aan de elfproef."),
        ({"birth_date": "2999-01-01"}, "De geboortedatum ligt in de toekomst."),
        ({"roles": []}, "Kies minstens één rol in de casus."),
        ({"birth_date": ""}, "Vul een BSN of een geboortedatum in"),
        ({"surname": ""}, "Dit veld is vereist."),
    ],
)
def test_bad_person_input_shows_a_dutch_error_and_keeps_what_was_typed(
    world: World, overrides: dict[str, object], message: str
) -> None:
    persons = Person.objects.count()
    response = verified_client(world.regisseur).post(
        page_url(world, "case_person_add"), person_post(given_names="Yasmin", **overrides)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'value="Yasmin"' in page
    assert Person.objects.count() == persons


def test_script_in_a_name_is_shown_escaped(world: World) -> None:
    client = verified_client(world.regisseur)
    response = client.post(
        page_url(world, "case_person_add"), person_post(surname="<script>alert(1)</script>")
    )
    assert response.status_code == 302
    page = client.get(page_url(world, "case_detail")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


@override_settings(HIT_NO_HIT_RATE="2/hour")
def test_searching_persons_on_the_page_shares_the_hit_no_hit_rate_limit(world: World) -> None:
    client = verified_client(world.regisseur)
    persons = Person.objects.count()
    codes = [
        client.post(
            page_url(world, "case_person_add"), person_post(birth_date=f"2015-06-0{day}")
        ).status_code
        for day in (1, 2, 3)
    ]
    assert codes == [302, 302, 429]
    assert Person.objects.count() == persons + 2


# --- the pages: address, relation, staff-safety warning -------------------------------------


def test_regisseur_records_a_secret_address_for_named_organisations(world: World) -> None:
    client = verified_client(world.regisseur)
    url = page_url(world, "case_person_address_add", world.person)
    before = event_ids()
    form = client.get(url).content.decode()
    assert "Farid Haidari" in form
    assert [e.person_ids for e in new_events(before)] == [[str(world.person.pk)]]
    response = client.post(
        url,
        {
            "kind": "verblijfadres",
            "street": "Schuiladres 7",
            "postcode": "9999 zz",
            "city": "Ergens",
            "is_secret": "on",
            "visible_to": [world.veilig_thuis.organisation_id, world.house.organisation_id],
        },
    )
    assert response.status_code == 302
    # Street and postcode are encrypted: found by reading, not by a query.
    (address,) = [
        a for a in Address.objects.filter(person=world.person) if a.street == "Schuiladres 7"
    ]
    assert (address.kind, address.is_secret) == ("verblijfadres", True)
    assert address.postcode == "9999 ZZ"
    assert set(address.visible_to.values_list("pk", flat=True)) == {
        world.veilig_thuis.organisation_id,
        world.house.organisation_id,
    }
    case_page = page_url(world, "case_detail")
    assert "Schuiladres 7" in verified_client(world.veilig_thuis).get(case_page).content.decode()
    assert "Schuiladres 7" not in verified_client(world.woning).get(case_page).content.decode()
    assert "Schuiladres 7" not in verified_client(world.politie).get(case_page).content.decode()


def addresses_of(person: Person) -> set[str]:
    return {a.street for a in Address.objects.filter(person=person)}


def test_a_secret_address_without_organisations_is_refused_and_kept_on_the_form(
    world: World,
) -> None:
    before = addresses_of(world.person)
    response = verified_client(world.regisseur).post(
        page_url(world, "case_person_address_add", world.person),
        {"kind": "woonadres", "street": "Schuiladres 8", "city": "Ergens", "is_secret": "on"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kies minstens één organisatie die het geheime adres mag zien." in page
    assert 'value="Schuiladres 8"' in page
    assert addresses_of(world.person) == before


def test_an_address_needs_a_street_and_a_city(world: World) -> None:
    before = addresses_of(world.person)
    response = verified_client(world.regisseur).post(
        page_url(world, "case_person_address_add", world.person),
        {"kind": "woonadres", "street": "", "city": "Rivierstad"},
    )
    assert response.status_code == 200
    assert "Dit veld is vereist." in response.content.decode()
    assert 'value="Rivierstad"' in response.content.decode()
    assert addresses_of(world.person) == before


def test_a_person_of_another_case_has_no_address_page_here(world: World) -> None:
    de_wit = person_of(world.other_case)
    client = verified_client(world.regisseur)
    assert client.get(page_url(world, "case_person_address_add", de_wit)).status_code == 404
    response = client.post(
        page_url(world, "case_person_address_add", de_wit),
        {"kind": "woonadres", "street": "Elders 1", "city": "Elders"},
    )
    assert response.status_code == 404
    assert addresses_of(de_wit) == set()


def add_child(world: World) -> Person:
    child = person_create(
        surname="Haidari", given_names="Amina", birth_date=datetime.date(2012, 5, 5)
    )
    services.case_add_person(case=world.case, person=child, role="gezinslid", by=world.regisseur)
    return child


def test_regisseur_records_a_relation_between_two_persons_of_the_case(world: World) -> None:
    child = add_child(world)
    client = verified_client(world.regisseur)
    url = page_url(world, "case_relation_add")
    before = event_ids()
    form = client.get(url).content.decode()
    assert "Amina Haidari" in form and "Farid Haidari" in form
    listed = [e for e in new_events(before) if e.action == AccessEvent.Action.LIST]
    assert listed and set(listed[0].person_ids) == {str(child.pk), str(world.person.pk)}
    response = client.post(
        url, {"related": str(child.pk), "kind": "kind", "person": str(world.person.pk)}
    )
    assert response.status_code == 302
    assert PersonRelation.objects.get(person=world.person, related=child).kind == "kind"
    assert PersonRelation.objects.get(person=child, related=world.person).kind == "ouder"


def test_a_relation_needs_two_different_persons_of_the_case(world: World) -> None:
    add_child(world)
    de_wit = person_of(world.other_case)
    client = verified_client(world.regisseur)
    url = page_url(world, "case_relation_add")
    same = client.post(
        url, {"related": str(world.person.pk), "kind": "partner", "person": str(world.person.pk)}
    )
    assert same.status_code == 200
    assert "Kies twee verschillende personen." in same.content.decode()
    outside = client.post(
        url, {"related": str(de_wit.pk), "kind": "partner", "person": str(world.person.pk)}
    )
    assert outside.status_code == 200
    assert "Selecteer een geldige keuze." in outside.content.decode()
    assert not PersonRelation.objects.filter(person=world.person).exists()


def test_regisseur_records_the_staff_safety_warning_and_communication_needs(
    world: World,
) -> None:
    client = verified_client(world.regisseur)
    url = page_url(world, "case_person_edit", world.person)
    before = event_ids()
    form = client.get(url).content.decode()
    assert "Bedreigt hulpverleners" in form
    viewed = new_events(before)
    assert [e.person_ids for e in viewed] == [[str(world.person.pk)]]
    response = client.post(
        url,
        {
            "staff_safety_warning": "Agressief bij huisbezoek: nooit alleen gaan.",
            "language": "Dari",
            "communication_needs": "Eenvoudige taal; afspraken ook op papier.",
        },
    )
    assert response.status_code == 302
    world.person.refresh_from_db()
    assert world.person.staff_safety_warning == "Agressief bij huisbezoek: nooit alleen gaan."
    assert world.person.language == "Dari"
    page = verified_client(world.politie).get(page_url(world, "case_detail")).content.decode()
    assert "Agressief bij huisbezoek: nooit alleen gaan." in page


def test_a_too_long_language_is_refused_and_nothing_changes(world: World) -> None:
    response = verified_client(world.regisseur).post(
        page_url(world, "case_person_edit", world.person),
        {"staff_safety_warning": "Nieuw.", "language": "x" * 51, "communication_needs": ""},
    )
    assert response.status_code == 200
    assert "Zorg dat deze waarde niet meer dan 50 tekens bevat" in response.content.decode()
    world.person.refresh_from_db()
    assert world.person.staff_safety_warning.startswith("Bedreigt hulpverleners")


PAGES = ["case_person_add", "case_relation_add", "case_person_edit", "case_person_address_add"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["politie", "outsider", "privacy"])
def test_others_get_404_on_the_person_pages_and_nothing_changes(
    world: World, name: str, persona: str
) -> None:
    warning = world.person.staff_safety_warning
    addresses = addresses_of(world.person)
    persons = Person.objects.count()
    person = world.person if name in ("case_person_edit", "case_person_address_add") else None
    url = page_url(world, name, person)
    client = verified_client(getattr(world, persona))
    assert client.get(url).status_code == 404
    data = {
        **person_post(),
        "staff_safety_warning": "Weg ermee.",
        "kind": "woonadres",
        "street": "Straat 1",
        "city": "Stad",
    }
    assert client.post(url, data).status_code == 404
    world.person.refresh_from_db()
    assert world.person.staff_safety_warning == warning
    assert addresses_of(world.person) == addresses
    assert Person.objects.count() == persons


def test_the_person_pages_need_the_csrf_token(world: World) -> None:
    client = verified_client(world.regisseur)
    client.handler.enforce_csrf_checks = True
    url = page_url(world, "case_person_edit", world.person)
    assert "csrfmiddlewaretoken" in client.get(url).content.decode()
    response = client.post(url, {"staff_safety_warning": "Zonder token."})
    assert response.status_code == 403
    world.person.refresh_from_db()
    assert world.person.staff_safety_warning != "Zonder token."


# --- a referral as large as S1's household -----------------------------------------------------


def referral_post(world: World, count: int) -> dict[str, str]:
    data = {
        "house": str(world.house.pk),
        "personen-TOTAL_FORMS": str(count),
        "personen-INITIAL_FORMS": "0",
        "personen-MIN_NUM_FORMS": "1",
        "personen-MAX_NUM_FORMS": "25",
        "reason": "Massale vechtpartij; bedreiging van hulpverleners.",
        "goal": "Een gezamenlijke aanpak van het gezin.",
        "person_informed": "ja",
    }
    for i in range(count):
        data[f"personen-{i}-surname"] = "Haidari"
        data[f"personen-{i}-given_names"] = f"Gezinslid {i + 1}"
        data[f"personen-{i}-birth_date"] = (
            datetime.date(1960, 1, 1) + datetime.timedelta(days=800 * i)
        ).isoformat()
    return data


def test_a_household_of_fifteen_can_be_referred_on_the_page(world: World) -> None:
    before = set(Referral.objects.values_list("pk", flat=True))
    response = verified_client(world.politie).post(
        reverse("caseroom:referral_create"), referral_post(world, 15)
    )
    assert response.status_code == 302
    (referral,) = Referral.objects.exclude(pk__in=before)
    assert referral.persons.count() == 15


def test_more_than_twenty_five_persons_is_a_dutch_error(world: World) -> None:
    referrals = Referral.objects.count()
    response = verified_client(world.politie).post(
        reverse("caseroom:referral_create"), referral_post(world, 26)
    )
    assert response.status_code == 200
    assert "Noem hooguit 25 personen." in response.content.decode()
    assert Referral.objects.count() == referrals


def test_another_row_keeps_what_was_filled_in_and_submits_nothing(world: World) -> None:
    data = referral_post(world, 2)
    data["meer"] = "1"
    referrals = Referral.objects.count()
    response = verified_client(world.politie).post(reverse("caseroom:referral_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="personen-TOTAL_FORMS" value="3"' in page
    assert 'value="Gezinslid 2"' in page
    assert "Massale vechtpartij" in page
    assert "Dit veld is vereist." not in page
    assert Referral.objects.count() == referrals
