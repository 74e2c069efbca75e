"""Need-to-know rules at their edges, through the API: the categories a new case starts with,
a participation without ``basis``, what an outsider's lists hold, an end date, hit/no-hit
across houses and its purpose, assessments of different partners, invalid BSNs and the
withdrawal reason."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from freezegun import freeze_time

from audit.models import AccessEvent
from caseroom import services
from caseroom.models import CaseGroupObjectPermission, Participation
from partners.models import User
from partners.roles import Role
from persons.models import Person
from persons.services import person_create
from tests.caseroom.conftest import World, make_org, make_user, open_case
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

INVALID_BSN = "123456789"  # fails the elfproef


def post(user: User, url: str, data: dict[str, Any]) -> Any:
    return verified_client(user).post(url, data, content_type="application/json")


def get(user: User, url: str) -> Any:
    return verified_client(user).get(url)


def add_participant(world: World, user: User, categories: list[str], **extra: Any) -> Any:
    response = post(
        world.regisseur,
        f"/api/v1/cases/{world.case.pk}/participants/",
        {"organisation": user.organisation_id, "categories": categories, **extra},
    )
    assert response.status_code == 201, response.content
    return response.json()


# --- a new case: health and justice data are never granted by default ------------------------


def test_a_new_case_grants_no_participant_zorg_or_justitie(world: World) -> None:
    referral = post(
        world.ggz,
        "/api/v1/referrals/",
        {
            "house": world.house.pk,
            "persons": [{"surname": "Jansen", "bsn": "222333443"}],
            "reason": "Verward gedrag en overlast in de flat.",
            "goal": "Zorg en veiligheid op elkaar afstemmen.",
            "person_informed": True,
        },
    ).json()
    accepted = post(
        world.regisseur,
        f"/api/v1/referrals/{referral['id']}/triage/",
        {
            "decision": "geaccepteerd",
            "criterion_domains": True,
            "criterion_chains": True,
            "criterion_system": True,
            "target_group": "verward-gedrag",
        },
    )
    assert accepted.status_code == 200, accepted.content
    case = world.house.cases.get(number=accepted.json()["case"])

    participants = get(world.regisseur, f"/api/v1/cases/{case.pk}/participants/").json()
    granted = {p["organisation"]["name"]: set(p["categories"]) for p in participants}
    # The house and the referring care organisation take part, neither with zorg or justitie.
    assert set(granted) == {"ZVH Rivierenland", "GGZ Rivierenland"}
    assert granted["GGZ Rivierenland"] == {"basis"}
    assert "basis" in granted["ZVH Rivierenland"]
    for categories in granted.values():
        assert not categories & {"zorg", "justitie"}
    special = services.categories_by_code(["zorg", "justitie"])
    assert not CaseGroupObjectPermission.objects.filter(
        content_object=case, permission__in=[c.permission for c in special]
    ).exists()


# --- a participant without basis does not learn who the persons are ---------------------------


def test_a_participant_without_basis_sees_the_case_but_not_its_persons(world: World) -> None:
    leerplicht = make_user("leerplicht", make_org("Leerplicht Rivierstad", "leerplicht"))
    add_participant(world, leerplicht, ["onderwijs"])

    case = get(leerplicht, f"/api/v1/cases/{world.case.pk}/")
    assert case.status_code == 200
    assert case.json()["persons"] == []
    assert get(leerplicht, f"/api/v1/cases/{world.case.pk}/persons/").status_code == 404
    assert get(leerplicht, f"/api/v1/persons/{world.person.pk}/").status_code == 404
    assert get(leerplicht, "/api/v1/persons/").json()["results"] == []
    # A participant with basis sees them.
    assert get(world.woning, f"/api/v1/cases/{world.case.pk}/").json()["persons"] != []
    assert get(world.woning, f"/api/v1/persons/{world.person.pk}/").status_code == 200


# --- an outsider's lists ----------------------------------------------------------------------


def test_outsider_lists_hold_only_the_persons_and_referrals_of_its_own_case(world: World) -> None:
    (de_wit,) = [link.person for link in world.other_case.case_persons.all()]

    persons = get(world.outsider, "/api/v1/persons/").json()["results"]
    assert [p["id"] for p in persons] == [str(de_wit.pk)]

    referrals = get(world.outsider, "/api/v1/referrals/").json()["results"]
    assert [r["id"] for r in referrals] == [str(world.other_case.referral_id)]
    assert [p["id"] for p in referrals[0]["persons"]] == [str(de_wit.pk)]


# --- an end date set through the API ----------------------------------------------------------


def test_a_participation_ends_on_its_until_date(world: World) -> None:
    leerplicht = make_user("leerplicht", make_org("Leerplicht Rivierstad", "leerplicht"))
    today = timezone.localdate()
    until = today + datetime.timedelta(days=3)
    created = add_participant(world, leerplicht, ["basis", "onderwijs"], until=str(until))
    assert created["until"] == str(until)
    case_url = f"/api/v1/cases/{world.case.pk}/"

    def at(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))

    with freeze_time(at(until)):  # the last day still counts
        assert get(leerplicht, case_url).status_code == 200
        assert get(leerplicht, f"/api/v1/persons/{world.person.pk}/").status_code == 200
    with freeze_time(at(until + datetime.timedelta(days=1))):
        assert get(leerplicht, case_url).status_code == 404
        assert get(leerplicht, f"/api/v1/persons/{world.person.pk}/").status_code == 404
        assert world.case.number not in [
            c["number"] for c in get(leerplicht, "/api/v1/cases/").json()["results"]
        ]


# --- hit/no-hit ----------------------------------------------------------------------------


def check(user: User, **body: Any) -> Any:
    return post(user, "/api/v1/persons/check/", {"purpose": "signal", **body})


def test_hit_no_hit_finds_a_person_in_a_case_of_another_house(world: World) -> None:
    noord = make_org("ZVH Noord", "zvh")
    house = services.house_create(name="ZVH Noord", organisation=noord)
    regisseur = make_user("regisseur-noord", noord, Role.PROCESREGISSEUR)
    regisseur.first_name, regisseur.last_name = "Noor", "de Vries"
    regisseur.save(update_fields=["first_name", "last_name"])
    person = person_create(surname="Bakker", bsn="444555663")
    reclassering = make_user("reclassering", make_org("Reclassering Noord", "reclassering"))
    open_case(house=house, regisseur=regisseur, referrer=reclassering, persons=[person])

    # Politie takes part only in cases of ZVH Rivierenland.
    answer = check(world.politie, bsn="444555663")
    assert answer.status_code == 200
    assert answer.json() == {
        "hit": True,
        "contact": {
            "house": "ZVH Noord",
            "procesregisseur": "Noor de Vries",
            "email": regisseur.email,
        },
    }


def test_hit_no_hit_purpose_is_a_code_from_the_list_and_the_log_keeps_its_label(
    world: World,
) -> None:
    assert check(world.outsider, bsn="111222333", purpose="safety-risk").json()["hit"] is True
    event = AccessEvent.objects.get(action=AccessEvent.Action.CHECK)
    assert event.purpose == "Veiligheidsrisico inschatten"


def test_hit_no_hit_refuses_a_free_text_purpose_and_logs_nothing(world: World) -> None:
    typed = "Farid Haidari, geboren 1 juli 1968"
    response = check(world.outsider, bsn="111222333", purpose=typed)
    assert response.status_code == 400
    (error,) = response.json()["error"]["fields"]["purpose"]
    assert error["message"].startswith("Onbekend doel. Kies een van: signal, referral")
    assert "Haidari" not in response.content.decode()
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.CHECK).exists()
    assert not AccessEvent.objects.filter(purpose__contains="Haidari").exists()


def test_hit_no_hit_purposes_are_listed_in_the_api_schema(world: World) -> None:
    schema = get(world.regisseur, "/api/schema/?format=json").content.decode()
    for code in ("signal", "referral", "coordinate-care", "safety-risk", "aftercare"):
        assert f'"{code}"' in schema
    assert "Lopende hulpverlening afstemmen" in schema


# --- assessments of different partners ----------------------------------------------------


def test_assessments_of_two_partners_in_one_category_stand_side_by_side(world: World) -> None:
    # Veilig Thuis gets zorg too (the covenant gives it a care basis), beside the GGZ.
    response = verified_client(world.regisseur).patch(
        f"/api/v1/cases/{world.case.pk}/participants/{world.participations['vt'].pk}/",
        {"categories": ["basis", "jeugd", "zorg"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    url = f"/api/v1/cases/{world.case.pk}/contributions/"
    person = str(world.person.pk)
    ggz = post(
        world.ggz, url, {"category": "zorg", "text": "Psychose in remissie.", "person": person}
    )
    vt = post(
        world.veilig_thuis,
        url,
        {"category": "zorg", "text": "Zorgen over verwaarlozing.", "person": person},
    )
    assert ggz.status_code == vt.status_code == 201
    assert ggz.json()["id"] != vt.json()["id"]

    def seen(user: User) -> set[tuple[str, str, str]]:
        results = get(user, url).json()["results"]
        return {(c["category"], c["organisation"]["name"], c["text"]) for c in results}

    side_by_side = {
        ("zorg", "GGZ Rivierenland", "Psychose in remissie."),
        ("zorg", "Veilig Thuis", "Zorgen over verwaarlozing."),
    }
    ggz_sees, vt_sees = seen(world.ggz), seen(world.veilig_thuis)
    assert side_by_side <= ggz_sees and side_by_side <= vt_sees
    # The earlier GGZ assessment is still there, unchanged.
    assert ("zorg", "GGZ Rivierenland", "Geen behandelbare stoornis vastgesteld.") in ggz_sees
    assert {c for c, _, _ in ggz_sees} == {"zorg"}
    assert {c for c, _, _ in vt_sees} == {"zorg"}
    # Politie has no zorg: it sees neither.
    assert {c for c, _, _ in seen(world.politie)} == {"politie", "justitie"}


# --- invalid BSN ------------------------------------------------------------------------------


def test_an_invalid_bsn_is_a_dutch_400_that_does_not_repeat_it(world: World) -> None:
    persons = Person.objects.count()
    registered = post(world.regisseur, "/api/v1/persons/", {"surname": "Smit", "bsn": INVALID_BSN})
    checked = check(world.politie, bsn=INVALID_BSN)
    for response in (registered, checked):
        assert response.status_code == 400
        (error,) = response.json()["error"]["fields"]["bsn"]
        assert error["code"] == "invalid_bsn"
        assert error["message"] == "Dit is geen geldig BSN: het voldoet niet aan de elfproef."
        assert INVALID_BSN not in response.content.decode()
    assert Person.objects.count() == persons


# --- the withdrawal reason --------------------------------------------------------------------


def test_the_procesregisseur_reads_the_stored_withdrawal_reason(world: World) -> None:
    participation = world.participations["woning"]
    reason = "Medewerkers voelen zich niet veilig bij huisbezoek."
    withdrawn = post(
        world.woning,
        f"/api/v1/cases/{world.case.pk}/participants/{participation.pk}/withdraw/",
        {"reason": reason},
    )
    assert withdrawn.status_code == 200
    assert Participation.objects.get(pk=participation.pk).withdrawal_reason == reason

    def entry(user: User) -> dict[str, Any]:
        participants = get(user, f"/api/v1/cases/{world.case.pk}/participants/").json()
        (found,) = [p for p in participants if p["id"] == str(participation.pk)]
        return found

    assert entry(world.regisseur)["withdrawal_reason"] == reason
    assert entry(world.regisseur)["active"] is False
    # Other partners see that it ended, not why.
    assert entry(world.politie)["withdrawal_reason"] is None


def test_reading_withdrawal_reasons_is_an_access_event_naming_the_persons(world: World) -> None:
    participation = world.participations["woning"]
    services.participation_withdraw(
        participation=participation, reason="Huurcontract beëindigd.", by=world.regisseur
    )
    before = AccessEvent.objects.count()
    assert get(world.regisseur, f"/api/v1/cases/{world.case.pk}/participants/").status_code == 200
    (event,) = AccessEvent.objects.order_by("seq")[before:]
    assert event.object_type == "caseroom.participation"
    assert str(world.person.pk) in event.person_ids
