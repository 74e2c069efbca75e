"""Per-request context for audit records: request id, client address, actor.

The client address honours ``X-Forwarded-For`` only from proxies listed in
``settings.TRUSTED_PROXIES``, walking the header from the right.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@dataclass
class RequestContext:
    request_id: str
    client_ip: str | None
    request: HttpRequest | None = None
    # The dict shared with django-auditlog's context, so a late-authenticated actor
    # (API token) still reaches its change log entries.
    auditlog_data: dict[str, Any] = field(default_factory=dict)


current: ContextVar[RequestContext | None] = ContextVar("casusregie_request_context", default=None)


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.TRUSTED_PROXIES:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _clean_ip(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    remote = _clean_ip(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None or not _trusted(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h for h in (_clean_ip(part) for part in forwarded.split(",")) if h]
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop
    return hops[0] if hops else remote


def client_ip_for_axes(request: HttpRequest) -> str:
    return client_ip(request) or "0.0.0.0"  # noqa: S104 - a placeholder, never bound


def request_id_for(request: HttpRequest) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if incoming and _REQUEST_ID.match(incoming) and _trusted(request.META.get("REMOTE_ADDR", "")):
        return incoming
    return uuid.uuid4().hex


def set_actor(user: Any) -> None:
    """Name the actor once it is known (API token authentication happens inside the view)."""
    ctx = current.get()
    if ctx is not None:
        ctx.auditlog_data["actor"] = user
