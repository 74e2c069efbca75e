"""Scenarios S1–S3 of ../shared/scenarios.md, built through the real services.

Names and numbers are invented; the BSNs pass the elfproef. Loaded once per house.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.utils import timezone

from caseroom import services
from caseroom.models import (
    Action,
    AgendaItem,
    Case,
    CasePerson,
    Goal,
    House,
    LifeDomain,
    Meeting,
    MeetingType,
    TargetGroup,
)
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

    def caseworker(self, organisation: Organisation) -> User | None:
        """The demo user who works on cases for ``organisation`` (not the mayor or admin)."""
        for key in CASEWORKERS:
            user = self.staff.get(key)
            if user is not None and user.organisation_id == organisation.pk:
                return user
        return None

    @staticmethod
    def day(offset: int) -> datetime.date:
        return timezone.localdate() + datetime.timedelta(days=offset)

    def at(self, offset: int, hour: int = 10) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.day(offset), datetime.time(hour)))

    def meetings(self, code: str, offset: int, **extra: int) -> list[Meeting]:
        meetings = services.meeting_create(
            house=self.house,
            meeting_type=MeetingType.objects.get(code=code),
            starts_at=self.at(offset),
            by=self.regisseur,
            location="Zorg- en Veiligheidshuis Rivierenland, zaal De Waal",
            **extra,
        )
        for meeting in meetings:
            if meeting.starts_at < timezone.now():
                services.meeting_set_status(meeting=meeting, status="gehouden", by=self.regisseur)
        return meetings

    def invite(self, meeting: Meeting, organisations: list[Organisation]) -> None:
        for organisation in organisations:
            services.attendee_invite(
                meeting=meeting,
                organisation=organisation,
                user=self.caseworker(organisation),
                by=self.regisseur,
            )

    def invite_participants(self, meeting: Meeting, cases: list[Case]) -> None:
        """Invite the organisations that (still) take part in the cases on the agenda."""
        organisations = Organisation.objects.filter(
            participations__case__in=cases, participations__withdrawn_at__isnull=True
        ).distinct()
        self.invite(meeting, list(organisations.order_by("name")))

    def item(self, meeting: Meeting, case: Case, question: str) -> AgendaItem:
        return services.agenda_item_add(
            meeting=meeting, case=case, question=question, by=self.regisseur
        )

    def minutes(self, item: AgendaItem, text: str, decisions: str) -> None:
        minutes = services.minutes_save(
            agenda_item=item, by=self.regisseur, text=text, decisions=decisions, expected_version=0
        )
        services.minutes_approve(minutes=minutes, by=self.regisseur)

    def action(
        self,
        item: AgendaItem,
        key: str,
        description: str,
        due_in_days: int,
        *,
        goal: Goal | None = None,
        status: str = "",
        note: str = "",
    ) -> Action:
        """An afspraak from a decision at ``item``, owned by the staff member ``key``."""
        owner = self.staff[key]
        action = services.action_create(
            case=item.case,
            by=self.regisseur,
            description=description,
            owner_organisation=owner.organisation,
            owner=owner,
            due_date=self.day(due_in_days),
            agenda_item=item,
            goal=goal,
        )
        if status:
            # The owner reports progress on its own action.
            obstacle = "onmacht" if status in Action.STALLED else ""
            action = services.action_set_status(
                action=action, by=owner, status=status, note=note, obstacle=obstacle
            )
        return action

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


# The staff keys of users who work on cases, in the order they represent their organisation.
CASEWORKERS = (
    "procesregisseur",
    "politie",
    "om",
    "ggz",
    "verslavingszorg",
    "reclassering",
    "woningcorporatie",
    "veiligthuis",
    "rvdk",
    "gi",
    "gemeente",
    "leerplicht",
    "amw",
    "halt",
)


def load_scenarios(*, house: House, regisseur: User, staff: dict[str, User]) -> None:
    if house.cases.exists():
        return
    services.meeting_defaults_ensure()
    b = Builder(house, regisseur, staff)
    haidari = s1_haidari(b)
    de_wit = s2_de_wit(b)
    kanaalzone = s3_kanaalzone(b)
    goals = s2_plan(b, de_wit)
    past_casusoverleg(b, haidari, de_wit, goals)
    upcoming_casusoverleg(b, haidari)
    justitieel_casusoverleg(b, kanaalzone)
    privacy_review(b, de_wit)
    consent_and_requests(b, de_wit)


def s1_haidari(b: Builder) -> Case:
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
    return case


def s2_de_wit(b: Builder) -> Case:
    hendrik = b.person(
        "de Wit",
        "Hendrik",
        "1975-03-14",
        gender="man",
        has_lvb=True,
        staff_safety_warning="Dreigt het huis in brand te steken bij ontruiming.",
        communication_needs="Korte zinnen; afspraken op papier meegeven.",
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
    return case


def s3_kanaalzone(b: Builder) -> list[Case]:
    # "Crimineel" is criminal data: politie and OM see it through justitie, the others not.
    group = services.group_record_create(
        house=b.house,
        name="Jeugdgroep Kanaalzone",
        classification="crimineel",
        by=b.regisseur,
        category_code="justitie",
    )
    cases = []
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
        cases.append(case)
    return cases


# --- plan van aanpak and casusoverleg ---------------------------------------------------------


def s2_plan(b: Builder, case: Case) -> dict[str, Goal]:
    """The plan van aanpak for meneer De Wit: three life domains, agreed by three partners."""
    goals = {
        code: services.goal_add(
            case=case, domain=LifeDomain.objects.get(code=code), description=text, by=b.regisseur
        )
        for code, text in (
            (
                "huisvesting",
                "Meneer heeft na de ontruiming een vaste slaapplek; geen dakloosheid tussen ontruiming en opvang.",
            ),
            (
                "middelengebruik",
                "Meneer is in zorg bij de verslavingszorg en er is één organisatie die de zorg coördineert.",
            ),
            (
                "financien",
                "Er is een nieuwe bewindvoerder en de schulden zijn in kaart; de huurachterstand groeit niet verder.",
            ),
        )
    }
    for key in ("woningcorporatie", "gemeente", "reclassering"):
        services.plan_agree(case=case, by=b.staff[key])
    return goals


def past_casusoverleg(b: Builder, haidari: Case, de_wit: Case, goals: dict[str, Goal]) -> None:
    """Two weeks ago: S1 and S2 discussed, minutes approved, afspraken made (some now overdue)."""
    (meeting,) = b.meetings("casusoverleg", -14)
    b.invite_participants(meeting, [haidari, de_wit])

    s1 = b.item(
        meeting,
        haidari,
        "Hoe krijgen we zicht op de veiligheid binnen het gezin zonder dat iemand aangifte doet?",
    )
    b.minutes(
        s1,
        "Politie licht de vechtpartij toe; geen aangifte door gezinsleden. Sociale Zaken meldt "
        "bedreiging van medewerkers bij het laatste huisbezoek. Layla en Noor verblijven op een "
        "geheim adres (bekend bij Veilig Thuis). Jeugdbescherming kan zonder aangifte geen "
        "maatregel onderbouwen. Kleinkinderen zijn volgens leerplicht vaak afwezig op school.",
        "1. Huisbezoeken alleen met twee medewerkers. 2. Veilig Thuis bespreekt met Layla of zij "
        "aangifte wil doen. 3. Leerplicht voert een gesprek met de ouders over het schoolverzuim. "
        "4. Sociale Zaken bespreekt de verplichtingen met tolk Dari.",
    )
    b.action(
        s1,
        "politie",
        "Huisbezoek met twee medewerkers (wijkagent en woonconsulent) bij familie Haidari aan de Kanaalweg.",
        -7,
    )
    b.action(
        s1,
        "veiligthuis",
        "Met Layla bespreken of zij aangifte wil doen van het geweld in het gezin; zo nodig samen met de politie.",
        -4,
        status=Action.Status.IN_PROGRESS,
        note="Eerste gesprek gevoerd; Layla wil eerst advies van haar advocaat.",
    )
    b.action(
        s1,
        "leerplicht",
        "Leerplicht-gesprek met de ouders over het schoolverzuim van de kleinkinderen, met tolk Dari.",
        -3,
    )
    b.action(
        s1,
        "gemeente",
        "Gesprek Sociale Zaken over de verplichtingen bij de uitkering; met tolk en twee medewerkers.",
        -5,
        status=Action.Status.DONE,
        note="Gesprek gevoerd op het stadskantoor; afspraken op papier meegegeven.",
    )
    b.action(
        s1,
        "gi",
        "Met de Raad voor de Kinderbescherming bespreken welke maatregel mogelijk is zonder aangifte.",
        7,
    )

    s2 = b.item(
        meeting,
        de_wit,
        "Welke instelling neemt de regie op de zorg, en waar slaapt meneer na de ontruiming?",
    )
    b.minutes(
        s2,
        # Minutes in the basis category reach every partner in the case: written without
        # health or justice details (those stay in the partners' own contributions).
        "De zorgpartners zijn het oneens over welke instelling de zorg op zich neemt; geen "
        "organisatie neemt de regie op de zorg. De ontruiming staat over zes weken gepland; "
        "meneer dreigt de woning in brand te steken. Plan van aanpak op drie leefgebieden "
        "vastgesteld.",
        "1. Verslavingszorg plant een intake. 2. De woningcorporatie vraagt uitstel van de "
        "ontruiming. 3. De gemeente zoekt een nieuwe bewindvoerder. 4. Reclassering stemt het "
        "toezicht af met de verslavingszorg.",
    )
    b.action(
        s2,
        "verslavingszorg",
        "Regie op zorg: intake verslavingszorg plannen en de uitkomst delen met GGZ en reclassering.",
        -6,
        goal=goals["middelengebruik"],
    )
    b.action(
        s2,
        "woningcorporatie",
        "Uitstel ontruiming aanvragen tot er onderdak is geregeld.",
        -10,
        goal=goals["huisvesting"],
        status=Action.Status.DONE,
        note="Deurwaarder akkoord met vier weken uitstel.",
    )
    b.action(
        s2,
        "gemeente",
        "Nieuwe bewindvoerder zoeken en beschermingsbewind aanvragen bij de kantonrechter.",
        10,
        goal=goals["financien"],
    )
    b.action(
        s2,
        "reclassering",
        "Meldplicht met meneer bespreken en het toezicht afstemmen met de verslavingszorg.",
        -2,
    )


def upcoming_casusoverleg(b: Builder, haidari: Case) -> None:
    """A series every two weeks from next week; S1 is on the first agenda."""
    first, *_ = b.meetings("casusoverleg", 7, repeat_every_days=14, repeat_count=3)
    b.invite_participants(first, [haidari])
    b.item(
        first,
        haidari,
        "Afspraken staan open of zijn verlopen; opschalen naar het tactisch overleg?",
    )


def justitieel_casusoverleg(b: Builder, kanaalzone: list[Case]) -> None:
    """Last week: the members of Jeugdgroep Kanaalzone, only OM, politie and the jeugd partner."""
    (meeting,) = b.meetings("justitieel-casusoverleg", -7)
    b.invite(meeting, [b.org("om"), b.org("politie"), b.org("gi")])
    plans = [
        (
            "Yassin is gezien bij overdrachten bij het winkelcentrum.",
            "politie",
            "Stopgesprek met Yassin en zijn ouders over drugsrunnen; ouders informeren over de signalen.",
            -2,
        ),
        (
            "Kevin is verdachte van bedreiging van een winkelier.",
            "om",
            "Beoordelen of de zaak van Kevin met een strafbeschikking of een dagvaarding wordt afgedaan.",
            14,
        ),
        (
            "Dylan is veertien; thuis is weinig toezicht.",
            "gi",
            "Jeugdbescherming onderzoekt met de ouders van Dylan of vrijwillige hulp mogelijk is.",
            10,
        ),
        (
            "Jayden wordt als runner ingezet door oudere jongens.",
            "politie",
            "Extra toezicht wijkagent bij het winkelcentrum op vrijdag- en zaterdagavond; Jayden aanspreken.",
            21,
        ),
    ]
    for case, (text, key, action, due) in zip(kanaalzone, plans, strict=True):
        item = b.item(meeting, case, "Welke justitiële interventie past bij dit groepslid?")
        b.minutes(item, text, action)
        b.action(item, key, action, due)


def privacy_review(b: Builder, de_wit: Case) -> None:
    """Something for the privacy officer's review queue: the algemeen maatschappelijk werk,
    not part of case S2, breaks the glass on it; detection turns that into an item."""
    from audit.review import detect

    amw = b.staff["amw"]
    services.break_glass_open(
        user=amw,
        case=de_wit,
        reason=(
            "Cliënt meldt zich vanavond bij ons inloopspreekuur in crisis; ik moet weten "
            "welke afspraken er lopen voordat ik een noodopvang regel."
        ),
        categories=[],
    )
    detect()


def consent_and_requests(b: Builder, de_wit: Case) -> None:
    """Meneer De Wit agrees that the woningcorporatie hears about his treatment, to stop the
    eviction (the covenant gives a woningcorporatie no ground for health data); he also asks
    what is recorded about him, through the woningcorporatie as his contact point."""
    from consent.services import consent_record
    from consent.subject_requests import request_intake

    hendrik = de_wit.case_persons.get().person
    consent_record(
        case=de_wit,
        person=hendrik,
        organisations=[b.org("woningcorporatie")],
        categories=services.categories_by_code(["zorg"]),
        recorded_how="schriftelijk",
        note="Getekend formulier, besproken met zijn bewindvoerder.",
        by=b.regisseur,
    )
    b.take_part(de_wit, "woningcorporatie", ["basis", "wonen", "zorg"])
    request_intake(
        kind="inzage",
        bsn=hendrik.bsn or "",
        description="Meneer wil weten wat de partners over hem hebben vastgelegd en wie het zag.",
        identity_checked="rijbewijs getoond bij de woningcorporatie",
        by=b.staff["woningcorporatie"],
    )
