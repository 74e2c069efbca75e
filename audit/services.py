"""Recording access events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from audit.chain import append
from audit.context import current
from audit.models import AccessEvent

ON_BEHALF_OF_HEADER = "HTTP_X_ON_BEHALF_OF"


def record_access(
    *,
    action: str,
    object_type: str,
    object_id: object = "",
    person_ids: Iterable[object] = (),
    purpose: str = "",
    result: str = AccessEvent.Result.SUCCESS,
    user: Any = None,
) -> AccessEvent:
    """Write one access event. Request details (id, client address, user) come from the
    current request when there is one; ``user`` overrides the request's user."""
    if action not in AccessEvent.Action.values:
        raise ValueError(f"unknown access action {action!r}")
    ctx = current.get()
    request = ctx.request if ctx else None
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    on_behalf_of = ""
    if request is not None and user is not None and getattr(user, "is_service_account", False):
        on_behalf_of = request.META.get(ON_BEHALF_OF_HEADER, "")[:150]
    organisation = getattr(user, "organisation", None) if user is not None else None
    return append(
        AccessEvent(
            actor_id=user.pk if user is not None else None,
            actor_username=user.get_username() if user is not None else "",
            on_behalf_of=on_behalf_of,
            organisation_id=organisation.pk if organisation is not None else None,
            organisation_name=organisation.name if organisation is not None else "",
            role=",".join(sorted(getattr(user, "roles", ()))) if user is not None else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            person_ids=sorted({str(pid) for pid in person_ids}),
            purpose=purpose[:300],
            client_ip=ctx.client_ip if ctx else None,
            request_id=ctx.request_id if ctx else "",
            result=result,
        )
    )
