"""The daemon: APScheduler 3 jobs around one App.

    source:<id>   interval job per source (jitter, coalescing, one instance at a time)
    publish       debounced: the first change schedules it `publish_delay` later
    retention     hourly: prune old items, keeping every feed's window
    config        every 2 s: reload config.toml when it changed (hot reload)
    deliveries    an asyncio task woken by new deliveries, sending with pacing

A poll, a publish and a delivery run concurrently; none blocks another. SIGTERM/SIGINT stop
new work, let in-flight polls and sends finish, then return.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from .config import Config, SourceConfig, load
from .errors import ConfigError
from .pipeline import poll_source
from .service import App

log = logging.getLogger("syndication.daemon")
STOP_GRACE = 30.0


class Daemon:
    def __init__(self, path: Path, app: App) -> None:
        self.path = path
        self.app = app
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.stop_event = asyncio.Event()
        self.wake_delivery = asyncio.Event()
        self.inflight: set[asyncio.Task[Any]] = set()
        self.config_digest = _digest(path)
        self.running = False

    # --- lifecycle ----------------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop)
        self._schedule_all()
        self.scheduler.start()
        self.running = True
        delivery = asyncio.create_task(self._delivery_loop(), name="deliveries")
        server = asyncio.create_task(self._server(), name="server")
        log.info("event=started sources=%d", len(self.app.config.sources))
        await self._publish()  # every configured feed exists from the start
        await self.stop_event.wait()
        await self._shutdown(delivery, server)

    def stop(self) -> None:
        log.info("event=stopping")
        self.stop_event.set()
        self.app.deliverer.stopped = True
        self.wake_delivery.set()

    async def _shutdown(self, delivery: asyncio.Task[Any], server: asyncio.Task[Any]) -> None:
        self.scheduler.shutdown(wait=False)
        self.running = False
        pending = [t for t in self.inflight if not t.done()] + [delivery]
        if pending:
            await asyncio.wait(pending, timeout=STOP_GRACE)
        await self._publish()
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)
        log.info("event=stopped")

    async def _server(self) -> None:
        if not self.app.config.server.enabled:
            return
        from .web import run_server

        await run_server(self.app.config, self.app.store, stop=self.stop_event, daemon=self)

    # --- jobs ---------------------------------------------------------------------------

    def _schedule_all(self) -> None:
        for source in self.app.config.sources:
            if source.enabled:
                self._schedule_source(source)
        self.scheduler.add_job(
            self._retention, "interval", hours=1, id="retention", coalesce=True, max_instances=1
        )
        self.scheduler.add_job(
            self._watch_config, "interval", seconds=2, id="config", coalesce=True, max_instances=1
        )

    def _schedule_source(self, source: SourceConfig) -> None:
        seconds = source.interval.total_seconds()
        self.scheduler.add_job(
            self._poll,
            "interval",
            seconds=seconds,
            jitter=min(seconds * 0.1, 60),
            id=f"source:{source.id}",
            args=[source.id],
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def _poll(self, source_id: str) -> None:
        source = self.app.config.source(source_id)
        if source is None or not source.enabled or self.stop_event.is_set():
            return
        task = asyncio.current_task()
        if task:
            self.inflight.add(task)
        try:
            outcome = await poll_source(self.app.runtime, source)
        finally:
            if task:
                self.inflight.discard(task)
        if outcome.result and (outcome.result.new or outcome.result.updated):
            self._request_publish()
            self.wake_delivery.set()

    def _request_publish(self) -> None:
        if self.scheduler.get_job("publish") is None and not self.stop_event.is_set():
            delay = self.app.config.feeds.publish_delay
            self.scheduler.add_job(
                self._publish, "date", id="publish", run_date=datetime.now(UTC) + delay
            )

    async def _publish(self) -> None:
        try:
            await self.app.publisher.publish_dirty()
        except Exception:
            log.exception("event=publish_crash")

    async def _retention(self) -> None:
        cfg = self.app.config.feeds
        before = datetime.now(UTC) - cfg.retention
        removed = await asyncio.to_thread(self.app.store.prune, before, cfg.items_per_feed)
        if removed:
            log.info("event=retention removed=%d", removed)

    async def _delivery_loop(self) -> None:
        while not self.stop_event.is_set():
            try:
                await self.app.deliverer.drain(horizon=timedelta(0))
            except Exception:
                log.exception("event=delivery_crash")
            wait = await asyncio.to_thread(self._seconds_to_next_delivery)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake_delivery.wait(), timeout=wait)
            self.wake_delivery.clear()

    def _seconds_to_next_delivery(self) -> float:
        due = self.app.store.next_delivery_due()
        if due is None:
            return 30.0
        return min(30.0, max(0.2, (due - datetime.now(UTC)).total_seconds()))

    # --- hot reload ---------------------------------------------------------------------

    async def _watch_config(self) -> None:
        digest = _digest(self.path)
        if digest is None or digest == self.config_digest:
            return
        self.config_digest = digest
        try:
            config = await asyncio.to_thread(load, self.path)
        except ConfigError as e:
            await self._reject(e)
            return
        await self.apply(config)

    async def _reject(self, e: ConfigError) -> None:
        for problem in e.problems:
            log.error("event=config_rejected problem=%r", f"{e.path}: {problem}")
        text = "\n".join(f"{e.path}: {p}" for p in e.problems)
        await asyncio.to_thread(self.app.store.set_event, "config_error", text, datetime.now(UTC))
        self.app.deliverer.alert_admin(
            "config", "⚠️ config.toml rejected, the running config stays:\n" + text
        )

    async def apply(self, config: Config) -> None:
        """Switch to a new valid config without a restart and without losing state."""
        old = self.app.config
        self.app.runtime.config = config
        self.app.publisher.reconfigure(config)
        self.app.deliverer.reconfigure(config)
        store = self.app.store
        await asyncio.to_thread(store.sync_sources, [(s.id, s.url) for s in config.sources])
        await asyncio.to_thread(store.set_event, "config_error", "", datetime.now(UTC))
        before = {s.id: s for s in old.sources if s.enabled}
        after = {s.id: s for s in config.sources if s.enabled}
        for source_id in before.keys() - after.keys():
            self.scheduler.remove_job(f"source:{source_id}")
        for source_id, source in after.items():
            if before.get(source_id) != source:
                self._schedule_source(source)
        if (old.categories, old.regencies, old.feeds) != (
            config.categories,
            config.regencies,
            config.feeds,
        ):
            scopes = [s.path for s in self.app.publisher.all_scopes()]
            await asyncio.to_thread(store.mark_dirty, scopes, datetime.now(UTC))
            self._request_publish()
        log.info(
            "event=config_reloaded sources=%d added=%d removed=%d",
            len(after),
            len(after.keys() - before.keys()),
            len(before.keys() - after.keys()),
        )


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
