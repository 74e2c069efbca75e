"""Stalls, the escalation ladder and the mayor's directive (doorzettingsmacht).

A sweep finds stalls (overdue, refused or blocked actions; a case without a lead
organisation; a needed category left uncovered; no progress); each becomes a `Stall` once.
The procesregisseur escalates step by step along configurable levels; the last step is the
bestuurder's `Directive`, which designates the organisation that must take the case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.models import EncryptedModel, TimeStampedModel


class Stall(TimeStampedModel):
    """Something that stands still in a case, found by the sweep. One open stall per kind
    and action (or per kind and case); the sweep resolves it when it moves again."""

    class Kind(models.TextChoices):
        OVERDUE = "overdue", _("afspraak over de termijn")
        REFUSED = "refused", _("afspraak geweigerd of geblokkeerd")
        NO_LEAD = "no_lead", _("geen regiehouder")
        UNCOVERED = "uncovered", _("categorie niet meer gedekt na terugtrekking")
        NO_PROGRESS = "no_progress", _("geen overleg of voortgang")

    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    case = models.ForeignKey("caseroom.Case", on_delete=models.CASCADE, related_name="stalls")
    action = models.ForeignKey(
        "caseroom.Action", on_delete=models.CASCADE, null=True, blank=True, related_name="stalls"
    )
    found_at = models.DateTimeField(_("gevonden op"), default=timezone.now)
    resolved_at = models.DateTimeField(_("opgelost op"), null=True, blank=True)
    # The reminders and the proposal to escalate, each once (claimed before it is sent).
    owner_reminded_at = models.DateTimeField(null=True, blank=True)
    regisseur_reminded_at = models.DateTimeField(null=True, blank=True)
    proposed_at = models.DateTimeField(_("escalatie voorgesteld op"), null=True, blank=True)

    class Meta:
        ordering = ["found_at"]
        verbose_name = _("stagnatie")
        verbose_name_plural = _("stagnaties")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "action"],
                condition=Q(resolved_at__isnull=True, action__isnull=False),
                name="escalation_stall_once_per_action",
            ),
            models.UniqueConstraint(
                fields=["kind", "case"],
                condition=Q(resolved_at__isnull=True, action__isnull=True),
                name="escalation_stall_once_per_case",
            ),
        ]
        indexes = [
            models.Index(fields=["resolved_at", "found_at"], name="stall_open_idx"),
            # The follow-up claims: the oldest unclaimed open stalls, straight from an index.
            models.Index(
                fields=["found_at"],
                condition=Q(resolved_at__isnull=True, owner_reminded_at__isnull=True),
                name="stall_owner_todo_idx",
            ),
            models.Index(
                fields=["found_at"],
                condition=Q(resolved_at__isnull=True, regisseur_reminded_at__isnull=True),
                name="stall_regisseur_todo_idx",
            ),
            models.Index(
                fields=["found_at"],
                condition=Q(resolved_at__isnull=True, proposed_at__isnull=True),
                name="stall_proposal_todo_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Stagnatie {self.pk} ({self.kind})"


class EscalationLevel(models.Model):
    """A rung of the ladder (configurable): operationeel, tactisch, strategisch,
    bestuurlijk by default, each with its response term."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("omschrijving"), max_length=100)
    position = models.PositiveSmallIntegerField(_("volgorde"), unique=True)
    response_days = models.PositiveIntegerField(_("reactietermijn (dagen)"), default=14)

    class Meta:
        ordering = ["position"]
        verbose_name = _("escalatieniveau")
        verbose_name_plural = _("escalatieniveaus")

    def __str__(self) -> str:
        return self.label


