from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from partners.models import User


class PasswordBackend(ModelBackend):
    """Password login for people only: a service account authenticates with its token."""

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not getattr(
            user, "is_service_account", False
        )

    def get_user(self, user_id: Any) -> Any:
        """The user of a session, with the organisation (every need-to-know decision asks
        for its group) read in the same query."""
        try:
            user = User.objects.select_related("organisation").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
