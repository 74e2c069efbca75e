from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.exceptions import ServiceError
from partners.management.commands.add_user import _find_organisation
from partners.models import User
from partners.roles import Role
from partners.services import api_token_issue, service_account_create


class Command(BaseCommand):
    help = (
        "Geef een API-token uit voor een serviceaccount van een organisatie. Het account wordt "
        "aangemaakt als het nog niet bestaat. De token wordt eenmalig getoond."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True)
        parser.add_argument("--name", required=True, help="Naam van de koppeling, bijv. 'bvh'")
        parser.add_argument("--role", action="append", choices=Role.values, dest="roles")
        parser.add_argument("--expires-days", type=int, default=365)

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = _find_organisation(options["organisation"])
        username = f"svc-{options['name']}".lower().replace(" ", "-")
        try:
            account = User.objects.filter(username=username, organisation=organisation).first()
            if account is None:
                account = service_account_create(
                    organisation=organisation,
                    name=options["name"],
                    roles=options["roles"] or [Role.KETENPARTNER],
                )
            expires = timezone.now() + timedelta(days=options["expires_days"])
            _, key = api_token_issue(account=account, name=options["name"], expires_at=expires)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Serviceaccount: {account.username} ({organisation.name})")
        self.stdout.write(f"Token (wordt niet opnieuw getoond): {key}")
