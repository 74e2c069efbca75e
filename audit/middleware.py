from __future__ import annotations

from collections.abc import Callable

from auditlog.context import set_extra_data
from django.http import HttpRequest, HttpResponse

from audit.context import RequestContext, client_ip, current, request_id_for


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and a trusted client address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = RequestContext(
            request_id=request_id_for(request), client_ip=client_ip(request), request=request
        )
        token = current.set(ctx)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response["X-Request-ID"] = ctx.request_id
        return response


class AuditlogActorMiddleware:
    """django-auditlog's context with our client address and a late-bindable actor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = current.get()
        user = getattr(request, "user", None)
        data = {
            "actor": user if user is not None and user.is_authenticated else None,
            "remote_addr": ctx.client_ip if ctx else None,
            "remote_port": None,
            "cid": ctx.request_id if ctx else None,
        }
        if ctx is not None:
            ctx.auditlog_data = data
        with set_extra_data(context_data=data):
            return self.get_response(request)
