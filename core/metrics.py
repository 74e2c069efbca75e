"""Metrics in Prometheus' text format, for ``/metrics/``.

Two kinds of figures:

- **per web instance**: request counts and latencies, by route name (never a path: paths
  hold ids). With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` (config/gunicorn.py
  does) so that one scrape sums the workers of the instance.
- **per installation**, the same on every instance (aggregate with ``max``, not ``sum``): task
  counts (the workers count in the shared cache), the broker's queue length, the age of the
  audit chain's head and of its last verification, and the age of the last beat heartbeat.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "casusregie_http_requests",
    "HTTP requests answered, by method, route name and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "casusregie_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route name.",
    ["method", "route"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

request_log = logging.getLogger("casusregie.request")

TASK_STATES = ("succeeded", "failed", "retried")
BEAT_KEY = "ops:beat:last"


def _task_key(task: str, state: str) -> str:
    return f"ops:tasks:{task}:{state}"


def count_task(task: str, state: str) -> None:
    """One finished task (in the worker). Atomic on Redis; close enough on a file cache."""
    key = _task_key(task, state)
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=None)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(request.method, route).observe(elapsed)
        if settings.LOG_REQUESTS:
            request_log.info(
                "request",
                extra={
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "request_id": response.get("X-Request-ID", ""),
                },
            )
        return response


Metric = GaugeMetricFamily | CounterMetricFamily
# Figures of other apps (audit: the chain's head and last verification), registered in their
# AppConfig.ready(), since core imports no app.
INSTALLATION_METRICS: list[Callable[[], Iterator[Metric]]] = []


class InstallationCollector(Collector):
    """Figures read at scrape time from the database, the broker and the shared cache."""

    def collect(self) -> Iterator[Metric]:
        from celery import current_app

        tasks = CounterMetricFamily(
            "casusregie_celery_tasks",
            "Celery tasks finished, by task and state (counted by the workers).",
            labels=["task", "state"],
        )
        current_app.loader.import_default_modules()  # every app's tasks.py, as a worker
        names = sorted(name for name in current_app.tasks if not name.startswith("celery."))
        keys = {_task_key(name, state): (name, state) for name in names for state in TASK_STATES}
        counted = cache.get_many(list(keys))
        for key, (name, state) in keys.items():
            tasks.add_metric([name, state], float(counted.get(key, 0)))
        yield tasks

        queue = GaugeMetricFamily(
            "casusregie_celery_queue_length",
            "Messages waiting in the broker's queue.",
            labels=["queue"],
        )
        name = current_app.conf.task_default_queue
        length = queue_length(name)
        if length is not None:
            queue.add_metric([name], float(length))
        yield queue

        for collect in INSTALLATION_METRICS:
            yield from collect()
        beat = cache.get(BEAT_KEY)
        if beat is not None:
            yield GaugeMetricFamily(
                "casusregie_beat_heartbeat_age_seconds",
                "Seconds since a worker last ran the heartbeat that beat schedules.",
                value=max(0.0, time.time() - float(beat)),
            )


def queue_length(queue: str) -> int | None:
    """Messages waiting in ``queue`` (not those a worker holds), or None without a broker."""
    from celery import current_app

    try:
        with current_app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
            channel: Any = connection.default_channel
            size = getattr(channel, "_size", None)
            if callable(size):
                # Kombu's virtual transports (Redis, filesystem) count their lists directly;
                # a passive declare fails on Redis when the queue is empty (or prefixed).
                return int(size(queue))
            declared = channel.queue_declare(queue=queue, passive=True)
            return int(declared.message_count)
    except Exception:  # noqa: BLE001 - a missing queue or broker is "no figure"
        return None


def exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (REQUESTS, LATENCY):
            registry.register(collector)
    registry.register(InstallationCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
