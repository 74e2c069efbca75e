"""The five roles (DESIGN.md §2). Each role is a Django group with model permissions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROCESREGISSEUR = "procesregisseur", _("Procesregisseur")
    KETENPARTNER = "ketenpartner", _("Medewerker ketenpartner")
    PRIVACYFUNCTIONARIS = "privacyfunctionaris", _("Privacyfunctionaris")
    BESTUURDER = "bestuurder", _("Bestuurder")
    BEHEERDER = "beheerder", _("Beheerder")


# Model permissions per role, as "app_label.codename". Later apps add theirs here.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PROCESREGISSEUR: ["partners.view_organisation"],
    Role.KETENPARTNER: ["partners.view_organisation"],
    Role.PRIVACYFUNCTIONARIS: ["partners.view_organisation", "partners.view_user"],
    Role.BESTUURDER: ["partners.view_organisation"],
    Role.BEHEERDER: [
        f"partners.{action}_{model}"
        for model in ("organisation", "organisationkind", "user", "apitoken")
        for action in ("view", "add", "change")
    ]
    + [
        f"caseroom.{action}_{model}"
        for model in ("house", "informationcategory", "targetgroup", "meetingtype", "lifedomain")
        for action in ("view", "add", "change")
    ]
    + [
        f"consent.{action}_{model}"
        for model in ("covenant", "covenantrule", "covenantpurpose")
        for action in ("view", "add", "change", "delete")
    ]
    + [
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ],
}


def role_group_name(role: str) -> str:
    return f"rol:{role}"
