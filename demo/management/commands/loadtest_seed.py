from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.loadtest.seed import seed_load


class Command(BaseCommand):
    help = (
        "Gegevens voor de belastingtest: de demoscenario's, extra casussen, aanmeldingen, één "
        "gebruiker per virtuele gebruiker en serviceaccounts. Schrijft inloggegevens naar "
        "--out (alleen in demomodus, op een wegwerpdatabase)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="Pad voor het manifest (JSON)")
        parser.add_argument("--partners", type=int, default=4)
        parser.add_argument("--regisseurs", type=int, default=1)
        parser.add_argument("--privacy", type=int, default=1)
        parser.add_argument("--service-accounts", type=int, default=1)
        parser.add_argument("--cases", type=int, default=60)
        parser.add_argument("--pending", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = seed_load(
            partners=options["partners"],
            regisseurs=options["regisseurs"],
            privacy=options["privacy"],
            service_accounts=options["service_accounts"],
            cases=options["cases"],
            pending=options["pending"],
        )
        path = Path(options["out"])
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle)
        users = sum(len(group) for group in manifest["users"].values())
        self.stdout.write(
            f"Belastingtest: {len(manifest['case_numbers'])} casussen, {users} gebruikers."
        )
