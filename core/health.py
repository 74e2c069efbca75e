"""Health and metrics endpoints for orchestrators and monitoring.

They are answered by the first middleware, before host validation, the HTTPS redirect,
sessions and login: a probe comes from the orchestrator's network with the pod's address as
host, over plain HTTP. They hold no personal data.

- ``/health/live/``: the process answers. No dependency is asked, so a database outage does
  not make the orchestrator restart every web process.
- ``/health/ready/``: the database answers and its migrations are applied, the broker
  answers, and the keys load and fit the data (encryption keys against their stored key
  checks, the audit key against the head of the audit chain). 503 names the failing check.
- ``/metrics/``: Prometheus text (core.metrics), only with ``Authorization: Bearer
  <METRICS_TOKEN>``; without the setting, or with another token, it does not exist (404).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("casusregie.health")

LIVE, READY, METRICS = "/health/live/", "/health/ready/", "/metrics/"
KEY_CHECK_TEXT = "casusregie-sleutelcontrole"
KEY_CHECK_AAD = "core.keycheck.token"


class CheckFailed(Exception):
    """A readiness check failed; the message (Dutch, without secrets) is shown."""


def check_database() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        raise CheckFailed("database niet bereikbaar") from error
    if not _migrations_applied():
        raise CheckFailed("migraties nog niet uitgevoerd")


_migrated = False


def _migrations_applied() -> bool:
    """True once no migration is pending; remembered, since none is ever unapplied."""
    global _migrated
    if not _migrated:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


def check_broker() -> None:
    from celery import current_app

    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=3)
            client = getattr(connection.default_channel, "client", None)
            if client is not None and hasattr(client, "ping"):
                client.ping()
    except Exception as error:
        raise CheckFailed("broker niet bereikbaar") from error


# Further key checks of other apps (audit registers the audit key against its chain); each
# raises CheckFailed. Registered in their AppConfig.ready(), since core imports no app.
KEY_CHECKS: list[Callable[[], None]] = []


def check_keys() -> None:
    from core.crypto import DecryptionError, blind_index, decrypt, encrypt, keyring
    from core.models import KeyCheck

    try:
        ring = keyring()
        if decrypt(encrypt(KEY_CHECK_TEXT, aad=KEY_CHECK_AAD), aad=KEY_CHECK_AAD) != (
            KEY_CHECK_TEXT
        ):
            raise CheckFailed("versleutelingssleutel werkt niet")
        blind_index(KEY_CHECK_TEXT, purpose="health")
    except CheckFailed:
        raise
    except Exception as error:
        raise CheckFailed("sleutels laden niet") from error
    stored = dict(KeyCheck.objects.values_list("key_id", "token"))
    for key_id, token in stored.items():
        if key_id not in ring.keys:
            continue  # a retired key: rotate_keys decides whether data still needs it
        try:
            decrypt(token, aad=KEY_CHECK_AAD)
        except DecryptionError as error:
            raise CheckFailed(
                f"versleutelingssleutel {key_id} past niet bij de gegevens in de database"
            ) from error
    if ring.primary_id not in stored:
        # The first process with a new primary key leaves its check for the others.
        KeyCheck.objects.get_or_create(
            key_id=ring.primary_id,
            defaults={"token": encrypt(KEY_CHECK_TEXT, aad=KEY_CHECK_AAD)},
        )
    for check in KEY_CHECKS:
        check()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "keys": check_keys,
}


def readiness() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "keys" and results.get("database") != "ok":
            results[name] = "niet gecontroleerd (database)"
            continue
        try:
            check()
        except CheckFailed as failure:
            # The cause's type only: messages of drivers may hold addresses or passwords.
            cause = type(failure.__cause__).__name__ if failure.__cause__ else ""
            logger.warning("readiness check failed", extra={"check": name, "cause": cause})
            results[name] = f"fout: {failure}"
        except Exception as error:  # noqa: BLE001 - any other failure is "not ready" too
            cause = type(error).__name__
            logger.warning("readiness check failed", extra={"check": name, "cause": cause})
            results[name] = "fout: onverwachte fout"
        else:
            results[name] = "ok"
    return all(value == "ok" for value in results.values()), results


def _json(status: int, body: dict[str, object]) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )
    response["Cache-Control"] = "no-store"
    return response


def _metrics(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "METRICS_TOKEN", "")
    offered = request.META.get("HTTP_AUTHORIZATION", "")
    if not token or not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return _json(404, {"error": {"code": "not_found", "message": "Niet gevonden."}})
    from core.metrics import exposition

    body, content_type = exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


class OperationsMiddleware:
    """The first middleware: answers the probe and metrics paths itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path not in (LIVE, READY, METRICS):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = _json(405, {"error": {"code": "method_not_allowed"}})
            response["Allow"] = "GET, HEAD"
            return response
        if path == LIVE:
            return _json(200, {"status": "ok"})
        if path == READY:
            ready, checks = readiness()
            status = "ok" if ready else "fout"
            return _json(200 if ready else 503, {"status": status, "checks": checks})
        return _metrics(request)
