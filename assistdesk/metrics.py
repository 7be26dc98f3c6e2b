"""Prometheus metrics, one registry per running instance (no process-global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

_LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "assistdesk_http_requests",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "assistdesk_http_request_duration_seconds",
            "HTTP request duration by route template",
            ["route"],
            registry=self.registry,
            buckets=_LATENCY_BUCKETS,
        )
        self.deliveries = Counter(
            "assistdesk_deliveries",
            "Outbox delivery attempts by channel and outcome",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.delivery_latency = Histogram(
            "assistdesk_delivery_latency_seconds",
            "From enqueue (commit) to accepted by the destination",
            ["channel"],
            registry=self.registry,
            buckets=_LATENCY_BUCKETS,
        )

    def delivery(self, channel: str, outcome: str, latency: float | None = None) -> None:
        self.deliveries.labels(channel, outcome).inc()
        if latency is not None:
            self.delivery_latency.labels(channel).observe(latency)
