"""Demo data from ../shared/scenarios.md (invented names and numbers). Loading is idempotent."""

from __future__ import annotations

import base64
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from caseroom.models import House
from caseroom.services import house_create
from demo.constants import DEMO_PASSWORD
from demo.scenarios import load_scenarios
from partners.models import Organisation, User
from partners.roles import Role
from partners.services import organisation_create, user_create

ORGANISATIONS: list[tuple[str, str]] = [
    ("Zorg- en Veiligheidshuis Rivierenland", "zvh"),
    ("Gemeente Rivierstad", "gemeente"),
    ("Politie eenheid Oost", "politie"),
    ("Openbaar Ministerie arrondissement Oost", "om"),
    ("Reclassering Nederland", "reclassering"),
    ("GGZ Rivierenland", "ggz"),
    ("Verslavingszorg Oost", "verslavingszorg"),
    ("Veilig Thuis Rivierenland", "veilig-thuis"),
    ("Raad voor de Kinderbescherming", "rvdk"),
    ("Jeugdbescherming Oost", "gecertificeerde-instelling"),
    ("Woonstichting De Kade", "woningcorporatie"),
    ("Leerplicht Rivierstad", "leerplicht"),
    ("Algemeen Maatschappelijk Werk Rivierstad", "maatschappelijk-werk"),
    ("Halt Oost", "halt"),
]

# username, organisation, roles, first name, last name
USERS: list[tuple[str, str, list[str], str, str]] = [
    (
        "procesregisseur",
        "Zorg- en Veiligheidshuis Rivierenland",
        [Role.PROCESREGISSEUR],
        "Petra",
        "Regisseur",
    ),
    ("politie", "Politie eenheid Oost", [Role.KETENPARTNER], "Karim", "Wijkagent"),
    ("ggz", "GGZ Rivierenland", [Role.KETENPARTNER], "Greet", "Psychiater"),
    ("woningcorporatie", "Woonstichting De Kade", [Role.KETENPARTNER], "Wim", "Woonconsulent"),
    ("veiligthuis", "Veilig Thuis Rivierenland", [Role.KETENPARTNER], "Vera", "Thuis"),
    (
        "privacy",
        "Zorg- en Veiligheidshuis Rivierenland",
        [Role.PRIVACYFUNCTIONARIS],
        "Priya",
        "Privacy",
    ),
    ("burgemeester", "Gemeente Rivierstad", [Role.BESTUURDER], "Bram", "Burgemeester"),
    ("beheerder", "Zorg- en Veiligheidshuis Rivierenland", [Role.BEHEERDER], "Bea", "Beheer"),
]

# Staff of the other partners in the scenarios (same demo password, codes via demo_totp NAME).
STAFF: list[tuple[str, str, str, str]] = [
    ("om", "Openbaar Ministerie arrondissement Oost", "Olaf", "Officier"),
    ("reclassering", "Reclassering Nederland", "Rita", "Reclassering"),
    ("verslavingszorg", "Verslavingszorg Oost", "Vincent", "Verslavingsarts"),
    ("rvdk", "Raad voor de Kinderbescherming", "Rob", "Raadsonderzoeker"),
    ("gi", "Jeugdbescherming Oost", "Gerda", "Jeugdbeschermer"),
    ("gemeente", "Gemeente Rivierstad", "Sanne", "Sociale Zaken"),
    ("leerplicht", "Leerplicht Rivierstad", "Lars", "Leerplichtambtenaar"),
    ("amw", "Algemeen Maatschappelijk Werk Rivierstad", "Anouk", "Maatschappelijk werker"),
    ("halt", "Halt Oost", "Hanna", "Halt-medewerker"),
]
HOUSE_NAME = "Zorg- en Veiligheidshuis Rivierenland"


def require_demo_mode() -> None:
    if not getattr(settings, "DEMO", False):
        raise CommandError(
            "Dit commando werkt alleen in demomodus (CASUSREGIE_MODE=demo). In productie "
            "bestaan geen demogebruikers en worden geen codes getoond."
        )


@transaction.atomic
def load_demo() -> list[User]:
    require_demo_mode()
    organisations: dict[str, Organisation] = {}
    for name, kind in ORGANISATIONS:
        existing = Organisation.objects.filter(name=name).first()
        organisations[name] = existing or organisation_create(name=name, kind_code=kind)
    users = []
    for username, organisation, roles, first_name, last_name in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                organisation=organisations[organisation],
                roles=roles,
                first_name=first_name,
                last_name=last_name,
                email=f"{username}@demo.casusregie.invalid",
                password=DEMO_PASSWORD,
            )
        _ensure_device(user)
        users.append(user)
    staff = {u.username: u for u in users}
    for username, organisation, first_name, last_name in STAFF:
        user = User.objects.filter(username=username).first() or user_create(
            username=username,
            organisation=organisations[organisation],
            roles=[Role.KETENPARTNER],
            first_name=first_name,
            last_name=last_name,
            email=f"{username}@demo.casusregie.invalid",
            password=DEMO_PASSWORD,
        )
        _ensure_device(user)
        staff[username] = user
    zvh = organisations[HOUSE_NAME]
    house = House.objects.filter(organisation=zvh).first() or house_create(
        name=HOUSE_NAME, organisation=zvh
    )
    load_scenarios(house=house, regisseur=staff["procesregisseur"], staff=staff)
    return users


def _ensure_device(user: User) -> None:
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="Demo", confirmed=True)


def current_code(device: TOTPDevice) -> tuple[str, int]:
    now = int(time.time())
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}", device.step - (now - device.t0) % device.step


def secret_of(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")
