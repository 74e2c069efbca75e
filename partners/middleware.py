"""Session rules: login required, a verified second factor, and an idle timeout."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
IDLE_KEY = "casusregie_last_activity"
STARTED_KEY = "casusregie_session_started"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


class ApiAwareLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login unless marked ``login_not_required``. The API authenticates
    inside DRF (tokens), where IsAuthenticated is the default permission."""

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if _is_api(request):
            return None
        response = super().process_view(request, view_func, view_args, view_kwargs)
        return cast(HttpResponse | None, response)


class IdleTimeoutMiddleware:
    """Log out a browser session that was idle longer than SESSION_IDLE_TIMEOUT, or that is
    older than SESSION_MAX_AGE however active it was."""

    # Writing the session on every request is wasteful; a minute of slack is harmless.
    TOUCH_EVERY_SECONDS = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(IDLE_KEY)
            started = request.session.setdefault(STARTED_KEY, now)
            timeout = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            too_old = now - float(started) > settings.SESSION_MAX_AGE.total_seconds()
            if too_old or (last is not None and now - float(last) > timeout):
                logout(request)
                if _is_api(request):
                    return api_error(
                        401, "session_expired", _("Uw sessie is verlopen. Log opnieuw in.")
                    )
                query = urlencode({"next": request.get_full_path(), "verlopen": "1"})
                return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?{query}")
            if last is None or now - float(last) > self.TOUCH_EVERY_SECONDS:
                request.session[IDLE_KEY] = now
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """A logged-in person without a verified second factor reaches only the 2FA pages."""

    ALLOWED_URL_NAMES = {"partners:login", "partners:logout", "partners:two_factor", "set_language"}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified():  # type: ignore[attr-defined]
            if not self._allowed(request):
                if _is_api(request):
                    return api_error(
                        403,
                        "second_factor_required",
                        _("Bevestig eerst uw inlog met de tweede factor."),
                    )
                return HttpResponseRedirect(reverse("partners:two_factor"))
        return self.get_response(request)

    def _allowed(self, request: HttpRequest) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        match = getattr(request, "resolver_match", None)
        if match is None:
            from django.urls import Resolver404, resolve

            try:
                match = resolve(request.path_info)
            except Resolver404:
                return False
        return match.view_name in self.ALLOWED_URL_NAMES
