from __future__ import annotations

import uuid
from functools import cached_property

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.roles import Role, role_group_name


class OrganisationKind(models.Model):
    """A kind of partner organisation (politie, OM, GGZ, …): a list the beheerder maintains."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("omschrijving"), max_length=100)

    class Meta:
        ordering = ["label"]
        verbose_name = _("soort organisatie")
        verbose_name_plural = _("soorten organisaties")

    def __str__(self) -> str:
        return self.label


class Organisation(models.Model):
    """A partner organisation (ketenpartner). Its group carries the organisation's object grants."""

    name = models.CharField(_("naam"), max_length=200)
    kind = models.ForeignKey(
        OrganisationKind,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("soort"),
    )
    is_active = models.BooleanField(_("actief"), default=True)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="organisation", editable=False
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    GROUP_PREFIX = "organisatie:"

    @classmethod
    def new_group_name(cls) -> str:
        return f"{cls.GROUP_PREFIX}{uuid.uuid4()}"


class User(AbstractUser):
    """A person working for one partner organisation, or a service account of one."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("organisatie"),
    )
    is_service_account = models.BooleanField(
        _("serviceaccount"),
        default=False,
        help_text=_(
            "Een koppeling met een systeem van een ketenpartner; logt alleen in met een API-token."
        ),
    )

    REQUIRED_FIELDS = ["email", "organisation"]

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    def __str__(self) -> str:
        return self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        prefix = role_group_name("")
        names = self.groups.filter(name__startswith=prefix).values_list("name", flat=True)
        return frozenset(name.removeprefix(prefix) for name in names)

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.roles

    @property
    def role_labels(self) -> list[str]:
        return [str(label) for value, label in Role.choices if value in self.roles]


class ApiToken(models.Model):
    """A bearer token for a service account. Only a hash is stored; the token is shown once."""

    account = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("serviceaccount")
    )
    name = models.CharField(_("naam"), max_length=100)
    prefix = models.CharField(_("begin van de token"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("uitgegeven op"), auto_now_add=True)
    expires_at = models.DateTimeField(_("verloopt op"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("laatst gebruikt"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API-token")
        verbose_name_plural = _("API-tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self) -> bool:
        now = timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now
