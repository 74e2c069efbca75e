from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import ServiceError
from partners.models import Organisation
from partners.roles import Role
from partners.services import user_create


class Command(BaseCommand):
    help = (
        "Voeg een gebruiker toe met een of meer rollen (zonder vragen). Zonder --password-env "
        "of --password-file wordt een wachtwoord gegenereerd en eenmalig getoond. De tweede "
        "factor koppelt de gebruiker bij de eerste keer inloggen."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--organisation", required=True, help="Naam of id van de organisatie")
        parser.add_argument(
            "--role", required=True, action="append", choices=Role.values, dest="roles"
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password-env", help="Naam van een omgevingsvariabele met het wachtwoord"
        )
        parser.add_argument("--password-file", help="Bestand met het wachtwoord")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = _find_organisation(options["organisation"])
        generated = False
        if options["password_env"]:
            password = os.environ.get(options["password_env"], "")
            if not password:
                raise CommandError(f"Omgevingsvariabele {options['password_env']} is leeg.")
        elif options["password_file"]:
            with open(options["password_file"], encoding="utf-8") as handle:
                password = handle.read().strip()
        else:
            password = secrets.token_urlsafe(16)
            generated = True
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        try:
            user = user_create(
                username=options["username"],
                organisation=organisation,
                roles=options["roles"],
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                password=password,
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Gebruiker {user.username} aangemaakt bij {organisation.name}.")
        if generated:
            self.stdout.write(f"Wachtwoord (wordt niet opnieuw getoond): {password}")


def _find_organisation(value: str) -> Organisation:
    queryset = Organisation.objects.all()
    found = queryset.filter(pk=int(value)).first() if value.isdigit() else None
    found = found or queryset.filter(name__iexact=value).first()
    if found is None:
        raise CommandError(f"Organisatie {value!r} bestaat niet.")
    return found
