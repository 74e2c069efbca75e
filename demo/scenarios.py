"""Scenarios S1–S3 of ../shared/scenarios.md, built through the real services.

Names and numbers are invented; the BSNs pass the elfproef. Loaded once per house.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from caseroom import services
from caseroom.models import Case, CasePerson, House, TargetGroup
from core.validators import is_valid_bsn
from partners.models import Organisation, User
from persons.models import Person
from persons.services import address_add, person_create, person_relate


def invented_bsns(start: int = 204_500_000) -> Iterator[str]:
    number = start
    while True:
        number += 1
        if is_valid_bsn(f"{number:09d}"):
            yield f"{number:09d}"


class Builder:
    def __init__(self, house: House, regisseur: User, staff: dict[str, User]) -> None:
        self.house = house
        self.regisseur = regisseur
        self.staff = staff
        self.bsn = invented_bsns()

    def org(self, key: str) -> Organisation:
        return self.staff[key].organisation

    def person(self, surname: str, given: str, born: str, **extra: object) -> Person:
        return person_create(
            surname=surname,
            given_names=given,
            bsn=next(self.bsn),
            birth_date=datetime.date.fromisoformat(born),
            **extra,  # type: ignore[arg-type]
        )

    def case(
        self, *, referrer: str, persons: list[Person], target: str, reason: str, goal: str
    ) -> Case:
        referral = services.referral_submit(
            by=self.staff[referrer],
            house=self.house,
            persons=persons,
            reason=reason,
            goal=goal,
            person_informed=True,
        )
        services.referral_triage(
            referral=referral,
            by=self.regisseur,
            decision="geaccepteerd",
            criteria={
                "criterion_domains": True,
                "criterion_chains": True,
                "criterion_system": True,
            },
            target_group=TargetGroup.objects.get(code=target),
        )
        referral.refresh_from_db()
        return referral.case

    def take_part(self, case: Case, key: str, categories: list[str]) -> None:
        organisation = self.org(key)
        cats = services.categories_by_code(categories)
        existing = case.participations.filter(
            organisation=organisation, withdrawn_at__isnull=True
        ).first()
        if existing is None:
            services.participation_add(
                case=case, organisation=organisation, categories=cats, by=self.regisseur
            )
        else:
            services.participation_set_categories(
                participation=existing, categories=cats, by=self.regisseur
            )

    def say(
        self, case: Case, key: str, category: str, text: str, person: Person | None = None
    ) -> None:
        (cat,) = services.categories_by_code([category])
        services.contribution_add(
            case=case, by=self.staff[key], category=cat, text=text, person=person
        )


def load_scenarios(*, house: House, regisseur: User, staff: dict[str, User]) -> None:
    if house.cases.exists():
        return
    b = Builder(house, regisseur, staff)
    s1_haidari(b)
    s2_de_wit(b)
    s3_kanaalzone(b)


def s1_haidari(b: Builder) -> None:
    warning = "Bedreigt hulpverleners — alleen met twee personen op huisbezoek."
    farid = b.person(
        "Haidari",
        "Farid",
        "1968-07-01",
        gender="man",
        staff_safety_warning=warning,
        language="Dari",
    )
    mariam = b.person("Haidari", "Mariam", "1971-02-11", gender="vrouw", language="Dari")
    omar = b.person("Haidari", "Omar", "1992-09-23", gender="man", staff_safety_warning=warning)
    layla = b.person("Haidari-Sultani", "Layla", "1996-04-02", gender="vrouw")
    noor = b.person("Haidari", "Noor", "2019-12-15", gender="vrouw")
    for child in (omar,):
        person_relate(person=farid, related=child, kind="kind")
        person_relate(person=mariam, related=child, kind="kind")
    person_relate(person=farid, related=mariam, kind="partner")
    person_relate(person=omar, related=layla, kind="partner")
    person_relate(person=layla, related=noor, kind="kind")
    address_add(person=farid, street="Kanaalweg 12", postcode="6511 AB", city="Rivierstad")
    address_add(
        person=layla,
        street="Schuiladres 7",
        postcode="6500 ZZ",
        city="Elders",
        kind="verblijfadres",
        is_secret=True,
        visible_to=[b.org("veiligthuis"), b.house.organisation],
    )
    case = b.case(
        referrer="politie",
        persons=[farid, mariam, omar, layla, noor],
        target="multiprobleem",
        reason=(
            "Massale vechtpartij in de straat tussen leden van de familie en buren. Eerder "
            "meldingen van geluidsoverlast, bedreiging van medewerkers Sociale Zaken en "
            "vermoedelijk geweld binnen het gezin; niemand durft aangifte te doen."
        ),
        goal="Eén gezamenlijke aanpak voor het hele huishouden; veiligheid van vrouw en kind.",
    )
    for person, role in (
        (farid, "dader"),
        (omar, "dader"),
        (layla, "slachtoffer"),
        (noor, "gezinslid"),
    ):
        services.case_add_person(case=case, person=person, role=role, by=b.regisseur)
    b.take_part(case, "politie", ["basis", "politie", "justitie"])
    b.take_part(case, "om", ["basis", "justitie"])
    b.take_part(case, "rvdk", ["basis", "jeugd"])
    b.take_part(case, "gi", ["basis", "jeugd"])
    b.take_part(case, "gemeente", ["basis", "sociaal", "financien"])
    b.take_part(case, "leerplicht", ["basis", "onderwijs"])
    b.take_part(case, "woningcorporatie", ["basis", "wonen"])
    b.take_part(case, "amw", ["basis", "sociaal"])
    b.take_part(case, "veiligthuis", ["basis", "jeugd", "zorg"])
    b.say(
        case,
        "politie",
        "politie",
        "Vechtpartij met ca. twintig betrokkenen; twee gewonden. Geen aangifte door gezinsleden.",
        farid,
    )
    b.say(
        case,
        "om",
        "justitie",
        "Omar heeft een voorwaardelijke straf wegens bedreiging; proeftijd loopt tot volgend jaar.",
        omar,
    )
    b.say(
        case,
        "gemeente",
        "financien",
        "Uitkering gekort wegens het niet nakomen van verplichtingen (drie maanden).",
        farid,
    )
    b.say(
        case,
        "woningcorporatie",
        "wonen",
        "Elf overlastmeldingen van buren in een half jaar; huurachterstand.",
        farid,
    )
    b.say(
        case,
        "gi",
        "jeugd",
        "Zonder aangifte van de politie kunnen wij geen maatregel onderbouwen.",
        noor,
    )
    b.say(
        case,
        "veiligthuis",
        "zorg",
        "Layla en Noor zijn met hulp van Veilig Thuis naar een geheim adres gevlucht.",
        layla,
    )
    amw = case.participations.get(organisation=b.org("amw"), withdrawn_at__isnull=True)
    services.participation_withdraw(
        participation=amw,
        reason="Medewerkers zijn bang voor de familie na bedreigingen.",
        by=b.staff["amw"],
    )
    services.case_set_status(case=case, status="in_behandeling", by=b.regisseur)


def s2_de_wit(b: Builder) -> None:
    hendrik = b.person(
        "de Wit",
        "Hendrik",
        "1975-03-14",
        gender="man",
        has_lvb=True,
        staff_safety_warning="Dreigt het huis in brand te steken bij ontruiming.",
        communication_needs="IQ rond 75: korte zinnen, afspraken op papier meegeven.",
    )
    case = b.case(
        referrer="woningcorporatie",
        persons=[hendrik],
        target="verward-gedrag",
        reason=(
            "Ontruimingsvonnis; meneer dreigt zijn woning in brand te steken. Schulden, alcohol "
            "en harddrugs. Bewindvoerder heeft zich teruggetrokken na bedreiging."
        ),
        goal="Een instelling die de zorg coördineert en onderdak na de ontruiming.",
    )
    b.take_part(case, "verslavingszorg", ["basis", "zorg"])
    b.take_part(case, "ggz", ["basis", "zorg"])
    b.take_part(case, "reclassering", ["basis", "justitie"])
    b.take_part(case, "woningcorporatie", ["basis", "wonen"])
    b.take_part(case, "gemeente", ["basis", "financien", "sociaal"])
    b.say(
        case,
        "verslavingszorg",
        "zorg",
        "Vermoeden van niet-aangeboren hersenletsel; hoort bij de GGZ, niet bij ons.",
        hendrik,
    )
    b.say(
        case,
        "ggz",
        "zorg",
        "Psychiater: geen psychiatrische stoornis die behandeling vraagt.",
        hendrik,
    )
    b.say(
        case,
        "reclassering",
        "justitie",
        "Toezicht na veroordeling loopt; meldplicht wordt slecht nagekomen.",
        hendrik,
    )
    b.say(case, "woningcorporatie", "wonen", "Ontruiming staat gepland over zes weken.", hendrik)
    services.case_set_status(case=case, status="in_behandeling", by=b.regisseur)


def s3_kanaalzone(b: Builder) -> None:
    group = services.group_record_create(
        house=b.house, name="Jeugdgroep Kanaalzone", classification="crimineel", by=b.regisseur
    )
    members = [
        b.person("El Amrani", "Yassin", "2008-05-02", gender="man"),
        b.person("Jansen", "Kevin", "2007-11-19", gender="man"),
        b.person("Bakker", "Dylan", "2009-01-30", gender="man"),
        b.person("Pinas", "Jayden", "2008-08-08", gender="man"),
    ]
    for member in members:
        case = b.case(
            referrer="politie",
            persons=[member],
            target="jeugd",
            reason="Lid van de jeugdgroep Kanaalzone: intimidatie van winkeliers, vermoeden van drugsrunnen.",
            goal="Individuele aanpak: school, dagbesteding, toezicht.",
        )
        case.case_persons.filter(person=member).update(role=CasePerson.Role.DADER)
        b.take_part(case, "politie", ["basis", "politie", "justitie"])
        b.take_part(case, "om", ["basis", "justitie"])
        b.take_part(case, "gi", ["basis", "jeugd"])
        b.take_part(case, "leerplicht", ["basis", "onderwijs"])
        b.take_part(case, "halt", ["basis"])
        b.say(
            case,
            "politie",
            "politie",
            "Op de shortlist van de wijkagent; meerdere keren aangehouden bij het winkelcentrum.",
            member,
        )
        services.group_record_link(group=group, case=case, by=b.regisseur)
