"""Writes for organisations, users, roles, API tokens and second factors."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.exceptions import ServiceError
from partners.models import ApiToken, Organisation, OrganisationKind, User
from partners.roles import ROLE_PERMISSIONS, Role, role_group_name

DEFAULT_ORGANISATION_KINDS: dict[str, str] = {
    "politie": "Politie",
    "om": "Openbaar Ministerie",
    "reclassering": "Reclassering",
    "ggz": "GGZ",
    "verslavingszorg": "Verslavingszorg",
    "veilig-thuis": "Veilig Thuis",
    "rvdk": "Raad voor de Kinderbescherming",
    "gecertificeerde-instelling": "Gecertificeerde instelling",
    "wijkteam": "Wijkteam",
    "woningcorporatie": "Woningcorporatie",
    "leerplicht": "Leerplicht",
    "dji": "Dienst Justitiële Inrichtingen",
    "slachtofferhulp": "Slachtofferhulp",
    "halt": "Halt",
    "gemeente": "Gemeente",
    "zvh": "Zorg- en Veiligheidshuis",
    "maatschappelijk-werk": "Maatschappelijk werk",
    "maatschappelijke-opvang": "Maatschappelijke opvang",
    "mee": "MEE",
    "bewindvoering": "Bewindvoering",
    "jongerenwerk": "Jongerenwerk",
    "rechtspraak": "Rechtspraak",
}


def role_groups_sync() -> None:
    """Create the role groups and give them exactly their model permissions (idempotent)."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role_group_name(role))
        wanted = []
        for dotted in ROLE_PERMISSIONS.get(role, []):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)


def organisation_kinds_ensure_defaults() -> None:
    for code, label in DEFAULT_ORGANISATION_KINDS.items():
        OrganisationKind.objects.get_or_create(code=code, defaults={"label": label})


@transaction.atomic
def organisation_create(*, name: str, kind_code: str) -> Organisation:
    name = name.strip()
    if not name:
        raise ServiceError(gettext("Geef de organisatie een naam."), field="name")
    kind = OrganisationKind.objects.filter(code=kind_code).first()
    if kind is None:
        known = ", ".join(OrganisationKind.objects.values_list("code", flat=True))
        raise ServiceError(
            gettext("Onbekende soort organisatie '%(kind)s'. Bekend zijn: %(known)s.")
            % {"kind": kind_code, "known": known},
            code="unknown_kind",
            field="kind",
        )
    if Organisation.objects.filter(name__iexact=name).exists():
        raise ServiceError(
            gettext("Er bestaat al een organisatie met de naam '%(name)s'.") % {"name": name},
            code="duplicate",
        )
    group = Group.objects.create(name=Organisation.new_group_name())
    organisation = Organisation(name=name, kind=kind, group=group)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def organisation_update(
    *,
    organisation: Organisation,
    name: str | None = None,
    kind: OrganisationKind | None = None,
    is_active: bool | None = None,
) -> Organisation:
    fields = []
    if name is not None and name != organisation.name:
        organisation.name = name.strip()
        fields.append("name")
    if kind is not None and kind != organisation.kind:
        organisation.kind = kind
        fields.append("kind")
    if is_active is not None and is_active != organisation.is_active:
        organisation.is_active = is_active
        fields.append("is_active")
    if fields:
        organisation.full_clean()
        organisation.save(update_fields=fields)
    return organisation


def organisation_set_active(*, organisation: Organisation, active: bool) -> Organisation:
    organisation.is_active = active
    organisation.save(update_fields=["is_active"])
    return organisation


def _validate_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ServiceError(
            gettext("Onbekende rol '%(role)s'. Kies uit: %(roles)s.")
            % {"role": unknown[0], "roles": ", ".join(Role.values)},
            code="unknown_role",
            field="roles",
        )
    return roles


@transaction.atomic
def user_create(
    *,
    username: str,
    organisation: Organisation,
    roles: Iterable[str],
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> User:
    roles = _validate_roles(roles)
    if not roles:
        raise ServiceError(gettext("Een gebruiker heeft minstens één rol."), field="roles")
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(
            gettext("De gebruikersnaam '%(username)s' is al in gebruik.") % {"username": username},
            code="duplicate",
        )
    user = User(
        username=username,
        organisation=organisation,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user_set_roles(user=user, roles=roles)
    return user


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[str]) -> User:
    roles = _validate_roles(roles)
    # Role groups and organisation groups follow from roles and organisation; any other
    # group membership is kept. A user who moved organisation loses the old one's grants.
    managed = (role_group_name(""), Organisation.GROUP_PREFIX)
    keep = [g for g in user.groups.all() if not g.name.startswith(managed)]
    role_groups = [Group.objects.get_or_create(name=role_group_name(r))[0] for r in roles]
    user.groups.set([*keep, user.organisation.group, *role_groups])
    # Django admin access follows the beheerder role; nobody is a superuser.
    is_staff = Role.BEHEERDER in roles
    if user.is_staff != is_staff or user.is_superuser:
        user.is_staff = is_staff
        user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])
    user.__dict__.pop("roles", None)
    return user


@transaction.atomic
def service_account_create(
    *, organisation: Organisation, name: str, roles: Iterable[str] = (Role.KETENPARTNER,)
) -> User:
    username = f"svc-{name}".lower().replace(" ", "-")
    user = user_create(username=username, organisation=organisation, roles=roles)
    user.is_service_account = True
    user.save(update_fields=["is_service_account"])
    return user


def _hash_token(key: str) -> str:
    # Tokens are 256-bit random values, so an unkeyed hash is enough to keep them unusable.
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(
    *, account: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for a service account. Returns the token row and the token itself,
    which is not stored and cannot be shown again."""
    if not account.is_service_account:
        raise ServiceError(
            gettext("API-tokens zijn alleen voor serviceaccounts."), code="not_service_account"
        )
    key = "cr_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        account=account,
        name=name,
        prefix=key[:10],
        key_hash=_hash_token(key),
        expires_at=expires_at,
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def api_token_find(*, key: str) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("account__organisation")
        .filter(key_hash=_hash_token(key))
        .first()
    )


def api_token_touch(*, token: ApiToken) -> None:
    """Record use, at most once a minute per token (no write on every request)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device, made on first call (one per user)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator-app", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    if device.user_id != user.pk or device.confirmed:
        return False
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    return True


def totp_devices_reset(*, user: User) -> None:
    """Remove a user's second factor so that they enrol again at the next login."""
    TOTPDevice.objects.filter(user=user).delete()
