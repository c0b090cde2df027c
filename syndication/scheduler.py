"""The daemon: APScheduler 3 jobs around one App.

    source:<id>   interval job per source (jitter, coalescing); it starts the poll in a task
                  of its own and returns, and skips a tick while that source's poll still runs
    publish       debounced: the first change schedules it `publish_delay` later
    retention     hourly: prune old items, keeping every feed's window
    config        every 2 s: reload config.toml when it changed (hot reload)
    deliveries    an asyncio task woken by new deliveries and admin alerts, sending with pacing

A poll, a publish and a delivery run concurrently; none blocks another. The work of a job runs
in its own task, shielded from the scheduler: APScheduler cancels running coroutine jobs when
it shuts down, and a poll cancelled halfway would keep its source's lease. So SIGTERM/SIGINT
stop new work, wait for in-flight publishes and sends (polls: POLL_GRACE, then they are cut
short and their sources freed), publish once more, then return.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import socket
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from . import metrics, stopping
from .config import Config, SourceConfig, load
from .editorial import BURST_SUBJECT, apply_filters, burst_notice
from .errors import ConfigError, StorageError
from .pipeline import poll_source
from .publishing import FEEDS_SYNC
from .service import App, bind_server, build_app
from .startup import log_startup, with_startup_report

log = logging.getLogger("syndication.daemon")
STOP_GRACE = 30.0  # seconds an in-flight send or publish may take to finish after SIGTERM
# seconds an in-flight poll may take to finish after SIGTERM; then it is cut short: nothing of
# it is lost (the next poll fetches the same), and a slow portal must not hold a stop for the
# whole fetch timeout (a container runtime kills a process that takes more than 10 s)
POLL_GRACE = 5.0
CONFIG_CHECK = 2.0  # seconds between looks at config.toml
REAP = 2.0  # seconds between looks for dead processes' leases on this machine
SETTLE = 0.3  # an editor may write a file in pieces: reload only once two reads agree
RETRY = 1.0  # a file that does not parse is read once more this much later before rejecting
PUBLISH_RETRY = 1.0  # seconds before the first retry of a publish that failed; it doubles
RESTART_KEYS = ("storage", "server", "fetch")  # read once at start; a change needs a restart


async def run_daemon(path: Path, config: Config) -> int:
    """`syndication run`: bind the server's port first (ConfigError when taken), then run."""
    sock = bind_server(config, path) if config.server.enabled else None
    try:
        log_startup(config)
        app = await build_app(config)
        try:
            daemon = Daemon(path, app, server_socket=sock)
            await with_startup_report(config, app.store, daemon.run())
        finally:
            await app.aclose()
    finally:
        if sock is not None:
            sock.close()
    return 0


