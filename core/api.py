"""One error format for the whole API.

    {"error": {"code": "validation_error", "message": "…", "fields": {"bsn": [{"code": …,
     "message": …}]}, "request_id": "…"}}

Messages are Dutch (the request language), codes are stable and machine-readable.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from audit.context import current
from core.exceptions import ServiceError

_GENERIC_CODES = {
    status.HTTP_400_BAD_REQUEST: "validation_error",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[dict[str, str]]]:
    fields: dict[str, list[dict[str, str]]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for sub_key, sub_value in _flatten(value, name).items():
                fields.setdefault(sub_key, []).extend(sub_value)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                for sub_key, sub_value in _flatten(item, f"{prefix}.{index}").items():
                    fields.setdefault(sub_key, []).extend(sub_value)
            else:
                fields.setdefault(prefix or "non_field_errors", []).append(
                    {"code": getattr(item, "code", "invalid"), "message": str(item)}
                )
    else:
        fields.setdefault(prefix or "non_field_errors", []).append(
            {"code": getattr(detail, "code", "invalid"), "message": str(detail)}
        )
    return fields


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx = current.get()
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if ctx is not None:
        body["request_id"] = ctx.request_id
    return {"error": body}


# Refusals that are about the state of things rather than the input: 409 Conflict.
CONFLICT_CODES = {"no_legal_basis"}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        fields = {exc.field: [{"code": exc.code, "message": exc.message}]} if exc.field else None
        status_code = (
            403 if exc.code == "permission_denied" else 409 if exc.code in CONFLICT_CODES else 400
        )
        return Response(error_body(exc.code, exc.message, fields), status=status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _GENERIC_CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = _("De invoer is niet geldig.")
        if list(fields) == ["non_field_errors"]:
            message = fields["non_field_errors"][0]["message"]
        response.data = error_body("validation_error", message, fields)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = getattr(detail, "code", None) or code
        response.data = error_body(code, str(detail))
    else:
        message = _("Niet gevonden.") if response.status_code == 404 else str(exc)
        response.data = error_body(code, message)
    return response


# --- OpenAPI -----------------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
                "request_id": {"type": "string"},
            },
        }
    },
}
ERROR_RESPONSES = {
    "400": "De invoer is niet geldig.",
    "401": "Niet ingelogd.",
    "403": "Uw rol mag dit niet.",
    "404": "Niet gevonden, of niet voor u zichtbaar.",
    "405": "Deze methode wordt hier niet ondersteund.",
    "409": "Kan niet in de huidige toestand (bijvoorbeeld een ontbrekende grondslag).",
    "415": "Dit soort inhoud wordt niet ondersteund.",
    "429": "Te veel verzoeken; probeer het later opnieuw.",
}


def error_responses_hook(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing: every operation documents the one error format for
    the statuses any endpoint may answer with."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
