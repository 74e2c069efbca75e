from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners.models import User
from partners.services import totp_devices_reset


class Command(BaseCommand):
    help = (
        "Verwijder de tweede factor van een gebruiker: bij de volgende inlog koppelt die opnieuw."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"Gebruiker {options['username']!r} bestaat niet.")
        totp_devices_reset(user=user)
        self.stdout.write(f"De tweede factor van {user.username} is verwijderd.")
