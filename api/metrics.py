"""Prometheus metrics of the API: requests and their latency by route template, method, status.

Each app has its own registry (several apps may live in one process, as in the tests), exposed
by `GET /metrics`.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

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

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
