"""Prometheus metrics: counters kept by this process, gauges read from the store on scrape."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .store import Store

REGISTRY = CollectorRegistry(auto_describe=True)

POLLS = Counter(
    "syndication_polls_total",
    "Source polls by outcome (new, unchanged, error).",
    ["source", "outcome"],
    registry=REGISTRY,
)
NOT_MODIFIED = Counter(
    "syndication_not_modified_total",
    "Polls answered 304 or with the same bytes as last time.",
    ["source"],
    registry=REGISTRY,
)
ITEMS = Counter(
    "syndication_items_total",
    "Items stored, by kind (new, updated, duplicate).",
    ["source", "kind"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "syndication_deliveries_total",
    "Telegram deliveries by outcome (sent, edited, retry, failed, ...).",
    ["outcome"],
    registry=REGISTRY,
)
DELIVERY_LAG = Histogram(
    "syndication_delivery_lag_seconds",
    "From queueing an announcement to Telegram accepting it.",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
    registry=REGISTRY,
)


class StoreCollector(Collector):
    """Queue depth, source health and freshness, read at scrape time."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = datetime.now(UTC)
        depth = GaugeMetricFamily(
            "syndication_queue_depth", "Pending Telegram deliveries per chat.", labels=["chat"]
        )
        broken = GaugeMetricFamily(
            "syndication_channel_broken", "1 when a channel is marked broken.", labels=["chat"]
        )
        oldest = GaugeMetricFamily(
            "syndication_queue_oldest_seconds",
            "Age of the oldest pending delivery per chat.",
            labels=["chat"],
        )
        for ch in self.store.channel_statuses():
            depth.add_metric([ch.chat], ch.pending)
            broken.add_metric([ch.chat], 1.0 if ch.state == "broken" else 0.0)
            if ch.oldest_pending:
                oldest.add_metric([ch.chat], (now - ch.oldest_pending).total_seconds())
        failures = GaugeMetricFamily(
            "syndication_source_consecutive_failures",
            "Consecutive failed polls per source.",
            labels=["source"],
        )
        fresh = GaugeMetricFamily(
            "syndication_source_newest_item_age_seconds",
            "Age of each source's newest item.",
            labels=["source"],
        )
        items = GaugeMetricFamily(
            "syndication_source_items", "Entries known per source.", labels=["source"]
        )
        for s in self.store.source_statuses():
            failures.add_metric([s.id], s.consecutive_failures)
            items.add_metric([s.id], s.items_count)
            if s.newest_item:
                fresh.add_metric([s.id], (now - s.newest_item).total_seconds())
        yield from (depth, broken, oldest, failures, fresh, items)
