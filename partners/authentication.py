"""API authentication: a browser session with a verified second factor, or a service
account's token (``Authorization: Token <key>``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, get_authorization_header
from rest_framework.request import Request

from audit.context import set_actor
from partners.models import ApiToken, User
from partners.services import api_token_find, api_token_touch


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        user = getattr(request._request, "user", None)
        if not user or not user.is_active or not user.is_verified():
            return None
        self.enforce_csrf(request)
        return (user, None)


class ApiTokenAuthentication:
    keywords = (b"token", b"bearer")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Ongeldige Authorization-header."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Ongeldige token.")) from None
        token = api_token_find(key=key)
        if token is None or not token.is_usable():
            raise exceptions.AuthenticationFailed(_("Ongeldige, verlopen of ingetrokken token."))
        account = token.account
        if (
            not account.is_active
            or not account.is_service_account
            or not account.organisation.is_active
        ):
            raise exceptions.AuthenticationFailed(_("Dit serviceaccount is niet actief."))
        api_token_touch(token=token)
        set_actor(account)
        return account, token

    def authenticate_header(self, request: Request) -> str:
        return "Token"
