"""Data for the load test, built through the services on top of the demo scenarios: extra
cases, pending referrals, one user per virtual user (each with its own second factor, since a
TOTP code is accepted once) and service accounts with tokens.

Returns a manifest for the driver: credentials, and what each user should see (visible case
ids, granted categories), so that the driver can tell a wrong page from a right one.
Demo mode only: the manifest holds passwords and TOTP secrets of a throw-away database.
"""

from __future__ import annotations

import datetime
import random
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from caseroom import selectors, services
from caseroom.access import user_category_codes
from caseroom.models import Case, CasePerson, House, Referral
from demo.data import HOUSE_NAME, load_demo, require_demo_mode
from demo.scenarios import Builder, invented_bsns
from partners.models import Organisation, User
from partners.roles import Role
from partners.services import api_token_issue, service_account_create, user_create
from persons.models import Person

# Partner organisations (demo staff keys) and the categories they take part with.
PARTNER_CATEGORIES: dict[str, list[str]] = {
    "politie": ["basis", "politie", "justitie"],
    "ggz": ["basis", "zorg"],
    "woningcorporatie": ["basis", "wonen"],
    "veiligthuis": ["basis", "jeugd", "zorg"],
    "gemeente": ["basis", "sociaal", "financien"],
    "reclassering": ["basis", "justitie"],
    "verslavingszorg": ["basis", "zorg"],
    "leerplicht": ["basis", "onderwijs"],
}
# The order in which virtual partner staff are spread over the organisations.
PARTNER_ORDER = list(PARTNER_CATEGORIES)

SURNAMES = (
    "Aydin", "Bakker", "Bos", "Claessen", "Dekker", "Dijkstra", "El Idrissi", "Evers",
    "Gerritsen", "Hendriks", "Hoekstra", "Jacobs", "Janssen", "Kok", "Koster", "Kuipers",
    "Lambregts", "Maas", "Meijer", "Mulder", "Nijland", "Peeters", "Postma", "Prins",
    "Ramdin", "Schouten", "Smit", "Tahiri", "Terpstra", "Veenstra", "Verbeek", "Visser",
    "de Vries", "van Dam", "van der Linden", "Wouters", "Yilmaz", "Zijlstra",
)  # fmt: skip
GIVEN_NAMES = (
    "Anouk", "Bilal", "Chantal", "Daan", "Esra", "Fatima", "Gijs", "Hamza", "Ilse", "Jesse",
    "Kim", "Lotte", "Mohamed", "Nina", "Okke", "Priscilla", "Rachid", "Sanne", "Tim",
    "Urvashi", "Vincent", "Wendy", "Youssef", "Zoë",
)  # fmt: skip
REASONS = (
    "Herhaalde meldingen van overlast en bedreiging van buren; meerdere instanties betrokken "
    "zonder gezamenlijke aanpak.",
    "Zorgen over de veiligheid van de kinderen in het gezin; ouders mijden hulpverlening.",
    "Verward gedrag in de openbare ruimte, dreigende huisuitzetting en schulden.",
    "Na detentie terug in de wijk zonder huisvesting of dagbesteding; recidiverisico.",
    "Schoolverzuim, contacten met een criminele jeugdgroep en spanningen thuis.",
)
GOALS = (
    "Eén gezamenlijk plan van aanpak met één regiehouder.",
    "Veiligheid in en om de woning; passende zorg.",
    "Stabiele huisvesting, inkomen en dagbesteding.",
)
NOTES = (
    "Gesprek gevoerd; betrokkene is bereid mee te werken aan een vervolgafspraak.",
    "Signaal van collega's in de wijk: de situatie is de afgelopen weken verslechterd.",
    "Afspraak niet nagekomen; opnieuw uitgenodigd met een brief in eenvoudige taal.",
    "Overleg gehad met de huisarts; verwijzing wordt voorbereid.",
)
TARGETS = ("multiprobleem", "verward-gedrag", "huiselijk-geweld", "jeugd", "nazorg")


def _device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Load test", confirmed=True)
    return device


def _credentials(user: User, password: str) -> dict[str, Any]:
    device = _device(user)
    return {
        "username": user.username,
        "password": password,
        "organisation": user.organisation.name,
        "organisation_id": user.organisation_id,
        "totp": {
            "key": device.key,
            "step": device.step,
            "t0": device.t0,
            "digits": device.digits,
        },
    }


class Generator:
    def __init__(self, house: House, staff: dict[str, User], rng: random.Random) -> None:
        self.builder = Builder(house, staff["procesregisseur"], staff)
        # A BSN range of its own: the demo scenarios use the numbers after 204 500 000.
        self.builder.bsn = invented_bsns(231_000_000)
        self.staff = staff
        self.rng = rng
        self.used: set[tuple[str, datetime.date]] = set()
        self.hit_bsns: list[str] = []

    def person(self) -> Person:
        while True:
            surname = self.rng.choice(SURNAMES)
            born = datetime.date(1950, 1, 1) + datetime.timedelta(days=self.rng.randrange(25_000))
            if (surname, born) not in self.used:
                break
        self.used.add((surname, born))
        person = self.builder.person(surname, self.rng.choice(GIVEN_NAMES), born.isoformat())
        return person

    def case(self, number: int) -> Case:
        b, rng = self.builder, self.rng
        persons = [self.person() for _ in range(rng.choice((1, 1, 2, 3)))]
        partners = rng.sample(PARTNER_ORDER, rng.randint(2, 4))
        case = b.case(
            referrer=partners[0],
            persons=persons,
            target=rng.choice(TARGETS),
            reason=rng.choice(REASONS),
            goal=rng.choice(GOALS),
        )
        if len(persons) > 1:
            case.case_persons.filter(person=persons[1]).update(role=CasePerson.Role.GEZINSLID)
        for key in partners:
            b.take_part(case, key, PARTNER_CATEGORIES[key])
        for key in partners:
            for _ in range(rng.randint(0, 2)):
                category = rng.choice(PARTNER_CATEGORIES[key])
                b.say(case, key, category, rng.choice(NOTES), rng.choice([*persons, None]))
        for key in partners[: rng.randint(0, 2)]:
            services.action_create(
                case=case,
                by=b.regisseur,
                description=f"Huisbezoek en terugkoppeling aan de procesregisseur ({number}).",
                owner_organisation=b.org(key),
                owner=self.staff[key],
                due_date=b.day(rng.randint(-10, 30)),
            )
        if rng.random() < 0.6:
            services.case_set_status(case=case, status="in_behandeling", by=b.regisseur)
        self.hit_bsns.extend(p.bsn or "" for p in persons)
        return case

    def pending_referral(self) -> Referral:
        key = self.rng.choice(PARTNER_ORDER)
        return services.referral_submit(
            by=self.staff[key],
            house=self.builder.house,
            persons=[self.person()],
            reason=self.rng.choice(REASONS),
            goal=self.rng.choice(GOALS),
            person_informed=True,
        )


