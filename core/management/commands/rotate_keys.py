from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from core import crypto
from core.rotation import encrypted_targets, indexed_models, reindex_model, rotate_target


class Command(BaseCommand):
    help = (
        "Versleutel alle opgeslagen waarden opnieuw met de eerste sleutel uit ENCRYPTION_KEYS. "
        "Mag worden onderbroken (Ctrl-C) en opnieuw gestart: het gaat verder waar het was. "
        "Met --reindex worden ook de blinde indexen herberekend (na wijziging van INDEX_KEY)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--dry-run", action="store_true", help="Alleen tellen")
        parser.add_argument("--reindex", action="store_true")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        primary = crypto.keyring().primary_id
        targets = encrypted_targets()
        counts = {t.label: t.stale().count() for t in targets}
        total = sum(counts.values())
        self.stdout.write(f"Primaire sleutel: {primary}. Te herversleutelen rijen: {total}.")
        for label, count in counts.items():
            if count:
                self.stdout.write(f"  {label}: {count}")
        if options["dry_run"]:
            return
        changed = 0
        with tqdm(
            total=total, unit="rij", desc="Herversleutelen", disable=options["no_progress"]
        ) as bar:
            for target in targets:
                changed += rotate_target(
                    target, batch_size=options["batch_size"], on_row=lambda: bar.update(1)
                )
        # Another process still running with the old key list may have written meanwhile.
        left = {t.label: t.stale().count() for t in targets}
        if any(left.values()):
            listing = ", ".join(f"{label}: {n}" for label, n in left.items() if n)
            raise CommandError(
                f"{changed} rijen herversleuteld, maar er staan nog waarden onder een oude "
                f"sleutel ({listing}). Herstart alle processen met de nieuwe sleutellijst en "
                "draai rotate_keys opnieuw; verwijder de oude sleutel pas daarna."
            )
        self.stdout.write(self.style.SUCCESS(f"Klaar: {changed} rijen herversleuteld."))
        if options["reindex"]:
            reindexed = 0
            for model, fields in indexed_models():
                with tqdm(
                    total=model._default_manager.count(),
                    unit="rij",
                    desc=f"Index {model._meta.label}",
                    disable=options["no_progress"],
                ) as bar:
                    reindexed += reindex_model(
                        model,
                        fields,
                        batch_size=options["batch_size"],
                        on_row=lambda: bar.update(1),
                    )
            self.stdout.write(self.style.SUCCESS(f"Blinde indexen bijgewerkt: {reindexed} rijen."))
