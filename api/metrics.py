"""Prometheus metrics of the API: requests and their latency by route template, method, status;
and, read from PostgreSQL at each scrape, the effects that keep failing across all assignments:
`lifecycle_access_overdue` (access still open after an end), `lifecycle_effects_failing{kind}`
(failing now) and `lifecycle_effect_failures_total{kind}` (every effect that ever failed).

Each app has its own registry (several apps may live in one process, as in the tests), exposed
by `GET /metrics`.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

UNMATCHED = "unmatched"  # the route label of a request no route took (a 404): never the raw path

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("method", "route", "status")
        self.requests = Counter(
            "lifecycle_http_requests",
            "HTTP requests answered, by route template, method and status",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "lifecycle_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template, method and status",
            labels,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )

        self.effects = _Effects()
        self.registry.register(self.effects)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Effects(Collector):
    """The failing effects as last read (db.attention.failure_counts): (now, ever) per kind."""

    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, int]] = {}

    def collect(self) -> Iterator[Metric]:
        overdue = GaugeMetricFamily(
            "lifecycle_access_overdue",
            "Assignments whose tool access is still open after their end (unconfirmed by the IdP)",
        )
        overdue.add_metric([], self.counts.get("access_overdue", (0, 0))[0])
        failing = GaugeMetricFamily(
            "lifecycle_effects_failing", "Effects failing now, by kind", labels=["kind"]
        )
        total = CounterMetricFamily(
            "lifecycle_effect_failures", "Effects that ever failed, by kind", labels=["kind"]
        )
        for kind, (now, ever) in sorted(self.counts.items()):
            if kind == "access_overdue":
                continue
            failing.add_metric([kind], now)
            total.add_metric([kind], ever)
        yield overdue
        yield failing
        yield total
