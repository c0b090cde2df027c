"""Prometheus metrics: counters kept by this process, gauges read from the store on scrape."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import select

from .pipeline import PollOutcome
from .store import Store
from .store import schema as t

if TYPE_CHECKING:
    from .config import Config
    from .delivery.outcome import Outcome

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
ERRORS = Counter(
    "syndication_errors_total",
    "Failures by stage: poll (a source failed), storage, publish, delivery, config.",
    ["stage"],
    registry=REGISTRY,
)
DELIVERY_LAG = Histogram(
    "syndication_delivery_lag_seconds",
    "From queueing an announcement to Telegram accepting it.",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
    registry=REGISTRY,
)


def record_poll(outcome: PollOutcome) -> None:
    """Count one poll's outcome (the daemon calls this for every poll it runs)."""
    POLLS.labels(outcome.source_id, outcome.status).inc()
    if outcome.status == "unchanged":
        NOT_MODIFIED.labels(outcome.source_id).inc()
    if outcome.status == "error":
        ERRORS.labels("poll").inc()
    if outcome.result is not None:
        for kind in ("new", "updated", "duplicates"):
            count = getattr(outcome.result, kind)
            if count:
                ITEMS.labels(outcome.source_id, kind).inc(count)


def record_deliveries(counts: Mapping[Outcome, int]) -> None:
    """Count what one drain of the delivery queue did, by outcome."""
    for outcome, count in counts.items():
        if count:
            DELIVERIES.labels(outcome).inc(count)


class LagWatcher:
    """Feeds DELIVERY_LAG from the store: for each delivery first sent since the last look,
    the time from its queueing to Telegram's answer. A row seen once is not counted again, so
    an edit of a message this process sent does not count as lag."""

    def __init__(self, store: Store, since: datetime, keep: int = 20_000) -> None:
        self.store = store
        self.since = since
        self.keep = keep  # how many sent rows are remembered (the newest): memory stays bounded
        self.seen: OrderedDict[int, None] = OrderedDict()

    def observe(self) -> int:
        """Count the rows sent since the last look (an indexed range: ix_deliveries_state_sent)."""
        d = t.deliveries.c
        query = (
            select(d.id, d.created, d.sent_at)
            .where(d.state == "sent", d.sent_at > self.since)
            .order_by(d.sent_at)
        )
        rows = self.store.read_rows(query)
        counted = 0
        for row in rows:
            sent, created = _aware(row.sent_at), _aware(row.created)
            self.since = max(self.since, sent)
            if row.id in self.seen:
                continue
            self.seen[row.id] = None
            if len(self.seen) > self.keep:
                self.seen.popitem(last=False)  # an edit of a row this old counts as lag
            DELIVERY_LAG.observe(max(0.0, (sent - created).total_seconds()))
            counted += 1
        return counted


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class StoreCollector(Collector):
    """Queue depth, source health and freshness, read at scrape time."""

    def __init__(self, store: Store, configured: Callable[[], Config] | None = None) -> None:
        """`configured`: the config in force (hot reloads included); a source or a channel
        taken out of it leaves the gauges, so an alert on its failures or its broken state
        clears. A channel's queue stays while messages wait in it."""
        self.store = store
        self.configured = configured

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
        config = self.configured() if self.configured is not None else None
        chats = {r.chat for r in config.regencies if r.chat} if config else None
        sources = {s.id for s in config.sources} if config else None
        for ch in self.store.channel_statuses():
            if chats is not None and ch.chat not in chats and not ch.pending:
                continue
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
            if sources is not None and s.id not in sources:
                continue
            failures.add_metric([s.id], s.consecutive_failures)
            items.add_metric([s.id], s.items_count)
            if s.newest_item:
                fresh.add_metric([s.id], (now - s.newest_item).total_seconds())
        yield from (depth, broken, oldest, failures, fresh, items)
