"""Access events: who read, listed, searched, exported or checked which personal data.

Fields follow NEN 7513 and BIO 8.15. Events are recorded by reference (object type and id,
person ids), never with the content that was shown.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("bekeken")
        LIST = "list", _("in lijst getoond")
        SEARCH = "search", _("gezocht")
        EXPORT = "export", _("geëxporteerd")
        PRINT = "print", _("afgedrukt")
        CHECK = "check", _("hit/no-hit-vraag")
        BREAK_GLASS = "break_glass", _("doorbraak (break-the-glass)")

    class Result(models.TextChoices):
        SUCCESS = "success", _("toegestaan")
        DENIED = "denied", _("geweigerd")
        NOT_FOUND = "not_found", _("niet gevonden")
        ERROR = "error", _("fout")

    occurred_at = models.DateTimeField(_("tijdstip"), default=timezone.now, db_index=True)
    # Who: references plus a snapshot, so the event stays readable when names change.
    actor_id = models.BigIntegerField(_("gebruiker-id"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("gebruiker"), max_length=150, blank=True)
    on_behalf_of = models.CharField(_("namens"), max_length=150, blank=True)
    organisation_id = models.BigIntegerField(
        _("organisatie-id"), null=True, blank=True, db_index=True
    )
    organisation_name = models.CharField(_("organisatie"), max_length=200, blank=True)
    role = models.CharField(_("rol"), max_length=200, blank=True)
    # What.
    action = models.CharField(_("handeling"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("soort object"), max_length=100)
    object_id = models.CharField(_("object-id"), max_length=64, blank=True)
    person_ids = models.JSONField(_("betrokken personen"), default=list, blank=True)
    purpose = models.CharField(_("doel / grondslag"), max_length=300, blank=True)
    # Where from, and how it ended.
    client_ip = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)
    request_id = models.CharField(_("verzoek-id"), max_length=64, blank=True)
    result = models.CharField(
        _("resultaat"), max_length=20, choices=Result.choices, default=Result.SUCCESS
    )
    # The chain (audit.chain): position, the previous event's hash, and this event's keyed
    # hash over that and its content. The table is append-only (database triggers).
    seq = models.BigIntegerField(unique=True, null=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("toegangsgebeurtenis")
        verbose_name_plural = _("toegangsgebeurtenissen")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        when = f"{self.occurred_at:%Y-%m-%d %H:%M}"
        return f"{when} {self.actor_username} {self.action} {self.object_type}"


class ChainCheckpoint(models.Model):
    """A verified head of the chain: the next verification starts here."""

    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    verified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"Controlepunt {self.seq}"


class PurgeAnchor(models.Model):
    """What a retention purge removed: the last purged event's position and hash, from which
    the remaining chain is verified. Also the tombstone of the purge."""

    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    purged_count = models.BigIntegerField()
    purged_before = models.DateTimeField()
    purged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"Opschoning tot {self.seq}"
