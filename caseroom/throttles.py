"""Rate limits shared by the API and the pages."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class HitNoHitThrottle(UserRateThrottle):
    """Hit/no-hit questions per user, through the API and the page alike; the rate comes
    from settings.HIT_NO_HIT_RATE (read per request, so it can change)."""

    scope = "hit_no_hit"

    def get_rate(self) -> str:
        return str(settings.HIT_NO_HIT_RATE)
