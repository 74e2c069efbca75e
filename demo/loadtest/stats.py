"""Latencies and errors per route, shared by the virtual users' threads."""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from dataclasses import dataclass, field

# Keep this many example messages per kind of error for the report.
SAMPLES_PER_KIND = 3


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` between 0 and 1) of unsorted values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass
class RouteFigures:
    route: str
    count: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float


@dataclass
class Recorder:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_kinds: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Request ids of answered requests that must have written an access event.
    audited: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, elapsed_ms: float) -> None:
        with self._lock:
            self.latencies[route].append(elapsed_ms)

    def fail(self, route: str, kind: str, message: str) -> None:
        with self._lock:
            self.errors[route] += 1
            self.error_kinds[kind] += 1
            if len(self.samples[kind]) < SAMPLES_PER_KIND:
                self.samples[kind].append(f"{route}: {message}")

    def expect_audit(self, request_id: str) -> None:
        with self._lock:
            self.audited.append(request_id)

    @property
    def requests(self) -> int:
        with self._lock:
            return sum(len(values) for values in self.latencies.values())

    @property
    def error_count(self) -> int:
        with self._lock:
            return sum(self.errors.values())

    def figures(self) -> list[RouteFigures]:
        with self._lock:
            routes = sorted(set(self.latencies) | set(self.errors))
            return [
                RouteFigures(
                    route=route,
                    count=len(self.latencies.get(route, [])),
                    errors=self.errors.get(route, 0),
                    p50_ms=percentile(self.latencies.get(route, []), 0.50),
                    p95_ms=percentile(self.latencies.get(route, []), 0.95),
                    max_ms=max(self.latencies.get(route, []), default=0.0),
                )
                for route in routes
            ]

    def table(self) -> list[str]:
        rows = self.figures()
        width = max([len(r.route) for r in rows] + [5])
        head = f"{'n':>6}  {'err':>4}  {'p50 ms':>7}  {'p95 ms':>7}  {'max ms':>7}"
        lines = [f"{'route':<{width}}  {head}"]
        for r in rows:
            lines.append(
                f"{r.route:<{width}}  {r.count:>6}  {r.errors:>4}  {r.p50_ms:>7.0f}  "
                f"{r.p95_ms:>7.0f}  {r.max_ms:>7.0f}"
            )
        return lines
