"""Legal bases, consent and the covenant (WGS/BGS): on what ground may which organisation
receive which information about whom.

A contribution is visible only where the participation grants its category **and** a valid
legal basis exists for that organisation, that person (or all persons of the case) and that
category (DESIGN.md §6.2). The covenant's matrix supplies the statutory bases when an
organisation is granted a category; consent supplies bases per person.
"""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.models import EncryptedModel, TimeStampedModel


class BasisKind(models.TextChoices):
    CONSENT = "avg_6_1_a", _("toestemming (AVG art. 6 lid 1 onder a)")
    LEGAL_DUTY = "avg_6_1_c", _("wettelijke verplichting (AVG art. 6 lid 1 onder c)")
    PUBLIC_TASK = "avg_6_1_e", _("taak van algemeen belang (AVG art. 6 lid 1 onder e)")
    SUBSTANTIAL_INTEREST = "avg_9_2_g", _("zwaarwegend algemeen belang (AVG art. 9 lid 2 onder g)")
    CARE = "avg_9_2_h", _("zorg en behandeling (AVG art. 9 lid 2 onder h)")
    CRIMINAL = "uavg_33", _("strafrechtelijke gegevens (UAVG art. 33)")
    WGS = "wgs", _("Wet gegevensverwerking samenwerkingsverbanden / BGS")


class SecrecyRoute(models.TextChoices):
    """How an organisation bound by professional secrecy may share."""

    NONE = "", _("geen beroepsgeheim")
    CONSENT = "toestemming", _("toestemming van betrokkene")
    LEGAL_DUTY = "wettelijke_plicht", _("wettelijke plicht")
    CONFLICT_OF_DUTIES = "conflict_van_plichten", _("conflict van plichten")
    REPORTING_RIGHT = "meldrecht", _("meldrecht")


class Ground(models.Model):
    """A category and the ground on which it may be received (a matrix cell, a basis)."""

    category = models.ForeignKey(
        "caseroom.InformationCategory",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("informatiecategorie"),
    )
    kind = models.CharField(_("grondslag"), max_length=20, choices=BasisKind.choices)
    secrecy_route = models.CharField(
        _("route bij beroepsgeheim"), max_length=30, choices=SecrecyRoute.choices, blank=True
    )
    provision = models.CharField(_("bepaling"), max_length=200, blank=True)

    class Meta:
        abstract = True


class Covenant(TimeStampedModel):
    """The covenant of a ZVH's partnership, in versions. Only a concept is edited; activating
    it supersedes the active version."""

    class Status(models.TextChoices):
        DRAFT = "concept", _("concept")
        ACTIVE = "actief", _("actief")
        SUPERSEDED = "vervangen", _("vervangen")

    name = models.CharField(_("naam"), max_length=200)
    version = models.PositiveIntegerField(_("versie"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    valid_from = models.DateField(_("geldig vanaf"), null=True, blank=True)
    note = models.TextField(_("toelichting"), blank=True)
    organisations = models.ManyToManyField(
        "partners.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("deelnemende organisaties"),
    )

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("convenant")
        verbose_name_plural = _("convenanten")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="consent_covenant_version"),
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="actief"), name="consent_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.get_status_display()})"


class CovenantPurpose(models.Model):
    """The purpose of processing per meeting type, and how long its data are kept after the
    case closes."""

    covenant = models.ForeignKey(Covenant, on_delete=models.CASCADE, related_name="purposes")
    meeting_type = models.ForeignKey(
        "caseroom.MeetingType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("soort overleg"),
    )
    purpose = models.TextField(_("doel"))
    retention_months = models.PositiveIntegerField(
        _("bewaartermijn (maanden na afsluiting)"), default=60
    )

    class Meta:
        verbose_name = _("doel per soort overleg")
        verbose_name_plural = _("doelen per soort overleg")
        constraints = [
            models.UniqueConstraint(
                fields=["covenant", "meeting_type"], name="consent_purpose_per_type"
            )
        ]

    def __str__(self) -> str:
        return str(self.meeting_type)


