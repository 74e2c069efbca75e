from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from demo.constants import DEMO_PASSWORD
from demo.data import load_demo


class Command(BaseCommand):
    help = "Laad de demogegevens uit de scenario's (alleen in demomodus; mag vaker draaien)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = load_demo()
        self.stdout.write(f"Demogegevens geladen: {len(users)} demogebruikers.")
        self.stdout.write(f"Wachtwoord voor alle demogebruikers: {DEMO_PASSWORD}")
