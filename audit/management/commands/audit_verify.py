from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from audit.chain import record_checkpoint, verify
from audit.models import AccessEvent, ChainCheckpoint


class Command(BaseCommand):
    help = (
        "Controleer de keten van het toegangslogboek van begin tot eind (of vanaf het laatste "
        "controlepunt), in vaste hoeveelheid geheugen. Noemt de eerste gebroken schakel en legt "
        "bij succes een nieuw controlepunt vast."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from-start", action="store_true", help="Niet vanaf het controlepunt")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        start = 0
        last = None if options["from_start"] else ChainCheckpoint.objects.order_by("-seq").first()
        if last is not None:
            start = last.seq
        total = AccessEvent.objects.filter(seq__gt=start).count()
        with tqdm(
            total=total,
            unit="gebeurtenis",
            desc="Keten controleren",
            disable=options["no_progress"],
        ) as bar:
            result = verify(
                from_checkpoint=not options["from_start"],
                batch=options["batch_size"],
                on_event=lambda: bar.update(1),
            )
        if not result.ok:
            raise CommandError(
                f"Keten gebroken bij gebeurtenis {result.broken_seq} (id {result.broken_id}): "
                f"{result.reason}. Gecontroleerd tot en met {result.head_seq}."
            )
        record_checkpoint(result)
        self.stdout.write(
            self.style.SUCCESS(
                f"Keten in orde: {result.checked} gebeurtenissen gecontroleerd, "
                f"kop {result.head_seq}."
            )
        )
