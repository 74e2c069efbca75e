"""Django admin, for the beheerder only (verified second factor required)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.exceptions import ServiceError
from partners import services
from partners.models import ApiToken, Organisation, OrganisationKind, User
from partners.roles import Role


@admin.register(OrganisationKind)
class OrganisationKindAdmin(admin.ModelAdmin[OrganisationKind]):
    list_display = ["label", "code"]
    search_fields = ["label", "code"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    fields = ["name", "kind", "is_active"]

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        if change:
            obj.save()
            return
        try:
            created = services.organisation_create(name=obj.name, kind_code=obj.kind.code)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return
        obj.pk = created.pk
        obj.group = created.group


class RolesMixin(forms.ModelForm[User]):
    roles = forms.MultipleChoiceField(
        label=_("Rollen"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.roles)


class UserChangeForm(RolesMixin, BaseUserChangeForm):
    pass


class UserCreationForm(RolesMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Roles and organisation membership are kept by the services, never edited as groups."""

    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["username", "first_name", "last_name", "organisation", "is_active"]
    list_filter = ["organisation", "is_active", "is_service_account"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Persoon"), {"fields": ("first_name", "last_name", "email")}),
        (_("Organisatie en rollen"), {"fields": ("organisation", "roles", "is_service_account")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "organisation", "roles", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined", "is_service_account"]
    filter_horizontal = ()
    actions = ["reset_second_factor"]

    @admin.action(description=_("Tweede factor opnieuw laten koppelen"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.totp_devices_reset(user=user)
        messages.success(
            request,
            _("Bij de volgende inlog koppelen deze gebruikers opnieuw een authenticator-app."),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).select_related("organisation")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.user_set_roles(user=obj, roles=form.cleaned_data["roles"])


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "account", "prefix", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["account", "name", "prefix", "created_at", "last_used_at"]
    fields = ["account", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are issued with `manage.py issue_token`, which shows the token once.
        return False

    @admin.action(description=_("Geselecteerde tokens intrekken"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(token=token)
