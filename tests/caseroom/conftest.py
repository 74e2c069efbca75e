"""A small world for need-to-know tests: one house, partners with different categories,
and an outsider. Personas: the participant who may, the partner who may not, the outsider."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from caseroom import services
from caseroom.models import Case, Contribution, House, Participation, TargetGroup
from partners.models import Organisation, OrganisationKind, User
from partners.roles import Role
from partners.services import organisation_create
from persons.models import Person
from persons.services import address_add, person_create
from tests.factories import UserFactory


@dataclass
class World:
    house: House
    regisseur: User
    politie: User
    ggz: User
    woning: User
    veilig_thuis: User
    outsider: User
    privacy: User
    case: Case
    person: Person
    other_case: Case
    participations: dict[str, Participation]
    contributions: dict[str, Contribution]

    def org(self, user: User) -> Organisation:
        return user.organisation


def make_org(name: str, kind: str) -> Organisation:
    return organisation_create(name=name, kind_code=kind)


def make_user(username: str, organisation: Organisation, role: str = Role.KETENPARTNER) -> User:
    return UserFactory(username=username, organisation=organisation, roles=[role])


def open_case(
    *,
    house: House,
    regisseur: User,
    referrer: User,
    persons: list[Person],
    target: str = "multiprobleem",
) -> Case:
    referral = services.referral_submit(
        by=referrer,
        house=house,
        persons=persons,
        reason="Massale vechtpartij in de straat; meldingen van bedreiging.",
        goal="Samenhangende aanpak van het gezin.",
        person_informed=True,
    )
    services.referral_triage(
        referral=referral,
        by=regisseur,
        decision="geaccepteerd",
        criteria={"criterion_domains": True, "criterion_chains": True, "criterion_system": True},
        target_group=TargetGroup.objects.get(code=target),
    )
    referral.refresh_from_db()
    return referral.case


@pytest.fixture
def world(db: None) -> World:
    zvh = make_org("ZVH Rivierenland", "zvh")
    house = services.house_create(name="ZVH Rivierenland", organisation=zvh)
    regisseur = make_user("regisseur", zvh, Role.PROCESREGISSEUR)
    privacy = make_user("privacy", zvh, Role.PRIVACYFUNCTIONARIS)
    politie = make_user("politie", make_org("Politie Oost", "politie"))
    ggz = make_user("ggz", make_org("GGZ Rivierenland", "ggz"))
    woning = make_user("woning", make_org("Woonstichting De Kade", "woningcorporatie"))
    veilig_thuis = make_user("vt", make_org("Veilig Thuis", "veilig-thuis"))
    outsider = make_user("buiten", make_org("Wijkteam Noord", "wijkteam"))

    person = person_create(
        surname="Haidari",
        given_names="Farid",
        bsn="111222333",
        birth_date=datetime.date(1968, 7, 1),
        staff_safety_warning="Bedreigt hulpverleners — alleen met twee personen op huisbezoek.",
    )
    address_add(person=person, street="Kanaalweg 12", postcode="1234 AB", city="Rivierstad")
    address_add(
        person=person,
        street="Geheimstraat 1",
        city="Elders",
        kind="verblijfadres",
        is_secret=True,
        visible_to=[veilig_thuis.organisation, zvh],
    )
    case = open_case(house=house, regisseur=regisseur, referrer=politie, persons=[person])
    cats = services.categories_by_code
    participations = {
        "politie": case.participations.get(organisation=politie.organisation),
    }
    services.participation_set_categories(
        participation=participations["politie"],
        categories=cats(["basis", "politie", "justitie"]),
        by=regisseur,
    )
    participations["ggz"] = services.participation_add(
        case=case, organisation=ggz.organisation, categories=cats(["basis", "zorg"]), by=regisseur
    )
    participations["woning"] = services.participation_add(
        case=case,
        organisation=woning.organisation,
        categories=cats(["basis", "wonen"]),
        by=regisseur,
    )
    participations["vt"] = services.participation_add(
        case=case,
        organisation=veilig_thuis.organisation,
        categories=cats(["basis", "jeugd"]),
        by=regisseur,
    )
    # The house sees the special categories of this case too (granted explicitly).
    house_participation = case.participations.get(organisation=zvh)
    services.participation_set_categories(
        participation=house_participation,
        categories=list(house_participation.categories.all()) + cats(["zorg", "justitie"]),
        by=regisseur,
    )
    contributions = {
        "politie": services.contribution_add(
            case=case,
            by=politie,
            category=cats(["politie"])[0],
            text="Drie meldingen overlast.",
            person=person,
        ),
        "justitie": services.contribution_add(
            case=case,
            by=politie,
            category=cats(["justitie"])[0],
            text="Veroordeeld voor mishandeling.",
            person=person,
        ),
        "zorg": services.contribution_add(
            case=case,
            by=ggz,
            category=cats(["zorg"])[0],
            text="Geen behandelbare stoornis vastgesteld.",
            person=person,
        ),
        "wonen": services.contribution_add(
            case=case,
            by=woning,
            category=cats(["wonen"])[0],
            text="Huurachterstand van vier maanden.",
            person=person,
        ),
    }
    other_person = person_create(surname="De Wit", birth_date=datetime.date(1975, 2, 3))
    other_case = open_case(
        house=house,
        regisseur=regisseur,
        referrer=outsider,
        persons=[other_person],
        target="verward-gedrag",
    )
    return World(
        house=house,
        regisseur=regisseur,
        politie=politie,
        ggz=ggz,
        woning=woning,
        veilig_thuis=veilig_thuis,
        outsider=outsider,
        privacy=privacy,
        case=case,
        person=person,
        other_case=other_case,
        participations=participations,
        contributions=contributions,
    )


__all__ = ["World", "OrganisationKind"]
