from __future__ import annotations

from django.http import HttpRequest

from partners.models import User


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    return {"current_organisation": user.organisation, "current_roles": user.role_labels}