class CovenantRule(Ground):
    """One cell of the matrix: organisations of this kind may receive this category on this
    basis. A rule with the consent kind says the route exists but needs a person's consent."""

    covenant = models.ForeignKey(Covenant, on_delete=models.CASCADE, related_name="rules")
    organisation_kind = models.ForeignKey(
        "partners.OrganisationKind",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("soort organisatie"),
    )

    class Meta:
        ordering = ["organisation_kind", "category"]
        verbose_name = _("regel van de matrix")
        verbose_name_plural = _("matrix: wie mag wat ontvangen")
        constraints = [
            models.UniqueConstraint(
                fields=["covenant", "organisation_kind", "category"], name="consent_rule_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_kind} · {self.category}: {self.get_kind_display()}"


class Consent(EncryptedModel):
    """A person's consent to share, with its scope. Withdrawal ends every legal basis that
    rests on it at once."""

    class Recorded(models.TextChoices):
        WRITTEN = "schriftelijk", _("schriftelijk (getekend formulier)")
        ORAL = "mondeling", _("mondeling (vastgelegd door medewerker)")
        DIGITAL = "digitaal", _("digitaal")

    person = models.ForeignKey("persons.Person", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("caseroom.Case", on_delete=models.CASCADE, related_name="consents")
    organisations = models.ManyToManyField(
        "partners.Organisation", related_name="+", verbose_name=_("organisaties")
    )
    categories = models.ManyToManyField(
        "caseroom.InformationCategory", related_name="+", verbose_name=_("categorieën")
    )
    given_at = models.DateTimeField(_("gegeven op"), default=timezone.now)
    recorded_how = models.CharField(_("vastgelegd"), max_length=20, choices=Recorded.choices)
    note = EncryptedTextField(_("toelichting"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("toestemming")
        verbose_name_plural = _("toestemmingen")

    def __str__(self) -> str:
        return f"Toestemming {str(self.pk)[:8]}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class LegalBasisQuerySet(models.QuerySet["LegalBasis"]):
    def valid(self, *, on: datetime.date | None = None) -> LegalBasisQuerySet:
        """Bases in force today (or on a date): started, not ended, not past their end date."""
        day = on or timezone.localdate()
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            valid_from__lte=day,
            ended_at__isnull=True,
        )


class LegalBasis(EncryptedModel, Ground):
    """The ground on which one organisation may receive one category about one person (or,
    with no person, about all persons) of one case."""

    case = models.ForeignKey("caseroom.Case", on_delete=models.CASCADE, related_name="bases")
    organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    person = models.ForeignKey(
        "persons.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("betrokkene"),
        help_text=_("Leeg: alle personen in de casus."),
    )
    motivation = EncryptedTextField(
        _("noodzaak, proportionaliteit en subsidiariteit"), blank=True, default=""
    )
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="bases"
    )
    covenant_rule = models.ForeignKey(
        CovenantRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    valid_from = models.DateField(_("geldig vanaf"), default=timezone.localdate)
    valid_until = models.DateField(_("geldig tot en met"), null=True, blank=True)
    ended_at = models.DateTimeField(_("beëindigd op"), null=True, blank=True)
    end_reason = models.CharField(_("reden van beëindiging"), max_length=300, blank=True)
    # Set when a consent in the same case was withdrawn and this share rests on another
    # basis: the procesregisseur checks it still holds.
    needs_review = models.BooleanField(_("opnieuw beoordelen"), default=False)

    objects = LegalBasisQuerySet.as_manager()

    class Meta:
        ordering = ["case", "organisation", "category"]
        verbose_name = _("grondslag")
        verbose_name_plural = _("grondslagen")
        indexes = [models.Index(fields=["case", "organisation", "category"])]

    def __str__(self) -> str:
        return f"Grondslag {str(self.pk)[:8]}"


class Retention(TimeStampedModel):
    """Where a closed case stands in its retention: when its personal data are due for
    removal, whether a legal hold blocks that, and when it was first listed as due (the
    privacy officer's dry-run list; removal follows RETENTION_NOTICE_DAYS later)."""

    case = models.OneToOneField("caseroom.Case", on_delete=models.CASCADE, related_name="retention")
    months = models.PositiveIntegerField(_("bewaartermijn (maanden)"))
    source = models.CharField(_("grond van de termijn"), max_length=200)
    due_on = models.DateField(_("te verwijderen vanaf"))
    announced_on = models.DateField(_("aangekondigd op"), null=True, blank=True)
    legal_hold = models.BooleanField(_("bewaarplicht (legal hold)"), default=False)
    hold_reason = models.CharField(_("reden bewaarplicht"), max_length=300, blank=True)
    hold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    hold_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on"]
        verbose_name = _("bewaartermijn")
        verbose_name_plural = _("bewaartermijnen")

    def __str__(self) -> str:
        return f"Bewaartermijn casus {self.case_id}"


class RetentionExtension(EncryptedModel):
    """A longer retention for one case: asked with a reason, decided by someone else."""

    class Status(models.TextChoices):
        REQUESTED = "aangevraagd", _("aangevraagd")
        APPROVED = "goedgekeurd", _("goedgekeurd")
        REJECTED = "afgewezen", _("afgewezen")

    case = models.ForeignKey(
        "caseroom.Case", on_delete=models.CASCADE, related_name="retention_extensions"
    )
    until = models.DateField(_("bewaren tot en met"))
    reason = EncryptedTextField(_("reden"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("verlenging bewaartermijn")
        verbose_name_plural = _("verlengingen bewaartermijn")

    def __str__(self) -> str:
        return f"Verlenging {str(self.pk)[:8]}"


class CaseTombstone(models.Model):
    """What remains of a case whose personal data were removed: its number, dates and
    counts. No persons, no content."""

    case_number = models.CharField(_("casusnummer"), max_length=30)
    house_organisation_id = models.BigIntegerField()
    house_name = models.CharField(_("huis"), max_length=200)
    target_group = models.CharField(_("doelgroep"), max_length=100, blank=True)
    opened_at = models.DateTimeField(_("geopend op"))
    closed_at = models.DateTimeField(_("afgesloten op"))
    closure_reason = models.CharField(_("reden van afsluiting"), max_length=40, blank=True)
    retention_months = models.PositiveIntegerField()
    retention_source = models.CharField(max_length=200)
    due_on = models.DateField()
    purged_at = models.DateTimeField(_("verwijderd op"), default=timezone.now)
    counts = models.JSONField(_("aantallen"), default=dict)

    class Meta:
        ordering = ["-purged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["house_organisation_id", "case_number"], name="consent_tombstone_once"
            )
        ]
        verbose_name = _("grafsteen van een casus")
        verbose_name_plural = _("grafstenen van casussen")

    def __str__(self) -> str:
        return f"{self.case_number} (verwijderd)"


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


class SubjectRequest(EncryptedModel):
    """A data subject's request (AVG art. 15–18), taken in by any partner as the one contact
    point, answered by the joint controllers within a month (extendable by two, with a
    reason)."""

    class Kind(models.TextChoices):
        ACCESS = "inzage", _("inzage (art. 15)")
        RECTIFICATION = "correctie", _("correctie (art. 16)")
        RESTRICTION = "beperking", _("beperking (art. 18)")
        ERASURE = "verwijdering", _("verwijdering (art. 17)")

    class Status(models.TextChoices):
        RECEIVED = "ontvangen", _("ontvangen")
        IN_PROGRESS = "in_behandeling", _("in behandeling")
        DONE = "afgehandeld", _("afgehandeld")
        REFUSED = "afgewezen", _("afgewezen")

    OPEN = (Status.RECEIVED, Status.IN_PROGRESS)

    kind = models.CharField(_("soort verzoek"), max_length=20, choices=Kind.choices)
    person = models.ForeignKey(
        "persons.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contactpunt"),
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("ontvangen op"), default=timezone.localdate)
    description = EncryptedTextField(_("omschrijving van het verzoek"))
    identity_checked = models.CharField(_("identiteit vastgesteld met"), max_length=100)
    due_on = models.DateField(_("uiterste datum"))
    extended_to = models.DateField(_("verlengd tot"), null=True, blank=True)
    extension_reason = EncryptedTextField(_("reden verlenging"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    outcome = EncryptedTextField(_("uitkomst"), blank=True, default="")
    report_released_at = models.DateTimeField(_("rapport vrijgegeven op"), null=True, blank=True)
    report_released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    closed_at = models.DateTimeField(_("afgesloten op"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["due_on", "created_at"]
        verbose_name = _("verzoek van betrokkene")
        verbose_name_plural = _("verzoeken van betrokkenen")

    def __str__(self) -> str:
        return f"Verzoek {str(self.pk)[:8]} ({self.kind})"

    @property
    def deadline(self) -> datetime.date:
        return self.extended_to or self.due_on

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and (today or timezone.localdate()) > self.deadline


class SubjectRequestTask(EncryptedModel):
    """One joint controller's part of a request: search its own records, report back."""

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="tasks")
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    note = EncryptedTextField(_("bevindingen"), blank=True, default="")
    done_at = models.DateTimeField(_("gereed op"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("taak bij een verzoek")
        verbose_name_plural = _("taken bij verzoeken")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "organisation"], name="consent_task_per_controller"
            )
        ]

    def __str__(self) -> str:
        return f"Taak {str(self.pk)[:8]}"
