"""Access events: who read, listed, searched, exported or checked which personal data.

Fields follow NEN 7513 and BIO 8.15. Events are recorded by reference (object type and id,
person ids), never with the content that was shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.models import EncryptedModel


class AccessEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("bekeken")
        LIST = "list", _("in lijst getoond")
        SEARCH = "search", _("gezocht")
        EXPORT = "export", _("geëxporteerd")
        PRINT = "print", _("afgedrukt")
        CHECK = "check", _("hit/no-hit-vraag")
        BREAK_GLASS = "break_glass", _("doorbraak (break-the-glass)")
        DELETE = "delete", _("verwijderd (bewaartermijn of verzoek)")

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


class ReviewItem(EncryptedModel):
    """One item of the privacy officer's review queue: an anomaly found by a rule, or a
    break-the-glass use. Refers to the access event that raised it by its position in the
    chain (the event may later be purged by retention; the item keeps its own snapshot)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_REVIEW = "in_onderzoek", _("in onderzoek")
        UNJUSTIFIED = "gegrond", _("gegrond (onterecht gebruik)")
        JUSTIFIED = "ongegrond", _("ongegrond (terecht gebruik)")

    CLOSED = (Status.UNJUSTIFIED, Status.JUSTIFIED)

    rule = models.CharField(_("regel"), max_length=40, db_index=True)
    event_seq = models.BigIntegerField(_("gebeurtenis"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("tijdstip"), db_index=True)
    actor_id = models.BigIntegerField(_("gebruiker-id"), null=True, blank=True)
    actor_username = models.CharField(_("gebruiker"), max_length=150, blank=True)
    organisation_id = models.BigIntegerField(_("organisatie-id"), null=True, blank=True)
    organisation_name = models.CharField(_("organisatie"), max_length=200, blank=True)
    object_type = models.CharField(_("soort object"), max_length=100, blank=True)
    object_id = models.CharField(_("object-id"), max_length=64, blank=True)
    # What raised it, when that is more than the event (a break-the-glass use).
    source_type = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(_("toelichting"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    findings = EncryptedTextField(_("bevindingen"), blank=True, default="")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("beoordeeld op"), null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("beoordelingsitem")
        verbose_name_plural = _("beoordelingsitems")
        constraints = [
            # Detection runs over overlapping windows: one item per rule and event.
            models.UniqueConstraint(fields=["rule", "event_seq"], name="audit_review_once")
        ]

    def __str__(self) -> str:
        return f"Beoordeling {str(self.pk)[:8]} ({self.rule})"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED


class DetectionCursor(models.Model):
    """How far anomaly detection has looked; the next run starts a little before it."""

    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"Detectie tot {self.until:%Y-%m-%d %H:%M}"