class Daemon:
    def __init__(self, path: Path, app: App, server_socket: socket.socket | None = None) -> None:
        self.path = path
        self.app = app
        self.server_socket = server_socket  # bound by run_daemon; None: no HTTP server
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.stop_event = asyncio.Event()
        self.wake_delivery = asyncio.Event()
        self.inflight: set[asyncio.Task[Any]] = set()
        self.polls: set[asyncio.Task[Any]] = set()  # the inflight tasks that are polls
        self.overrun: set[str] = set()  # sources whose poll outlasted an interval (said once)
        self.publish_lock = asyncio.Lock()
        self.publish_failures = 0  # consecutive publishes that failed: the retry backs off
        self.publish_again = False  # a publish was asked for while one ran: run once more
        # what was loaded, not what is there now: a save during start-up is a change
        self.config_digest = app.config.file_digest or _digest(path)
        self.config_missing = False
        self.running = False
        # the last config applied whole: a reload the database cut short is done again
        # against it, not against the half-switched running one
        self.applied = app.config
        self.lag = metrics.LagWatcher(app.store, datetime.now(UTC))
        app.runtime.on_source_alert = self._source_alert

    # --- lifecycle ----------------------------------------------------------------------

    async def run(self) -> None:
        stopping.listen(asyncio.get_running_loop(), self.stop)
        # the running config is valid: an old rejection no longer describes it
        await asyncio.to_thread(self.app.store.set_event, "config_error", "", datetime.now(UTC))
        self._schedule_all()
        self.scheduler.start()
        self.running = True
        delivery = asyncio.create_task(self._delivery_loop(), name="deliveries")
        server = asyncio.create_task(self._server(), name="server")
        log.info("event=started sources=%d", sum(s.enabled for s in self.app.config.sources))
        await self._track(self._publish())  # every configured feed exists from the start
        await self.stop_event.wait()
        await self._shutdown(delivery, server)

    def stop(self) -> None:
        if self.stop_event.is_set():
            return
        log.info("event=stopping")
        self.stop_event.set()
        self.app.deliverer.stopped = True
        self.wake_delivery.set()

    async def _shutdown(self, delivery: asyncio.Task[Any], server: asyncio.Task[Any]) -> None:
        self.scheduler.pause()  # no new jobs; running ones finish below
        pending = [t for t in self.inflight if not t.done()] + [delivery]
        _, late = await asyncio.wait(pending, timeout=POLL_GRACE)
        polls = [t for t in late if t in self.polls]
        for task in polls:
            log.info("event=poll_cut_short task=%s", task.get_name())
            task.cancel()
        if polls:  # each frees its source's lease on the way out (pipeline.poll_source)
            await asyncio.wait(polls, timeout=POLL_GRACE)
        rest = [t for t in late if t not in self.polls]
        _, late = await asyncio.wait(rest, timeout=STOP_GRACE) if rest else (set(), set())
        for task in late:
            log.error("event=stop_timeout task=%s", task.get_name())
            task.cancel()
        await asyncio.sleep(0.05)  # let the job wrappers see their work finish
        self.scheduler.shutdown(wait=False)
        self.running = False
        await self._publish()
        await server  # the server stops itself once stop_event is set
        log.info("event=stopped")

    async def _server(self) -> None:
        if self.server_socket is None:
            return
        from .web import run_server

        try:
            await run_server(
                self.app.config, self.app.store, self.stop_event, sock=self.server_socket,
                running=lambda: self.running, current_config=lambda: self.app.config,
            )  # fmt: skip
        except OSError as e:  # the port was bound at start; this is a later failure
            log.error("event=server_failed error=%r", str(e))

    def _track(self, coro: Coroutine[Any, Any, None], poll: str = "") -> asyncio.Task[None]:
        """Run `coro` in its own task that a shutdown waits for instead of cancelling (a
        poll, named by its source, for POLL_GRACE only)."""
        task = asyncio.create_task(coro, name=f"poll:{poll}" if poll else None)
        self.inflight.add(task)
        task.add_done_callback(self.inflight.discard)
        if poll:
            self.polls.add(task)
            task.add_done_callback(self.polls.discard)
        return task

    async def _job(self, coro: Coroutine[Any, Any, None]) -> None:
        with contextlib.suppress(asyncio.CancelledError):  # a job cut short by a stop
            await asyncio.shield(self._track(coro))

    # --- jobs ---------------------------------------------------------------------------

    def _schedule_all(self) -> None:
        for source in self.app.config.sources:
            if source.enabled:
                self._schedule_source(source)
        self.scheduler.add_job(
            self._retention_job, "interval", hours=1, id="retention", coalesce=True,
            max_instances=1,
        )  # fmt: skip
        self.scheduler.add_job(
            self._config_job, "interval", seconds=CONFIG_CHECK, id="config", coalesce=True,
            max_instances=1,
        )  # fmt: skip
        # a process of this machine that died: its chats and polls are taken over at once
        self.scheduler.add_job(
            self._reap_job, "interval", seconds=REAP, id="reap", coalesce=True,
            max_instances=1,
        )  # fmt: skip
        # files published by another process on the same database
        self.scheduler.add_job(
            self._sync_job, "interval", seconds=FEEDS_SYNC, id="feeds-sync", coalesce=True,
            max_instances=1,
        )  # fmt: skip

    def _schedule_source(self, source: SourceConfig) -> None:
        seconds = source.interval.total_seconds()
        self.scheduler.add_job(
            self._poll_job,
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

    async def _poll_job(self, source_id: str) -> None:
        # the job hands the poll over and returns (as _publish_job does): a poll longer than
        # the interval kept the job running, and APScheduler warned at every tick it skipped,
        # naming no source. Here the tick is skipped, said once per poll, naming it.
        if any(t.get_name() == f"poll:{source_id}" for t in self.polls):
            if source_id not in self.overrun:
                self.overrun.add(source_id)
                log.info("event=poll_overrun source=%s", source_id)
            return
        self.overrun.discard(source_id)
        self._track(self._poll(source_id), poll=source_id).add_done_callback(_poll_done)

    async def _poll(self, source_id: str) -> None:
        source = self.app.config.source(source_id)
        if source is None or not source.enabled or self.stop_event.is_set():
            return
        try:
            outcome = await poll_source(self.app.runtime, source)
        except StorageError as e:  # the database is away: /readyz says so, the next run retries
            metrics.ERRORS.labels("storage").inc()
            log.error("event=poll_storage_error source=%s error=%r", source_id, str(e))
            return
        metrics.record_poll(outcome)
        if outcome.result and (outcome.result.new or outcome.result.updated):
            self._request_publish()
        if outcome.result and outcome.result.deliveries:
            self.wake_delivery.set()

    def _request_publish(self, delay: timedelta | None = None) -> None:
        """A publish `delay` from now (the config's publish_delay for news), unless one is due
        sooner; news brings forward the backed-off retry of a publish that failed."""
        if self.stop_event.is_set():
            return
        news = delay is None
        delay = self.app.config.feeds.publish_delay if delay is None else delay
        when = datetime.now(UTC) + delay
        job = self.scheduler.get_job("publish")
        if job is None:
            # a request made while a publish runs must wait for it (publish_lock), not be
            # dropped as "maximum number of running instances reached"
            self.scheduler.add_job(
                self._publish_job, "date", id="publish", run_date=when,
                max_instances=2, misfire_grace_time=None,
            )  # fmt: skip
        elif news and job.next_run_time is not None and job.next_run_time > when:
            # after a long outage the retry waits up to 5 minutes; news just stored says the
            # database answers again, and the feeds would trail the channels meanwhile
            job.modify(next_run_time=when)

    async def _publish_job(self) -> None:
        # the job hands the publish over and returns: a job still running when the next one
        # is due would have it skipped ("maximum number of running instances"), its changes
        # unpublished until some later item
        if self.publish_lock.locked():
            self.publish_again = True
            return
        self._track(self._publish())

    async def _publish(self) -> None:
        async with self.publish_lock:  # the debounced job and the final one never overlap
            self.publish_again = False  # this publish reads every mark there is now
            try:
                await self.app.publisher.publish_dirty()
                failed = self.app.publisher.failed  # it could not write the files
            except StorageError as e:  # the database away: one line, as the other jobs say it
                log.error("event=publish_failed error=%r", str(e))
                failed = True
            except Exception:
                log.exception("event=publish_failed")
                failed = True
        if not failed:
            self.publish_failures = 0
            if self.publish_again:  # changes came in while it ran
                self._request_publish()
            return
        # the dirty marks stay, but nothing would publish again until the next new item
        metrics.ERRORS.labels("publish").inc()
        self.publish_failures += 1
        wait = min(PUBLISH_RETRY * 2 ** (self.publish_failures - 1), 300.0)
        self._request_publish(timedelta(seconds=wait))

    async def _sync_job(self) -> None:
        await self._job(self._sync())

    async def _sync(self) -> None:
        try:
            await asyncio.to_thread(self.app.publisher.sync_from_store)
        except StorageError as e:
            metrics.ERRORS.labels("storage").inc()
            log.error("event=feeds_sync_failed error=%r", str(e))

    async def _reap_job(self) -> None:
        await self._job(self._reap())

    async def _reap(self) -> None:
        try:
            freed = await asyncio.to_thread(self.app.deliverer.release_dead)
        except StorageError as e:
            metrics.ERRORS.labels("storage").inc()
            log.error("event=reap_failed error=%r", str(e))
            return
        if freed:
            self.wake_delivery.set()  # its chats are free: send to them now

    async def _retention_job(self) -> None:
        await self._job(self._retention())

    async def _retention(self) -> None:
        cfg = self.app.config.feeds
        before = datetime.now(UTC) - cfg.retention
        try:
            removed = await asyncio.to_thread(self.app.store.prune, before, cfg.items_per_feed)
        except StorageError as e:
            metrics.ERRORS.labels("storage").inc()
            log.error("event=retention_failed error=%r", str(e))
            return
        if removed:
            log.info("event=retention removed=%d", removed)
            # the feeds' windows kept their stories, but the index's counts changed: a prune
            # marks no feed dirty, so only a publish asked for here shows them
            self._request_publish()

    # --- deliveries ---------------------------------------------------------------------

    async def _delivery_loop(self) -> None:
        while not self.stop_event.is_set():
            wait = 5.0  # after a failure (the database away), look again soon
            try:
                counts = await self.app.deliverer.drain(horizon=timedelta(0))
                metrics.record_deliveries(counts)
                await asyncio.to_thread(self.lag.observe)
                wait = await asyncio.to_thread(self._seconds_to_next_delivery)
                if self.app.deliverer.dry:  # nothing is sent: wake on new rows or a reload
                    wait = 30.0
            except StorageError as e:  # the database away: one line, as the other jobs say it
                metrics.ERRORS.labels("delivery").inc()
                log.error("event=delivery_failed error=%r", str(e))
            except Exception:
                metrics.ERRORS.labels("delivery").inc()
                log.exception("event=delivery_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake_delivery.wait(), timeout=wait)
            self.wake_delivery.clear()

    def _seconds_to_next_delivery(self) -> float:
        due = self.app.store.next_delivery_due(chats=self.app.deliverer.sendable_chats())
        if due is None:
            return 30.0
        return min(30.0, max(0.2, (due - datetime.now(UTC)).total_seconds()))

    def _source_alert(self, subject: str, text: str) -> None:
        self.app.deliverer.alert_admin(subject, text)
        self.wake_delivery.set()  # the admin queue is sent by the delivery loop

    # --- hot reload ---------------------------------------------------------------------

    async def _config_job(self) -> None:
        await self._job(self._watch_config())

    async def _watch_config(self) -> None:
        digest = _digest(self.path)
        if digest is None:
            # an editor may move the old file away before writing the new one (vim with
            # backupcopy=no): look again before telling anyone it is gone
            await asyncio.sleep(RETRY)
            digest = _digest(self.path)
        if digest is None:
            await self._config_missing()
            return
        self.config_missing = False
        if digest == self.config_digest:
            return
        await asyncio.sleep(SETTLE)
        if _digest(self.path) != digest:
            return  # still being written: look again on the next tick
        loaded = await self._load_twice()
        if isinstance(loaded, ConfigError):
            self.config_digest = _digest(self.path)
            await self._reject(loaded)
            return
        config, digest = loaded
        self.config_digest = digest
        try:
            await self.apply(config)
        except StorageError as e:
            metrics.ERRORS.labels("storage").inc()
            self.config_digest = None  # try again on the next tick
            log.error("event=config_apply_failed error=%r", str(e))

    async def _load_twice(self) -> tuple[Config, str | None] | ConfigError:
        """Load the file; one that does not load, or is refused, gets one more try shortly after.

        Editors often truncate a file, then write it: a save caught in between reads as
        empty or cut off, and should not be rejected (or alerted about) for that.
        """
        for attempt in (1, 2):
            digest = _digest(self.path)
            try:
                config = await asyncio.to_thread(load, self.path)
                refusal = _refusal(self.app.config, config)
                if refusal is None:
                    return config, digest
                error = ConfigError(self.path.name, [refusal])
            except ConfigError as e:
                error = e
            if attempt == 2:
                return error
            await asyncio.sleep(RETRY)
        raise AssertionError("unreachable")

    async def _config_missing(self) -> None:
        """The file is gone (moved, deleted, unreadable): say so once, keep running."""
        if self.config_missing:
            return
        self.config_missing = True
        self.config_digest = None  # whatever comes back is read afresh
        problem = "cannot be read (removed or moved?): the running config stays"
        await self._reject(ConfigError(str(self.path), [problem]))

    async def _reject(self, e: ConfigError) -> None:
        metrics.ERRORS.labels("config").inc()
        for problem in e.problems:
            log.error("event=config_rejected problem=%r", f"{e.path}: {problem}")
        text = "\n".join(f"{e.path}: {p}" for p in e.problems)
        try:
            await asyncio.to_thread(
                self.app.store.set_event, "config_error", text, datetime.now(UTC)
            )
        except StorageError as err:
            log.error("event=config_error_not_stored error=%r", str(err))
        self._source_alert("config", "⚠️ config.toml rejected, the running config stays:\n" + text)

    async def apply(self, config: Config) -> None:
        """Switch to a new valid config without a restart and without losing state."""
        old = self.applied
        store = self.app.store
        config = _kept(old, config)
        await asyncio.to_thread(store.sync_sources, config.source_rows())
        await asyncio.to_thread(store.set_event, "config_error", "", datetime.now(UTC))
        self.app.runtime.config = config
        self.app.runtime.fetcher.keep_logins(s.url for s in config.sources)
        self.app.publisher.reconfigure(config)
        self.app.deliverer.reconfigure(config)
        await asyncio.to_thread(self.app.deliverer.rehome)
        await asyncio.to_thread(self.app.deliverer.save_mode)
        moved = await asyncio.to_thread(apply_filters, config, store, datetime.now(UTC))
        notice = burst_notice(config, moved)
        if notice is not None:
            self._source_alert(BURST_SUBJECT, notice)
        for key in RESTART_KEYS:
            if getattr(old, key) != getattr(config, key):
                log.warning("event=config_needs_restart section=%s", key)
        if _published_view(old) != _published_view(config):
            scopes = await asyncio.to_thread(self.app.publisher.all_scopes)  # reads the store
            paths = [s.path for s in scopes]
            await asyncio.to_thread(store.mark_dirty, paths, datetime.now(UTC))
            self._request_publish()
        # the jobs follow last, once nothing can fail on the database: moved before a failure,
        # they no longer matched `applied`, and a save putting the file back as it was left
        # a source the failed one took out unscheduled until a restart
        before = {s.id: s for s in old.sources if s.enabled}
        after = {s.id: s for s in config.sources if s.enabled}
        for source_id in before.keys() - after.keys():
            with contextlib.suppress(Exception):  # JobLookupError: already gone
                self.scheduler.remove_job(f"source:{source_id}")
        for source_id, source in after.items():
            if before.get(source_id) != source:
                self._schedule_source(source)
        self.wake_delivery.set()  # channels may have changed
        self.applied = config
        log.info(
            "event=config_reloaded sources=%d added=%d removed=%d",
            len(after),
            len(after.keys() - before.keys()),
            len(before.keys() - after.keys()),
        )


def _poll_done(task: asyncio.Task[Any]) -> None:
    """A poll's task ended: one cut short by a stop is no news; one that raised (a bug: a
    poll's own failures are data) is logged here, as APScheduler did when the job awaited it."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("event=poll_crashed task=%s", task.get_name(), exc_info=error)


def _kept(old: Config, new: Config) -> Config:
    """`new`, keeping the running feeds' output_dir: the server serves the folder it started
    with, so publishing stays there too until a restart (said once, naming the key)."""
    if new.output_dir == old.output_dir:
        return new
    log.warning(
        "event=config_needs_restart section=feeds key=output_dir running=%s new=%s",
        old.output_dir,
        new.output_dir,
    )
    feeds = new.feeds.model_copy(update={"output_dir": str(old.output_dir)})
    return new.model_copy(update={"feeds": feeds})


def _refusal(old: Config, new: Config) -> str | None:
    """Why a valid file must not replace the running config, if it must not."""
    if old.sources and not new.sources:
        return (
            f"sources: the new file lists no source (the running config has {len(old.sources)}):"
            " refused, the running config stays; to stop every source keep them listed with"
            " enabled = false"
        )
    return None


def _published_view(config: Config) -> tuple[Any, ...]:
    return (config.categories, config.regencies, config.feeds)


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
