from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from partners.models import User
from partners.roles import Role


class ReadOrBeheerder(BasePermission):
    """Reading for every authenticated user; changes only for the beheerder role."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not isinstance(user, User) or not user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or user.has_role(Role.BEHEERDER)


def request_user(request: HttpRequest | Request) -> User:
    """The authenticated Casusregie user of a request (views behind the login rules)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
