"""The case record: houses, referrals, cases, participations, contributions, the timeline,
and the object grants that decide who sees what (DESIGN.md §6)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.fields import EncryptedBinaryField, EncryptedCharField, EncryptedTextField
from core.models import EncryptedModel, TimeStampedModel


class InformationCategory(models.Model):
    """A kind of information a participation may grant (basis, politie, zorg, …).

    Each category has its own permission on ``Case``; granting the category to an
    organisation in a case is a group object permission with that permission."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("omschrijving"), max_length=100)
    is_special = models.BooleanField(
        _("bijzondere of strafrechtelijke gegevens"),
        default=False,
        help_text=_("Nooit standaard zichtbaar; alleen na uitdrukkelijke toekenning."),
    )
    permission = models.OneToOneField(
        Permission, on_delete=models.PROTECT, related_name="+", editable=False
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("informatiecategorie")
        verbose_name_plural = _("informatiecategorieën")

    def __str__(self) -> str:
        return self.label


class TargetGroup(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("omschrijving"), max_length=100)

    class Meta:
        ordering = ["label"]
        verbose_name = _("doelgroep")
        verbose_name_plural = _("doelgroepen")

    def __str__(self) -> str:
        return self.label


class House(models.Model):
    """A Zorg- en Veiligheidshuis. Its organisation's procesregisseurs run its cases."""

    name = models.CharField(_("naam"), max_length=200, unique=True)
    organisation = models.OneToOneField(
        "partners.Organisation",
        on_delete=models.PROTECT,
        related_name="house",
        verbose_name=_("organisatie"),
    )
    # Case numbers are unique installation-wide and each house counts its own: one prefix
    # per house keeps the numbers of two houses apart.
    case_prefix = models.CharField(
        _("voorvoegsel casusnummer"),
        max_length=10,
        validators=[RegexValidator(r"^[A-Z0-9]+$", _("Gebruik alleen hoofdletters en cijfers."))],
        help_text=_("Staat voor elk casusnummer van dit huis, bijvoorbeeld ZVH-2025-0001."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("Zorg- en Veiligheidshuis")
        verbose_name_plural = _("Zorg- en Veiligheidshuizen")
        constraints = [
            models.UniqueConstraint(
                fields=["case_prefix"],
                name="house_case_prefix_unique",
                violation_error_code="unique",
                violation_error_message=_(
                    "Een ander Zorg- en Veiligheidshuis gebruikt dit voorvoegsel al; kies een "
                    "ander voorvoegsel."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CaseNumberCounter(models.Model):
    house = models.ForeignKey(House, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["house", "year"], name="case_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.house_id}/{self.year}: {self.last}"


class Referral(EncryptedModel):
    """An aanmelding: a partner asks the house to take a case in."""

    class Status(models.TextChoices):
        SUBMITTED = "ingediend", _("ingediend")
        ACCEPTED = "geaccepteerd", _("geaccepteerd")
        ADVICE = "advies", _("advies gegeven")
        REDIRECTED = "doorverwezen", _("doorverwezen")
        REJECTED = "afgewezen", _("afgewezen")

    DECISIONS = (Status.ACCEPTED, Status.ADVICE, Status.REDIRECTED, Status.REJECTED)
    # Set by selectors.mark_referral_persons: the persons this user may see.
    visible_persons: Sequence[Any] = ()

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="referrals")
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referring_organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="referrals_made"
    )
    persons = models.ManyToManyField("persons.Person", related_name="referrals")
    reason = EncryptedTextField(_("reden van aanmelding"))
    goal = EncryptedTextField(_("doel"))
    invited_organisations = models.ManyToManyField(
        "partners.Organisation", blank=True, related_name="+", verbose_name=_("uit te nodigen")
    )
    person_informed = models.BooleanField(_("betrokkene is geïnformeerd"))
    not_informed_reason = EncryptedTextField(_("waarom niet geïnformeerd"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    # Triage against the four national criteria (DESIGN.md §4).
    criterion_domains = models.BooleanField(_("problemen op meerdere leefgebieden"), default=False)
    criterion_chains = models.BooleanField(_("ketenoverstijgende aanpak nodig"), default=False)
    criterion_system = models.BooleanField(_("wisselwerking met systeem/omgeving"), default=False)
    criterion_safety = models.BooleanField(
        _("ernstige lokale veiligheidsproblematiek"), default=False
    )
    decision_note = EncryptedTextField(_("toelichting besluit"), blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("besloten op"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("aanmelding")
        verbose_name_plural = _("aanmeldingen")

    def __str__(self) -> str:
        return f"Aanmelding {str(self.pk)[:8]}"

    @property
    def meets_criteria(self) -> bool:
        return (
            self.criterion_domains and self.criterion_chains and self.criterion_system
        ) or self.criterion_safety


class Case(TimeStampedModel):
    class Status(models.TextChoices):
        REGISTERED = "aangemeld", _("aangemeld")
        IN_PROGRESS = "in_behandeling", _("in behandeling")
        MONITORING = "monitoring", _("monitoring")
        CLOSED = "afgesloten", _("afgesloten")

    class ClosureReason(models.TextChoices):
        GOAL_REACHED = "doel_bereikt", _("doel bereikt")
        REDUCED = "afgeschaald", _("afgeschaald naar reguliere zorg")
        MOVED = "verhuisd", _("betrokkene verhuisd")
        DECEASED = "overleden", _("betrokkene overleden")
        DETAINED = "detentie", _("langdurige detentie")
        NO_COOPERATION = "geen_medewerking", _("geen grondslag of medewerking")
        OTHER = "anders", _("anders")

    ACTIVE = (Status.REGISTERED, Status.IN_PROGRESS, Status.MONITORING)
    # Where a case may go from each status: forward, back from monitoring when things go
    # wrong again, closed (with a reason) from any open status, and reopened when closed.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.REGISTERED: (Status.IN_PROGRESS, Status.CLOSED),
        Status.IN_PROGRESS: (Status.MONITORING, Status.CLOSED),
        Status.MONITORING: (Status.IN_PROGRESS, Status.CLOSED),
        Status.CLOSED: (Status.IN_PROGRESS,),
    }
    # Set per page by selectors.mark_person_visibility: may the user see who the persons are?
    shows_persons: bool = False

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="cases")
    number = models.CharField(_("casusnummer"), max_length=30, unique=True)
    referral = models.OneToOneField(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="case"
    )
    target_group = models.ForeignKey(
        TargetGroup, on_delete=models.PROTECT, related_name="cases", verbose_name=_("doelgroep")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    closure_reason = models.CharField(
        _("reden van afsluiting"), max_length=30, choices=ClosureReason.choices, blank=True
    )
    opened_at = models.DateTimeField(_("geopend op"), default=timezone.now)
    closed_at = models.DateTimeField(_("afgesloten op"), null=True, blank=True)
    procesregisseur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("procesregisseur"),
    )
    lead_organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("regiehouder"),
    )
    # The last timeline event or agenda item: the stall sweep finds cases without progress
    # from an index instead of reading every case.
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("casus")
        verbose_name_plural = _("casussen")
        indexes = [
            models.Index(fields=["-opened_at", "-id"], name="case_opened_idx"),
            # Stall sweep: active cases without lead organisation, and without progress.
            models.Index(
                fields=["opened_at"],
                condition=Q(lead_organisation__isnull=True) & ~Q(status="afgesloten"),
                name="case_no_lead_idx",
            ),
            models.Index(
                fields=["last_activity_at"],
                condition=~Q(status="afgesloten"),
                name="case_activity_idx",
            ),
            models.Index(fields=["status"], name="case_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="afgesloten", closed_at__isnull=False)
                | (~Q(status="afgesloten") & Q(closed_at__isnull=True)),
                name="case_closed_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CLOSED

    # The case selectors read the person links of a whole page in one query into this list
    # (a ``Prefetch`` with ``to_attr``: no queryset per case, which Django's usual prefetch
    # builds and which cost a list page about 4 ms).
    PREFETCHED_LINKS = "prefetched_links"

    def linked_persons(self) -> list[CasePerson]:
        """The case's person links, each with its person, in the order they were added
        (``CasePerson.Meta.ordering``)."""
        links: list[CasePerson] | None = getattr(self, self.PREFETCHED_LINKS, None)
        if links is None:
            links = list(self.case_persons.select_related("person"))
        return links


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """An organisation's grant on a case: ``view_case`` or one category permission.
    Written by services together with the participation that causes it."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
    expires_at = models.DateTimeField(null=True, blank=True)
    # A copy of the case's opening time (which never changes after opening): a page of an
    # organisation's cases is then read straight from the grant index, in list order.
    case_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        # Cover the access predicate (group, permission, case → expiry) and the list order
        # with index-only scans on PostgreSQL; other databases get the plain indexes.
        indexes = [
            models.Index(
                fields=["group", "permission", "content_object"],
                include=["expires_at"],
                name="case_grant_lookup_idx",
            ),
            models.Index(
                fields=["group", "permission", "-case_opened_at", "-content_object"],
                include=["expires_at"],
                name="case_grant_order_idx",
            ),
        ]


class CaseUserObjectPermission(UserObjectPermissionBase):
    """A personal, expiring grant on a case: break-the-glass."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
    expires_at = models.DateTimeField(null=True, blank=True)


class CasePerson(models.Model):
    class Role(models.TextChoices):
        DADER = "dader", _("dader / pleger")
        SLACHTOFFER = "slachtoffer", _("slachtoffer")
        BETROKKENE = "betrokkene", _("betrokkene")
        GEZINSLID = "gezinslid", _("gezinslid")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_persons")
    person = models.ForeignKey(
        "persons.Person", on_delete=models.PROTECT, related_name="case_links"
    )
    role = models.CharField(_("rol in casus"), max_length=20, choices=Role.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("persoon in casus")
        verbose_name_plural = _("personen in casus")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "role"], name="case_person_role_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.role}"


class GroupRecord(TimeStampedModel):
    """A youth group (S3): classified as a whole, linked to its members and their cases."""

    class Classification(models.TextChoices):
        HINDERLIJK = "hinderlijk", _("hinderlijk")
        OVERLASTGEVEND = "overlastgevend", _("overlastgevend")
        CRIMINEEL = "crimineel", _("crimineel")

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="group_records")
    name = models.CharField(
        _("naam"),
        max_length=200,
        help_text=_("Een neutrale naam, bijvoorbeeld naar de plek; geen namen van personen."),
    )
    classification = models.CharField(
        _("classificatie"), max_length=20, choices=Classification.choices
    )
    classification_category = models.ForeignKey(
        InformationCategory,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Wie deze categorie in een gekoppelde casus mag zien, ziet de classificatie."),
    )
    members = models.ManyToManyField("persons.Person", blank=True, related_name="group_records")
    cases = models.ManyToManyField(Case, blank=True, related_name="group_records")

    class Meta:
        verbose_name = _("groep")
        verbose_name_plural = _("groepen")

    def __str__(self) -> str:
        # Never the name: it can name a family and ends up in change logs.
        return f"Groep {self.pk}"


class Participation(EncryptedModel):
    """An organisation taking part in a case, with the categories it may see."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="participations"
    )
    categories = models.ManyToManyField(InformationCategory, related_name="+")
    since = models.DateField(_("sinds"), default=timezone.localdate)
    until = models.DateField(_("tot en met"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("teruggetrokken op"), null=True, blank=True)
    withdrawal_reason = EncryptedTextField(_("reden van terugtrekking"), blank=True, default="")
    # Set by the stall sweep once it asked whether this withdrawal left a category uncovered:
    # each run reads only the withdrawals not yet checked.
    coverage_checked_at = models.DateTimeField(
        _("dekking gecontroleerd op"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("deelname")
        verbose_name_plural = _("deelnames")
        indexes = [
            # Stall sweep: withdrawals whose coverage is not checked yet.
            models.Index(
                fields=["withdrawn_at"],
                condition=Q(withdrawn_at__isnull=False, coverage_checked_at__isnull=True),
                name="participation_unchecked_idx",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organisation"],
                condition=Q(withdrawn_at__isnull=True),
                name="participation_one_active_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"Deelname {str(self.pk)[:8]}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None and (
            self.until is None or self.until >= timezone.localdate()
        )


class Contribution(EncryptedModel):
    """Information a partner brings in about a person in a case, in one category.
    Never edited: assessments of different partners stand side by side."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contributions")
    person = models.ForeignKey(
        "persons.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        InformationCategory, on_delete=models.PROTECT, related_name="contributions"
    )
    text = EncryptedTextField(_("inbreng"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="contributions"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("informatie-inbreng")
        verbose_name_plural = _("informatie-inbreng")
        indexes = [models.Index(fields=["case", "-created_at"], name="contribution_case_idx")]

    def __str__(self) -> str:
        return f"Inbreng {str(self.pk)[:8]}"


class Attachment(EncryptedModel):
    contribution = models.ForeignKey(
        Contribution, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = EncryptedCharField(_("bestandsnaam"), plain_max_length=255)
    content_type = models.CharField(_("soort bestand"), max_length=100)
    size = models.PositiveIntegerField(_("grootte (bytes)"))
    data = EncryptedBinaryField()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("bijlage")
        verbose_name_plural = _("bijlagen")

    def __str__(self) -> str:
        return f"Bijlage {str(self.pk)[:8]}"


class BreakGlassAccess(EncryptedModel):
    """Opening a case outside one's participation, with a typed reason. Its review is an item
    of the privacy officer's review queue (audit.ReviewItem, source caseroom.breakglassaccess)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass_uses")
    reason = EncryptedTextField(_("reden"))
    categories = models.ManyToManyField(InformationCategory, related_name="+")
    expires_at = models.DateTimeField(_("verloopt op"))
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("doorbraak (break-the-glass)")
        verbose_name_plural = _("doorbraken (break-the-glass)")

    def __str__(self) -> str:
        return f"Doorbraak {str(self.pk)[:8]}"


class CaseEvent(models.Model):
    """One line of the case timeline. Holds references and codes, never case content."""

    class Kind(models.TextChoices):
        REFERRAL_SUBMITTED = "referral_submitted", _("aanmelding ingediend")
        CASE_OPENED = "case_opened", _("casus geopend")
        STATUS_CHANGED = "status_changed", _("status gewijzigd")
        LEAD_CHANGED = "lead_changed", _("regiehouder gewijzigd")
        PERSON_ADDED = "person_added", _("persoon toegevoegd")
        PARTICIPANT_ADDED = "participant_added", _("deelnemer toegevoegd")
        CATEGORIES_CHANGED = "categories_changed", _("categorieën gewijzigd")
        PARTICIPANT_WITHDRAWN = "participant_withdrawn", _("deelnemer teruggetrokken")
        CONTRIBUTION_ADDED = "contribution_added", _("informatie ingebracht")
        BREAK_GLASS = "break_glass", _("doorbraak (break-the-glass)")
        GROUP_LINKED = "group_linked", _("gekoppeld aan groep")
        CONSENT_GIVEN = "consent_given", _("toestemming vastgelegd")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("toestemming ingetrokken")
        ESCALATED = "escalated", _("geëscaleerd")
        ESCALATION_RESPONSE = "escalation_response", _("reactie op escalatie")
        ESCALATION_CLOSED = "escalation_closed", _("escalatie afgesloten")
        DIRECTIVE = "directive", _("besluit doorzettingsmacht")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set when the event itself reveals information of a category (a contribution).
    category = models.ForeignKey(
        InformationCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["case", "occurred_at"], name="case_event_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


# --- casusoverleg -----------------------------------------------------------------------------


class MeetingType(models.Model):
    """A kind of meeting (casusoverleg, justitieel casusoverleg, …). When ``allowed_kinds`` is
    not empty, only organisations of those kinds can be invited."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("omschrijving"), max_length=100)
    allowed_kinds = models.ManyToManyField(
        "partners.OrganisationKind",
        blank=True,
        related_name="+",
        verbose_name=_("toegestane soorten organisaties"),
    )

    class Meta:
        ordering = ["label"]
        verbose_name = _("soort overleg")
        verbose_name_plural = _("soorten overleg")

    def __str__(self) -> str:
        return self.label


class Meeting(TimeStampedModel):
    class Status(models.TextChoices):
        PLANNED = "gepland", _("gepland")
        HELD = "gehouden", _("gehouden")
        CANCELLED = "geannuleerd", _("geannuleerd")

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="meetings")
    meeting_type = models.ForeignKey(
        MeetingType, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("soort")
    )
    starts_at = models.DateTimeField(_("datum en tijd"))
    location = models.CharField(_("plaats"), max_length=200, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("voorzitter"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    # Meetings planned together as a recurring series share this id.
    series = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("casusoverleg")
        verbose_name_plural = _("casusoverleggen")

    def __str__(self) -> str:
        return f"{self.meeting_type} {self.starts_at:%Y-%m-%d}"


class AgendaItem(EncryptedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)
    question = EncryptedTextField(_("vraag aan het overleg"), blank=True, default="")

    class Meta:
        ordering = ["position", "created_at"]
        verbose_name = _("agendapunt")
        verbose_name_plural = _("agendapunten")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="agenda_item_case_once")
        ]

    def __str__(self) -> str:
        return f"Agendapunt {str(self.pk)[:8]}"


class Attendee(TimeStampedModel):
    """An organisation (and optionally a named person) invited to a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    present = models.BooleanField(_("aanwezig"), default=False)
    ad_hoc = models.BooleanField(_("incidenteel aanwezig"), default=False)
    confidentiality_signed_at = models.DateTimeField(
        _("geheimhoudingsverklaring getekend op"), null=True, blank=True
    )
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("deelnemer overleg")
        verbose_name_plural = _("deelnemers overleg")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "organisation"], name="attendee_organisation_once"
            )
        ]

    def __str__(self) -> str:
        return f"Deelnemer {self.pk}"

    @property
    def may_see(self) -> bool:
        return not self.ad_hoc or self.confidentiality_signed_at is not None


class Minutes(EncryptedModel):
    """The minutes of one agenda item. Saved with the version it was read at (optimistic
    locking); once approved (vastgesteld) it changes only by an amendment with a reason."""

    class Status(models.TextChoices):
        DRAFT = "concept", _("concept")
        APPROVED = "vastgesteld", _("vastgesteld")

    agenda_item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="minutes")
    # Minutes are shown to the organisations that may see this category in the case, like a
    # contribution: the chair picks zorg when the discussion was about health.
    category = models.ForeignKey(
        InformationCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("informatiecategorie"),
    )
    text = EncryptedTextField(_("verslag"), blank=True, default="")
    decisions = EncryptedTextField(_("besluiten"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verslag")
        verbose_name_plural = _("verslagen")

    def __str__(self) -> str:
        return f"Verslag {str(self.pk)[:8]}"


class MinutesVersion(EncryptedModel):
    """Every saved text, including one that lost a conflict: nothing typed is lost."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    text = EncryptedTextField(blank=True, default="")
    decisions = EncryptedTextField(blank=True, default="")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(_("reden van wijziging"), blank=True, default="")
    conflicted = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Versie {self.version}"


class LifeDomain(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(_("leefgebied"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("leefgebied")
        verbose_name_plural = _("leefgebieden")

    def __str__(self) -> str:
        return self.label


class Plan(TimeStampedModel):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="plan")

    class Meta:
        verbose_name = _("plan van aanpak")
        verbose_name_plural = _("plannen van aanpak")

    def __str__(self) -> str:
        return f"Plan {self.case_id}"


class Goal(EncryptedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    domain = models.ForeignKey(LifeDomain, on_delete=models.PROTECT, related_name="+")
    description = EncryptedTextField(_("doel"))

    class Meta:
        ordering = ["domain__position", "created_at"]
        verbose_name = _("doel")
        verbose_name_plural = _("doelen")

    def __str__(self) -> str:
        return f"Doel {str(self.pk)[:8]}"


class PlanAgreement(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="agreements")
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agreed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "organisation"], name="plan_agreement_once")
        ]

    def __str__(self) -> str:
        return f"Akkoord {self.pk}"


class Action(EncryptedModel):
    """An afspraak: who does what by when."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_uitvoering", _("in uitvoering")
        DONE = "afgerond", _("afgerond")
        REFUSED = "geweigerd", _("geweigerd")
        BLOCKED = "geblokkeerd", _("geblokkeerd")
        LAPSED = "vervallen", _("vervallen")

    class Obstacle(models.TextChoices):
        """Why a partner refuses or is blocked: will not, or cannot."""

        NONE = "", _("—")
        UNWILLING = "onwil", _("onwil (wil niet)")
        UNABLE = "onmacht", _("onmacht (kan niet)")

    CLOSED = (Status.DONE, Status.REFUSED, Status.LAPSED)
    STALLED = (Status.REFUSED, Status.BLOCKED)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    description = EncryptedTextField(_("afspraak"))
    owner_organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="actions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(_("uiterlijk op"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    note = EncryptedTextField(_("toelichting"), blank=True, default="")
    obstacle = models.CharField(
        _("belemmering"), max_length=10, choices=Obstacle.choices, blank=True, default=""
    )
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "created_at"]
        verbose_name = _("afspraak")
        verbose_name_plural = _("afspraken")
        indexes = [
            models.Index(
                fields=["owner_organisation", "status", "due_date"], name="action_owner_idx"
            ),
            models.Index(fields=["status", "due_date"], name="action_due_idx"),
        ]

    def __str__(self) -> str:
        return f"Afspraak {str(self.pk)[:8]}"

    @property
    def is_overdue(self) -> bool:
        return self.status not in self.CLOSED and self.due_date < timezone.localdate()


class ActionEvent(models.Model):
    """History of an action: every status change, who, when (the note is on the action)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="history")
    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    old_status = models.CharField(max_length=20, blank=True)
    new_status = models.CharField(max_length=20)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.old_status} → {self.new_status}"
