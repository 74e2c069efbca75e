"""Health probes, metrics and structured logs (core.health, core.metrics, core.logformat)."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import current_app
from django.test import Client, override_settings

from audit.services import record_access
from core import health
from core.crypto import encrypt
from core.health import KEY_CHECK_AAD, KEY_CHECK_TEXT
from core.keygen import KEY_FILES
from core.logformat import REDACTED, JsonFormatter
from core.metrics import count_task
from core.models import KeyCheck
from core.tasks import beat_heartbeat
from partners.models import User
from tests.conftest import verified_client
from tests.core.test_settings import manage, production_env

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-the-test"
PROBE_HOST = {"HTTP_HOST": "10.42.0.17:8000"}  # a pod address, not in ALLOWED_HOSTS


@pytest.fixture
def production_like() -> Iterator[None]:
    """The gatekeeping a probe must pass in production: host check and HTTPS redirect."""
    with override_settings(
        ALLOWED_HOSTS=["casusregie.example.nl"], SECURE_SSL_REDIRECT=True, METRICS_TOKEN=TOKEN
    ):
        yield


def ready(client: Client) -> tuple[int, dict[str, object]]:
    response = client.get("/health/ready/", **PROBE_HOST)
    return response.status_code, json.loads(response.content)


def test_liveness_answers_any_host_over_plain_http(production_like: None) -> None:
    client = Client()
    response = client.get("/health/live/", **PROBE_HOST)
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    # The same host on any other path is refused, and a known host is sent to HTTPS.
    assert client.get("/inloggen/", **PROBE_HOST).status_code == 400
    redirect = client.get("/inloggen/", HTTP_HOST="casusregie.example.nl")
    assert redirect.status_code == 301 and redirect["Location"].startswith("https://")


def test_readiness_checks_database_broker_and_keys(production_like: None) -> None:
    status, body = ready(Client())
    assert status == 200, body
    assert body == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "keys": "ok"}}
    # The first check left a key check for the primary key, for the processes after it.
    assert KeyCheck.objects.count() == 1


def test_readiness_fails_when_the_encryption_key_does_not_fit_the_data(
    production_like: None,
) -> None:
    assert ready(Client())[0] == 200
    stored = KeyCheck.objects.get()
    other = KEY_FILES["encryption_keys"]().replace("k1:", f"{stored.key_id}:", 1)
    other_id = other.split(":", 1)[0]
    assert other_id == stored.key_id, "the other key must claim the same id"
    with override_settings(ENCRYPTION_KEYS=other):
        status, body = ready(Client())
    assert status == 503
    assert body["status"] == "fout"
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["keys"] == (
        f"fout: versleutelingssleutel {stored.key_id} past niet bij de gegevens in de database"
    )
    assert checks["database"] == "ok" and checks["broker"] == "ok"


def test_readiness_fails_when_the_audit_key_does_not_fit_the_chain(production_like: None) -> None:
    record_access(action="view", object_type="caseroom.case", object_id=1, person_ids=["p1"])
    assert ready(Client())[0] == 200
    with override_settings(AUDIT_KEY=KEY_FILES["audit_key"]()):
        status, body = ready(Client())
    assert status == 503
    assert body["checks"] == {
        "database": "ok",
        "broker": "ok",
        "keys": "fout: auditsleutel past niet bij het toegangslogboek",
    }


def test_readiness_fails_without_a_broker(
    production_like: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    nowhere = "redis://127.0.0.1:9/0"  # nothing listens on port 9
    previous = current_app.conf.broker_url
    # Celery prefers the environment variable (set in CI) over its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", nowhere)
    current_app.conf.broker_url = nowhere
    try:
        status, body = ready(Client())
    finally:
        current_app.conf.broker_url = previous
    assert status == 503
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["broker"] == "fout: broker niet bereikbaar"
    assert "127.0.0.1" not in json.dumps(body)  # no addresses or passwords in the answer


def test_probe_paths_take_only_get(production_like: None) -> None:
    response = Client().post("/health/ready/", **PROBE_HOST)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_metrics_exist_only_for_the_token(production_like: None) -> None:
    client = Client()
    assert client.get("/metrics/", **PROBE_HOST).status_code == 404
    wrong = client.get("/metrics/", HTTP_AUTHORIZATION="Bearer nope", **PROBE_HOST)
    assert wrong.status_code == 404
    with override_settings(METRICS_TOKEN=""):
        unset = client.get("/metrics/", HTTP_AUTHORIZATION="Bearer ", **PROBE_HOST)
        assert unset.status_code == 404
    right = client.get("/metrics/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **PROBE_HOST)
    assert right.status_code == 200
    assert right["Content-Type"].startswith("text/plain")


def metric(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        found = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if not found or found.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', found.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(found.group(3))
    return None


def scrape() -> str:
    with override_settings(METRICS_TOKEN=TOKEN):
        response = Client().get("/metrics/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return response.content.decode()


def test_metrics_count_requests_by_route_name_never_by_path(alice: User) -> None:
    client = verified_client(alice)
    # Counters live as long as the process: compare with what they were before.
    earlier = scrape()
    before = metric(earlier, "casusregie_http_requests_total", route="caseroom:case_list")
    missing = metric(
        earlier, "casusregie_http_requests_total", route="caseroom:case_detail", status="404"
    )
    for _ in range(3):
        assert client.get("/casussen/").status_code == 200
    assert client.get("/casussen/999999/").status_code == 404
    text = scrape()
    after = metric(text, "casusregie_http_requests_total", method="GET", route="caseroom:case_list")
    assert after == (before or 0) + 3
    assert (
        metric(text, "casusregie_http_requests_total", route="caseroom:case_detail", status="404")
        == (missing or 0) + 1
    )
    timed = metric(
        earlier, "casusregie_http_request_duration_seconds_count", route="caseroom:case_list"
    )
    assert (
        metric(text, "casusregie_http_request_duration_seconds_count", route="caseroom:case_list")
        == (timed or 0) + 3
    )
    labels = " ".join(re.findall(r'route="([^"]*)"', text))
    assert "999999" not in labels and "/" not in labels


def test_metrics_show_tasks_queue_chain_and_beat() -> None:
    count_task("caseroom.tasks.notify_new_action", "succeeded")
    count_task("caseroom.tasks.notify_new_action", "succeeded")
    count_task("escalation.tasks.sweep_stalls", "failed")
    record_access(action="view", object_type="caseroom.case", object_id=1, person_ids=["p1"])
    text = scrape()
    assert (
        metric(
            text,
            "casusregie_celery_tasks_total",
            task="caseroom.tasks.notify_new_action",
            state="succeeded",
        )
        == 2
    )
    assert (
        metric(
            text,
            "casusregie_celery_tasks_total",
            task="escalation.tasks.sweep_stalls",
            state="failed",
        )
        == 1
    )
    assert metric(text, "casusregie_audit_chain_head_seq") is not None
    age = metric(text, "casusregie_audit_chain_head_age_seconds")
    assert age is not None and 0 <= age < 60
    assert metric(text, "casusregie_celery_queue_length", queue="celery") is not None
    assert metric(text, "casusregie_beat_heartbeat_age_seconds") is None
    beat_heartbeat()
    heartbeat = metric(scrape(), "casusregie_beat_heartbeat_age_seconds")
    assert heartbeat is not None and 0 <= heartbeat < 60


def test_json_lines_redact_bsn_and_mail_addresses() -> None:
    try:
        raise ValueError("BSN 111222333 van a.jansen@example.nl niet gevonden")
    except ValueError:
        record = logging.LogRecord(
            "casusregie.test", logging.ERROR, __file__, 1, "zoek %s", ("1112.22.333",), None
        )
        record.exc_info = sys.exc_info()
    record.case_id = 42
    record.detail = "mail piet@example.org"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == f"zoek {REDACTED}"
    assert entry["case_id"] == 42
    assert entry["detail"] == f"mail {REDACTED}"
    assert "111222333" not in line and "example" not in line
    assert "ValueError" in entry["exception"]
    assert entry["level"] == "ERROR" and entry["logger"] == "casusregie.test"


def test_each_request_is_logged_by_route_with_its_request_id(
    alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    client = verified_client(alice)
    with override_settings(LOG_REQUESTS=True), caplog.at_level(logging.INFO, "casusregie.request"):
        response = client.get("/casussen/?q=111222333")
    records = [r for r in caplog.records if r.name == "casusregie.request"]
    assert len(records) == 1
    record = records[0]
    assert record.__dict__["route"] == "caseroom:case_list"
    assert record.__dict__["status"] == 200
    assert record.__dict__["request_id"] == response["X-Request-ID"]
    assert "111222333" not in JsonFormatter().format(record)


def test_beat_intervals_can_be_set_and_a_wrong_one_stops_the_start(tmp_path: Path) -> None:
    check = (
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.CELERY_BEAT_SCHEDULE['stall-sweep']['schedule'])",
    )
    good = manage(production_env(tmp_path, CELERY_BEAT_INTERVALS="stall-sweep=5"), *check)
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip().endswith("5")
    bad = manage(production_env(tmp_path, CELERY_BEAT_INTERVALS="sweep=5"), *check)
    assert bad.returncode != 0
    assert "CELERY_BEAT_INTERVALS: 'sweep=5' is geen naam=seconden" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_key_check_holds_no_personal_data() -> None:
    token = encrypt(KEY_CHECK_TEXT, aad=KEY_CHECK_AAD)
    assert KEY_CHECK_TEXT not in token


def test_an_unexpected_failure_in_a_check_is_not_ready(
    production_like: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("postgres://casusregie:geheim@db.internal/casusregie")

    monkeypatch.setitem(health.CHECKS, "keys", broken)
    status, body = ready(Client())
    assert status == 503
    assert body["checks"] == {"database": "ok", "broker": "ok", "keys": "fout: onverwachte fout"}
    assert "geheim" not in json.dumps(body)
