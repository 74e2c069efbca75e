from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import ServiceError
from partners.services import organisation_create


class Command(BaseCommand):
    help = "Voeg een partnerorganisatie toe (zonder vragen, voor scripts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Naam van de organisatie")
        parser.add_argument("--kind", required=True, help="Code van de soort, bijv. politie, ggz")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organisation = organisation_create(name=options["name"], kind_code=options["kind"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Organisatie {organisation.name} aangemaakt (id {organisation.pk}).")
