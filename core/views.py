"""The answers to errors no view handled (``handler403``, ``handler404``, ``handler500``):
the API's error format under /api/, a Dutch page elsewhere. The 500 page needs nothing from
the database, which may be the very thing that failed."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.api import error_body

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 60


# SQLSTATEs of a lost or refused connection: class 08, and the server shutting down.
OUTAGE_STATES = ("08", "57P01", "57P02", "57P03")


def _is_outage(error: BaseException | None) -> bool:
    """The database is gone (503), as opposed to a deadlock, a timeout or a locked SQLite
    file, which are errors of this request (500)."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    state = getattr(error.__cause__, "sqlstate", None)
    if state:
        return state.startswith(OUTAGE_STATES)
    return connection.vendor != "sqlite"  # no SQLSTATE: the client lost its connection


def server_error(request: HttpRequest) -> HttpResponse:
    """A Dutch page (JSON for the API) without details of the error. A lost or refused
    database connection is an outage, not a bug: 503 with Retry-After. The service's
    transaction was rolled back with the connection, so nothing of it was saved; an earlier
    step of the same request may have been, hence the advice to check."""
    unavailable = _is_outage(sys.exc_info()[1])
    if unavailable:
        status, code = 503, "database_unavailable"
        title = _("Casusregie is even niet bereikbaar")
        message = _(
            "De verbinding met de database viel weg. Wat u net deed, is mogelijk niet "
            "opgeslagen: controleer het en probeer het over een minuut opnieuw."
        )
    else:
        status, code = 500, "server_error"
        title = _("Er ging iets mis")
        message = _(
            "Er ging aan onze kant iets mis. De fout is vastgelegd; probeer het later opnieuw."
        )
    # No request context for the page: its processors may need the database that failed.
    response = _answer(request, status, code, message, title, message, page_context=False)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: the API's error format under /api/, a Dutch page elsewhere. The same answer
    whether the object does not exist or may not be seen (DESIGN.md §6)."""
    page = _("Deze pagina bestaat niet, of u heeft er geen toegang toe.")
    return _answer(request, 404, "not_found", _("Niet gevonden."), _("Pagina niet gevonden"), page)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: the role may not do this; the page says why when the refusal did."""
    message = _("U mag dit niet doen.")
    page = str(exception) if exception and str(exception) else message
    return _answer(request, 403, "permission_denied", message, _("Geen toestemming"), page)


def _answer(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    title: str,
    page_message: str,
    *,
    page_context: bool = True,
) -> HttpResponse:
    """The API's error format under /api/, a Dutch page (templates/error.html) elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body(code, message), status=status)
    context = {"title": title, "message": page_message}
    page = render_to_string("error.html", context, request=request if page_context else None)
    return HttpResponse(page, status=status)
