"""OpenAPI descriptions of our authentication classes (drf-spectacular extensions)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token van een serviceaccount: `Authorization: Token <token>`.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.VerifiedSessionAuthentication"
    name = "sessie"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "casusregie_sessionid",
            "description": "Browsersessie na inloggen met wachtwoord en tweede factor.",
        }
