"""A real Celery worker process executes a task through the configured broker."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app
from core.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.worker
def test_a_real_worker_runs_a_task_through_the_broker() -> None:
    required = os.environ.get("CASUSREGIE_REQUIRE_BROKER")
    if required:
        # CI names the broker it runs against, so it cannot silently fall back.
        assert settings.CELERY_BROKER_URL.startswith(f"{required}://")
    assert not app.conf.task_always_eager
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(  # noqa: S603 - our own worker with fixed arguments
        [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool=solo", "--queues", queue, "--hostname", f"{queue}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        nonce = uuid.uuid4().hex
        result = ping.apply_async(args=[nonce], queue=queue)
        assert result.get(timeout=90) == f"pong:{nonce}"
        assert result.successful()
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert f"{queue}@" in output
    assert "core.tasks.ping" in output and "succeeded" in output


def test_ci_runs_on_the_database_it_names(db: None) -> None:
    from django.db import connection

    required = os.environ.get("CASUSREGIE_REQUIRE_DATABASE")
    if required:
        assert connection.vendor == required
    else:
        assert connection.vendor in {"sqlite", "postgresql"}
