"""The admin site: only for a beheerder with a verified second factor."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from partners.roles import Role


class CasusregieAdminSite(admin.AdminSite):
    site_header = _("Casusregie beheer")
    site_title = _("Casusregie beheer")
    index_title = _("Beheer")

    def has_permission(self, request: HttpRequest) -> bool:
        from partners.models import User

        user = request.user
        return bool(
            isinstance(user, User)
            and user.is_active
            and not user.is_service_account
            and user.is_verified()  # type: ignore[attr-defined]
            and user.has_role(Role.BEHEERDER)
        )