def _make_user(username: str, organisation: Organisation, role: str, password: str) -> User:
    return user_create(
        username=username,
        organisation=organisation,
        roles=[role],
        first_name="Belasting",
        last_name=username,
        email=f"{username}@load.casusregie.invalid",
        password=password,
    )


def _case_view(user: User, cases: dict[int, Case]) -> dict[str, Any]:
    """What the user should see: visible case ids and, per case, the categories granted to
    the user's organisation (a contribution outside them must come from that organisation)."""
    visible = sorted(selectors.case_list_for_user(user=user).values_list("pk", flat=True))
    return {
        "visible_cases": visible,
        "categories": {
            str(pk): sorted(user_category_codes(user, cases[pk], participation_only=True))
            for pk in visible
        },
    }


@transaction.atomic
def seed_load(
    *,
    partners: int,
    regisseurs: int,
    privacy: int,
    service_accounts: int,
    cases: int,
    pending: int,
    seed: int = 2026,
) -> dict[str, Any]:
    require_demo_mode()
    rng = random.Random(seed)  # noqa: S311 - invented data, no secrets
    load_demo()
    staff = {u.username: u for u in User.objects.select_related("organisation")}
    house = House.objects.get(organisation__name=HOUSE_NAME)
    generator = Generator(house, staff, rng)
    for number in range(cases):
        generator.case(number)
    referrals = [generator.pending_referral() for _ in range(pending)]

    password = secrets.token_urlsafe(18)
    zvh = staff["procesregisseur"].organisation
    people: dict[str, list[User]] = {"partner": [], "regisseur": [], "privacy": []}
    for n in range(partners):
        organisation = staff[PARTNER_ORDER[n % len(PARTNER_ORDER)]].organisation
        people["partner"].append(
            _make_user(f"lt-partner-{n + 1:02d}", organisation, Role.KETENPARTNER, password)
        )
    for n in range(regisseurs):
        people["regisseur"].append(
            _make_user(f"lt-regisseur-{n + 1:02d}", zvh, Role.PROCESREGISSEUR, password)
        )
    for n in range(privacy):
        people["privacy"].append(
            _make_user(f"lt-privacy-{n + 1:02d}", zvh, Role.PRIVACYFUNCTIONARIS, password)
        )
    probe = _make_user("lt-probe", staff["politie"].organisation, Role.KETENPARTNER, password)

    all_cases = {case.pk: case for case in Case.objects.select_related("house")}
    views: dict[int, dict[str, Any]] = {}  # per organisation: users of one see the same

    def described(user: User) -> dict[str, Any]:
        entry = _credentials(user, password)
        if user.organisation_id not in views:
            views[user.organisation_id] = _case_view(user, all_cases)
        entry.update(views[user.organisation_id])
        return entry

    tokens = []
    expires = timezone.now() + datetime.timedelta(days=1)
    for n in range(service_accounts):
        organisation = staff[PARTNER_ORDER[n % len(PARTNER_ORDER)]].organisation
        account = service_account_create(organisation=organisation, name=f"lt-{n + 1:02d}")
        _, key = api_token_issue(account=account, name="load test", expires_at=expires)
        entry = {"username": account.username, "token": key, "organisation": organisation.name}
        entry.update(_case_view(account, all_cases))
        tokens.append(entry)

    miss = invented_bsns(262_000_000)
    # New persons partners refer during the run; several partners may name the same one.
    fresh = invented_bsns(271_000_000)
    referral_persons = [
        {
            "surname": f"Nieuwkomer-{rng.choice(SURNAMES)}",
            "given_names": rng.choice(GIVEN_NAMES),
            "bsn": next(fresh),
            "birth_date": (
                datetime.date(1960, 1, 1) + datetime.timedelta(days=n * 397 + 11)
            ).isoformat(),
        }
        for n in range(12)
    ]
    return {
        "users": {
            "partner": [described(u) for u in people["partner"]],
            "regisseur": [described(u) for u in people["regisseur"]],
            "privacy": [_credentials(u, password) for u in people["privacy"]],
            "service": tokens,
        },
        "probe": _credentials(probe, password),
        "case_numbers": {str(pk): case.number for pk, case in all_cases.items()},
        "pending_referrals": [
            {"id": str(r.pk), "organisation": r.referring_organisation.name} for r in referrals
        ],
        "referral_persons": referral_persons,
        "hit_bsns": generator.hit_bsns[:40],
        "miss_bsns": [next(miss) for _ in range(40)],
    }
