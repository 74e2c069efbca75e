from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.data import USERS, current_code, require_demo_mode, secret_of


class Command(BaseCommand):
    help = "Toon de huidige tweede-factorcodes van de demogebruikers (alleen in demomodus)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usernames", nargs="*")
        parser.add_argument("--secrets", action="store_true", help="Toon ook de TOTP-geheimen")

    def handle(self, *args: Any, **options: Any) -> None:
        require_demo_mode()
        wanted = options["usernames"] or [row[0] for row in USERS]
        devices = TOTPDevice.objects.filter(
            user__username__in=wanted, confirmed=True
        ).select_related("user")
        for device in sorted(devices, key=lambda d: wanted.index(d.user.username)):
            code, remaining = current_code(device)
            line = f"  {device.user.username:<18} code {code}  (nog {remaining:>2} s geldig)"
            if options["secrets"]:
                line += f"  geheim {secret_of(device)}"
            self.stdout.write(line)