class Escalation(EncryptedModel):
    """One step up the ladder: what stalls, who is addressed, why, and by when an answer is
    due. The next level opens only when this one failed or expired, unless urgency is
    motivated."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        RESOLVED = "opgelost", _("opgelost")
        FAILED = "mislukt", _("mislukt")
        DEESCALATED = "gedeescaleerd", _("gedeëscaleerd")

    case = models.ForeignKey("caseroom.Case", on_delete=models.CASCADE, related_name="escalations")
    level = models.ForeignKey(EscalationLevel, on_delete=models.PROTECT, related_name="+")
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next"
    )
    stalemate = models.BooleanField(_("patstelling"), default=False)
    actions = models.ManyToManyField("caseroom.Action", blank=True, related_name="escalations")
    organisations = models.ManyToManyField(
        "partners.Organisation", related_name="+", verbose_name=_("betrokken organisaties")
    )
    addressed_to = models.CharField(_("gericht aan (persoon of rol)"), max_length=200)
    reason = EncryptedTextField(_("reden"))
    solutions_discussed = EncryptedTextField(
        _("gesprek over oplossingen"),
        blank=True,
        default="",
        help_text=_("Verplicht om het operationele niveau te verlaten."),
    )
    urgency = EncryptedTextField(_("motivering spoed"), blank=True, default="")
    respond_by = models.DateField(_("reactie uiterlijk"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    outcome = EncryptedTextField(_("uitkomst"), blank=True, default="")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("escalatie")
        verbose_name_plural = _("escalaties")

    def __str__(self) -> str:
        return f"Escalatie {str(self.pk)[:8]}"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.OPEN and timezone.localdate() > self.respond_by


class EscalationResponse(EncryptedModel):
    class Kind(models.TextChoices):
        ACCEPTED = "akkoord", _("akkoord")
        COUNTER = "tegenvoorstel", _("tegenvoorstel")
        REFUSED = "geweigerd", _("geweigerd")

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="responses")
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("reactie"), max_length=20, choices=Kind.choices)
    text = EncryptedTextField(_("toelichting"))

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("reactie op escalatie")
        verbose_name_plural = _("reacties op escalaties")

    def __str__(self) -> str:
        return f"Reactie {str(self.pk)[:8]}"


class Directive(EncryptedModel):
    """The mayor's formal designation (doorzettingsmacht) of the organisation that must take
    the coordination of care in a case."""

    class Status(models.TextChoices):
        ISSUED = "genomen", _("besluit genomen")
        COMPLIED = "nagekomen", _("nagekomen")

    case = models.ForeignKey("caseroom.Case", on_delete=models.PROTECT, related_name="directives")
    escalation = models.ForeignKey(
        Escalation, on_delete=models.PROTECT, null=True, blank=True, related_name="directives"
    )
    organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("aangewezen organisatie"),
    )
    categories = models.ManyToManyField("caseroom.InformationCategory", related_name="+")
    consultation_expired = EncryptedTextField(_("waarom de redelijke overlegtermijn is verstreken"))
    interests_weighed = EncryptedTextField(_("afgewogen belangen"))
    proportionality = EncryptedTextField(_("waarom de maatregel evenredig is"))
    comply_by = models.DateField(_("uiterste datum van naleving"))
    objection_route = models.TextField(_("bezwaar en beroep"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ISSUED
    )
    complied_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("besluit doorzettingsmacht")
        verbose_name_plural = _("besluiten doorzettingsmacht")

    def __str__(self) -> str:
        return f"Besluit {str(self.pk)[:8]}"


class PeriodInterpretation(TimeStampedModel):
    """The free-text reading of one house's management information over one period."""

    house = models.ForeignKey("caseroom.House", on_delete=models.CASCADE, related_name="+")
    start = models.DateField(_("van"))
    end = models.DateField(_("tot en met"))
    text = models.TextField(_("duiding"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("duiding van een periode")
        verbose_name_plural = _("duidingen van perioden")
        constraints = [
            models.UniqueConstraint(
                fields=["house", "start", "end"], name="escalation_interpretation_once"
            )
        ]

    def __str__(self) -> str:
        return f"Duiding {self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"
