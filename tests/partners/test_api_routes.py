"""Every route under api/, found by walking the URL configuration, needs a verified login."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import UUIDConverter

from partners.models import User

pytestmark = pytest.mark.django_db


def dummy(pattern: URLPattern, key: str) -> str:
    if key == "format":
        return "json"
    converter = getattr(pattern.pattern, "converters", {}).get(key)
    return str(UUID(int=1)) if isinstance(converter, UUIDConverter) else "1"


def api_urls() -> list[str]:
    urls: set[str] = set()

    def walk(entries: Sequence[URLPattern | URLResolver], prefix: str, namespace: str) -> None:
        for entry in entries:
            route = prefix + str(entry.pattern).lstrip("^")
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, route, inner)
            elif route.startswith("api/"):
                assert entry.name, f"API-route zonder naam: {route}"
                keys = entry.pattern.regex.groupindex
                kwargs = {key: dummy(entry, key) for key in keys}
                urls.add(reverse(namespace + entry.name, kwargs=kwargs))

    walk(get_resolver().url_patterns, "", "")
    assert len(urls) >= 3, f"Te weinig API-routes gevonden: {sorted(urls)}"
    return sorted(urls)


def test_every_api_route_refuses_anonymous_visitors() -> None:
    for url in api_urls():
        response = Client().get(url)
        assert response.status_code == 401, url
        assert response.headers["WWW-Authenticate"] == "Token", url


def test_every_api_route_needs_the_second_factor(alice: User) -> None:
    client = Client()
    client.force_login(alice)
    for url in api_urls():
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "second_factor_required", url
