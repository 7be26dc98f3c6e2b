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

        self.first_response_seconds = Histogram(
            "assistdesk_first_response_seconds",
            "From a ticket's creation to the first public agent reply, for tickets with a target",
            ["plan", "severity"],
            registry=self.registry,
            buckets=(60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 172800, 604800),
        )
        self.sla_breaches = Counter(
            "assistdesk_sla_breaches",
            "First-response targets breached (counted when the breach is announced)",
            ["plan", "severity"],
            registry=self.registry,
        )

    def first_response(self, plan: str, severity: str, seconds: float) -> None:
        self.first_response_seconds.labels(plan, severity).observe(seconds)

    def sla_breach(self, plan: str, severity: str) -> None:
        self.sla_breaches.labels(plan, severity).inc()

    def delivery(self, channel: str, outcome: str, latency: float | None = None) -> None:
        self.deliveries.labels(channel, outcome).inc()
        if latency is not None:
            self.delivery_latency.labels(channel).observe(latency)
